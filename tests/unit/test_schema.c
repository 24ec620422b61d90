/* Unit tests of schema.c's pure parts: canonical keys (escapes as
 * MariaDB's JSON_ARRAY writes them, binary parts in hex) decoded and
 * encoded back, malformed key text refused, and the SQL pieces built
 * from a table's key. schema_load needs a database and is not tested
 * here. */
#include "tap.h"
#include "tables.h"
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

static const struct config_table one_conf = {.name = "one"};
static const struct config_table two_conf = {.name = "two"};
static const struct config_table three_conf = {.name = "three"};

/* one: key (id), text; two: key (b, a), b bytes, out of column order;
 * three: key (x, y, z). */
static struct tmeta *one, *two, *three;

static void
setup(void)
{
	static const struct col_spec c1[] = {
	    {"id", "varchar", false},
	    {"v", "int", false},
	};
	static const struct col_spec c2[] = {
	    {"a", "varchar", false},
	    {"b", "varbinary", true},
	    {"v", "int", false},
	};
	static const struct col_spec c3[] = {
	    {"x", "int", false},
	    {"y", "int", false},
	    {"z", "int", false},
	    {"q`r", "int", false},
	};
	static const size_t pk1[] = {0}, pk2[] = {1, 0}, pk3[] = {0, 1, 2};

	one = unit_table(&one_conf, c1, 2, pk1, 1, -1);
	two = unit_table(&two_conf, c2, 3, pk2, 2, -1);
	three = unit_table(&three_conf, c3, 4, pk3, 3, -1);
}

static void
teardown(void)
{
	schema_free(one);
	schema_free(two);
	schema_free(three);
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

/* The canonical key of one's key text is want; decoded it gives the
 * value back, and encoded again the same text. */
static void
text_key(const char *p, size_t len, const char *want)
{
	struct qval key = {p, len, false, false}, *back = NULL;
	struct nr_err err;
	char *pk, *again;

	pk = schema_pk_canonical(one, &key);
	ck_assert_str_eq(pk, want);
	ck_assert_int_eq(schema_key_decode(one, pk, &back, &err), NR_OK);
	ck_bytes(&back[0], p, len);
	ck_assert(!back[0].binary);
	again = schema_pk_canonical(one, back);
	ck_assert_str_eq(again, pk);
	free(again);
	free(pk);
	schema_key_values_free(back, 1);
}

START_TEST(text_keys_escape_as_mariadb_does)
{
	text_key("42", 2, "[\"42\"]");
	text_key("", 0, "[\"\"]");
	text_key("a\"b\\c", 5, "[\"a\\\"b\\\\c\"]");
	text_key("\b\f\n\r\t", 5, "[\"\\b\\f\\n\\r\\t\"]");
	/* Other control characters as \u00XX, upper-case digits. */
	text_key("\x01\x1f\x1b", 3, "[\"\\u0001\\u001F\\u001B\"]");
	text_key("a\0b", 3, "[\"a\\u0000b\"]");
	/* Nothing else is escaped: not "/", DEL, nor UTF-8. */
	text_key("/\x7f caf\xc3\xa9 ,]", 11, "[\"/\x7f caf\xc3\xa9 ,]\"]");
	text_key("[\"x\", \"y\"]", 10, "[\"[\\\"x\\\", \\\"y\\\"]\"]");
}
END_TEST

START_TEST(composite_keys_with_binary_parts)
{
	/* two's key is (b, a): b first, in upper-case hex. */
	struct qval key[2] = {
	    {"\x00\x7f\x80\xff", 4, false, true},
	    {"x, \"y\"", 6, false, false},
	};
	struct qval *back = NULL;
	struct nr_err err;
	char *pk, *again;

	pk = schema_pk_canonical(two, key);
	ck_assert_str_eq(pk, "[\"007F80FF\", \"x, \\\"y\\\"\"]");
	ck_assert_int_eq(schema_key_decode(two, pk, &back, &err), NR_OK);
	ck_bytes(&back[0], "\x00\x7f\x80\xff", 4);
	ck_assert(back[0].binary);
	ck_bytes(&back[1], "x, \"y\"", 6);
	ck_assert(!back[1].binary);
	again = schema_pk_canonical(two, back);
	ck_assert_str_eq(again, pk);
	free(again);
	free(pk);
	schema_key_values_free(back, 2);

	/* Empty parts. */
	key[0].len = 0;
	key[1].len = 0;
	pk = schema_pk_canonical(two, key);
	ck_assert_str_eq(pk, "[\"\", \"\"]");
	ck_assert_int_eq(schema_key_decode(two, pk, &back, &err), NR_OK);
	ck_bytes(&back[0], "", 0);
	ck_bytes(&back[1], "", 0);
	free(pk);
	schema_key_values_free(back, 2);
}
END_TEST

START_TEST(keys_as_other_json_writers_give_them)
{
	struct qval *back = NULL;
	struct nr_err err;
	char *pk;

	/* No spaces, lower-case hex, \u escapes of printable characters:
	 * the same values, and the canonical text once encoded again. */
	ck_assert_int_eq(
	    schema_key_decode(two, "[\"0aff\",\"\\u0041\\/\"]", &back, &err),
	    NR_OK);
	ck_bytes(&back[0], "\x0a\xff", 2);
	ck_bytes(&back[1], "A/", 2);
	pk = schema_pk_canonical(two, back);
	ck_assert_str_eq(pk, "[\"0AFF\", \"A/\"]");
	free(pk);
	schema_key_values_free(back, 2);
	ck_assert_int_eq(schema_key_decode(one, " [ \"k\" ] ", &back, &err),
			 NR_OK);
	ck_bytes(&back[0], "k", 1);
	schema_key_values_free(back, 1);
}
END_TEST

/* schema_key_decode of pk for tm fails with NR_EINVAL, no values and the
 * message want. */
static void
key_refused(const struct tmeta *tm, const char *pk, const char *want)
{
	struct qval *back = (struct qval *)&back;
	struct nr_err err;

	err_clear(&err);
	ck_assert_int_eq(schema_key_decode(tm, pk, &back, &err), NR_EINVAL);
	ck_assert_int_eq(err.code, NR_EINVAL);
	ck_assert_ptr_null(back);
	ck_assert_msg(strcmp(err.msg, want) == 0,
		      "%s: got \"%s\", want "
		      "\"%s\"",
		      pk, err.msg, want);
}

START_TEST(malformed_keys_are_refused)
{
	char pk[400], want[300];

	key_refused(one, "", "table one: malformed key ");
	key_refused(one, "nope", "table one: malformed key nope");
	key_refused(one, "\"k\"", "table one: malformed key \"k\"");
	key_refused(one, "{\"id\": \"k\"}",
		    "table one: malformed key {\"id\": \"k\"}");
	key_refused(one, "[\"k\"", "table one: malformed key [\"k\"");
	key_refused(one, "[]", "table one: malformed key []");
	key_refused(one, "[\"a\", \"b\"]",
		    "table one: malformed key [\"a\", \"b\"]");
	key_refused(two, "[\"00\"]", "table two: malformed key [\"00\"]");
	key_refused(one, "[7]",
		    "table one: key value 0 is not a string in [7]");
	key_refused(one, "[null]",
		    "table one: key value 0 is not a string in [null]");
	key_refused(one, "[[\"k\"]]",
		    "table one: key value 0 is not a string in [[\"k\"]]");
	key_refused(two, "[\"00\", 1]",
		    "table two: key value 1 is not a string in [\"00\", 1]");
	/* Hex of whole bytes, hex digits only. */
	key_refused(two, "[\"0\", \"a\"]",
		    "table two: bad hex in key [\"0\", \"a\"]");
	key_refused(two, "[\"ABC\", \"a\"]",
		    "table two: bad hex in key [\"ABC\", \"a\"]");
	key_refused(two, "[\"zz\", \"a\"]",
		    "table two: bad hex in key [\"zz\", \"a\"]");
	key_refused(two, "[\"00zz\", \"a\"]",
		    "table two: bad hex in key [\"00zz\", \"a\"]");
	/* One spelling per byte: no sign, space, prefix or stray digit. */
	key_refused(two, "[\"0g\", \"a\"]",
		    "table two: bad hex in key [\"0g\", \"a\"]");
	key_refused(two, "[\"-1\", \"a\"]",
		    "table two: bad hex in key [\"-1\", \"a\"]");
	key_refused(two, "[\"+f\", \"a\"]",
		    "table two: bad hex in key [\"+f\", \"a\"]");
	key_refused(two, "[\"0x\", \"a\"]",
		    "table two: bad hex in key [\"0x\", \"a\"]");
	key_refused(two, "[\" 1\", \"a\"]",
		    "table two: bad hex in key [\" 1\", \"a\"]");
	key_refused(two, "[\" 1A2\", \"a\"]",
		    "table two: bad hex in key [\" 1A2\", \"a\"]");
	/* Strict JSON, and nothing after it. */
	key_refused(one, "[\"k\"]x", "table one: malformed key [\"k\"]x");
	key_refused(one, "[\"k\",]", "table one: malformed key [\"k\",]");
	key_refused(one, "['k']", "table one: malformed key ['k']");
	key_refused(one, "[\"k\"]]", "table one: malformed key [\"k\"]]");
	key_refused(one, "[\"k\"] [1]", "table one: malformed key [\"k\"] [1]");
	/* The key is cut at 200 bytes in the message. */
	snprintf(pk, sizeof(pk), "[\"%0300d\"", 0);
	snprintf(want, sizeof(want), "table one: malformed key %.200s", pk);
	key_refused(one, pk, want);
	ck_assert_uint_eq(strlen(want),
			  strlen("table one: malformed key ") + 200);
}
END_TEST

START_TEST(row_keys_in_key_order)
{
	const struct qval row[3] = {
	    {"a", 1, false, false},
	    {"\x01", 1, false, true},
	    {NULL, 0, true, false},
	};
	struct qval key[2];
	char *pk;

	schema_row_key(two, row, key);
	ck_assert_ptr_eq(key[0].p, row[1].p);
	ck_assert_ptr_eq(key[1].p, row[0].p);
	pk = schema_pk_canonical(two, key);
	ck_assert_str_eq(pk, "[\"01\", \"a\"]");
	free(pk);
}
END_TEST

START_TEST(sql_pieces_of_the_key)
{
	struct buf b;

	buf_init(&b, 0);
	schema_pkexpr(two, "NEW.", &b);
	ck_assert_str_eq(buf_str(&b), "JSON_ARRAY(HEX(NEW.`b`), "
				      "CAST(NEW.`a` AS CHAR))");
	buf_reset(&b);
	schema_pkexpr(one, "", &b);
	ck_assert_str_eq(buf_str(&b), "JSON_ARRAY(CAST(`id` AS CHAR))");
	buf_reset(&b);
	schema_collist(two, "t.", &b);
	ck_assert_str_eq(buf_str(&b), "t.`a`, t.`b`, t.`v`");
	buf_reset(&b);
	schema_collist(three, "", &b);
	ck_assert_str_eq(buf_str(&b), "`x`, `y`, `z`, `q``r`");
	buf_reset(&b);
	schema_key_eq(two, &b);
	ck_assert_str_eq(buf_str(&b), "`b` = ? AND `a` = ?");
	buf_reset(&b);
	schema_key_eq(one, &b);
	ck_assert_str_eq(buf_str(&b), "`id` = ?");
	buf_reset(&b);
	schema_key_order(two, &b);
	ck_assert_str_eq(buf_str(&b), "`b`, `a`");
	buf_reset(&b);
	schema_key_order(three, &b);
	ck_assert_str_eq(buf_str(&b), "`x`, `y`, `z`");
	buf_free(&b);
}
END_TEST

START_TEST(key_ranges_column_by_column)
{
	const struct qval key[3] = {
	    {"1", 1, false, false},
	    {"2", 1, false, false},
	    {"3", 1, false, false},
	};
	struct qval params[6];
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	schema_key_cmp(one, ">", &b);
	ck_assert_str_eq(buf_str(&b), "((`id` > ?))");
	ck_assert_uint_eq(schema_key_cmp_nparams(one), 1);
	buf_reset(&b);
	schema_key_cmp(two, ">", &b);
	ck_assert_str_eq(buf_str(&b), "((`b` > ?) OR (`b` = ? AND `a` > ?))");
	buf_reset(&b);
	/* Only the last column takes the inclusive operator. */
	schema_key_cmp(two, ">=", &b);
	ck_assert_str_eq(buf_str(&b), "((`b` > ?) OR (`b` = ? AND `a` >= ?))");
	buf_reset(&b);
	schema_key_cmp(three, "<=", &b);
	ck_assert_str_eq(buf_str(&b), "((`x` < ?) OR (`x` = ? AND `y` < ?) OR "
				      "(`x` = ? AND `y` = ? AND `z` <= ?))");
	ck_assert_uint_eq(schema_key_cmp_nparams(two), 3);
	ck_assert_uint_eq(schema_key_cmp_nparams(three), 6);
	buf_free(&b);
	/* The parameters follow the placeholders. */
	memset(params, 0, sizeof(params));
	schema_key_cmp_params(three, key, params);
	{
		static const int want[6] = {0, 0, 1, 0, 1, 2};

		for (i = 0; i < 6; i++)
			ck_assert_ptr_eq(params[i].p, key[want[i]].p);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("schema");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_keys_escape_as_mariadb_does);
	tcase_add_test(tc, composite_keys_with_binary_parts);
	tcase_add_test(tc, keys_as_other_json_writers_give_them);
	tcase_add_test(tc, malformed_keys_are_refused);
	tcase_add_test(tc, row_keys_in_key_order);
	tcase_add_test(tc, sql_pieces_of_the_key);
	tcase_add_test(tc, key_ranges_column_by_column);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
