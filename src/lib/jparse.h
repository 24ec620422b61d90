/* Bounded JSON parsing. json-c builds a tree far larger than its text
 * (an empty object, 3 bytes, takes about 900 bytes; an empty array about
 * 150; a number or a key about 100): a cheap scan counts what the text
 * would make before json-c makes it, and text over a budget is refused
 * unparsed. */
#ifndef NR_JPARSE_H
#define NR_JPARSE_H

#include <stddef.h>

#include <json-c/json.h>

#include "nr.h"

struct jparse_opts {
	int depth;	   /* most nesting, as json_tokener_new_ex */
	int flags;	   /* JSON_TOKENER_STRICT, ... */
	size_t containers; /* most objects and arrays */
	size_t values;	   /* most values and keys, containers included */
	/* Said in the message of a refusal ("api.maxJsonValues"); NULL
	 * for none. */
	const char *containers_name;
	const char *values_name;
};

struct jparse_counts {
	size_t containers;
	size_t values;
};

/* Counts the objects and arrays, and the values and keys, of len bytes
 * of text (strings skipped): exact for valid JSON, and never fewer than
 * json-c makes of a prefix of invalid JSON. */
void jparse_scan(const char *text, size_t len, struct jparse_counts *n);

/* Parses len bytes of text as one JSON value with nothing but white
 * space after it, within o's budgets. On NR_OK *out is a new object the
 * caller puts (NULL for the JSON null). NR_ETOOBIG: over a budget, err
 * says which; NR_ENOMEM: json-c could not allocate; NR_EINVAL: not JSON,
 * err says at which byte. */
int jparse_parse(const char *text, size_t len, const struct jparse_opts *o,
		 json_object **out, struct nr_err *err) NR_WUR;

#endif
