/* The row index. */
#include <stdlib.h>
#include <string.h>

#include "rowidx.h"
#include "util.h"

static int
index_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row_ref *)a)->pk,
		      ((const struct row_ref *)b)->pk);
}

struct row_ref *
rowidx_build(const struct qres *res)
{
	struct row_ref *idx = util_calloc(res->nrows + 1, sizeof(*idx));
	size_t i;

	for (i = 0; i < res->nrows; i++) {
		idx[i].pk = qres_at(res, i, 0)->p;
		idx[i].row = i;
	}
	qsort(idx, res->nrows, sizeof(*idx), index_cmp);
	return idx;
}

long
rowidx_find(const struct row_ref *idx, size_t n, const char *pk)
{
	struct row_ref key = {pk, 0};
	const struct row_ref *r = bsearch(&key, idx, n, sizeof(*idx),
					  index_cmp);

	return r != NULL ? (long)r->row : -1;
}
