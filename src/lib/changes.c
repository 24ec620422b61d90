/* The reader. A snapshot page is a keyset page of the table. A changelog
 * read runs in one consistent snapshot: the entries after the cursor,
 * the global head, and the seqs missing below it (gaps: transactions
 * that took a seq and have not committed) are all seen at one instant,
 * so nothing committed later can be skipped. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "retention.h"
#include "rowidx.h"
#include "util.h"

/* A changelog entry. */
struct entry {
	uint64_t seq;
	const char *pk, *op, *origin, *via, *ts;
};

static uint64_t
to_u64(const struct qval *v)
{
	return v->null ? 0 : strtoull(v->p, NULL, 10);
}

/* Seconds with a fraction, as UNIX_TIMESTAMP(NOW(6)) gives, to us. */
static int64_t
to_us(const struct qval *v)
{
	return v->null ? INT64_MAX : (int64_t)(strtod(v->p, NULL) * 1e6);
}

static void
u64_param(char *buf, uint64_t n, struct qval *p)
{
	snprintf(buf, 24, "%llu", (unsigned long long)n);
	*p = qv_str(buf);
}

/* Opens a consistent snapshot and reads the changelog head in it and
 * the server time (us). The caller ends the transaction. */
static int
snapshot_head(struct db *db, uint64_t *head, int64_t *now, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	rc = db_exec(db, "START TRANSACTION WITH CONSISTENT SNAPSHOT", err);
	if (rc != NR_OK)
		return rc;
	rc = query_run(db,
		       "SELECT COALESCE(MAX(seq), 0), UNIX_TIMESTAMP("
		       "NOW(6)) FROM _nunez_changelog",
		       NULL, 0, 0, &res, err);
	if (rc == NR_OK) {
		*head = to_u64(qres_at(res, 0, 0));
		*now = to_us(qres_at(res, 0, 1));
	}
	qres_free(res);
	return rc;
}

/* Appends "SELECT <key> AS _nunez_pk, <columns> FROM <table>". */
static void
select_rows(const struct tmeta *tm, struct buf *sql)
{
	buf_adds(sql, "SELECT ");
	schema_pkexpr(tm, "", sql);
	buf_adds(sql, " AS _nunez_pk, ");
	schema_collist(tm, "", sql);
	buf_adds(sql, " FROM ");
	buf_ident(sql, tm->name);
}

int
changes_rows(struct db *db, const struct tmeta *tm, char *const *pks, size_t n,
	     bool lock, struct qres **out, struct nr_err *err)
{
	struct qval *params = NULL;
	struct buf sql;
	int rc;

	*out = NULL;
	buf_init(&sql, 0);
	select_rows(tm, &sql);
	buf_adds(&sql, " WHERE ");
	rc = schema_keys_match(tm, pks, n, &sql, &params, err);
	if (rc == NR_OK && lock)
		buf_adds(&sql, " FOR UPDATE");
	if (rc == NR_OK)
		rc = query_run(db, buf_str(&sql), params, n * tm->npk, 0, out,
			       err);
	schema_key_values_free(params, n * tm->npk);
	buf_free(&sql);
	return rc;
}

/* The value of column name in row r, as a string or NULL. */
static const char *
col_str(const struct qres *res, size_t r, int c)
{
	const struct qval *v = qres_at(res, r, (size_t)c);

	return v->null ? NULL : v->p;
}

/* True when a change written by origin and sent by via came from the
 * reader: it is not sent back to it. */
static bool
from_peer(const struct changes_opts *o, const char *origin, const char *via)
{
	return o->peer != NULL && (strcmp(origin, o->peer) == 0 ||
				   (via != NULL && strcmp(via, o->peer) == 0));
}

static bool
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Starts a cursor: the copy begins now, and the changelog is read from
 * its head as of now, with every seq missing below the head a gap until
 * the transactions open now are gone. */
static int
start(struct db *db, struct cursor *cur, struct nr_err *err)
{
	struct qres *res = NULL;
	uint64_t head;
	int64_t now;
	size_t i;
	int rc;

	rc = snapshot_head(db, &head, &now, err);
	if (rc != NR_OK)
		goto out;
	cursor_clear(cur);
	cur->started = true;
	cur->snapshot = true;
	cur->high = head;
	/* Missing seqs below the head: runs between present ones. */
	rc = query_run(db,
		       "SELECT COALESCE(prev, 0) + 1, seq - 1 FROM (SELECT "
		       "seq, LAG(seq) OVER (ORDER BY seq) AS prev FROM "
		       "_nunez_changelog) x WHERE seq > COALESCE(prev, 0) "
		       "+ 1",
		       NULL, 0, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	for (i = 0; i < res->nrows; i++)
		cursor_add_gap(cur, to_u64(qres_at(res, i, 0)),
			       to_u64(qres_at(res, i, 1)), now);
out:
	qres_free(res);
	if (db_exec(db, "COMMIT", rc == NR_OK ? err : NULL) != NR_OK &&
	    rc == NR_OK)
		rc = NR_EDB;
	return rc;
}

/* Appends " AND <tenant column> = ?" (as bytes, the way the triggers
 * log it, and so that an index on the column serves) and fills its two
 * params. Returns 2. */
static size_t
tenant_cond(const struct tmeta *tm, const char *tenant, struct buf *sql,
	    struct qval *params)
{
	buf_adds(sql, " AND ");
	buf_ident(sql, tm->cols[tm->tenant].name);
	buf_adds(sql, " = ? AND BINARY ");
	buf_ident(sql, tm->cols[tm->tenant].name);
	buf_adds(sql, " = BINARY ?");
	params[0] = qv_str(tenant);
	params[1] = qv_str(tenant);
	return 2;
}

/* The latest changelog entry of each key of rows (column 0): rows of
 * (key, op, origin, time). */
static int
latest_entries(struct db *db, const struct tmeta *tm, const struct qres *rows,
	       struct qres **out, struct nr_err *err)
{
	char **pks = util_calloc(rows->nrows + 1, sizeof(char *));
	size_t i;
	int rc;

	for (i = 0; i < rows->nrows; i++)
		pks[i] = (char *)qres_at(rows, i, 0)->p;
	rc = changes_latest(db, tm, pks, rows->nrows, NULL, NULL, out, err);
	free(pks);
	return rc;
}

static int
read_snapshot(struct db *db, const struct tmeta *tm, struct cursor *cur,
	      const struct changes_opts *o, struct batch *out,
	      struct nr_err *err)
{
	size_t nk = schema_key_cmp_nparams(tm), np = 0, i;
	struct qval *params = util_calloc(nk + 3, sizeof(*params));
	struct qval *key = NULL;
	struct qres *res = NULL, *last = NULL;
	struct row_ref *idx = NULL;
	char limit[24];
	struct buf sql;
	int rc = NR_OK;

	buf_init(&sql, 0);
	select_rows(tm, &sql);
	buf_adds(&sql, " WHERE TRUE");
	if (o->tenant != NULL)
		np = tenant_cond(tm, o->tenant, &sql, params);
	if (cur->after_pk != NULL) {
		rc = schema_key_decode(tm, cur->after_pk, &key, err);
		if (rc != NR_OK)
			goto out;
		schema_key_cmp_params(tm, key, params + np);
		buf_adds(&sql, " AND ");
		schema_key_cmp(tm, ">", &sql);
		np += nk;
	}
	buf_adds(&sql, " ORDER BY ");
	schema_key_order(tm, &sql);
	snprintf(limit, sizeof(limit), " LIMIT %zu", o->limit);
	buf_adds(&sql, limit);
	rc = query_run(db, buf_str(&sql), params, np, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	rc = latest_entries(db, tm, res, &last, err);
	if (rc != NR_OK)
		goto out;
	idx = rowidx_build(last);
	out->snapshot = true;
	out->resync = cur->resync;
	out->range_lo = util_strdup(cur->after_pk);
	for (i = 0; i < res->nrows; i++) {
		const char *pk = qres_at(res, i, 0)->p;
		long l = rowidx_find(idx, last->nrows, pk);
		const char *ts = tm->ts >= 0 ? col_str(res, i, tm->ts + 1)
					     : NULL;
		struct change *c;

		/* The row's write time and writer are those of its latest
		 * entry; a row older than the changelog has neither. */
		if (ts == NULL && l >= 0)
			ts = col_str(last, (size_t)l, 3);
		c = batch_add(out, 'U', pk,
			      l >= 0 ? col_str(last, (size_t)l, 2) : o->self,
			      ts);
		batch_set_row(out, c, qres_at(res, i, 1));
	}
	if (res->nrows == o->limit) {
		free(cur->after_pk);
		cur->after_pk = util_strdup(qres_at(res, res->nrows - 1, 0)->p);
		out->range_hi = util_strdup(cur->after_pk);
	} else {
		/* The copy is done; the deletes it cannot carry follow. */
		free(cur->after_pk);
		cur->after_pk = NULL;
		cur->snapshot = false;
		cur->resync = false;
		cur->tombs = true;
	}
	out->has_more = true;
out:
	schema_key_values_free(key, tm->npk);
	free(params);
	free(idx);
	qres_free(last);
	qres_free(res);
	buf_free(&sql);
	return rc;
}

/* After the copy, the deletes it cannot carry: keys whose latest entry
 * at or below high (the copy's start) is a delete and that the table
 * still lacks, in pk order after after_pk, as tombstones with their
 * write time. The receiver may hold those keys (both sides had data
 * before their first sync); its conflict rules need the deletes. Keys
 * written again after high come with the changelog that follows. */
static int
read_tombs(struct db *db, const struct tmeta *tm, struct cursor *cur,
	   const struct changes_opts *o, struct batch *out, struct nr_err *err)
{
	struct qval p[6];
	struct qres *res = NULL, *rows = NULL;
	struct row_ref *idx = NULL;
	char **pks = NULL;
	char high[24], limit[32];
	struct buf sql;
	size_t np = 0, i;
	int rc;

	buf_init(&sql, 0);
	u64_param(high, cur->high, &p[np++]);
	p[np++] = qv_str(tm->name);
	buf_adds(&sql, "SELECT c.pk, c.origin, c.via, c.changed_at FROM "
		       "_nunez_changelog c WHERE c.seq <= ? AND c.tbl = ? AND "
		       "c.op = 'D'");
	if (o->tenant != NULL) {
		buf_adds(&sql, " AND c.tenant = ?");
		p[np++] = qv_str(o->tenant);
	}
	if (cur->after_pk != NULL) {
		buf_adds(&sql, " AND c.pk > ?");
		p[np++] = qv_str(cur->after_pk);
	}
	buf_adds(&sql, " AND NOT EXISTS (SELECT 1 FROM _nunez_changelog l "
		       "WHERE l.tbl = c.tbl AND l.pk = c.pk AND l.seq > c.seq "
		       "AND l.seq <= ?) ORDER BY c.pk");
	p[np++] = p[0];
	snprintf(limit, sizeof(limit), " LIMIT %zu", o->limit);
	buf_adds(&sql, limit);
	rc = query_run(db, buf_str(&sql), p, np, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	pks = util_calloc(res->nrows + 1, sizeof(*pks));
	for (i = 0; i < res->nrows; i++)
		pks[i] = (char *)qres_at(res, i, 0)->p;
	rc = changes_rows(db, tm, pks, res->nrows, false, &rows, err);
	if (rc != NR_OK)
		goto out;
	idx = rowidx_build(rows);
	for (i = 0; i < res->nrows; i++) {
		const char *origin = qres_at(res, i, 1)->p;

		if (rowidx_find(idx, rows->nrows, pks[i]) >= 0)
			continue; /* back again: the changelog brings it */
		/* The reader's own deletes too: a first copy may be one
		 * after a restore of the reader, which lost them. */
		batch_add(out, 'D', pks[i], origin, col_str(res, i, 3));
	}
	free(cur->after_pk);
	cur->after_pk = NULL;
	if (res->nrows == o->limit) {
		cur->after_pk = util_strdup(pks[res->nrows - 1]);
	} else {
		cur->tombs = false;
	}
	out->has_more = true;
out:
	free(idx);
	free(pks);
	qres_free(rows);
	qres_free(res);
	buf_free(&sql);
	return rc;
}

/* What a read knows, before its snapshot, of which gaps can still fill:
 * the oldest transaction open then, or only the time. */
struct gap_look {
	bool trx_known;
	int64_t oldest_open, now, timeout;
};

/* Looks at the open transactions. Runs before the read's snapshot, so
 * that what a transaction gone by now committed is visible to it; the
 * gaps are dropped only after that read asked for their seqs.
 *
 * InnoDB serves INNODB_TRX from a cache that it refreshes only when no
 * one has read it for 0.1 s, so under steady reading the view can be
 * old and miss a transaction that holds a gap. The look is made from a
 * transaction of its own and counts only when the view shows that
 * transaction: then the view is newer than every gap seen before. A
 * stale look judges nothing (now 0); a later read judges the gaps. */
static int
look_at_gaps(struct db *db, size_t ngaps, const struct changes_opts *o,
	     struct gap_look *look, struct nr_err *err)
{
	struct qres *res = NULL;
	struct nr_err e2;
	int rc;

	memset(look, 0, sizeof(*look));
	if (ngaps == 0)
		return NR_OK; /* judges nothing: now 0 */
	rc = db_exec(db, "START TRANSACTION WITH CONSISTENT SNAPSHOT", err);
	if (rc != NR_OK)
		return rc;
	rc = query_run(db,
		       "SELECT UNIX_TIMESTAMP(NOW(6)), (SELECT "
		       "UNIX_TIMESTAMP(MIN(trx_started)) FROM "
		       "information_schema.INNODB_TRX WHERE "
		       "trx_mysql_thread_id <> CONNECTION_ID()), (SELECT "
		       "COUNT(*) FROM information_schema.INNODB_TRX WHERE "
		       "trx_mysql_thread_id = CONNECTION_ID())",
		       NULL, 0, 0, &res, &e2);
	if (rc == NR_OK) {
		look->trx_known = true;
		if (to_u64(qres_at(res, 0, 2)) > 0)
			look->now = to_us(qres_at(res, 0, 0));
		look->oldest_open = to_us(qres_at(res, 0, 1));
	} else if (rc == NR_EDB) {
		/* No PROCESS privilege: fall back to the timeout. */
		qres_free(res);
		res = NULL;
		rc = query_run(db, "SELECT UNIX_TIMESTAMP(NOW(6))", NULL, 0, 0,
			       &res, err);
		if (rc == NR_OK) {
			look->now = to_us(qres_at(res, 0, 0));
			look->timeout = (int64_t)o->gap_timeout * 1000000;
		}
	} else {
		*err = e2;
	}
	qres_free(res);
	if (db_exec(db, "COMMIT", rc == NR_OK ? err : NULL) != NR_OK &&
	    rc == NR_OK)
		rc = NR_EDB;
	return rc;
}

/* Appends "(seq > ? OR seq BETWEEN ? AND ? ...)", the seqs cur has not
 * delivered, and fills 1 + 2 * ngaps params whose text lives in nums.
 * Returns the number of params. */
static size_t
undelivered(const struct cursor *cur, struct buf *sql, struct qval *params,
	    char (*nums)[24])
{
	size_t i, n = 0;

	buf_adds(sql, "(seq > ?");
	u64_param(nums[n], cur->high, &params[n]);
	n++;
	for (i = 0; i < cur->ngaps; i++) {
		buf_adds(sql, " OR seq BETWEEN ? AND ?");
		u64_param(nums[n], cur->gaps[i].lo, &params[n]);
		n++;
		u64_param(nums[n], cur->gaps[i].hi, &params[n]);
		n++;
	}
	buf_adds(sql, ")");
	return n;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->pk, y->pk);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Marks in later[] the keys (of n in pks) with an entry after seq high:
 * their row as read now belongs to that entry, which a later batch
 * brings with its own time. */
static int
later_entries(struct db *db, const struct tmeta *tm, char **pks, size_t n,
	      uint64_t high, const char *tenant, bool *later,
	      struct nr_err *err)
{
	struct qval *p = util_calloc(n + 3, sizeof(*p));
	size_t np = 2;
	struct qres *res = NULL;
	struct row_ref *idx = NULL;
	struct buf sql;
	char num[24];
	size_t i;
	int rc;

	buf_init(&sql, 0);
	p[0] = qv_str(tm->name);
	u64_param(num, high, &p[1]);
	buf_adds(&sql, "SELECT DISTINCT pk FROM _nunez_changelog WHERE tbl = ? "
		       "AND seq > ? ");
	if (tenant != NULL) {
		buf_adds(&sql, "AND tenant = ? ");
		p[np++] = qv_str(tenant);
	}
	buf_adds(&sql, "AND pk IN ");
	np += query_in_list(&sql, pks, n, p + np);
	rc = query_run(db, buf_str(&sql), p, np, 0, &res, err);
	if (rc == NR_OK) {
		idx = rowidx_build(res);
		for (i = 0; i < n; i++)
			later[i] = rowidx_find(idx, res->nrows, pks[i]) >= 0;
	}
	free(idx);
	qres_free(res);
	free(p);
	buf_free(&sql);
	return rc;
}

/* Turns the entries (sorted by key, then seq) into changes: the latest
 * entry of each key decides, the row is read as it is now (absent: a
 * delete), and keys last changed by the peer are not sent back to it.
 * When the batch was cut short (more entries after high), keys changed
 * again later wait for that later batch. */
static int
collapse(struct db *db, const struct tmeta *tm, struct entry *e, size_t n,
	 uint64_t high, const struct changes_opts *o, struct batch *out,
	 struct nr_err *err)
{
	char **pks = util_calloc(n + 1, sizeof(char *));
	struct entry **last = util_calloc(n + 1, sizeof(*last));
	struct qres *rows = NULL;
	struct row_ref *idx = NULL;
	bool *later = NULL;
	size_t i, k = 0;
	int rc = NR_OK;

	for (i = 0; i < n; i++) {
		struct entry *x = &e[i];

		if (i + 1 < n && strcmp(x->pk, e[i + 1].pk) == 0)
			continue;
		if (from_peer(o, x->origin, x->via))
			continue;
		last[k] = x;
		pks[k++] = (char *)x->pk;
	}
	later = util_calloc(k + 1, sizeof(*later));
	if (k == 0)
		goto out;
	if (out->has_more)
		rc = later_entries(db, tm, pks, k, high, o->tenant, later, err);
	if (rc == NR_OK)
		rc = changes_rows(db, tm, pks, k, false, &rows, err);
	if (rc != NR_OK)
		goto out;
	idx = rowidx_build(rows);
	for (i = 0; i < k; i++) {
		long r = rowidx_find(idx, rows->nrows, pks[i]);
		const char *ts = last[i]->ts;
		struct change *c;

		if (later[i])
			continue;
		if (r >= 0 && o->tenant != NULL &&
		    !same_str(col_str(rows, (size_t)r, tm->tenant + 1),
			      o->tenant))
			r = -1;
		if (r >= 0 && tm->ts >= 0 &&
		    col_str(rows, (size_t)r, tm->ts + 1) != NULL)
			ts = col_str(rows, (size_t)r, tm->ts + 1);
		c = batch_add(out, r >= 0 ? 'U' : 'D', pks[i], last[i]->origin,
			      ts);
		if (r >= 0)
			batch_set_row(out, c, qres_at(rows, (size_t)r, 1));
	}
out:
	qres_free(rows);
	free(idx);
	free(later);
	free(pks);
	free(last);
	return rc;
}

static int
read_log(struct db *db, const struct tmeta *tm, struct cursor *cur,
	 const struct changes_opts *o, struct batch *out, struct nr_err *err)
{
	size_t np = 5 + 2 * cur->ngaps, n, i;
	struct qval *params = util_calloc(np, sizeof(*params));
	char(*nums)[24] = util_calloc(np, sizeof(*nums));
	struct entry *e = NULL;
	struct qres *res = NULL, *miss = NULL;
	uint64_t G, high = cur->high, last = 0;
	struct gap_look look;
	int64_t seen;
	struct buf sql;
	char limit[32];
	int rc;

	buf_init(&sql, 0);
	rc = look_at_gaps(db, cur->ngaps, o, &look, err);
	if (rc != NR_OK)
		goto out;
	rc = snapshot_head(db, &G, &seen, err);
	if (rc != NR_OK)
		goto out;
	if (G < cur->high) {
		rc = err_set(err, NR_EREWOUND,
			     "table %s: the position (seq %llu) is past the "
			     "changelog's head (seq %llu): the changelog went "
			     "back, as after a restore",
			     tm->name, (unsigned long long)cur->high,
			     (unsigned long long)G);
		goto out;
	}

	/* The entries not yet delivered, oldest first. */
	params[0] = qv_str(tm->name);
	n = 1;
	buf_adds(&sql, "SELECT seq, pk, op, origin, via, changed_at FROM "
		       "_nunez_changelog WHERE tbl = ? AND ");
	if (o->tenant != NULL) {
		buf_adds(&sql, "tenant = ? AND ");
		params[n++] = qv_str(o->tenant);
	}
	n += undelivered(cur, &sql, params + n, nums);
	snprintf(limit, sizeof(limit), " ORDER BY seq LIMIT %zu", o->limit);
	buf_adds(&sql, limit);
	rc = query_run(db, buf_str(&sql), params, n, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	e = util_calloc(res->nrows + 1, sizeof(*e));
	for (i = 0; i < res->nrows; i++) {
		e[i].seq = to_u64(qres_at(res, i, 0));
		e[i].pk = qres_at(res, i, 1)->p;
		e[i].op = qres_at(res, i, 2)->p;
		e[i].origin = qres_at(res, i, 3)->p;
		e[i].via = col_str(res, i, 4);
		e[i].ts = col_str(res, i, 5);
		if (e[i].seq <= cur->high)
			cursor_found(cur, e[i].seq);
		else if (e[i].seq > high)
			high = e[i].seq;
		last = e[i].seq;
	}
	out->has_more = res->nrows == o->limit;
	if (!out->has_more)
		high = G;
	/* The gaps this read asked for and did not find are dead if their
	 * transactions were gone before it began; a read cut short before
	 * reaching every gap seq judges none. Gaps found below are new. */
	if (!out->has_more || last > cur->high)
		cursor_drop_dead(cur, look.trx_known, look.oldest_open,
				 look.now, look.timeout);

	/* Seqs missing in (cur->high, high] as of this snapshot are gaps. */
	if (high > cur->high) {
		u64_param(nums[0], cur->high, &params[0]);
		u64_param(nums[1], cur->high, &params[1]);
		u64_param(nums[2], high, &params[2]);
		params[3] = params[0];
		rc = query_run(db,
			       "SELECT COALESCE(prev, ?) + 1, seq - 1 FROM "
			       "(SELECT seq, LAG(seq) OVER (ORDER BY seq) "
			       "AS prev FROM _nunez_changelog WHERE seq > ? "
			       "AND seq <= ?) x WHERE seq > COALESCE(prev, "
			       "?) + 1",
			       params, 4, 0, &miss, err);
		if (rc != NR_OK)
			goto out;
		for (i = 0; i < miss->nrows; i++)
			cursor_add_gap(cur, to_u64(qres_at(miss, i, 0)),
				       to_u64(qres_at(miss, i, 1)), seen);
		cur->high = high;
	}
	qsort(e, res->nrows, sizeof(*e), cmp_entry);
	rc = collapse(db, tm, e, res->nrows, cur->high, o, out, err);
out:
	if (db_exec(db, "COMMIT", rc == NR_OK ? err : NULL) != NR_OK &&
	    rc == NR_OK)
		rc = NR_EDB;
	qres_free(res);
	qres_free(miss);
	free(e);
	free(params);
	free(nums);
	buf_free(&sql);
	return rc;
}

/* Timestamp capture: rows after (after_ts, after_pk) by time then key.
 * When a pass is done the position steps back from the latest time seen
 * by the overlap, so rows committed late with an earlier time are still
 * found if within it. Deletes are seen only as a soft-delete column. */
static int
read_by_time(struct db *db, const struct tmeta *tm, struct cursor *cur,
	     const struct changes_opts *o, struct batch *out,
	     struct nr_err *err)
{
	size_t nk = schema_key_cmp_nparams(tm), np = 0, i;
	struct qval *params = util_calloc(nk + 3, sizeof(*params));
	struct qval *key = NULL;
	struct qres *res = NULL, *back = NULL;
	const char *ts = tm->cols[tm->ts].name;
	char tail[64], secs[16];
	struct buf sql;
	int rc = NR_OK;

	buf_init(&sql, 0);
	select_rows(tm, &sql);
	if (cur->after_ts != NULL && cur->after_pk != NULL) {
		rc = schema_key_decode(tm, cur->after_pk, &key, err);
		if (rc != NR_OK)
			goto out;
		buf_adds(&sql, " WHERE ");
		buf_ident(&sql, ts);
		buf_adds(&sql, " > ? OR (");
		buf_ident(&sql, ts);
		buf_adds(&sql, " = ? AND ");
		schema_key_cmp(tm, ">", &sql);
		buf_adds(&sql, ")");
		params[np++] = qv_str(cur->after_ts);
		params[np++] = qv_str(cur->after_ts);
		schema_key_cmp_params(tm, key, params + np);
		np += nk;
	} else if (cur->after_ts != NULL) {
		buf_adds(&sql, " WHERE ");
		buf_ident(&sql, ts);
		buf_adds(&sql, " >= ?");
		params[np++] = qv_str(cur->after_ts);
	}
	buf_adds(&sql, " ORDER BY ");
	buf_ident(&sql, ts);
	buf_adds(&sql, ", ");
	schema_key_order(tm, &sql);
	snprintf(tail, sizeof(tail), " LIMIT %zu", o->limit);
	buf_adds(&sql, tail);
	rc = query_run(db, buf_str(&sql), params, np, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	cur->started = true;
	for (i = 0; i < res->nrows; i++) {
		const char *t = col_str(res, i, tm->ts + 1);
		struct change *c = batch_add(out, 'U', qres_at(res, i, 0)->p,
					     o->self, t);

		batch_set_row(out, c, qres_at(res, i, 1));
		if (t != NULL &&
		    (cur->mark_ts == NULL || strcmp(t, cur->mark_ts) > 0)) {
			free(cur->mark_ts);
			cur->mark_ts = util_strdup(t);
		}
	}
	free(cur->after_pk);
	cur->after_pk = NULL;
	out->has_more = res->nrows == o->limit;
	if (out->has_more) {
		free(cur->after_ts);
		cur->after_ts = util_strdup(
		    col_str(res, res->nrows - 1, tm->ts + 1));
		cur->after_pk = util_strdup(qres_at(res, res->nrows - 1, 0)->p);
	} else if (cur->mark_ts != NULL) {
		snprintf(secs, sizeof(secs), "%d", o->ts_overlap);
		params[0] = qv_str(cur->mark_ts);
		params[1] = qv_str(secs);
		rc = query_run(db,
			       "SELECT CAST(CAST(? AS DATETIME(6)) - "
			       "INTERVAL ? SECOND AS CHAR)",
			       params, 2, 0, &back, err);
		if (rc != NR_OK)
			goto out;
		free(cur->after_ts);
		cur->after_ts = util_strdup(col_str(back, 0, 0));
	}
out:
	schema_key_values_free(key, tm->npk);
	free(params);
	qres_free(res);
	qres_free(back);
	buf_free(&sql);
	return rc;
}

void
changes_opts_init(struct changes_opts *o, const struct config *cfg,
		  const char *self, const char *peer, size_t limit)
{
	memset(o, 0, sizeof(*o));
	o->self = self;
	o->peer = peer;
	o->limit = limit;
	o->gap_timeout = cfg->sync.gap_timeout;
	o->ts_overlap = cfg->sync.ts_overlap;
}

int
changes_read(struct db *db, const struct tmeta *tm, struct cursor *cur,
	     const struct changes_opts *o, struct batch *out,
	     struct nr_err *err)
{
	struct cursor was = {0};
	int rc;

	batch_init(out, tm);
	if (tm->conf->capture == CAPTURE_TIMESTAMP)
		return read_by_time(db, tm, cur, o, out, err);
	if (!cur->started) {
		bool resync = cur->resync;

		rc = start(db, cur, err);
		cur->resync = resync;
		return rc == NR_OK ? read_snapshot(db, tm, cur, o, out, err)
				   : rc;
	}
	cursor_copy(&was, cur);
	if (cur->snapshot)
		rc = read_snapshot(db, tm, cur, o, out, err);
	else if (cur->tombs)
		rc = read_tombs(db, tm, cur, o, out, err);
	else
		rc = read_log(db, tm, cur, o, out, err);
	/* After the read: a purge says how far it goes before it deletes,
	 * so a read that missed an entry sees the purge point. */
	if (rc == NR_OK)
		rc = retention_check(db, tm->name, &was, err);
	cursor_clear(&was);
	return rc;
}

int
changes_head(struct db *db, const char *table, uint64_t *head, char **when,
	     struct nr_err *err)
{
	struct qval p = qv_str(table);
	struct qres *res = NULL;
	int rc;

	*head = 0;
	if (when != NULL)
		*when = NULL;
	rc = query_run(db,
		       table != NULL
			   ? "SELECT seq, changed_at FROM _nunez_changelog "
			     "WHERE tbl = ? ORDER BY seq DESC LIMIT 1"
			   : "SELECT seq, changed_at FROM _nunez_changelog "
			     "ORDER BY seq DESC LIMIT 1",
		       &p, table != NULL, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1) {
		*head = to_u64(qres_at(res, 0, 0));
		if (when != NULL)
			*when = util_strdup(qres_at(res, 0, 1)->p);
	}
	qres_free(res);
	return rc;
}

int
changes_heads(struct db *db, struct qres **res, struct nr_err *err)
{
	return query_run(db,
			 "SELECT tbl, MAX(seq) FROM _nunez_changelog "
			 "GROUP BY tbl",
			 NULL, 0, 0, res, err);
}

int
changes_size(struct db *db, unsigned long long *rows, unsigned long long *bytes,
	     struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	*rows = *bytes = 0;
	rc = query_run(db,
		       "SELECT COALESCE(TABLE_ROWS, 0), COALESCE(DATA_LENGTH, "
		       "0) + COALESCE(INDEX_LENGTH, 0) FROM "
		       "information_schema.TABLES WHERE TABLE_SCHEMA = "
		       "DATABASE() AND TABLE_NAME = '_nunez_changelog'",
		       NULL, 0, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1) {
		*rows = to_u64(qres_at(res, 0, 0));
		*bytes = to_u64(qres_at(res, 0, 1));
	}
	qres_free(res);
	return rc;
}

int
changes_latest(struct db *db, const struct tmeta *tm, char *const *pks,
	       size_t n, const char *peer, const struct cursor *seen,
	       struct qres **out, struct nr_err *err)
{
	size_t ng = seen != NULL ? seen->ngaps : 0, np = 0;
	struct qval *params = util_calloc(n + 2 * ng + 8, sizeof(*params));
	char(*nums)[24] = util_calloc(2 * ng + 2, sizeof(*nums));
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT c.pk, c.op, c.origin, c.changed_at FROM "
		       "_nunez_changelog c JOIN (SELECT MAX(seq) AS m FROM "
		       "_nunez_changelog WHERE tbl = ? AND pk IN ");
	params[np++] = qv_str(tm->name);
	np += query_in_list(&sql, pks, n, params + np);
	if (peer != NULL) {
		buf_adds(&sql,
			 " AND origin <> ? AND (via IS NULL OR via <> ?)");
		params[np++] = qv_str(peer);
		params[np++] = qv_str(peer);
	}
	if (peer != NULL && seen != NULL && seen->started) {
		buf_adds(&sql, " AND ");
		np += undelivered(seen, &sql, params + np, nums);
	}
	buf_adds(&sql, " GROUP BY pk) x ON c.seq = x.m");
	rc = query_run(db, buf_str(&sql), params, np, 0, out, err);
	free(params);
	free(nums);
	buf_free(&sql);
	return rc;
}

int
changes_log(struct db *db, const char *table, const struct changes_entry *v,
	    size_t n, struct nr_err *err)
{
	struct qval *p = util_calloc(7 * n + 1, sizeof(*p));
	char(*ops)[2] = util_calloc(n + 1, sizeof(*ops));
	struct buf sql;
	size_t i;
	int rc = NR_OK;

	buf_init(&sql, 0);
	buf_adds(&sql, "INSERT INTO _nunez_changelog (tbl, pk, op, origin, "
		       "via, changed_at, tenant) VALUES ");
	for (i = 0; i < n; i++) {
		buf_adds(&sql, i ? ", " : "");
		buf_adds(&sql, "(?, ?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(6)), "
			       "?)");
		ops[i][0] = v[i].op;
		p[7 * i] = qv_str(table);
		p[7 * i + 1] = qv_str(v[i].pk);
		p[7 * i + 2] = qv_str(ops[i]);
		p[7 * i + 3] = qv_str(v[i].origin);
		p[7 * i + 4] = qv_str(v[i].via);
		p[7 * i + 5] = qv_str(v[i].ts);
		p[7 * i + 6] = v[i].tenant;
	}
	if (n > 0)
		rc = query_exec(db, buf_str(&sql), p, 7 * n, NULL, err);
	free(p);
	free(ops);
	buf_free(&sql);
	return rc;
}

int
changes_touch(struct db *db, const struct tmeta *tm, const char *column,
	      const char *self, unsigned long long *n, struct nr_err *err)
{
	struct qval p[3] = {qv_str(tm->name), qv_str(self), qv_str(tm->name)};
	struct buf sql;
	size_t i;
	int rc;

	for (i = 0; column != NULL && i < tm->ncols; i++)
		if (strcmp(tm->cols[i].name, column) == 0)
			break;
	if (column != NULL && i == tm->ncols)
		return err_set(err, NR_EINVAL,
			       "table %s has no replicated column %.64s",
			       tm->name, column);
	buf_init(&sql, 0);
	buf_adds(&sql, "INSERT INTO _nunez_changelog (tbl, pk, op, origin, "
		       "changed_at, tenant) SELECT ?, k.pk, 'U', "
		       "COALESCE(l.origin, ?), COALESCE(l.changed_at, "
		       "UTC_TIMESTAMP(6)), k.tenant FROM (SELECT ");
	schema_pkexpr(tm, "", &sql);
	buf_adds(&sql, " AS pk, ");
	if (tm->tenant >= 0)
		buf_ident(&sql, tm->cols[tm->tenant].name);
	else
		buf_adds(&sql, "NULL");
	buf_adds(&sql, " AS tenant FROM ");
	buf_ident(&sql, tm->name);
	if (column != NULL) {
		buf_adds(&sql, " WHERE ");
		buf_ident(&sql, column);
		buf_adds(&sql, " IS NOT NULL");
	}
	buf_adds(&sql, ") k LEFT JOIN (SELECT c.pk, c.origin, c.changed_at "
		       "FROM _nunez_changelog c JOIN (SELECT MAX(seq) AS m "
		       "FROM _nunez_changelog WHERE tbl = ? GROUP BY pk) x ON "
		       "c.seq = x.m) l ON l.pk = k.pk");
	rc = query_exec(db, buf_str(&sql), p, 3, n, err);
	buf_free(&sql);
	return rc;
}
