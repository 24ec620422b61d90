/* An index of a query result by its first column, the canonical key of
 * a row, to find a key's row without scanning. */
#ifndef NR_ROWIDX_H
#define NR_ROWIDX_H

#include <stddef.h>

#include "query.h"

struct row_ref {
	const char *pk; /* borrowed from the result */
	size_t row;
};

/* Sorts res's rows by key; a new array the caller frees (res must
 * outlive it). */
struct row_ref *rowidx_build(const struct qres *res);

/* The row of key pk in an index of n rows, or -1. */
long rowidx_find(const struct row_ref *idx, size_t n, const char *pk);

#endif
