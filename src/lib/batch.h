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
};

struct batch {
	char *table;
	size_t ncols;
	char **cols;
	bool *binary;
	struct change *v;
	size_t n;
	bool snapshot;	/* rows of the first copy, in key order */
	char *range_lo; /* snapshot: the rows cover keys in */
	char *range_hi; /* (range_lo, range_hi]; NULL is open */
	bool has_more;
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

/* True when the batch's columns are tm's, in the same order. */
bool batch_matches(const struct batch *b, const struct tmeta *tm);

#endif
