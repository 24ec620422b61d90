/* The sync log. */
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "log.h"
#include "synclog.h"
#include "util.h"

void
synclog_add(struct db *db, const char *peer, const char *table,
	    const char *direction, const struct sync_stats *st, double started,
	    const char *status, const char *message)
{
	char in[24], conf[24], when[32];
	struct qval p[8];
	struct nr_err err;

	snprintf(in, sizeof(in), "%llu",
		 st->a.inserted + st->a.updated + st->a.deleted);
	snprintf(conf, sizeof(conf), "%llu", st->a.conflicts);
	snprintf(when, sizeof(when), "%.6f", started);
	p[0] = qv_str(when);
	p[1] = qv_str(peer);
	p[2] = qv_str(table);
	p[3] = qv_str(direction);
	p[4] = qv_str(in);
	p[5] = qv_str(conf);
	p[6] = qv_str(status);
	p[7] = qv_str(message);
	if (query_exec(db,
		       "INSERT INTO _nunez_sync_log (started_at, "
		       "finished_at, peer, tbl, direction, rows_in, "
		       "conflicts, status, message) VALUES "
		       "(FROM_UNIXTIME(?), UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, "
		       "?, LEFT(?, 1024))",
		       p, 8, NULL, &err) != NR_OK)
		log_warn("cannot write the sync log: %s", err.msg);
}

int
synclog_floor(struct db *db, char floor[24], struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	rc = query_run(db,
		       "SELECT GREATEST(COALESCE(MAX(id), 0), 5000) - "
		       "5000 FROM _nunez_sync_log",
		       NULL, 0, 0, &res, err);
	if (rc == NR_OK)
		snprintf(floor, 24, "%s", qres_at(res, 0, 0)->p);
	qres_free(res);
	return rc;
}

/* Appends " AND tbl IN (...)" of the tables, when any, binding them
 * from params; returns how many it bound. */
static size_t
tables_in(struct buf *sql, const struct strv *tables, struct qval *params)
{
	if (tables == NULL || tables->n == 0)
		return 0;
	buf_adds(sql, " AND tbl IN ");
	return query_in_list(sql, tables->v, tables->n, params);
}

int
synclog_recent(struct db *db, const char *peer, const char *floor,
	       const struct strv *tables, struct qres **out, struct nr_err *err)
{
	static const char *const part[] = {
	    "(SELECT 'last', finished_at, tbl, direction, status, message, "
	    "TIMESTAMPDIFF(SECOND, finished_at, UTC_TIMESTAMP()) FROM "
	    "_nunez_sync_log WHERE id > ? AND peer = ?",
	    " ORDER BY id DESC LIMIT 1) UNION ALL (SELECT 'ok', finished_at, "
	    "tbl, direction, status, message, TIMESTAMPDIFF(SECOND, "
	    "finished_at, UTC_TIMESTAMP()) FROM _nunez_sync_log WHERE id > ? "
	    "AND peer = ? AND status = 'ok'",
	    " ORDER BY id DESC LIMIT 1) UNION ALL (SELECT 'error', "
	    "finished_at, tbl, direction, status, message, 0 FROM "
	    "_nunez_sync_log WHERE id > ? AND peer = ? AND status <> 'ok'",
	    " ORDER BY id DESC LIMIT 5)"};
	size_t nt = tables != NULL ? tables->n : 0, np = 0, i;
	struct qval *p = util_calloc(3 * (nt + 2), sizeof(*p));
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	for (i = 0; i < 3; i++) {
		buf_adds(&sql, part[i]);
		p[np++] = qv_str(floor);
		p[np++] = qv_str(peer);
		np += tables_in(&sql, tables, p + np);
	}
	buf_adds(&sql, part[3]);
	rc = query_run(db, buf_str(&sql), p, np, 0, out, err);
	buf_free(&sql);
	free(p);
	return rc;
}

int
synclog_list(struct db *db, const char *peer, const char *table,
	     const char *status, const struct strv *tables, const char *limit,
	     struct qres **out, struct nr_err *err)
{
	size_t nt = tables != NULL ? tables->n : 0, np = 6;
	struct qval *p = util_calloc(nt + 7, sizeof(*p));
	struct buf sql;
	int rc;

	p[0] = p[1] = qv_str(peer);
	p[2] = p[3] = qv_str(table);
	p[4] = p[5] = qv_str(status);
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id, started_at, finished_at, peer, tbl AS "
		       "`table`, direction, rows_in, rows_out, conflicts, "
		       "status, message FROM _nunez_sync_log WHERE (? IS "
		       "NULL OR peer = ?) AND (? IS NULL OR tbl = ?) AND (? "
		       "IS NULL OR status = ?)");
	np += tables_in(&sql, tables, p + np);
	buf_adds(&sql, " ORDER BY id DESC LIMIT ?");
	p[np++] = qv_str(limit);
	rc = query_run(db, buf_str(&sql), p, np, 0, out, err);
	buf_free(&sql);
	free(p);
	return rc;
}

int
synclog_first(struct db *db, const char *table, char **when, struct nr_err *err)
{
	struct qval p = qv_str(table);

	return query_text(db,
			  "SELECT MIN(started_at) FROM _nunez_sync_log "
			  "WHERE tbl = ?",
			  &p, 1, when, err);
}

int
synclog_purge(struct db *db, int days, unsigned long limit,
	      unsigned long long *n, struct nr_err *err)
{
	return query_purge(db, "_nunez_sync_log", "finished_at", days, limit, n,
			   err);
}
