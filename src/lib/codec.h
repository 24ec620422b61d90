/* JSON forms of the engine's data. A row is an object of column names;
 * NULL is null, text is a string, binary data is {"$b64": "..."}. */
#ifndef NR_CODEC_H
#define NR_CODEC_H

#include <json-c/json.h>

#include "batch.h"
#include "query.h"
#include "schema.h"

/* A new JSON object of the n values of a row (the caller puts it). */
json_object *codec_row(char *const *cols, const bool *binary,
		       const struct qval *vals, size_t n);

/* The values of row, in tm's column order, into *vals (n = tm->ncols,
 * owned by the caller: free each p, then the array). Every replicated
 * column must be there; ignored ones are dropped; any other key is an
 * error naming it. */
int codec_row_parse(json_object *row, const struct tmeta *tm,
		    struct qval **vals, struct nr_err *err) NR_WUR;

/* The JSON array of b's changes, each {"op", "pk": [key values as text,
 * binary ones in hex], "row": {...} or null, "origin", "ts"}. A new
 * array the caller puts. */
json_object *codec_changes(const struct batch *b);

/* Parses such an array (at most max changes) into b, initialised here
 * for tm (the caller frees it). Every row must hold exactly tm's columns
 * (ignored columns are dropped; any other is an error naming it), every
 * key must match its row's. */
int codec_changes_parse(json_object *arr, const struct tmeta *tm, size_t max,
			struct batch *b, struct nr_err *err) NR_WUR;

/* The string at key of object o (borrowed from o), or NULL when it is
 * absent or null; when it is there but not a string, NULL with *bad set
 * (bad may be NULL). */
const char *codec_string(json_object *o, const char *key, bool *bad);

/* Adds to o, when b is a page of a copy that replaces an expired
 * position, "resync": true and "range": [lo, hi] (its key range, null
 * for open ends). */
void codec_resync(const struct batch *b, json_object *o);

/* Reads what codec_resync wrote from o into b (snapshot, resync and the
 * range); NR_EINVAL when malformed. */
int codec_resync_parse(json_object *o, struct batch *b,
		       struct nr_err *err) NR_WUR;

/* The canonical key of row's key columns (other columns are not looked
 * at) into *pk, a new string the caller frees. */
int codec_key_parse(json_object *row, const struct tmeta *tm, char **pk,
		    struct nr_err *err) NR_WUR;

/* Parses an array of plain rows (the original API's push) into upserts
 * of origin, each with its timestamp column as write time. */
int codec_rows_parse(json_object *arr, const struct tmeta *tm, size_t max,
		     const char *origin, struct batch *b,
		     struct nr_err *err) NR_WUR;

/* One change of an offline-first client (POST /sync/changes) of table
 * tm, which has a tenant column: op 'D' reads the key of row, 'U' reads
 * row with the tenant and ts (the write time, as util_norm_time gives
 * it) put in, and its key. On NR_OK *pk (a canonical key) and, for 'U',
 * *vals (tm->ncols values, as codec_row_parse) are the caller's; on
 * failure both are NULL. NR_EFORBIDDEN when the row names another
 * tenant, NR_EINVAL for a malformed row. row is borrowed. */
int codec_client_change(json_object *row, const struct tmeta *tm, char op,
			const char *tenant, const char *ts, char **pk,
			struct qval **vals, struct nr_err *err) NR_WUR;

#endif
