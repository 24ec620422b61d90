/* Checksums of replicated tables, and the keys where two copies differ. */
#ifndef NR_VERIFY_H
#define NR_VERIFY_H

#include <stdbool.h>

#include "db.h"
#include "schema.h"

struct verify_sum {
	unsigned long long rows;
	char sum[24]; /* XOR of every row's 64-bit hash, decimal */
};

/* Counts and checksums tm's replicated columns on db. Equal tables give
 * equal sums on any server. */
int verify_sum(struct db *db, const struct tmeta *tm, struct verify_sum *out,
	       struct nr_err *err) NR_WUR;

/* Finds up to max keys whose rows differ between a and b (present on one
 * side only, or with other values); *keys (caller frees each and the
 * array) and *n get them. Reads one of 256 hash buckets at a time. */
int verify_diff(struct db *a, struct db *b, const struct tmeta *tm, size_t max,
		char ***keys, size_t *n, struct nr_err *err) NR_WUR;

#endif
