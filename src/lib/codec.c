/* JSON of rows, with binary values in base64. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util.h"

json_object *
codec_row(char *const *cols, const bool *binary, const struct qval *vals,
	  size_t n)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < n; i++) {
		json_object *v;

		if (vals[i].null) {
			v = NULL;
		} else if (binary[i] || !util_is_utf8(vals[i].p, vals[i].len)) {
			/* Bytes, or text that is not UTF-8 (given as
			 * $b64): JSON strings carry only UTF-8. */
			char *b64 = util_b64_encode(vals[i].p, vals[i].len,
						    false);

			v = json_object_new_object();
			json_object_object_add(v, "$b64",
					       json_object_new_string(b64));
			free(b64);
		} else {
			v = json_object_new_string_len(vals[i].p,
						       (int)vals[i].len);
		}
		json_object_object_add(o, cols[i], v);
	}
	return o;
}

/* One value of a row from its JSON: null, a string, a number (its
 * text), a boolean (1 or 0) or {"$b64": ...}. */
static int
value(json_object *v, const struct tcol *col, struct qval *out,
      struct nr_err *err)
{
	json_object *b;
	const char *s;
	char *p;

	memset(out, 0, sizeof(*out));
	out->binary = col->binary;
	switch (json_object_get_type(v)) {
	case json_type_null:
		out->null = true;
		return NR_OK;
	case json_type_object:
		if (!json_object_object_get_ex(v, "$b64", &b) ||
		    !json_object_is_type(b, json_type_string))
			break;
		s = json_object_get_string(b);
		p = util_b64_decode(s, strlen(s), &out->len);
		if (p == NULL)
			return err_set(err, NR_EINVAL, "column %s: bad base64",
				       col->name);
		out->p = p;
		return NR_OK;
	case json_type_boolean:
		out->p = util_strdup(json_object_get_boolean(v) ? "1" : "0");
		out->len = 1;
		return NR_OK;
	case json_type_string:
	case json_type_int:
	case json_type_double:
		s = json_object_get_string(v);
		out->len = json_object_is_type(v, json_type_string)
			       ? (size_t)json_object_get_string_len(v)
			       : strlen(s);
		p = util_calloc(1, out->len + 1);
		memcpy(p, s, out->len);
		out->p = p;
		return NR_OK;
	default:
		break;
	}
	return err_set(err, NR_EINVAL,
		       "column %s: expected a string, number, "
		       "null or {\"$b64\": ...}",
		       col->name);
}

static bool
known_column(const struct tmeta *tm, const char *name)
{
	size_t i;

	for (i = 0; i < tm->ncols; i++)
		if (strcmp(tm->cols[i].name, name) == 0)
			return true;
	for (i = 0; i < tm->conf->ignore.n; i++)
		if (strcmp(tm->conf->ignore.v[i], name) == 0)
			return true;
	return false;
}

/* Reads row into *vals; with given (NULL: every column is required),
 * a column left out is NULL in *vals and false in given, but for the key
 * columns, which are always required. With b (NULL: a column the table
 * lacks is an error), such a column is dropped and noted in b: the
 * source has it and this table not yet (a rolling schema change). */
static int
row_parse(json_object *row, const struct tmeta *tm, struct qval **vals,
	  bool *given, struct batch *b, struct nr_err *err)
{
	struct qval *v = util_calloc(tm->ncols, sizeof(*v));
	size_t i;
	int rc = NR_OK;

	*vals = NULL;
	if (!json_object_is_type(row, json_type_object)) {
		rc = err_set(err, NR_EINVAL, "a row must be a JSON object");
		goto out;
	}
	json_object_object_foreach(row, key, val)
	{
		(void)val;
		if (!known_column(tm, key) && b != NULL && util_is_ident(key)) {
			batch_note_dropped(b, key);
		} else if (!known_column(tm, key)) {
			rc = err_set(err, NR_EINVAL,
				     "unknown column '%.64s' "
				     "in table %s",
				     key, tm->name);
			goto out;
		}
	}
	for (i = 0; i < tm->ncols; i++) {
		json_object *x = NULL;
		/* A JSON null is there, as a NULL x. */
		bool there = json_object_object_get_ex(row, tm->cols[i].name,
						       &x);

		if (!there && (given == NULL || schema_is_key(tm, i))) {
			rc = err_set(err, NR_EINVAL, "row has no column %s",
				     tm->cols[i].name);
			goto out;
		}
		if (given != NULL)
			given[i] = there;
		if (!there) {
			v[i].null = true;
			continue;
		}
		rc = value(x, &tm->cols[i], &v[i], err);
		if (rc != NR_OK)
			goto out;
	}
	*vals = v;
	v = NULL;
out:
	schema_key_values_free(v, tm->ncols);
	return rc;
}

int
codec_row_parse(json_object *row, const struct tmeta *tm, struct qval **vals,
		struct nr_err *err)
{
	return row_parse(row, tm, vals, NULL, NULL, err);
}

json_object *
codec_changes(const struct batch *b)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct change *c = &b->v[i];
		json_object *o = json_object_new_object();
		json_object *pk = json_tokener_parse(c->pk);

		json_object_object_add(
		    o, "op", json_object_new_string(c->op == 'D' ? "D" : "U"));
		json_object_object_add(o, "pk", pk);
		json_object_object_add(
		    o, "row",
		    c->vals == NULL
			? NULL
			: codec_row(b->cols, b->binary, c->vals, b->ncols));
		json_object_object_add(o, "origin",
				       json_object_new_string(c->origin));
		json_object_object_add(
		    o, "ts", c->ts ? json_object_new_string(c->ts) : NULL);
		if (c->conflict)
			json_object_object_add(o, "conflict",
					       json_object_new_boolean(1));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A key given as JSON: an array of npk strings, binary parts in hex. */
static int
key_parse(json_object *pk, const struct tmeta *tm, struct qval **key,
	  struct nr_err *err)
{
	const char *text;

	if (!json_object_is_type(pk, json_type_array) ||
	    json_object_array_length(pk) != tm->npk)
		return err_set(err, NR_EINVAL,
			       "pk must be an array of %zu "
			       "strings",
			       tm->npk);
	text = json_object_to_json_string_ext(pk, JSON_C_TO_STRING_PLAIN);
	return schema_key_decode(tm, text, key, err);
}

static bool
same_bytes(const struct qval *a, const struct qval *b)
{
	return !a->null && !b->null && a->len == b->len &&
	       memcmp(a->p, b->p, a->len) == 0;
}

/* Reads one change object into b. */
static int
change_parse(json_object *o, const struct tmeta *tm, struct batch *b,
	     struct nr_err *err)
{
	json_object *op = NULL, *pk = NULL, *row = NULL, *origin = NULL,
		    *ts = NULL, *flag = NULL;
	struct qval *key = NULL, *vals = NULL, rowkey[64];
	const char *ops, *ts_s = NULL;
	struct change *c;
	char *canon = NULL, tsbuf[27];
	bool *given = NULL;
	size_t i;
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return err_set(err, NR_EINVAL, "a change must be an object");
	json_object_object_get_ex(o, "op", &op);
	json_object_object_get_ex(o, "pk", &pk);
	json_object_object_get_ex(o, "row", &row);
	json_object_object_get_ex(o, "origin", &origin);
	json_object_object_get_ex(o, "ts", &ts);
	ops = json_object_is_type(op, json_type_string)
		  ? json_object_get_string(op)
		  : "";
	if (strcmp(ops, "U") != 0 && strcmp(ops, "D") != 0)
		return err_set(err, NR_EINVAL, "op must be \"U\" or \"D\"");
	if (!json_object_is_type(origin, json_type_string) ||
	    !util_is_origin(json_object_get_string(origin)))
		return err_set(err, NR_EINVAL,
			       "origin must be a node id "
			       "(letters, digits, _ . -) or client:<id>");
	if (ts != NULL) {
		if (!json_object_is_type(ts, json_type_string) ||
		    !util_is_datetime(json_object_get_string(ts)))
			return err_set(err, NR_EINVAL,
				       "ts must be a time like "
				       "2024-01-31 12:00:00.000000, or null");
		/* One spelling, as the database writes it: times are
		 * compared as text. */
		snprintf(tsbuf, sizeof(tsbuf), "%s",
			 json_object_get_string(ts));
		if (tsbuf[10] == 'T')
			tsbuf[10] = ' ';
		ts_s = tsbuf;
	}
	rc = key_parse(pk, tm, &key, err);
	if (rc != NR_OK)
		return rc;
	if (ops[0] == 'U') {
		if (row == NULL) {
			rc = err_set(err, NR_EINVAL, "an upsert needs a row");
			goto out;
		}
		given = util_calloc(tm->ncols, sizeof(*given));
		rc = row_parse(row, tm, &vals, given, b, err);
		if (rc != NR_OK)
			goto out;
		schema_row_key(tm, vals, rowkey);
		for (i = 0; i < tm->npk; i++)
			if (!same_bytes(&rowkey[i], &key[i])) {
				rc = err_set(err, NR_EINVAL,
					     "pk does not match "
					     "the row's key");
				goto out;
			}
	} else if (row != NULL) {
		rc = err_set(err, NR_EINVAL, "a delete has no row");
		goto out;
	}
	canon = schema_pk_canonical(tm, key);
	c = batch_add(b, ops[0], canon, json_object_get_string(origin), ts_s);
	c->conflict = json_object_object_get_ex(o, "conflict", &flag) &&
		      json_object_get_boolean(flag);
	if (vals != NULL)
		batch_set_row(b, c, vals);
	/* A row of fewer columns than this table's: the source has not
	 * added some yet (a rolling schema change). */
	for (i = 0; given != NULL && i < tm->ncols && given[i]; i++)
		;
	if (given != NULL && i < tm->ncols) {
		c->given = given;
		given = NULL;
	}
out:
	free(given);
	free(canon);
	schema_key_values_free(key, tm->npk);
	schema_key_values_free(vals, tm->ncols);
	return rc;
}

int
codec_changes_parse(json_object *arr, const struct tmeta *tm, size_t max,
		    struct batch *b, struct nr_err *err)
{
	size_t i, n;
	int rc = NR_OK;

	batch_init(b, tm);
	if (tm->npk > 64)
		return err_set(err, NR_EINVAL, "table %s: key too wide",
			       tm->name);
	if (!json_object_is_type(arr, json_type_array))
		return err_set(err, NR_EINVAL, "changes must be an array");
	n = json_object_array_length(arr);
	if (n > max)
		return err_set(err, NR_EINVAL,
			       "%zu changes; at most %zu in "
			       "one batch",
			       n, max);
	for (i = 0; i < n && rc == NR_OK; i++) {
		rc = change_parse(json_object_array_get_idx(arr, i), tm, b,
				  err);
		if (rc != NR_OK) {
			struct nr_err e = *err;

			rc = err_set(err, rc, "changes[%zu]: %s", i, e.msg);
		}
	}
	return rc;
}

static bool
key_present(const struct tmeta *tm, const struct qval *key, struct nr_err *err)
{
	size_t i;

	for (i = 0; i < tm->npk; i++)
		if (key[i].null) {
			err_set(err, NR_EINVAL, "key column %s is null",
				tm->cols[tm->pk[i]].name);
			return false;
		}
	return true;
}

const char *
codec_string(json_object *o, const char *key, bool *bad)
{
	json_object *v = NULL;
	bool wrong;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		wrong = false;
	} else if (json_object_is_type(v, json_type_string)) {
		if (bad != NULL)
			*bad = false;
		return json_object_get_string(v);
	} else {
		wrong = true;
	}
	if (bad != NULL)
		*bad = wrong;
	return NULL;
}

int
codec_key_parse(json_object *row, const struct tmeta *tm, char **pk,
		struct nr_err *err)
{
	struct qval *key = util_calloc(tm->npk + 1, sizeof(*key));
	size_t i;
	int rc = NR_OK;

	*pk = NULL;
	if (!json_object_is_type(row, json_type_object)) {
		rc = err_set(err, NR_EINVAL, "a row must be a JSON object");
		goto out;
	}
	for (i = 0; i < tm->npk && rc == NR_OK; i++) {
		const struct tcol *col = &tm->cols[tm->pk[i]];
		json_object *x;

		if (!json_object_object_get_ex(row, col->name, &x))
			rc = err_set(err, NR_EINVAL, "row has no key column %s",
				     col->name);
		else
			rc = value(x, col, &key[i], err);
	}
	if (rc == NR_OK && key_present(tm, key, err))
		*pk = schema_pk_canonical(tm, key);
	else if (rc == NR_OK)
		rc = NR_EINVAL;
out:
	schema_key_values_free(key, tm->npk);
	return rc;
}

int
codec_rows_parse(json_object *arr, const struct tmeta *tm, size_t max,
		 const char *origin, struct batch *b, struct nr_err *err)
{
	struct qval *vals = NULL, key[64];
	size_t i, n;
	int rc = NR_OK;

	batch_init(b, tm);
	if (!json_object_is_type(arr, json_type_array))
		return err_set(err, NR_EINVAL, "data must be an array of rows");
	n = json_object_array_length(arr);
	if (n > max)
		return err_set(err, NR_EINVAL,
			       "%zu rows; at most %zu in one "
			       "push",
			       n, max);
	if (tm->npk > 64)
		return err_set(err, NR_EINVAL, "table %s: key too wide",
			       tm->name);
	for (i = 0; i < n && rc == NR_OK; i++) {
		struct change *c;
		bool *given = util_calloc(tm->ncols, sizeof(*given));
		size_t k;
		char *canon;

		rc = row_parse(json_object_array_get_idx(arr, i), tm, &vals,
			       given, NULL, err);
		if (rc != NR_OK) {
			struct nr_err e = *err;

			rc = err_set(err, rc, "data[%zu]: %s", i, e.msg);
			free(given);
			break;
		}
		schema_row_key(tm, vals, key);
		if (!key_present(tm, key, err)) {
			struct nr_err e = *err;

			rc = err_set(err, NR_EINVAL, "data[%zu]: %s", i, e.msg);
			schema_key_values_free(vals, tm->ncols);
			free(given);
			break;
		}
		canon = schema_pk_canonical(tm, key);
		c = batch_add(b, 'U', canon, origin,
			      tm->ts >= 0 && !vals[tm->ts].null ? vals[tm->ts].p
								: NULL);
		batch_set_row(b, c, vals);
		/* A row of every column is a whole row. */
		for (k = 0; k < tm->ncols && given[k]; k++)
			;
		if (k < tm->ncols)
			c->given = given;
		else
			free(given);
		free(canon);
		schema_key_values_free(vals, tm->ncols);
		vals = NULL;
	}
	return rc;
}

/* Puts the tenant and the write time into an upsert's row (a copy the
 * caller puts); NULL with *forbidden set when the row names another
 * tenant. */
static json_object *
stamp_row(json_object *row, const struct tmeta *tm, const char *tenant,
	  const char *ts, bool *forbidden)
{
	const char *tcol = tm->cols[tm->tenant].name;
	json_object *copy = NULL, *v = NULL;

	*forbidden = false;
	if (json_object_object_get_ex(row, tcol, &v) &&
	    !((json_object_is_type(v, json_type_string) ||
	       json_object_is_type(v, json_type_int)) &&
	      strcmp(json_object_get_string(v), tenant) == 0)) {
		*forbidden = true;
		return NULL;
	}
	json_object_deep_copy(row, &copy, NULL);
	json_object_object_add(copy, tcol, json_object_new_string(tenant));
	if (tm->ts >= 0)
		json_object_object_add(copy, tm->cols[tm->ts].name,
				       json_object_new_string(ts));
	return copy;
}

int
codec_client_change(json_object *row, const struct tmeta *tm, char op,
		    const char *tenant, const char *ts, char **pk,
		    struct qval **vals, struct nr_err *err)
{
	json_object *stamped;
	bool forbidden = false;
	int rc;

	*pk = NULL;
	*vals = NULL;
	if (op == 'D')
		return codec_key_parse(row, tm, pk, err);
	stamped = json_object_is_type(row, json_type_object)
		      ? stamp_row(row, tm, tenant, ts, &forbidden)
		      : json_object_get(row);
	if (stamped == NULL && forbidden)
		return err_set(err, NR_EFORBIDDEN,
			       "the row's %s is not this key's tenant",
			       tm->cols[tm->tenant].name);
	rc = codec_row_parse(stamped, tm, vals, err);
	if (rc == NR_OK)
		rc = codec_key_parse(stamped, tm, pk, err);
	json_object_put(stamped);
	if (rc != NR_OK) {
		schema_key_values_free(*vals, tm->ncols);
		*vals = NULL;
	}
	return rc;
}

void
codec_resync(const struct batch *b, json_object *o)
{
	json_object *r;

	if (!b->snapshot || !b->resync)
		return;
	r = json_object_new_array();
	json_object_array_add(r, b->range_lo != NULL
				     ? json_object_new_string(b->range_lo)
				     : NULL);
	json_object_array_add(r, b->range_hi != NULL
				     ? json_object_new_string(b->range_hi)
				     : NULL);
	json_object_object_add(o, "resync", json_object_new_boolean(1));
	json_object_object_add(o, "range", r);
}

/* The string or null at i of a, into *out (a copy); false otherwise. */
static bool
range_end(json_object *a, size_t i, char **out)
{
	json_object *v = json_object_array_get_idx(a, i);

	*out = NULL;
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	*out = util_strdup(json_object_get_string(v));
	return true;
}

int
codec_resync_parse(json_object *o, struct batch *b, struct nr_err *err)
{
	json_object *v, *r;

	if (!json_object_object_get_ex(o, "resync", &v) ||
	    !json_object_get_boolean(v))
		return NR_OK;
	if (!json_object_object_get_ex(o, "range", &r) ||
	    !json_object_is_type(r, json_type_array) ||
	    json_object_array_length(r) != 2)
		return err_set(err, NR_EINVAL,
			       "resync needs range: [first key after, last "
			       "key] (null for an open end)");
	free(b->range_lo);
	free(b->range_hi);
	if (!range_end(r, 0, &b->range_lo) || !range_end(r, 1, &b->range_hi))
		return err_set(err, NR_EINVAL,
			       "range holds canonical keys or null");
	b->snapshot = true;
	b->resync = true;
	return NR_OK;
}
