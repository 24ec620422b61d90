/* JSON forms of the engine's data. A row is an object of column names;
 * NULL is null, text is a string, binary data is {"$b64": "..."}. */
#ifndef NR_CODEC_H
#define NR_CODEC_H

#include <json-c/json.h>

#include "query.h"
#include "schema.h"

/* A new JSON object of the n values of a row (the caller puts it). */
json_object *codec_row(char *const *cols, const bool *binary,
		       const struct qval *vals, size_t n);

/* The values of row, in tm's column order, into *vals (n = tm->ncols,
 * owned by the caller: free each p, then the array). Every column must
 * be there. */
int codec_row_parse(json_object *row, const struct tmeta *tm,
		    struct qval **vals, struct nr_err *err) NR_WUR;

#endif
