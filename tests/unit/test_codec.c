/* Unit tests of codec.c: rows, changes and pushed rows to JSON and back,
 * byte for byte (NULLs, binary data, keys in hex), the write times a
 * change may carry, and malformed input refused with NR_EINVAL and a
 * message naming the problem. */
#include "tap.h"
#include "tables.h"
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util.h"

static char secret[] = "secret";
static char *ignore_v[] = {secret};
static const struct config_table items_conf = {.name = "items",
					       .ignore = {ignore_v, 1}};
static const struct config_table pairs_conf = {.name = "pairs"};
static const struct config_table wide_conf = {.name = "wide"};

static struct tmeta *items, *pairs;

static void
setup(void)
{
	static const struct col_spec ic[] = {
	    {"id", "int", false},
	    {"name", "varchar", false},
	    {"data", "blob", true},
	    {"updated_at", "datetime", false},
	};
	static const struct col_spec pc[] = {
	    {"a", "varchar", false},
	    {"b", "varbinary", true},
	    {"v", "int", false},
	};
	static const size_t ipk[] = {0}, ppk[] = {1, 0};

	items = unit_table(&items_conf, ic, 4, ipk, 1, 3);
	pairs = unit_table(&pairs_conf, pc, 3, ppk, 2, -1);
}

static void
teardown(void)
{
	schema_free(items);
	schema_free(pairs);
}

static json_object *
parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "test JSON does not parse: %s", text);
	return o;
}

static const char *
plain(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* v holds exactly the len bytes of p, NUL-terminated. */
static void
ck_bytes(const struct qval *v, const char *p, size_t len)
{
	ck_assert(!v->null);
	ck_assert_uint_eq(v->len, len);
	ck_assert_mem_eq(v->p, p, len);
	ck_assert_int_eq(v->p[len], '\0');
}

static void
ck_text(const struct qval *v, const char *s)
{
	ck_bytes(v, s, strlen(s));
}

START_TEST(rows_encode_nulls_text_and_binary)
{
	char *names[] = {"id", "name", "data", "updated_at"};
	const bool binary[] = {false, false, true, false};
	const struct qval vals[] = {
	    {"7", 1, false, false},
	    {"a\"b\0c", 5, false, false},
	    {"\x00\xff\x10", 3, false, true},
	    {NULL, 0, true, false},
	};
	struct qval *back = NULL;
	struct nr_err err;
	json_object *o;

	o = codec_row(names, binary, vals, 4);
	ck_assert_str_eq(plain(o), "{\"id\":\"7\",\"name\":\"a\\\"b\\u0000c\","
				   "\"data\":{\"$b64\":\"AP8Q\"},"
				   "\"updated_at\":null}");
	ck_assert_int_eq(codec_row_parse(o, items, &back, &err), NR_OK);
	ck_text(&back[0], "7");
	ck_assert(!back[0].binary);
	ck_bytes(&back[1], "a\"b\0c", 5);
	ck_bytes(&back[2], "\x00\xff\x10", 3);
	ck_assert(back[2].binary);
	ck_assert(back[3].null);
	ck_assert_ptr_null(back[3].p);
	schema_key_values_free(back, items->ncols);
	json_object_put(o);
}
END_TEST

START_TEST(row_values_from_every_json_type)
{
	struct qval *v = NULL;
	struct nr_err err;
	json_object *o;

	/* A number keeps the text it was written with; booleans are 1
	 * and 0; base64 may lack padding or use the URL alphabet. */
	o = parse("{\"id\": 1.50, \"name\": true, \"data\": {\"$b64\": "
		  "\"aGk\"}, \"updated_at\": \"2024-01-31 12:00:00\"}");
	ck_assert_int_eq(codec_row_parse(o, items, &v, &err), NR_OK);
	ck_text(&v[0], "1.50");
	ck_text(&v[1], "1");
	ck_text(&v[2], "hi");
	ck_text(&v[3], "2024-01-31 12:00:00");
	schema_key_values_free(v, items->ncols);
	json_object_put(o);

	o = parse("{\"id\": -7, \"name\": false, \"data\": {\"$b64\": "
		  "\"-_8\"}, \"updated_at\": 12345678901234567890}");
	ck_assert_int_eq(codec_row_parse(o, items, &v, &err), NR_OK);
	ck_text(&v[0], "-7");
	ck_text(&v[1], "0");
	ck_bytes(&v[2], "\xfb\xff", 2);
	ck_text(&v[3], "12345678901234567890");
	schema_key_values_free(v, items->ncols);
	json_object_put(o);

	/* An empty string is a value, not a NULL. */
	o = parse("{\"id\": \"\", \"name\": \"\", \"data\": {\"$b64\": \"\"}, "
		  "\"updated_at\": null}");
	ck_assert_int_eq(codec_row_parse(o, items, &v, &err), NR_OK);
	ck_bytes(&v[0], "", 0);
	ck_bytes(&v[2], "", 0);
	ck_assert(v[2].binary);
	ck_assert(v[3].null);
	schema_key_values_free(v, items->ncols);
	json_object_put(o);
}
END_TEST

START_TEST(ignored_columns_are_dropped)
{
	struct qval *v = NULL;
	struct nr_err err;
	json_object *o;

	o = parse("{\"secret\": \"s\", \"id\": \"1\", \"name\": \"n\", "
		  "\"data\": null, \"updated_at\": null}");
	ck_assert_int_eq(codec_row_parse(o, items, &v, &err), NR_OK);
	ck_text(&v[0], "1");
	ck_text(&v[1], "n");
	ck_assert(v[2].null);
	ck_assert(v[3].null);
	schema_key_values_free(v, items->ncols);
	json_object_put(o);
}
END_TEST

/* codec_row_parse refuses text with NR_EINVAL, a message holding want
 * and no values. */
static void
row_refused(const char *text, const char *want)
{
	struct qval *v = (struct qval *)&v;
	struct nr_err err;
	json_object *o = parse(text);

	err_clear(&err);
	ck_assert_int_eq(codec_row_parse(o, items, &v, &err), NR_EINVAL);
	ck_assert_int_eq(err.code, NR_EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(err.msg, want) != NULL,
		      "%s: got \"%s\", want "
		      "\"%s\"",
		      text, err.msg, want);
	json_object_put(o);
}

START_TEST(bad_rows_are_refused)
{
	char text[512], want[256];

	row_refused("[1]", "a row must be a JSON object");
	row_refused("\"id\"", "a row must be a JSON object");
	row_refused("{\"id\": \"1\", \"name\": \"n\", \"data\": null, "
		    "\"updated_at\": null, \"color\": \"red\"}",
		    "unknown column 'color' in table items");
	row_refused("{\"id\": \"1\", \"name\": \"n\", \"data\": null}",
		    "row has no column updated_at");
	row_refused("{}", "row has no column id");
	row_refused("{\"id\": \"1\", \"name\": [1], \"data\": null, "
		    "\"updated_at\": null}",
		    "column name: expected a string, number, null or "
		    "{\"$b64\": ...}");
	row_refused("{\"id\": \"1\", \"name\": {\"x\": \"y\"}, \"data\": null, "
		    "\"updated_at\": null}",
		    "column name: expected a string");
	row_refused("{\"id\": \"1\", \"name\": \"n\", \"data\": {\"$b64\": 5}, "
		    "\"updated_at\": null}",
		    "column data: expected a string");
	row_refused("{\"id\": \"1\", \"name\": \"n\", \"data\": {\"$b64\": "
		    "\"@@@@\"}, \"updated_at\": null}",
		    "column data: bad base64");
	row_refused("{\"id\": \"1\", \"name\": \"n\", \"data\": {\"$b64\": "
		    "\"QUJDR\"}, \"updated_at\": null}",
		    "column data: bad base64");
	/* An unknown column's name is cut at 64 bytes in the message. */
	snprintf(text, sizeof(text), "{\"%0100d\": 1}", 0);
	snprintf(want, sizeof(want), "unknown column '%064d' in table items",
		 0);
	row_refused(text, want);
}
END_TEST

/* A batch of items with an upsert (every kind of value) and a delete. */
static void
two_changes(struct batch *b)
{
	const struct qval row[] = {
	    {"7", 1, false, false},
	    {"x\ty", 3, false, false},
	    {"\x00\xff\x10", 3, false, true},
	    {"2024-01-31 12:00:00.123456", 26, false, false},
	};
	struct change *c;

	batch_init(b, items);
	c = batch_add(b, 'U', "[\"7\"]", "hq", "2024-01-31 12:00:00.123456");
	batch_set_row(b, c, row);
	batch_add(b, 'D', "[\"8\"]", "client:web-1", NULL);
}

START_TEST(changes_round_trip)
{
	static const char want[] =
	    "[{\"op\":\"U\",\"pk\":[\"7\"],\"row\":{\"id\":\"7\","
	    "\"name\":\"x\\ty\",\"data\":{\"$b64\":\"AP8Q\"},"
	    "\"updated_at\":\"2024-01-31 12:00:00.123456\"},"
	    "\"origin\":\"hq\",\"ts\":\"2024-01-31 12:00:00.123456\"},"
	    "{\"op\":\"D\",\"pk\":[\"8\"],\"row\":null,"
	    "\"origin\":\"client:web-1\",\"ts\":null}]";
	struct batch b, back;
	struct nr_err err;
	json_object *arr, *again;

	two_changes(&b);
	arr = codec_changes(&b);
	ck_assert_str_eq(plain(arr), want);
	ck_assert_int_eq(codec_changes_parse(arr, items, 10, &back, &err),
			 NR_OK);
	ck_assert_str_eq(back.table, "items");
	ck_assert_uint_eq(back.ncols, 4);
	ck_assert_str_eq(back.cols[2], "data");
	ck_assert(back.binary[2] && !back.binary[1]);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_int_eq(back.v[0].op, 'U');
	ck_assert_str_eq(back.v[0].pk, "[\"7\"]");
	ck_assert_str_eq(back.v[0].origin, "hq");
	ck_assert_str_eq(back.v[0].ts, "2024-01-31 12:00:00.123456");
	ck_text(&back.v[0].vals[0], "7");
	ck_text(&back.v[0].vals[1], "x\ty");
	ck_bytes(&back.v[0].vals[2], "\x00\xff\x10", 3);
	ck_assert(back.v[0].vals[2].binary);
	ck_text(&back.v[0].vals[3], "2024-01-31 12:00:00.123456");
	ck_assert_int_eq(back.v[1].op, 'D');
	ck_assert_str_eq(back.v[1].pk, "[\"8\"]");
	ck_assert_str_eq(back.v[1].origin, "client:web-1");
	ck_assert_ptr_null(back.v[1].ts);
	ck_assert_ptr_null(back.v[1].vals);
	again = codec_changes(&back);
	ck_assert_str_eq(plain(again), want);
	json_object_put(again);
	json_object_put(arr);
	batch_free(&back);
	batch_free(&b);
}
END_TEST

START_TEST(composite_and_binary_keys)
{
	struct batch b;
	struct nr_err err;
	json_object *arr;

	/* Key order (b, a) is not column order; b is bytes, in hex (either
	 * case in, upper case in the canonical key); a needs escapes. */
	arr = parse("[{\"op\": \"U\", \"pk\": [\"00ab\", \"x\\\"y\\\\z\\n\"], "
		    "\"row\": {\"a\": \"x\\\"y\\\\z\\n\", \"b\": {\"$b64\": "
		    "\"AKs=\"}, \"v\": 5}, \"origin\": \"east\"}, "
		    "{\"op\": \"D\", \"pk\": [\"\", \"\\u0001\"], "
		    "\"origin\": \"east\", \"ts\": null}]");
	ck_assert_int_eq(codec_changes_parse(arr, pairs, 10, &b, &err), NR_OK);
	json_object_put(arr);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_str_eq(b.v[0].pk, "[\"00AB\", \"x\\\"y\\\\z\\n\"]");
	ck_assert_ptr_null(b.v[0].ts);
	ck_text(&b.v[0].vals[0], "x\"y\\z\n");
	ck_bytes(&b.v[0].vals[1], "\x00\xab", 2);
	ck_text(&b.v[0].vals[2], "5");
	/* An empty binary key part; a control character as MariaDB
	 * escapes it. */
	ck_assert_str_eq(b.v[1].pk, "[\"\", \"\\u0001\"]");
	arr = codec_changes(&b);
	ck_assert_str_eq(plain(arr),
			 "[{\"op\":\"U\",\"pk\":[\"00AB\",\"x\\\"y\\\\z\\n\"],"
			 "\"row\":{\"a\":\"x\\\"y\\\\z\\n\",\"b\":{\"$b64\":"
			 "\"AKs=\"},\"v\":\"5\"},\"origin\":\"east\","
			 "\"ts\":null},{\"op\":\"D\",\"pk\":[\"\",\"\\u0001\"],"
			 "\"row\":null,\"origin\":\"east\",\"ts\":null}]");
	json_object_put(arr);
	batch_free(&b);
}
END_TEST

/* codec_changes_parse of text (for tm, at most 10) fails with NR_EINVAL
 * and a message that is exactly want. */
static void
changes_refused(const struct tmeta *tm, const char *text, const char *want)
{
	struct batch b;
	struct nr_err err;
	json_object *arr = parse(text);

	err_clear(&err);
	ck_assert_int_eq(codec_changes_parse(arr, tm, 10, &b, &err), NR_EINVAL);
	ck_assert_int_eq(err.code, NR_EINVAL);
	ck_assert_msg(strcmp(err.msg, want) == 0,
		      "%s: got \"%s\", want "
		      "\"%s\"",
		      text, err.msg, want);
	/* b is initialised even so, for the caller to free. */
	ck_assert_str_eq(b.table, tm->name);
	batch_free(&b);
	json_object_put(arr);
}

#define ROW7                                                                   \
	"{\"id\": \"7\", \"name\": \"n\", \"data\": null, "                    \
	"\"updated_at\": null}"
#define GOOD                                                                   \
	"{\"op\": \"U\", \"pk\": [\"7\"], \"row\": " ROW7 ", "                 \
	"\"origin\": \"hq\"}"

START_TEST(bad_changes_are_refused)
{
	static const char ts_msg[] = "changes[0]: ts must be a time like "
				     "2024-01-31 12:00:00.000000, or null";
	static const char origin_msg[] = "changes[0]: origin must be a node "
					 "id (letters, digits, _ . -) or "
					 "client:<id>";
	static const char op_msg[] = "changes[0]: op must be \"U\" or \"D\"";
	static const char pk_msg[] = "changes[0]: pk must be an array of 1 "
				     "strings";

	changes_refused(items, "{}", "changes must be an array");
	changes_refused(items, "[1]", "changes[0]: a change must be an object");
	changes_refused(items, "[{\"pk\": [\"7\"], \"origin\": \"hq\"}]",
			op_msg);
	changes_refused(items,
			"[{\"op\": \"u\", \"pk\": [\"7\"], "
			"\"row\": " ROW7 ", \"origin\": \"hq\"}]",
			op_msg);
	changes_refused(items,
			"[{\"op\": \"UPSERT\", \"pk\": [\"7\"], "
			"\"origin\": \"hq\"}]",
			op_msg);
	changes_refused(items,
			"[{\"op\": 1, \"pk\": [\"7\"], "
			"\"origin\": \"hq\"}]",
			op_msg);
	changes_refused(items, "[{\"op\": \"D\", \"pk\": [\"7\"]}]",
			origin_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"origin\": \"a b\"}]",
			origin_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"origin\": \"client:\"}]",
			origin_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"origin\": 5}]",
			origin_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"origin\": \"hq\", \"ts\": \"yesterday\"}]",
			ts_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"origin\": \"hq\", \"ts\": 1706702400}]",
			ts_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": \"7\", "
			"\"origin\": \"hq\"}]",
			pk_msg);
	changes_refused(items, "[{\"op\": \"D\", \"origin\": \"hq\"}]", pk_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [], "
			"\"origin\": \"hq\"}]",
			pk_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\", \"8\"], "
			"\"origin\": \"hq\"}]",
			pk_msg);
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [7], "
			"\"origin\": \"hq\"}]",
			"changes[0]: table items: key value 0 is not a string "
			"in [7]");
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [null], "
			"\"origin\": \"hq\"}]",
			"changes[0]: table items: key value 0 is not a string "
			"in [null]");
	changes_refused(pairs,
			"[{\"op\": \"D\", \"pk\": [\"zz\", \"a\"], "
			"\"origin\": \"hq\"}]",
			"changes[0]: table pairs: bad hex in key "
			"[\"zz\",\"a\"]");
	changes_refused(pairs,
			"[{\"op\": \"D\", \"pk\": [\"0\", \"a\"], "
			"\"origin\": \"hq\"}]",
			"changes[0]: table pairs: bad hex in key "
			"[\"0\",\"a\"]");
	changes_refused(items,
			"[{\"op\": \"U\", \"pk\": [\"7\"], "
			"\"origin\": \"hq\"}]",
			"changes[0]: an upsert needs a row");
	changes_refused(items,
			"[{\"op\": \"U\", \"pk\": [\"7\"], "
			"\"row\": null, \"origin\": \"hq\"}]",
			"changes[0]: an upsert needs a row");
	changes_refused(items,
			"[{\"op\": \"D\", \"pk\": [\"7\"], "
			"\"row\": {}, \"origin\": \"hq\"}]",
			"changes[0]: a delete has no row");
	changes_refused(items,
			"[{\"op\": \"U\", \"pk\": [\"8\"], "
			"\"row\": " ROW7 ", \"origin\": \"hq\"}]",
			"changes[0]: pk does not match the row's key");
	changes_refused(items,
			"[{\"op\": \"U\", \"pk\": [\"7\"], "
			"\"row\": {\"name\": \"n\"}, \"origin\": \"hq\"}]",
			"changes[0]: row has no column id");
	/* Only an identifier can be a column the source has and this
	 * table not yet; anything else is refused. */
	changes_refused(
	    items,
	    "[{\"op\": \"U\", \"pk\": [\"7\"], "
	    "\"row\": {\"id\": \"7\", \"x,\": 1}, \"origin\": \"hq\"}]",
	    "changes[0]: unknown column 'x,' in table items");
	/* The index names the change at fault. */
	changes_refused(items, "[" GOOD ", " GOOD ", {\"op\": \"X\"}]",
			"changes[2]: op must be \"U\" or \"D\"");
}
END_TEST

/* While environments' columns differ (a rolling schema change), a row
 * leaves out the columns its source lacks, and the columns this table
 * lacks are dropped and named in the batch. */
START_TEST(rows_of_another_schema_version)
{
	struct batch b;
	struct nr_err err;
	json_object *arr;

	arr = parse(
	    "[{\"op\": \"U\", \"pk\": [\"7\"], \"row\": {\"id\": "
	    "\"7\", \"name\": \"n\", \"x\": 1, \"y\": 2}, "
	    "\"origin\": \"hq\"}, {\"op\": \"U\", \"pk\": [\"8\"], "
	    "\"row\": {\"id\": \"8\", \"name\": \"m\", \"data\": null, "
	    "\"updated_at\": null, \"x\": 3}, \"origin\": \"hq\"}, " GOOD "]");
	ck_assert_int_eq(codec_changes_parse(arr, items, 10, &b, &err), NR_OK);
	json_object_put(arr);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_str_eq(b.dropped, "x, y");
	ck_assert_ptr_nonnull(b.v[0].given);
	ck_assert(b.v[0].given[0] && b.v[0].given[1] && !b.v[0].given[2] &&
		  !b.v[0].given[3]);
	ck_assert_ptr_null(b.v[1].given);
	ck_assert_ptr_null(b.v[2].given);
	batch_free(&b);
	arr = parse("[" GOOD "]");
	ck_assert_int_eq(codec_changes_parse(arr, items, 10, &b, &err), NR_OK);
	json_object_put(arr);
	ck_assert_ptr_null(b.dropped);
	batch_free(&b);
}
END_TEST

START_TEST(a_null_key_part_never_matches)
{
	struct batch b;
	struct nr_err err;
	json_object *arr;

	/* A NULL key column in the row cannot match the key's text. */
	arr = parse("[{\"op\": \"U\", \"pk\": [\"\"], \"row\": {\"id\": null, "
		    "\"name\": \"n\", \"data\": null, \"updated_at\": null}, "
		    "\"origin\": \"hq\"}]");
	ck_assert_int_eq(codec_changes_parse(arr, items, 10, &b, &err),
			 NR_EINVAL);
	ck_assert_str_eq(err.msg, "changes[0]: pk does not match the row's "
				  "key");
	batch_free(&b);
	json_object_put(arr);
}
END_TEST

START_TEST(batch_limits)
{
	struct tmeta *wide;
	struct col_spec cols[65];
	size_t pk[65], i;
	struct batch b;
	struct nr_err err;
	json_object *arr;

	arr = parse("[" GOOD ", " GOOD ", " GOOD "]");
	ck_assert_int_eq(codec_changes_parse(arr, items, 2, &b, &err),
			 NR_EINVAL);
	ck_assert_str_eq(err.msg, "3 changes; at most 2 in one batch");
	ck_assert_uint_eq(b.n, 0);
	batch_free(&b);
	ck_assert_int_eq(codec_changes_parse(arr, items, 3, &b, &err), NR_OK);
	ck_assert_uint_eq(b.n, 3);
	batch_free(&b);
	json_object_put(arr);

	arr = json_object_new_array();
	ck_assert_int_eq(codec_changes_parse(arr, items, 0, &b, &err), NR_OK);
	ck_assert_uint_eq(b.n, 0);
	batch_free(&b);
	for (i = 0; i <= NR_MAX_BATCH; i++)
		json_object_array_add(arr, NULL);
	ck_assert_int_eq(
	    codec_changes_parse(arr, items, NR_MAX_BATCH, &b, &err), NR_EINVAL);
	ck_assert_str_eq(err.msg, "10001 changes; at most 10000 in one batch");
	batch_free(&b);
	ck_assert_int_eq(
	    codec_rows_parse(arr, items, NR_MAX_BATCH, "hq", &b, &err),
	    NR_EINVAL);
	ck_assert_str_eq(err.msg, "10001 rows; at most 10000 in one push");
	batch_free(&b);
	json_object_put(arr);

	/* Keys of more than 64 columns are refused whole. */
	for (i = 0; i < 65; i++) {
		cols[i].name = "c";
		cols[i].type = "int";
		cols[i].binary = false;
		pk[i] = i;
	}
	wide = unit_table(&wide_conf, cols, 65, pk, 65, -1);
	arr = json_object_new_array();
	ck_assert_int_eq(codec_changes_parse(arr, wide, 10, &b, &err),
			 NR_EINVAL);
	ck_assert_str_eq(err.msg, "table wide: key too wide");
	batch_free(&b);
	ck_assert_int_eq(codec_rows_parse(arr, wide, 10, "hq", &b, &err),
			 NR_EINVAL);
	ck_assert_str_eq(err.msg, "table wide: key too wide");
	batch_free(&b);
	json_object_put(arr);
	schema_free(wide);
}
END_TEST

/* The write time of a delete of key 7 carrying ts (JSON text): NR_OK
 * and the time kept as it was, or NR_EINVAL. */
static int
ts_of(const char *ts_json, char **kept)
{
	char text[256];
	struct batch b;
	struct nr_err err;
	json_object *arr;
	int rc;

	snprintf(text, sizeof(text),
		 "[{\"op\": \"D\", \"pk\": [\"7\"], "
		 "\"origin\": \"hq\", \"ts\": %s}]",
		 ts_json);
	arr = parse(text);
	rc = codec_changes_parse(arr, items, 10, &b, &err);
	*kept = rc == NR_OK ? util_strdup(b.v[0].ts) : NULL;
	batch_free(&b);
	json_object_put(arr);
	return rc;
}

START_TEST(write_times_of_changes)
{
	static const char *const good[] = {
	    "2024-01-31",
	    "2024-01-31 12:00:00",
	    "2024-01-31 12:00:00.1",
	    "2024-01-31 23:59:59.999999",
	    "0000-00-00 00:00:00",
	    "9999-12-31 23:59:59.000000",
	    "2024-02-29 00:00:00.12345",
	};
	static const char *const bad[] = {
	    "\"\"",
	    "\"2024-01-31 12:00:00.\"",
	    "\"2024-01-31 12:00:00.1234567\"",
	    "\"2024-01-31 12:00\"",
	    "\"2024-1-31 12:00:00\"",
	    "\"24-01-31 12:00:00\"",
	    "\"2024/01/31 12:00:00\"",
	    "\"2024-01-31  12:00:00\"",
	    "\" 2024-01-31 12:00:00\"",
	    "\"2024-01-31 12:00:00 \"",
	    "\"2024-01-31 12:00:00Z\"",
	    "\"2024-01-31T12:00:00Z\"",
	    "\"2024-01-31 12:00:00+00:00\"",
	    "\"2024-01-31T\"",
	    "\"1706702400\"",
	    "1706702400",
	    "1.5",
	    "true",
	    "[]",
	    "{}",
	    "\"2024-01-31 12:00:00,5\"",
	    "\"2024-01-31 12.00.00\"",
	};
	char text[64], *kept;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "\"%s\"", good[i]);
		ck_assert_msg(ts_of(text, &kept) == NR_OK, "%s refused",
			      good[i]);
		ck_assert_str_eq(kept, good[i]);
		free(kept);
	}
	ck_assert_int_eq(ts_of("null", &kept), NR_OK);
	ck_assert_ptr_null(kept);
	/* A 'T' is kept as the database writes times: they compare as
	 * text, and 'T' sorts after ' '. */
	ck_assert_int_eq(ts_of("\"2024-01-31T12:00:00.5\"", &kept), NR_OK);
	ck_assert_str_eq(kept, "2024-01-31 12:00:00.5");
	free(kept);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ts_of(bad[i], &kept) == NR_EINVAL, "%s accepted",
			      bad[i]);
		ck_assert_ptr_null(kept);
	}
}
END_TEST

START_TEST(strings_of_objects)
{
	json_object *o = parse("{\"s\": \"x\", \"e\": \"\", \"n\": null, "
			       "\"i\": 1, \"a\": [\"x\"]}");
	bool bad = true;

	ck_assert_str_eq(codec_string(o, "s", &bad), "x");
	ck_assert(!bad);
	bad = true;
	ck_assert_str_eq(codec_string(o, "e", &bad), "");
	ck_assert(!bad);
	bad = true;
	ck_assert_ptr_null(codec_string(o, "n", &bad));
	ck_assert(!bad);
	bad = true;
	ck_assert_ptr_null(codec_string(o, "absent", &bad));
	ck_assert(!bad);
	ck_assert_ptr_null(codec_string(o, "i", &bad));
	ck_assert(bad);
	bad = false;
	ck_assert_ptr_null(codec_string(o, "a", &bad));
	ck_assert(bad);
	ck_assert_ptr_null(codec_string(o, "i", NULL));
	ck_assert_str_eq(codec_string(o, "s", NULL), "x");
	json_object_put(o);
}
END_TEST

/* codec_key_parse of text for tm: NR_OK and the key want, or the code
 * and message want. */
static void
key_of(const struct tmeta *tm, const char *text, int code, const char *want)
{
	json_object *o = parse(text);
	char *pk = (char *)&pk;
	struct nr_err err;

	err_clear(&err);
	ck_assert_int_eq(codec_key_parse(o, tm, &pk, &err), code);
	if (code == NR_OK) {
		ck_assert_str_eq(pk, want);
	} else {
		ck_assert_ptr_null(pk);
		ck_assert_int_eq(err.code, code);
		ck_assert_msg(strcmp(err.msg, want) == 0,
			      "%s: got \"%s\", "
			      "want \"%s\"",
			      text, err.msg, want);
	}
	free(pk);
	json_object_put(o);
}

START_TEST(keys_of_rows)
{
	/* Only key columns are read: others may be anything. */
	key_of(items, "{\"id\": 42, \"name\": [1], \"zzz\": {}}", NR_OK,
	       "[\"42\"]");
	key_of(items, "{\"id\": \"a\\\"b\\\\c\\t\"}", NR_OK,
	       "[\"a\\\"b\\\\c\\t\"]");
	key_of(items, "{\"id\": \"caf\\u00e9\"}", NR_OK, "[\"caf\xc3\xa9\"]");
	key_of(items, "{\"id\": true}", NR_OK, "[\"1\"]");
	key_of(pairs, "{\"a\": \"x\", \"b\": {\"$b64\": \"AKs=\"}}", NR_OK,
	       "[\"00AB\", \"x\"]");
	key_of(pairs, "{\"a\": \"\", \"b\": {\"$b64\": \"\"}}", NR_OK,
	       "[\"\", \"\"]");
	key_of(items, "[]", NR_EINVAL, "a row must be a JSON object");
	key_of(items, "{\"name\": \"n\"}", NR_EINVAL,
	       "row has no key column id");
	key_of(items, "{\"id\": null}", NR_EINVAL, "key column id is null");
	key_of(pairs, "{\"a\": \"x\", \"b\": null}", NR_EINVAL,
	       "key column b is null");
	key_of(pairs, "{\"a\": \"x\"}", NR_EINVAL, "row has no key column b");
	key_of(items, "{\"id\": [1]}", NR_EINVAL,
	       "column id: expected a string, number, null or "
	       "{\"$b64\": ...}");
	key_of(pairs, "{\"a\": \"x\", \"b\": {\"$b64\": \"!\"}}", NR_EINVAL,
	       "column b: bad base64");
}
END_TEST

START_TEST(pushed_rows_become_upserts)
{
	struct batch b;
	struct nr_err err;
	json_object *arr;

	arr = parse("[{\"id\": 1, \"name\": \"a\", \"data\": {\"$b64\": "
		    "\"AA==\"}, \"updated_at\": \"2024-01-31 12:00:00.5\"}, "
		    "{\"id\": \"2\", \"name\": null, \"data\": null, "
		    "\"updated_at\": null, \"secret\": 1}]");
	ck_assert_int_eq(
	    codec_rows_parse(arr, items, 10, "client:web-1", &b, &err), NR_OK);
	json_object_put(arr);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_int_eq(b.v[0].op, 'U');
	ck_assert_str_eq(b.v[0].pk, "[\"1\"]");
	ck_assert_str_eq(b.v[0].origin, "client:web-1");
	ck_assert_str_eq(b.v[0].ts, "2024-01-31 12:00:00.5");
	ck_text(&b.v[0].vals[0], "1");
	ck_bytes(&b.v[0].vals[2], "\0", 1);
	ck_assert(b.v[0].vals[2].binary);
	ck_assert_int_eq(b.v[1].op, 'U');
	ck_assert_str_eq(b.v[1].pk, "[\"2\"]");
	ck_assert_ptr_null(b.v[1].ts);
	ck_assert(b.v[1].vals[1].null);
	batch_free(&b);

	/* A table without a timestamp column: no write time. */
	arr = parse("[{\"a\": \"k\", \"b\": {\"$b64\": \"/w==\"}, "
		    "\"v\": \"2024-01-31 12:00:00\"}]");
	ck_assert_int_eq(codec_rows_parse(arr, pairs, 10, "hq", &b, &err),
			 NR_OK);
	json_object_put(arr);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(b.v[0].pk, "[\"FF\", \"k\"]");
	ck_assert_ptr_null(b.v[0].ts);
	ck_assert_ptr_null(b.v[0].given);
	batch_free(&b);
}
END_TEST

/* The original client sends rows without the columns it ignores itself:
 * the row says which columns it gives, and a whole row says nothing. */
START_TEST(pushed_rows_may_leave_columns_out)
{
	struct batch b;
	struct nr_err err;
	json_object *arr;

	arr = parse("[{\"id\": 1, \"name\": \"a\", \"updated_at\": "
		    "\"2024-01-31 12:00:00\"}, {\"id\": 2}, " ROW7 "]");
	ck_assert_int_eq(codec_rows_parse(arr, items, 10, "hq", &b, &err),
			 NR_OK);
	json_object_put(arr);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_ptr_nonnull(b.v[0].given);
	ck_assert(b.v[0].given[0] && b.v[0].given[1] && !b.v[0].given[2] &&
		  b.v[0].given[3]);
	ck_assert(b.v[0].vals[2].null);
	ck_assert_str_eq(b.v[0].ts, "2024-01-31 12:00:00");
	/* Only the key: no write time either. */
	ck_assert_ptr_nonnull(b.v[1].given);
	ck_assert(b.v[1].given[0] && !b.v[1].given[1] && !b.v[1].given[2] &&
		  !b.v[1].given[3]);
	ck_assert_ptr_null(b.v[1].ts);
	ck_assert_ptr_null(b.v[2].given);
	batch_free(&b);
}
END_TEST

/* codec_rows_parse of text for items (at most 2) fails with NR_EINVAL
 * and the message want. */
static void
rows_refused(const char *text, const char *want)
{
	struct batch b;
	struct nr_err err;
	json_object *arr = parse(text);

	err_clear(&err);
	ck_assert_int_eq(codec_rows_parse(arr, items, 2, "hq", &b, &err),
			 NR_EINVAL);
	ck_assert_int_eq(err.code, NR_EINVAL);
	ck_assert_msg(strcmp(err.msg, want) == 0,
		      "%s: got \"%s\", want "
		      "\"%s\"",
		      text, err.msg, want);
	batch_free(&b);
	json_object_put(arr);
}

START_TEST(bad_pushed_rows_are_refused)
{
	rows_refused("{}", "data must be an array of rows");
	rows_refused("[" ROW7 ", " ROW7 ", " ROW7 "]",
		     "3 rows; at most 2 in one push");
	rows_refused("[" ROW7 ", 5]", "data[1]: a row must be a JSON object");
	/* A row may leave columns out, but not its key. */
	rows_refused("[" ROW7 ", {\"name\": \"8\"}]",
		     "data[1]: row has no column id");
	rows_refused("[{\"id\": null, \"name\": \"n\", \"data\": null, "
		     "\"updated_at\": null}]",
		     "data[0]: key column id is null");
	rows_refused("[{\"id\": 1, \"name\": \"n\", \"data\": null, "
		     "\"updated_at\": null, \"y\": 2}]",
		     "data[0]: unknown column 'y' in table items");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("codec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rows_encode_nulls_text_and_binary);
	tcase_add_test(tc, row_values_from_every_json_type);
	tcase_add_test(tc, ignored_columns_are_dropped);
	tcase_add_test(tc, bad_rows_are_refused);
	tcase_add_test(tc, changes_round_trip);
	tcase_add_test(tc, composite_and_binary_keys);
	tcase_add_test(tc, bad_changes_are_refused);
	tcase_add_test(tc, rows_of_another_schema_version);
	tcase_add_test(tc, a_null_key_part_never_matches);
	tcase_add_test(tc, batch_limits);
	tcase_add_test(tc, write_times_of_changes);
	tcase_add_test(tc, strings_of_objects);
	tcase_add_test(tc, keys_of_rows);
	tcase_add_test(tc, pushed_rows_become_upserts);
	tcase_add_test(tc, pushed_rows_may_leave_columns_out);
	tcase_add_test(tc, bad_pushed_rows_are_refused);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
