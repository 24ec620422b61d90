/* Pushed batches by id (_nunez_batches): a batch sent again is answered
 * with the counts of its first applying instead of being applied again. */
#ifndef NR_BATCHES_H
#define NR_BATCHES_H

#include <stdbool.h>

#include "apply.h"
#include "db.h"
#include "nr.h"

/* What a batch did when it was applied. */
struct batches_rec {
	struct apply_stats st;
	unsigned long long total;
	bool other_table; /* the id was recorded for another table */
};

/* Records batch id (from peer, for table) with what it did, in the
 * caller's transaction; NR_EEXIST when the id was recorded before. */
int batches_record(struct db *db, const char *id, const char *peer,
		   const char *table, const struct apply_stats *st,
		   unsigned long long total, struct nr_err *err) NR_WUR;

/* Finds batch id; NR_ENOTFOUND when it was never recorded. */
int batches_find(struct db *db, const char *id, const char *table,
		 struct batches_rec *out, struct nr_err *err) NR_WUR;

/* Forgets up to limit batches recorded more than a day ago (retries
 * come within minutes); *n gets how many. */
int batches_purge(struct db *db, unsigned long limit, unsigned long long *n,
		  struct nr_err *err) NR_WUR;

#endif
