/* The pure part of POST /sync/changes: a body read as the API reads it
 * (http_json_body), then per change what clients.c's parse_change does
 * once it knows the table: util_norm_time of updated_at, and
 * codec_client_change of the row for tenant "42", against each of
 * fuzz.h's tables. The whole input is also given to util_norm_time as a
 * time. A normalised time is a time of one spelling; an accepted upsert
 * holds the tenant and the time, and its key is its row's. */
#include "codec.h"
#include "fuzz.h"
#include "http.h"

#define NTABLES 4
#define TENANT "42"

static struct tmeta *tables[NTABLES];

static void
check_time(const char *s)
{
	char out[27], again[27];
	size_t i, n = strlen(s);

	if (!util_norm_time(s, out))
		return;
	if (s[n - 1] == 'Z')
		n--;
	FUZZ_CHECK(strlen(out) == 26 && util_is_datetime(out));
	FUZZ_CHECK(out[10] == ' ' && out[19] == '.');
	for (i = 0; i < n && i < 26; i++)
		FUZZ_CHECK(out[i] == s[i] || i == 10 || i == 19);
	FUZZ_CHECK(util_norm_time(out, again));
	FUZZ_CHECK(strcmp(out, again) == 0);
}

static void
check_change(json_object *o, const struct tmeta *tm)
{
	const char *op = codec_string(o, "op", NULL);
	const char *ts = codec_string(o, "updated_at", NULL);
	json_object *row = NULL;
	struct qval *vals = NULL, key[3];
	struct nr_err err;
	char t[27], *pk = NULL, *canon;
	char c;
	int rc;

	if (op == NULL ||
	    (strcmp(op, "upsert") != 0 && strcmp(op, "delete") != 0))
		return;
	c = op[0] == 'u' ? 'U' : 'D';
	if (ts == NULL || !util_norm_time(ts, t))
		return;
	json_object_object_get_ex(o, "row", &row);
	rc = codec_client_change(row, tm, c, TENANT, t, &pk, &vals, &err);
	if (rc != NR_OK) {
		FUZZ_CHECK(pk == NULL && vals == NULL);
		FUZZ_CHECK(rc == NR_EINVAL ||
			   (rc == NR_EFORBIDDEN && c == 'U'));
		return;
	}
	FUZZ_CHECK(pk != NULL && (vals != NULL) == (c == 'U'));
	if (c == 'U') {
		FUZZ_CHECK(strcmp(vals[tm->tenant].p, TENANT) == 0);
		FUZZ_CHECK(strcmp(vals[tm->ts].p, t) == 0);
		schema_row_key(tm, vals, key);
		canon = schema_pk_canonical(tm, key);
		FUZZ_CHECK(strcmp(canon, pk) == 0);
		free(canon);
		schema_key_values_free(vals, tm->ncols);
	}
	free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct http_req req;
	struct nr_err err;
	json_object *o, *arr;
	size_t i, n, t;

	for (t = 0; t < NTABLES; t++)
		if (tables[t] == NULL)
			tables[t] = fuzz_table((unsigned)t);
	check_time(text);
	memset(&req, 0, sizeof(req));
	req.body = text;
	req.body_len = size;
	o = http_json_body(&req, fuzz_config(), &err);
	if (o != NULL && json_object_object_get_ex(o, "changes", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n && i < 1000; i++) {
			json_object *c = json_object_array_get_idx(arr, i);
			const char *ts = codec_string(c, "updated_at", NULL);

			if (ts != NULL)
				check_time(ts);
			for (t = 0; t < NTABLES; t++)
				check_change(c, tables[t]);
		}
	}
	json_object_put(o);
	free(text);
	return 0;
}
