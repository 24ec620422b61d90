/* Prepared statements through Connector/C's binary protocol, with the
 * results turned into exact text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "buf.h"
#include "query.h"
#include "util.h"

#define DEFAULT_CAP ((size_t)256 << 20)

/* One result column's fetch buffers. */
struct slot {
	MYSQL_BIND *bind;
	long long i;
	double d;
	float f;
	MYSQL_TIME t;
	unsigned long len;
	my_bool null;
	my_bool error;
	int kind; /* K_* */
	unsigned decimals;
};

enum { K_INT, K_FLOAT, K_DOUBLE, K_TIME, K_BYTES };

struct qval
qv_str(const char *s)
{
	struct qval v = {s, s ? strlen(s) : 0, s == NULL, false};

	return v;
}

int
query_purge(struct db *db, const char *table, const char *column, int days,
	    unsigned long limit, unsigned long long *n, struct nr_err *err)
{
	char sql[200];

	snprintf(sql, sizeof(sql),
		 "DELETE FROM %s WHERE %s < UTC_TIMESTAMP() "
		 "- INTERVAL %d DAY LIMIT %lu",
		 table, column, days, limit);
	return query_exec(db, sql, NULL, 0, n, err);
}

size_t
query_in_list(struct buf *sql, char *const *v, size_t n, struct qval *params)
{
	size_t i;

	buf_adds(sql, n ? "(" : "(NULL");
	for (i = 0; i < n; i++) {
		buf_adds(sql, i ? ", ?" : "?");
		params[i] = qv_str(v[i]);
	}
	buf_adds(sql, ")");
	return n;
}

void
query_fmt_double(double d, char *buf)
{
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static int
kind_of(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return K_INT;
	case MYSQL_TYPE_FLOAT:
		return K_FLOAT;
	case MYSQL_TYPE_DOUBLE:
		return K_DOUBLE;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_DATETIME2:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIMESTAMP2:
	case MYSQL_TYPE_TIME:
	case MYSQL_TYPE_TIME2:
		return K_TIME;
	default:
		return K_BYTES;
	}
}

static bool
is_binary(const MYSQL_FIELD *f)
{
	if (f->type == MYSQL_TYPE_BIT || f->type == MYSQL_TYPE_GEOMETRY)
		return true;
	if (kind_of(f) != K_BYTES || f->charsetnr != 63)
		return false;
	return f->type != MYSQL_TYPE_DECIMAL &&
	       f->type != MYSQL_TYPE_NEWDECIMAL && f->type != MYSQL_TYPE_NULL;
}

/* Writes the text of a temporal value with the column's fractional
 * digits, as the text protocol would. */
static int
fmt_time(const MYSQL_TIME *t, int type, unsigned decimals, char *out)
{
	unsigned frac = decimals > 6 ? 6 : decimals;
	unsigned long us = t->second_part;
	int n;
	unsigned i;

	if (type == MYSQL_TYPE_DATE || type == MYSQL_TYPE_NEWDATE)
		return snprintf(out, 64, "%04u-%02u-%02u", t->year, t->month,
				t->day);
	if (type == MYSQL_TYPE_TIME || type == MYSQL_TYPE_TIME2)
		n = snprintf(out, 64, "%s%02u:%02u:%02u", t->neg ? "-" : "",
			     t->day * 24 + t->hour, t->minute, t->second);
	else
		n = snprintf(out, 64, "%04u-%02u-%02u %02u:%02u:%02u", t->year,
			     t->month, t->day, t->hour, t->minute, t->second);
	if (frac == 0)
		return n;
	for (i = frac; i < 6; i++)
		us /= 10;
	return n + snprintf(out + n, 64 - (size_t)n, ".%0*lu", (int)frac, us);
}

static void
bind_params(MYSQL_BIND *pb, unsigned long *lens, my_bool *nulls,
	    const struct qval *params, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		lens[i] = (unsigned long)params[i].len;
		nulls[i] = params[i].null;
		pb[i].buffer_type = params[i].binary ? MYSQL_TYPE_BLOB
						     : MYSQL_TYPE_STRING;
		pb[i].buffer = (void *)(params[i].p ? params[i].p : "");
		pb[i].buffer_length = lens[i];
		pb[i].length = &lens[i];
		pb[i].is_null = &nulls[i];
	}
}

static void
bind_result(MYSQL_BIND *b, struct slot *s, const MYSQL_FIELD *f)
{
	s->bind = b;
	s->kind = kind_of(f);
	s->decimals = f->decimals;
	b->is_null = &s->null;
	b->length = &s->len;
	b->error = &s->error;
	switch (s->kind) {
	case K_INT:
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &s->i;
		b->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
		break;
	case K_FLOAT:
		b->buffer_type = MYSQL_TYPE_FLOAT;
		b->buffer = &s->f;
		break;
	case K_DOUBLE:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &s->d;
		break;
	case K_TIME:
		b->buffer_type = f->type;
		b->buffer = &s->t;
		b->buffer_length = sizeof(s->t);
		break;
	default:
		b->buffer_type = MYSQL_TYPE_BLOB;
		b->buffer = NULL;
		b->buffer_length = 0;
		break;
	}
}

/* Appends the value of slot s of the fetched row to data; returns its
 * offset or (size_t)-1 when NULL. */
static int
take_value(MYSQL_STMT *st, struct slot *s, unsigned col, int type,
	   struct buf *data, size_t *off)
{
	char tmp[64], *dst;
	int n;

	*off = data->len;
	if (s->null) {
		*off = (size_t)-1;
		return NR_OK;
	}
	switch (s->kind) {
	case K_INT:
		n = s->bind->is_unsigned
			? snprintf(tmp, sizeof(tmp), "%llu",
				   (unsigned long long)s->i)
			: snprintf(tmp, sizeof(tmp), "%lld", s->i);
		buf_add(data, tmp, (size_t)n);
		break;
	case K_FLOAT:
		/* The float's exact value as a double: the shortest float
		 * text may round past FLT_MAX, which the server refuses. */
		query_fmt_double((double)s->f, tmp);
		buf_adds(data, tmp);
		break;
	case K_DOUBLE:
		query_fmt_double(s->d, tmp);
		buf_adds(data, tmp);
		break;
	case K_TIME:
		n = fmt_time(&s->t, type, s->decimals, tmp);
		buf_add(data, tmp, (size_t)n);
		break;
	default:
		if (buf_reserve(data, s->len, &dst) != NR_OK)
			return NR_ETOOBIG;
		if (s->len > 0) {
			MYSQL_BIND b;

			memset(&b, 0, sizeof(b));
			b.buffer_type = MYSQL_TYPE_BLOB;
			b.buffer = dst;
			b.buffer_length = s->len;
			if (mysql_stmt_fetch_column(st, &b, col, 0) != 0)
				return NR_EDB;
		}
		break;
	}
	return buf_add(data, "", 1); /* the NUL after the value */
}

static int
fetch_all(struct db *db, MYSQL_STMT *st, MYSQL_RES *meta, size_t cap,
	  struct qres *res, struct nr_err *err)
{
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	size_t ncols = mysql_num_fields(meta), r, c, nvals = 0, vsize = 0;
	MYSQL_BIND *rb = util_calloc(ncols, sizeof(*rb));
	struct slot *slots = util_calloc(ncols, sizeof(*slots));
	size_t *offs = NULL, *lens = NULL;
	struct buf data;
	int rc = NR_OK, f;

	buf_init(&data, cap ? cap : DEFAULT_CAP);
	res->ncols = ncols;
	res->cols = util_calloc(ncols, sizeof(*res->cols));
	for (c = 0; c < ncols; c++) {
		res->cols[c].name = util_strdup(fields[c].name);
		res->cols[c].binary = is_binary(&fields[c]);
		bind_result(&rb[c], &slots[c], &fields[c]);
	}
	if (mysql_stmt_bind_result(st, rb) != 0 ||
	    mysql_stmt_store_result(st) != 0) {
		rc = db_error(db, mysql_stmt_errno(st), mysql_stmt_error(st),
			      "fetching rows", err);
		goto out;
	}
	for (;;) {
		f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = db_error(db, mysql_stmt_errno(st),
				      mysql_stmt_error(st), "fetching a row",
				      err);
			goto out;
		}
		if (nvals + ncols > vsize) {
			vsize = vsize ? vsize * 2 : 64 * (ncols ? ncols : 1);
			offs = util_realloc(offs, vsize * sizeof(*offs));
			lens = util_realloc(lens, vsize * sizeof(*lens));
		}
		for (c = 0; c < ncols; c++) {
			size_t before;

			rc = take_value(st, &slots[c], (unsigned)c,
					fields[c].type, &data, &offs[nvals]);
			if (rc != NR_OK) {
				rc = err_set(err, rc,
					     "result is larger than "
					     "%zu bytes or unreadable",
					     data.cap);
				goto out;
			}
			before = offs[nvals];
			lens[nvals] = before == (size_t)-1
					  ? 0
					  : data.len - before - 1;
			nvals++;
		}
		res->nrows++;
	}
	res->data = buf_take(&data);
	res->v = util_calloc(nvals, sizeof(*res->v));
	for (r = 0; r < nvals; r++) {
		c = r % (ncols ? ncols : 1);
		res->v[r].null = offs[r] == (size_t)-1;
		res->v[r].p = res->v[r].null ? NULL : res->data + offs[r];
		res->v[r].len = lens[r];
		res->v[r].binary = res->cols[c].binary;
	}
out:
	buf_free(&data);
	free(offs);
	free(lens);
	free(rb);
	free(slots);
	return rc;
}

int
query_run(struct db *db, const char *sql, const struct qval *params,
	  size_t nparams, size_t cap, struct qres **out, struct nr_err *err)
{
	MYSQL_BIND *pb = NULL;
	unsigned long *plens = NULL;
	my_bool *pnulls = NULL;
	MYSQL_STMT *st = NULL;
	MYSQL_RES *meta = NULL;
	struct qres *res = NULL;
	int rc;

	*out = NULL;
	rc = db_connect(db, err);
	if (rc != NR_OK)
		return rc;
	st = db_stmt_get(db, sql);
	if (st == NULL) {
		st = mysql_stmt_init(db_handle(db));
		if (st == NULL) {
			rc = db_fail(db, "mysql_stmt_init", err);
			goto out;
		}
		if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) !=
		    0) {
			rc = db_error(db, mysql_stmt_errno(st),
				      mysql_stmt_error(st), sql, err);
			mysql_stmt_close(st);
			st = NULL;
			goto out;
		}
		db_stmt_put(db, sql, st);
	}
	if (mysql_stmt_param_count(st) != nparams) {
		rc = err_set(err, NR_EINVAL,
			     "statement wants %lu parameters, "
			     "got %zu: %.200s",
			     mysql_stmt_param_count(st), nparams, sql);
		goto out;
	}
	if (nparams > 0) {
		pb = util_calloc(nparams, sizeof(*pb));
		plens = util_calloc(nparams, sizeof(*plens));
		pnulls = util_calloc(nparams, sizeof(*pnulls));
		bind_params(pb, plens, pnulls, params, nparams);
		if (mysql_stmt_bind_param(st, pb) != 0) {
			rc = db_error(db, mysql_stmt_errno(st),
				      mysql_stmt_error(st), sql, err);
			goto out;
		}
	}
	if (mysql_stmt_execute(st) != 0) {
		rc = db_error(db, mysql_stmt_errno(st), mysql_stmt_error(st),
			      sql, err);
		goto out;
	}
	res = util_calloc(1, sizeof(*res));
	meta = mysql_stmt_result_metadata(st);
	if (meta != NULL) {
		rc = fetch_all(db, st, meta, cap, res, err);
		if (rc != NR_OK)
			goto out;
	} else {
		res->affected = mysql_stmt_affected_rows(st);
	}
	*out = res;
	res = NULL;
out:
	if (meta != NULL)
		mysql_free_result(meta);
	if (st != NULL && rc != NR_OK && db_handle(db) != NULL)
		db_stmt_drop(db, st);
	else if (st != NULL && db_handle(db) != NULL)
		mysql_stmt_free_result(st);
	qres_free(res);
	free(pb);
	free(plens);
	free(pnulls);
	return rc;
}

int
query_exec(struct db *db, const char *sql, const struct qval *params,
	   size_t nparams, unsigned long long *affected, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc = query_run(db, sql, params, nparams, 0, &res, err);

	if (rc == NR_OK && affected != NULL)
		*affected = res->affected;
	qres_free(res);
	return rc;
}

const struct qval *
qres_at(const struct qres *res, size_t r, size_t c)
{
	return &res->v[r * res->ncols + c];
}

int
qres_col(const struct qres *res, const char *name)
{
	size_t c;

	for (c = 0; c < res->ncols; c++)
		if (strcmp(res->cols[c].name, name) == 0)
			return (int)c;
	return -1;
}

void
qres_free(struct qres *res)
{
	size_t c;

	if (res == NULL)
		return;
	for (c = 0; c < res->ncols; c++)
		free(res->cols[c].name);
	free(res->cols);
	free(res->v);
	free(res->data);
	free(res);
}

int
query_text(struct db *db, const char *sql, const struct qval *params,
	   size_t nparams, char **out, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	*out = NULL;
	rc = query_run(db, sql, params, nparams, 0, &res, err);
	if (rc == NR_OK && res->nrows > 0 && !qres_at(res, 0, 0)->null)
		*out = util_strdup(qres_at(res, 0, 0)->p);
	qres_free(res);
	return rc;
}
