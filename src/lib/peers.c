/* The positions of peers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "util.h"

static int
load(struct db *db, const char *sql, const char *peer, const char *table,
     struct cursor *cur, struct nr_err *err)
{
	struct qval p[2] = {qv_str(peer), qv_str(table)};
	struct qres *res = NULL;
	int rc;

	memset(cur, 0, sizeof(*cur));
	rc = query_run(db, sql, p, 2, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1)
		rc = cursor_parse(qres_at(res, 0, 0)->p, cur, err);
	qres_free(res);
	return rc;
}

int
peers_load(struct db *db, const char *peer, const char *table,
	   struct cursor *cur, struct nr_err *err)
{
	return load(db,
		    "SELECT cursor_token FROM _nunez_cursors WHERE "
		    "peer = ? AND tbl = ?",
		    peer, table, cur, err);
}

int
peers_token(struct db *db, const char *peer, const char *table, char **token,
	    struct nr_err *err)
{
	struct qval p[2] = {qv_str(peer), qv_str(table)};
	int rc;

	rc = query_text(db,
			"SELECT cursor_token FROM _nunez_cursors WHERE "
			"peer = ? AND tbl = ?",
			p, 2, token, err);
	if (rc == NR_OK && *token != NULL && (*token)[0] == '\0') {
		free(*token);
		*token = NULL;
	}
	return rc;
}

int
peers_lock(struct db *db, const char *peer, const char *table,
	   struct cursor *cur, struct nr_err *err)
{
	return load(db,
		    "SELECT cursor_token FROM _nunez_cursors WHERE "
		    "peer = ? AND tbl = ? FOR UPDATE",
		    peer, table, cur, err);
}

int
peers_store(struct db *db, const char *peer, const char *table,
	    const char *token, size_t rows, struct nr_err *err)
{
	char n[24];
	struct qval p[4];

	snprintf(n, sizeof(n), "%zu", rows);
	p[0] = qv_str(peer);
	p[1] = qv_str(table);
	p[2] = qv_str(token);
	p[3] = qv_str(n);
	return query_exec(
	    db,
	    "INSERT INTO _nunez_cursors (peer, tbl, cursor_token, "
	    "rows_applied, updated_at) VALUES (?, ?, ?, ?, "
	    "UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE "
	    "cursor_token = VALUES(cursor_token), rows_applied = "
	    "rows_applied + VALUES(rows_applied), updated_at = "
	    "VALUES(updated_at)",
	    p, 4, NULL, err);
}

int
peers_forget(struct db *db, const char *peer, const char *table,
	     unsigned long long *n, struct nr_err *err)
{
	struct qval p[2] = {qv_str(peer), qv_str(table)};

	return query_exec(db,
			  "DELETE FROM _nunez_cursors WHERE peer = ? AND "
			  "tbl = ?",
			  p, 2, n, err);
}

int
peers_forget_all(struct db *db, unsigned long long *n, struct nr_err *err)
{
	return query_exec(db, "DELETE FROM _nunez_cursors", NULL, 0, n, err);
}

int
peers_list(struct db *db, struct qres **out, struct nr_err *err)
{
	return query_run(db,
			 "SELECT peer, tbl, rows_applied, updated_at, "
			 "TIMESTAMPDIFF(SECOND, updated_at, "
			 "UTC_TIMESTAMP()), CAST(TIMESTAMPDIFF(MICROSECOND, "
			 "updated_at, UTC_TIMESTAMP(6)) / 1000000 AS CHAR) "
			 "FROM _nunez_cursors ORDER BY peer, tbl",
			 NULL, 0, 0, out, err);
}

int
peers_oldest_age(struct db *db, const char *peer, long *age, struct nr_err *err)
{
	struct qval p = qv_str(peer);
	char *v = NULL;
	int rc;

	rc = query_text(db,
			"SELECT TIMESTAMPDIFF(SECOND, MIN(updated_at), "
			"UTC_TIMESTAMP()) FROM _nunez_cursors WHERE "
			"peer = ?",
			&p, 1, &v, err);
	*age = v != NULL ? atol(v) : -1;
	free(v);
	return rc;
}

int
peers_last_arrival(struct db *db, const char *table, char **when,
		   struct nr_err *err)
{
	struct qval p = qv_str(table);

	return query_text(db,
			  "SELECT MAX(updated_at) FROM _nunez_cursors "
			  "WHERE tbl = ?",
			  &p, 1, when, err);
}
