/* Retention of the changelog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "query.h"
#include "resolve.h"
#include "retention.h"
#include "synclog.h"

uint64_t
retention_need(const struct cursor *c)
{
	uint64_t need;

	if (!c->started || c->snapshot || c->tombs)
		return 0;
	need = c->high + 1;
	if (c->ngaps > 0 && c->gaps[0].lo < need)
		need = c->gaps[0].lo;
	return need;
}

/* What this process last wrote for a database, peer and table, so that
 * a peer polling at the head writes nothing most of the time. A slot
 * taken by another key only costs a write. */
#define MEMO_SLOTS 64

static struct {
	unsigned long key;
	uint64_t need;
	time_t at;
} memo[MEMO_SLOTS];

static unsigned long
memo_key(const struct db *db, const char *peer, const char *table)
{
	unsigned long h = 5381 + (unsigned long)(uintptr_t)db;
	const char *s;

	for (s = peer; *s; s++)
		h = h * 33 + (unsigned char)*s;
	h = h * 33 + '/';
	for (s = table; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

int
retention_ack(struct db *db, const char *peer, const char *table,
	      const struct cursor *c, struct nr_err *err)
{
	uint64_t need = retention_need(c);
	unsigned long key = memo_key(db, peer, table);
	size_t slot = key % MEMO_SLOTS;
	time_t now = time(NULL);
	struct qval p[3];
	char n[24];
	int rc;

	/* A peer's need only grows, but for 0 (a copy begins): a 0 is
	 * always written, another process may have written more since. */
	if (need > 0 && memo[slot].key == key && memo[slot].need == need &&
	    now - memo[slot].at < RETENTION_ACK_SECONDS)
		return NR_OK;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)need);
	p[0] = qv_str(peer);
	p[1] = qv_str(table);
	p[2] = qv_str(n);
	rc = query_exec(db,
			"INSERT INTO _nunez_acks (peer, tbl, need, seen_at) "
			"VALUES (?, ?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY "
			"UPDATE need = VALUES(need), seen_at = "
			"VALUES(seen_at)",
			p, 3, NULL, err);
	if (rc == NR_OK) {
		memo[slot].key = key;
		memo[slot].need = need;
		memo[slot].at = now;
	}
	return rc;
}

static uint64_t
u64_at(const struct qres *res, size_t row, size_t col)
{
	const struct qval *v = qres_at(res, row, col);

	return v->null ? 0 : strtoull(v->p, NULL, 10);
}

/* Where the changelog of a table stands: the head (of every table), how
 * far a purge went and when the last began (server us, as gaps). */
struct purged {
	uint64_t head, upto;
	int64_t us;
};

static int
load_purged(struct db *db, const char *table, struct purged *pg,
	    struct nr_err *err)
{
	struct qval p = qv_str(table);
	struct qres *res = NULL;
	int rc;

	memset(pg, 0, sizeof(*pg));
	rc = query_run(db,
		       "SELECT (SELECT MAX(seq) FROM _nunez_changelog), upto, "
		       "purged_us FROM (SELECT 1) one LEFT JOIN "
		       "_nunez_purged ON tbl = ?",
		       &p, 1, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1) {
		pg->head = u64_at(res, 0, 0);
		pg->upto = u64_at(res, 0, 1);
		pg->us = (int64_t)u64_at(res, 0, 2);
	}
	qres_free(res);
	return rc;
}

/* The lowest seq at or below pg->upto that c still needs: past high, or
 * in a gap first missed before the purge began (one missed after it
 * was purged already, or is still to come); 0 when none. */
static uint64_t
purged_need(const struct cursor *c, const struct purged *pg)
{
	size_t i;

	for (i = 0; i < c->ngaps && c->gaps[i].lo <= pg->upto; i++)
		if (c->gaps[i].seen < pg->us)
			return c->gaps[i].lo;
	return c->high + 1 <= pg->upto ? c->high + 1 : 0;
}

int
retention_check(struct db *db, const char *table, const struct cursor *c,
		struct nr_err *err)
{
	struct purged pg;
	uint64_t need;
	int rc;

	if (!c->started)
		return NR_OK;
	rc = load_purged(db, table, &pg, err);
	if (rc != NR_OK)
		return rc;
	if (c->high > pg.head)
		return err_set(err, NR_EREWOUND,
			       "table %s: the position (seq %llu) is past the "
			       "changelog's head (seq %llu): the changelog "
			       "went back, as after a restore",
			       table, (unsigned long long)c->high,
			       (unsigned long long)pg.head);
	need = purged_need(c, &pg);
	if (need > 0)
		return err_set(err, NR_EEXPIRED,
			       "table %s: the changelog was purged up to seq "
			       "%llu and the position needs seq %llu on: its "
			       "reader was away longer than the changelog "
			       "keeps (retention.peerDays)",
			       table, (unsigned long long)pg.upto,
			       (unsigned long long)need);
	return NR_OK;
}

/* Lowers t->safe to what peer needs (0: all), saying why. */
static void
hold(struct retention_table *t, const char *peer, uint64_t need)
{
	uint64_t v = need > 0 ? need - 1 : 0;

	if (v >= t->safe)
		return;
	t->safe = v;
	if (need == 0)
		snprintf(t->held_by, sizeof(t->held_by),
			 "%.64s has not read it past a first copy", peer);
	else
		snprintf(t->held_by, sizeof(t->held_by),
			 "%.64s needs seq %llu on", peer,
			 (unsigned long long)need);
}

/* True when peer is one of the n configured peers. */
static bool
configured(const char *const *peers, size_t n, const char *peer)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(peers[i], peer) == 0)
			return true;
	return false;
}

/* True when peer has an ack in res (rows peer, need, recent). */
static bool
acked(const struct qres *res, const char *peer)
{
	size_t i;

	for (i = 0; i < res->nrows; i++)
		if (strcmp(qres_at(res, i, 0)->p, peer) == 0)
			return true;
	return false;
}

/* t->safe from the peers of t->table: the acks of configured peers and
 * of those heard from in retention.peerDays; a configured peer without
 * one holds everything. */
static int
safe_point(struct db *db, const struct config *cfg, const char *const *peers,
	   size_t npeers, struct retention_table *t, struct nr_err *err)
{
	struct qres *res = NULL;
	struct qval p[2];
	char days[16];
	size_t i;
	int rc;

	snprintf(days, sizeof(days), "%d", cfg->retention.peer_days);
	p[0] = qv_str(days);
	p[1] = qv_str(t->table);
	rc = query_run(db,
		       "SELECT peer, need, seen_at >= UTC_TIMESTAMP(6) - "
		       "INTERVAL ? DAY FROM _nunez_acks WHERE tbl = ?",
		       p, 2, 0, &res, err);
	if (rc != NR_OK)
		return rc;
	for (i = 0; i < npeers; i++)
		if (!acked(res, peers[i]))
			hold(t, peers[i], 0);
	for (i = 0; i < res->nrows; i++) {
		const char *peer = qres_at(res, i, 0)->p;

		if (strcmp(qres_at(res, i, 2)->p, "1") == 0 ||
		    configured(peers, npeers, peer))
			hold(t, peer, u64_at(res, i, 1));
	}
	qres_free(res);
	return NR_OK;
}

/* Lowers t->safe below the first entry of t->table after t->upto that
 * is younger than retention.minHours. */
static int
keep_young(struct db *db, const struct config *cfg, struct retention_table *t,
	   struct nr_err *err)
{
	struct qres *res = NULL;
	struct qval p[4];
	char lo[24], hi[24], hours[16];
	int rc;

	snprintf(lo, sizeof(lo), "%llu", (unsigned long long)t->upto);
	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)t->safe);
	snprintf(hours, sizeof(hours), "%d", cfg->retention.min_hours);
	p[0] = qv_str(t->table);
	p[1] = qv_str(lo);
	p[2] = qv_str(hi);
	p[3] = qv_str(hours);
	rc = query_run(db,
		       "SELECT seq FROM _nunez_changelog WHERE tbl = ? AND "
		       "seq > ? AND seq <= ? AND changed_at >= "
		       "UTC_TIMESTAMP(6) - INTERVAL ? HOUR ORDER BY seq "
		       "LIMIT 1",
		       p, 4, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1) {
		t->safe = u64_at(res, 0, 0) - 1;
		snprintf(t->held_by, sizeof(t->held_by),
			 "entries younger than retention.minHours (%d)",
			 cfg->retention.min_hours);
	}
	qres_free(res);
	return rc;
}

/* Deletes t->table's entries at or below t->safe, chunk by chunk; the
 * new purge point is recorded first, so that a reader that misses an
 * entry finds its position expired. Without gap locks: a writer's
 * trigger never waits for the range a chunk deletes. */
static int
delete_upto(struct db *db, const struct config *cfg, struct retention_table *t,
	    struct nr_err *err)
{
	struct qval p[2];
	char hi[24], sql[240];
	unsigned long long n;
	int rc;

	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)t->safe);
	p[0] = qv_str(t->table);
	p[1] = qv_str(hi);
	rc = query_exec(db,
			"INSERT INTO _nunez_purged (tbl, upto, purged_us, "
			"purged_at) VALUES (?, ?, ROUND(UNIX_TIMESTAMP(NOW(6)) "
			"* 1000000), UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE "
			"upto = GREATEST(upto, VALUES(upto)), purged_us = "
			"VALUES(purged_us), purged_at = VALUES(purged_at)",
			p, 2, NULL, err);
	snprintf(sql, sizeof(sql),
		 "DELETE FROM _nunez_changelog WHERE tbl = ? AND seq <= ? "
		 "ORDER BY seq LIMIT %d",
		 cfg->retention.chunk);
	while (rc == NR_OK) {
		n = 0;
		/* For the next transaction only: this statement. */
		rc = db_exec(
		    db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", err);
		if (rc == NR_OK)
			rc = query_exec(db, sql, p, 2, &n, err);
		t->gone += n;
		if (rc != NR_OK || n < (unsigned long long)cfg->retention.chunk)
			break;
		if (cfg->retention.pause_ms > 0)
			usleep((useconds_t)cfg->retention.pause_ms * 1000);
	}
	return rc;
}

/* How many of t->table's entries are at or below t->safe. */
static int
count_upto(struct db *db, struct retention_table *t, struct nr_err *err)
{
	struct qres *res = NULL;
	struct qval p[2];
	char hi[24];
	int rc;

	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)t->safe);
	p[0] = qv_str(t->table);
	p[1] = qv_str(hi);
	rc = query_run(db,
		       "SELECT COUNT(*) FROM _nunez_changelog WHERE tbl = ? "
		       "AND seq <= ?",
		       p, 2, 0, &res, err);
	if (rc == NR_OK)
		t->gone = u64_at(res, 0, 0);
	qres_free(res);
	return rc;
}

static int
purge_table(struct db *db, const struct config *cfg, const char *const *peers,
	    size_t npeers, bool dry_run, struct retention_table *t,
	    struct nr_err *err)
{
	struct purged pg;
	uint64_t head;
	int rc;

	t->safe = UINT64_MAX;
	rc = load_purged(db, t->table, &pg, err);
	head = pg.head;
	t->upto = pg.upto;
	if (rc == NR_OK)
		rc = safe_point(db, cfg, peers, npeers, t, err);
	/* The head entry stays: a position at the head must not look
	 * past it (retention_check). */
	if (rc == NR_OK && t->safe >= head) {
		t->safe = head > 0 ? head - 1 : 0;
		snprintf(t->held_by, sizeof(t->held_by),
			 "the changelog's head");
	}
	if (rc == NR_OK && t->safe > t->upto)
		rc = keep_young(db, cfg, t, err);
	if (rc != NR_OK || t->safe <= t->upto)
		return rc;
	return dry_run ? count_upto(db, t, err) : delete_upto(db, cfg, t, err);
}

typedef int (*history_fn)(struct db *, int, unsigned long, unsigned long long *,
			  struct nr_err *);

/* Runs fn until it removes less than a chunk; adds the count to *n. */
static int
purge_history(struct db *db, const struct config *cfg, history_fn fn,
	      unsigned long long *n, struct nr_err *err)
{
	unsigned long long k;
	unsigned long chunk = (unsigned long)cfg->retention.chunk;
	int rc;

	do {
		k = 0;
		rc = fn(db, cfg->retention.history_days, chunk, &k, err);
		*n += k;
	} while (rc == NR_OK && k == chunk);
	return rc;
}

int
retention_purge(struct db *db, const struct config *cfg,
		const char *const *peers, size_t npeers, bool dry_run,
		retention_report say, void *arg, struct retention_stats *st,
		struct nr_err *err)
{
	size_t i;
	int rc = NR_OK;

	for (i = 0; rc == NR_OK && i < cfg->ntables; i++) {
		struct retention_table t = {.table = cfg->tables[i].name};

		/* Read by time, from the table itself: no changelog. */
		if (cfg->tables[i].capture == CAPTURE_TIMESTAMP)
			continue;
		rc = purge_table(db, cfg, peers, npeers, dry_run, &t, err);
		if (rc != NR_OK)
			break;
		if (!dry_run)
			st->entries += t.gone;
		if (say != NULL)
			say(arg, &t);
	}
	if (rc == NR_OK && !dry_run)
		rc = purge_history(db, cfg, synclog_purge, &st->history, err);
	if (rc == NR_OK && !dry_run)
		rc = purge_history(db, cfg, resolve_purge, &st->history, err);
	return rc;
}
