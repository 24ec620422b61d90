/* Table checksums: each row hashes (MD5 of its columns' bytes in hex,
 * first 64 bits) and a table is the count and XOR of its rows, so the
 * order rows are stored in does not matter. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "query.h"
#include "rowidx.h"
#include "util.h"
#include "verify.h"

/* Appends the 64-bit hash of a row as an unsigned number. */
static void
row_hash(const struct tmeta *tm, struct buf *b)
{
	size_t i;

	buf_adds(b, "CAST(CONV(LEFT(MD5(CONCAT_WS('|'");
	for (i = 0; i < tm->ncols; i++) {
		bool fl = strcmp(tm->cols[i].type, "float") == 0;

		buf_adds(b, ", COALESCE(HEX(CAST(");
		buf_adds(b, fl ? "CAST(" : "");
		buf_ident(b, tm->cols[i].name);
		buf_adds(b, fl ? " AS DOUBLE)" : "");
		buf_adds(b, " AS BINARY)), 'N')");
	}
	buf_adds(b, ")), 16), 16, 10) AS UNSIGNED)");
}

/* Appends the bucket (0-255) of a row's key. */
static void
bucket(const struct tmeta *tm, struct buf *b)
{
	buf_adds(b, "CONV(LEFT(MD5(");
	schema_pkexpr(tm, "", b);
	buf_adds(b, "), 2), 16, 10)");
}

int
verify_sum(struct db *db, const struct tmeta *tm, struct verify_sum *out,
	   struct nr_err *err)
{
	struct qres *res = NULL;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT COUNT(*), COALESCE(BIT_XOR(");
	row_hash(tm, &sql);
	buf_adds(&sql, "), 0) FROM ");
	buf_ident(&sql, tm->name);
	rc = query_run(db, buf_str(&sql), NULL, 0, 0, &res, err);
	if (rc == NR_OK) {
		out->rows = strtoull(qres_at(res, 0, 0)->p, NULL, 10);
		snprintf(out->sum, sizeof(out->sum), "%s",
			 qres_at(res, 0, 1)->p);
	}
	qres_free(res);
	buf_free(&sql);
	return rc;
}

static int
buckets(struct db *db, const struct tmeta *tm, struct qres **out,
	struct nr_err *err)
{
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT ");
	bucket(tm, &sql);
	buf_adds(&sql, " AS b, COUNT(*), BIT_XOR(");
	row_hash(tm, &sql);
	buf_adds(&sql, ") FROM ");
	buf_ident(&sql, tm->name);
	buf_adds(&sql, " GROUP BY b ORDER BY b");
	rc = query_run(db, buf_str(&sql), NULL, 0, 0, out, err);
	buf_free(&sql);
	return rc;
}

/* The "count:sum" of bucket k in res, or "" when absent. */
static void
bucket_sum(const struct qres *res, int k, char *out, size_t size)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < res->nrows; i++)
		if (atoi(qres_at(res, i, 0)->p) == k)
			snprintf(out, size, "%s:%s", qres_at(res, i, 1)->p,
				 qres_at(res, i, 2)->p);
}

static int
bucket_rows(struct db *db, const struct tmeta *tm, int k, struct qres **out,
	    struct nr_err *err)
{
	char num[8];
	struct qval p;
	struct buf sql;
	int rc;

	snprintf(num, sizeof(num), "%d", k);
	p = qv_str(num);
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT ");
	schema_pkexpr(tm, "", &sql);
	buf_adds(&sql, ", ");
	row_hash(tm, &sql);
	buf_adds(&sql, " FROM ");
	buf_ident(&sql, tm->name);
	buf_adds(&sql, " WHERE ");
	bucket(tm, &sql);
	buf_adds(&sql, " = ?");
	rc = query_run(db, buf_str(&sql), &p, 1, 0, out, err);
	buf_free(&sql);
	return rc;
}

/* Adds the keys of x missing from y, or hashing otherwise, to keys. */
static void
one_way(const struct qres *x, const struct qres *y, size_t max, char ***keys,
	size_t *n)
{
	struct row_ref *yi = rowidx_build(y);
	size_t i;

	for (i = 0; i < x->nrows && *n < max; i++) {
		long r = rowidx_find(yi, y->nrows, qres_at(x, i, 0)->p);
		size_t j;

		if (r >= 0 && strcmp(qres_at(y, (size_t)r, 1)->p,
				     qres_at(x, i, 1)->p) == 0)
			continue;
		for (j = 0; j < *n; j++)
			if (strcmp((*keys)[j], qres_at(x, i, 0)->p) == 0)
				break;
		if (j < *n)
			continue;
		*keys = util_realloc(*keys, (*n + 1) * sizeof(char *));
		(*keys)[(*n)++] = util_strdup(qres_at(x, i, 0)->p);
	}
	free(yi);
}

int
verify_diff(struct db *a, struct db *b, const struct tmeta *tm, size_t max,
	    char ***keys, size_t *n, struct nr_err *err)
{
	struct qres *ba = NULL, *bb = NULL, *ra = NULL, *rb = NULL;
	char sa[64], sb[64];
	int rc, k;

	*keys = NULL;
	*n = 0;
	rc = buckets(a, tm, &ba, err);
	if (rc == NR_OK)
		rc = buckets(b, tm, &bb, err);
	for (k = 0; k < 256 && rc == NR_OK && *n < max; k++) {
		bucket_sum(ba, k, sa, sizeof(sa));
		bucket_sum(bb, k, sb, sizeof(sb));
		if (strcmp(sa, sb) == 0)
			continue;
		rc = bucket_rows(a, tm, k, &ra, err);
		if (rc == NR_OK)
			rc = bucket_rows(b, tm, k, &rb, err);
		if (rc == NR_OK) {
			one_way(ra, rb, max, keys, n);
			one_way(rb, ra, max, keys, n);
		}
		qres_free(ra);
		qres_free(rb);
		ra = rb = NULL;
	}
	qres_free(ba);
	qres_free(bb);
	return rc;
}
