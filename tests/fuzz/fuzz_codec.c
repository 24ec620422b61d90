/* A push body, read as the API reads it (http_json_body), to
 * codec_changes_parse ("changes": the sync protocol) and
 * codec_rows_parse ("data": plain rows), against each of fuzz.h's
 * tables. What parses must survive the trip a pull answer or a push
 * makes: codec_changes, its JSON text, the same strict reading and
 * parsing again give the same batch. */
#include "codec.h"
#include "fuzz.h"
#include "http.h"

#define NTABLES 4

static struct tmeta *tables[NTABLES];

static bool
same_val(const struct qval *a, const struct qval *b)
{
	return a->null == b->null &&
	       (a->null ||
		(a->len == b->len && memcmp(a->p, b->p, a->len) == 0));
}

static bool
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Reads text as http_json_body does; NULL when it refuses it. */
static json_object *
read_json(const char *text, size_t len)
{
	struct http_req req;
	struct nr_err err;
	json_object *o;

	memset(&req, 0, sizeof(req));
	req.body = (char *)text;
	req.body_len = len;
	o = http_json_body(&req, fuzz_config(), &err);
	FUZZ_CHECK(o != NULL || err.msg[0] != '\0');
	return o;
}

/* b, sent as a peer sends it, parses back to the same batch. */
static void
round_trip(const struct batch *b, const struct tmeta *tm)
{
	json_object *body = json_object_new_object(), *o, *arr;
	struct batch again;
	struct nr_err err;
	const char *text;
	size_t len, i, j;

	json_object_object_add(body, "changes", codec_changes(b));
	text = json_object_to_json_string_length(
	    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &len);
	o = read_json(text, len);
	FUZZ_CHECK(o != NULL);
	FUZZ_CHECK(json_object_object_get_ex(o, "changes", &arr));
	FUZZ_CHECK(codec_changes_parse(arr, tm, NR_MAX_BATCH, &again, &err) ==
		   NR_OK);
	FUZZ_CHECK(again.n == b->n && batch_matches(&again, tm));
	for (i = 0; i < b->n; i++) {
		const struct change *x = &b->v[i], *y = &again.v[i];

		FUZZ_CHECK(x->op == y->op && strcmp(x->pk, y->pk) == 0);
		FUZZ_CHECK(strcmp(x->origin, y->origin) == 0);
		FUZZ_CHECK(same_str(x->ts, y->ts));
		FUZZ_CHECK((x->vals == NULL) == (y->vals == NULL));
		for (j = 0; x->vals != NULL && j < b->ncols; j++)
			FUZZ_CHECK(same_val(&x->vals[j], &y->vals[j]));
	}
	batch_free(&again);
	json_object_put(o);
	json_object_put(body);
}

static void
changes(json_object *arr, const struct tmeta *tm)
{
	struct batch b;
	struct nr_err err;
	size_t i;

	if (codec_changes_parse(arr, tm, NR_MAX_BATCH, &b, &err) == NR_OK) {
		FUZZ_CHECK(batch_matches(&b, tm));
		for (i = 0; i < b.n; i++) {
			FUZZ_CHECK(b.v[i].op == 'U' || b.v[i].op == 'D');
			FUZZ_CHECK((b.v[i].op == 'U') == (b.v[i].vals != NULL));
			FUZZ_CHECK(util_is_origin(b.v[i].origin));
			FUZZ_CHECK(b.v[i].ts == NULL ||
				   util_is_datetime(b.v[i].ts));
		}
		round_trip(&b, tm);
	} else {
		FUZZ_CHECK(err.code == NR_EINVAL && err.msg[0] != '\0');
	}
	batch_free(&b);
}

static void
rows(json_object *arr, const struct tmeta *tm)
{
	struct batch b;
	struct nr_err err;
	struct qval key[3];
	size_t i;

	if (codec_rows_parse(arr, tm, NR_MAX_BATCH, "node-1", &b, &err) ==
	    NR_OK) {
		for (i = 0; i < b.n; i++) {
			const struct change *c = &b.v[i];
			char *pk;

			FUZZ_CHECK(c->op == 'U' && c->vals != NULL);
			schema_row_key(tm, c->vals, key);
			pk = schema_pk_canonical(tm, key);
			FUZZ_CHECK(strcmp(pk, c->pk) == 0);
			free(pk);
			FUZZ_CHECK(c->vals[tm->ts].null
				       ? c->ts == NULL
				       : strcmp(c->ts, c->vals[tm->ts].p) == 0);
		}
	} else {
		FUZZ_CHECK(err.code == NR_EINVAL && err.msg[0] != '\0');
	}
	batch_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	json_object *o, *arr;
	size_t t;

	for (t = 0; t < NTABLES; t++)
		if (tables[t] == NULL)
			tables[t] = fuzz_table((unsigned)t);
	/* The body as sent: a NUL byte in it is refused there. */
	o = read_json(text, size);
	for (t = 0; o != NULL && t < NTABLES; t++) {
		if (json_object_object_get_ex(o, "changes", &arr))
			changes(arr, tables[t]);
		if (json_object_object_get_ex(o, "data", &arr))
			rows(arr, tables[t]);
	}
	json_object_put(o);
	free(text);
	return 0;
}
