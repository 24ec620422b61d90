/* A batch of changes of one table, as read from a source and applied to
 * a destination in one transaction. */
#ifndef NR_BATCH_H
#define NR_BATCH_H

#include <stdbool.h>

#include "query.h"
#include "schema.h"

struct change {
	char op;	   /* 'U' upsert or 'D' delete */
	char *pk;	   /* canonical key (schema_pkexpr) */
	char *origin;	   /* node that wrote it */
	char *ts;	   /* write time at the origin, or NULL */
	struct qval *vals; /* 'U': one per batch column, owned */
	bool *given;	   /* a partial 'U': the columns it sets (one
			    * per batch column, owned); NULL: all */
	bool conflict;	   /* the source holds an open manual conflict
			    * of this key with the destination */
};

struct batch {
	char *table;
	size_t ncols;
	char **cols;
	bool *binary;
	struct change *v;
	size_t n;
	bool snapshot;	/* rows of the first copy, in key order */
	bool resync;	/* snapshot: a copy that replaces an expired
			 * position (apply_opts.resync) */
	char *range_lo; /* snapshot: the rows cover keys in */
	char *range_hi; /* (range_lo, range_hi]; NULL is open */
	bool has_more;
	char *dropped; /* columns the source sent that this table
			* lacks, ", "-separated; NULL: none */
};

/* Starts an empty batch with the columns of tm. */
void batch_init(struct batch *b, const struct tmeta *tm);

/* Appends a change; strings are copied. Returns it, for batch_set_row. */
struct change *batch_add(struct batch *b, char op, const char *pk,
			 const char *origin, const char *ts);

/* Copies the ncols values of row into c. */
void batch_set_row(const struct batch *b, struct change *c,
		   const struct qval *row);

/* Frees everything b holds; b is then empty. */
void batch_free(struct batch *b);

/* Adds col (an identifier) to b's dropped columns, once. */
void batch_note_dropped(struct batch *b, const char *col);

/* A copy of in with tm's columns, for a table whose columns differ from
 * the source's (a rolling schema change): a column tm lacks is dropped
 * and noted in out->dropped, a column in lacks is left out of every row
 * (given false). NR_ECONFIG, naming the column, when a key column is
 * missing or a column is binary on one side and text on the other. out
 * is the caller's (batch_free) on NR_OK. */
int batch_project(const struct batch *in, const struct tmeta *tm,
		  struct batch *out, struct nr_err *err) NR_WUR;

/* True when the batch's columns are tm's, in the same order. */
bool batch_matches(const struct batch *b, const struct tmeta *tm);

#endif
