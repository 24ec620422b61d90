/* Bounded JSON parsing: count first, then let json-c build. */
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "jparse.h"

void
jparse_scan(const char *text, size_t len, struct jparse_counts *n)
{
	bool in_string = false;
	size_t i;

	/* Every value or key but the first of a container follows a ',' or
	 * a ':' outside strings; the first ones are one per container, and
	 * the top value is one more. */
	n->containers = 0;
	n->values = 1;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '{':
		case '[':
			n->containers++;
			n->values++;
			break;
		case ',':
		case ':':
			n->values++;
			break;
		}
	}
}

static int
too_many(struct nr_err *err, size_t got, size_t limit, const char *what,
	 const char *name)
{
	return err_set(err, NR_ETOOBIG,
		       "the JSON holds %zu %s; the limit is %zu%s%s%s", got,
		       what, limit, name ? " (" : "", name ? name : "",
		       name ? ")" : "");
}

/* The first byte of len at text that is not JSON white space, or len. */
static size_t
skip_space(const char *text, size_t len, size_t i)
{
	while (i < len && (text[i] == ' ' || text[i] == '\t' ||
			   text[i] == '\r' || text[i] == '\n'))
		i++;
	return i;
}

int
jparse_parse(const char *text, size_t len, const struct jparse_opts *o,
	     json_object **out, struct nr_err *err)
{
	struct json_tokener *tok = NULL;
	struct jparse_counts n;
	enum json_tokener_error e;
	json_object *v = NULL;
	size_t end, first;
	int rc = NR_OK;

	*out = NULL;
	if (len > INT_MAX)
		return err_set(
		    err, NR_ETOOBIG,
		    "the JSON is %zu bytes; at most %d can be parsed", len,
		    INT_MAX);
	if (memchr(text, '\0', len) != NULL)
		return err_set(err, NR_EINVAL, "the JSON holds a NUL byte");
	jparse_scan(text, len, &n);
	if (n.containers > o->containers)
		return too_many(err, n.containers, o->containers,
				"objects and arrays", o->containers_name);
	if (n.values > o->values)
		return too_many(err, n.values, o->values, "values and keys",
				o->values_name);
	tok = json_tokener_new_ex(o->depth);
	if (tok == NULL)
		return err_set(err, NR_ENOMEM, "no memory to parse the JSON");
	json_tokener_set_flags(tok, o->flags);
	v = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue)
		e = json_tokener_error_parse_eof;
	if (e != json_tokener_success) {
		rc = err_set(err, NR_EINVAL, "malformed JSON at byte %zu: %s",
			     end, json_tokener_error_desc(e));
		goto out;
	}
	/* json-c answers an allocation failure with no value and no error,
	 * as it answers the text null. */
	first = skip_space(text, len, 0);
	if (v == NULL && (first == len || text[first] != 'n')) {
		rc = err_set(err, NR_ENOMEM,
			     "not enough memory to parse %zu bytes of JSON",
			     len);
		goto out;
	}
	if (skip_space(text, len, end) != len) {
		rc = err_set(err, NR_EINVAL,
			     "malformed JSON at byte %zu: text after the value",
			     end);
		goto out;
	}
	*out = v;
	v = NULL;
out:
	json_object_put(v);
	json_tokener_free(tok);
	return rc;
}
