/* The sync log. */
#include <stdio.h>

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

int
synclog_recent(struct db *db, const char *peer, const char *floor,
	       struct qres **out, struct nr_err *err)
{
	static const char *const sql =
	    "(SELECT 'last', finished_at, tbl, direction, status, message, "
	    "TIMESTAMPDIFF(SECOND, finished_at, UTC_TIMESTAMP()) FROM "
	    "_nunez_sync_log WHERE id > ? AND peer = ? ORDER BY id DESC "
	    "LIMIT 1) UNION ALL (SELECT 'ok', finished_at, tbl, direction, "
	    "status, message, TIMESTAMPDIFF(SECOND, finished_at, "
	    "UTC_TIMESTAMP()) FROM _nunez_sync_log WHERE id > ? AND "
	    "peer = ? AND status = 'ok' ORDER BY id DESC LIMIT 1) "
	    "UNION ALL (SELECT 'error', finished_at, tbl, direction, "
	    "status, message, 0 FROM _nunez_sync_log WHERE id > ? AND "
	    "peer = ? AND status <> 'ok' ORDER BY id DESC LIMIT 5)";
	struct qval f = qv_str(floor), r = qv_str(peer);
	struct qval p[6] = {f, r, f, r, f, r};

	return query_run(db, sql, p, 6, 0, out, err);
}

int
synclog_list(struct db *db, const char *peer, const char *table,
	     const char *status, const char *limit, struct qres **out,
	     struct nr_err *err)
{
	struct qval p[7] = {qv_str(peer),  qv_str(peer),   qv_str(table),
			    qv_str(table), qv_str(status), qv_str(status),
			    qv_str(limit)};

	return query_run(db,
			 "SELECT id, started_at, finished_at, peer, tbl "
			 "AS `table`, direction, rows_in, rows_out, "
			 "conflicts, status, message FROM _nunez_sync_log "
			 "WHERE (? IS NULL OR peer = ?) AND (? IS NULL OR "
			 "tbl = ?) AND (? IS NULL OR status = ?) ORDER BY "
			 "id DESC LIMIT ?",
			 p, 7, 0, out, err);
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
