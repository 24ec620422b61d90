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
		} else if (binary[i]) {
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
	return err_set(err, NR_EINVAL, "column %s: expected a string, number, "
		       "null or {\"$b64\": ...}", col->name);
}

int
codec_row_parse(json_object *row, const struct tmeta *tm, struct qval **vals,
		struct nr_err *err)
{
	struct qval *v = util_calloc(tm->ncols, sizeof(*v));
	size_t i;
	int rc = NR_OK;

	*vals = NULL;
	if (!json_object_is_type(row, json_type_object)) {
		rc = err_set(err, NR_EINVAL, "a row must be a JSON object");
		goto out;
	}
	for (i = 0; i < tm->ncols; i++) {
		json_object *x;

		if (!json_object_object_get_ex(row, tm->cols[i].name, &x)) {
			rc = err_set(err, NR_EINVAL, "row has no column %s",
				     tm->cols[i].name);
			goto out;
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
