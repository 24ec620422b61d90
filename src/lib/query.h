/* Prepared statements with every parameter bound and every result value
 * as exact text: integers and decimals as the server writes them,
 * floating point in the shortest form that reads back to the same double
 * (a FLOAT as the double of its value),
 * temporal values with the column's fractional digits, strings and
 * binary data as their bytes. */
#ifndef NR_QUERY_H
#define NR_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "db.h"
#include "nr.h"

/* A parameter or a result value. Result values are NUL-terminated. */
struct qval {
	const char *p;
	size_t len;
	bool null;
	bool binary; /* a parameter sent as bytes, not text */
};

struct qcol {
	char *name;
	bool binary; /* bytes that need not be text (BLOB, BIT, ...) */
};

struct qres {
	size_t ncols;
	size_t nrows;
	struct qcol *cols;
	struct qval *v; /* nrows * ncols, row by row */
	unsigned long long affected;
	char *data; /* every value's bytes */
};

/* Runs sql, which reads one value, with params (borrowed) on db; *out
 * is that value as a new string the caller frees, NULL when there is no
 * row or the value is NULL. */
int query_text(struct db *db, const char *sql, const struct qval *params,
	       size_t nparams, char **out, struct nr_err *err) NR_WUR;

/* Runs sql with params (borrowed) on db; on NR_OK *out holds every row
 * (the caller frees it with qres_free; statements without rows give
 * ncols 0). Results over cap bytes (0: 256 MiB) give NR_ETOOBIG. */
int query_run(struct db *db, const char *sql, const struct qval *params,
	      size_t nparams, size_t cap, struct qres **out,
	      struct nr_err *err) NR_WUR;

/* Runs a statement without a result; *affected (may be NULL) gets the
 * affected row count. */
int query_exec(struct db *db, const char *sql, const struct qval *params,
	       size_t nparams, unsigned long long *affected,
	       struct nr_err *err) NR_WUR;

/* The value at row r, column c; borrowed from res. */
const struct qval *qres_at(const struct qres *res, size_t r, size_t c);

/* Column index by name, or -1. */
int qres_col(const struct qres *res, const char *name);

void qres_free(struct qres *res);

/* Text parameter helpers: a string (NULL gives SQL NULL). */
struct qval qv_str(const char *s);

/* Deletes at most limit rows of table (an engine table's name, trusted)
 * whose column is more than days before now; *n (may be NULL) gets how
 * many. */
int query_purge(struct db *db, const char *table, const char *column, int days,
		unsigned long limit, unsigned long long *n,
		struct nr_err *err) NR_WUR;

/* Appends "(?, ?, ...)" for the n strings v ("(NULL)" when n is 0: an
 * IN list that matches nothing) and sets params[0..n) to them, borrowed.
 * Returns n. */
size_t query_in_list(struct buf *sql, char *const *v, size_t n,
		     struct qval *params);

/* Shortest text that reads back to d exactly; buf of 32 bytes. */
void query_fmt_double(double d, char *buf);

#endif
