/* The conflict log: recording conflicts as apply finds them, listing
 * them, and resolving an open one: the chosen version is written as a
 * new change of the resolving database, so it replicates like any
 * write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "codec.h"
#include "query.h"
#include "resolve.h"
#include "util.h"

int
resolve_open_keys(struct db *db, const struct tmeta *tm, const char *peer,
		  const struct batch *b, bool *open, struct nr_err *err)
{
	struct qval *params;
	struct qres *res = NULL;
	char **pks;
	struct buf sql;
	size_t i, r;
	int rc;

	if (tm->conf->strategy != STRATEGY_MANUAL || peer == NULL || b->n == 0)
		return NR_OK;
	params = util_calloc(b->n + 3, sizeof(*params));
	pks = util_calloc(b->n + 1, sizeof(*pks));
	for (i = 0; i < b->n; i++)
		pks[i] = b->v[i].pk;
	params[0] = qv_str(tm->name);
	params[1] = qv_str(peer);
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT DISTINCT pk FROM _nunez_conflicts WHERE "
		       "status = 'open' AND tbl = ? AND peer = ? AND pk IN ");
	query_in_list(&sql, pks, b->n, params + 2);
	rc = query_run(db, buf_str(&sql), params, b->n + 2, 0, &res, err);
	for (r = 0; rc == NR_OK && r < res->nrows; r++)
		for (i = 0; i < b->n; i++)
			if (strcmp(b->v[i].pk, qres_at(res, r, 0)->p) == 0)
				open[i] = true;
	qres_free(res);
	free(params);
	free(pks);
	buf_free(&sql);
	return rc;
}

int
resolve_mark_open(struct db *db, const struct tmeta *tm, const char *peer,
		  struct batch *b, struct nr_err *err)
{
	bool *open = util_calloc(b->n + 1, sizeof(*open));
	size_t i;
	int rc = resolve_open_keys(db, tm, peer, b, open, err);

	for (i = 0; rc == NR_OK && i < b->n; i++)
		b->v[i].conflict = open[i];
	free(open);
	return rc;
}

int
resolve_record(struct db *db, const struct resolve_entry *e, struct nr_err *err)
{
	struct qval p[13];

	p[0] = qv_str(e->table);
	p[1] = qv_str(e->pk);
	p[2] = qv_str(e->peer);
	p[3] = qv_str(e->strategy);
	p[4] = qv_str(e->winner);
	p[5] = qv_str(e->open ? "open" : "resolved");
	p[6] = qv_str(e->local_origin);
	p[7] = qv_str(e->remote_origin);
	p[8] = qv_str(e->local_ts);
	p[9] = qv_str(e->remote_ts);
	p[10] = qv_str(e->local_row);
	p[11] = qv_str(e->remote_row);
	p[12] = qv_str(e->open ? NULL : "automatic");
	return query_exec(db,
			  "INSERT INTO _nunez_conflicts (tbl, pk, peer, "
			  "strategy, winner, status, local_origin, "
			  "remote_origin, local_ts, remote_ts, local_row, "
			  "remote_row, resolution, created_at, "
			  "resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
			  "?, ?, ?, ?, UTC_TIMESTAMP(6), IF(status = "
			  "'open', NULL, UTC_TIMESTAMP(6)))",
			  p, 13, NULL, err);
}

int
resolve_supersede(struct db *db, const char *table, char *const *pks, size_t n,
		  struct nr_err *err)
{
	struct qval *params = util_calloc(n + 1, sizeof(*params));
	struct buf sql;
	int rc = NR_OK;

	buf_init(&sql, 0);
	params[0] = qv_str(table);
	buf_adds(&sql, "UPDATE _nunez_conflicts SET status = 'resolved', "
		       "resolution = 'superseded', resolved_at = "
		       "UTC_TIMESTAMP(6) WHERE status = 'open' AND tbl = ? "
		       "AND pk IN ");
	query_in_list(&sql, pks, n, params + 1);
	if (n > 0)
		rc = query_exec(db, buf_str(&sql), params, n + 1, NULL, err);
	free(params);
	buf_free(&sql);
	return rc;
}

int
resolve_get(struct db *db, const char *id, bool lock, struct qres **res,
	    struct nr_err *err)
{
	struct qval p = qv_str(id);
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM _nunez_conflicts WHERE id "
		 "= ?%s",
		 RESOLVE_COLUMNS, lock ? " FOR UPDATE" : "");
	rc = query_run(db, sql, &p, 1, 0, res, err);
	if (rc == NR_OK && (*res)->nrows == 0)
		rc = err_set(err, NR_ENOTFOUND, "no conflict %s", id);
	return rc;
}

/* Writes row (a JSON object, or NULL for a delete) of table tm as a
 * change of node origin (this database's id), and logs a change of key
 * pk so it replicates even when the row was already so. */
static int
write_resolution(struct db *db, const char *origin, const struct tmeta *tm,
		 const char *pk, const char *row, struct nr_err *err)
{
	struct qval *vals = NULL;
	struct changes_entry e = {pk, 'D', origin, NULL, NULL, {0}};
	json_object *o = NULL;
	struct buf sql;
	int rc = NR_OK;

	buf_init(&sql, 0);
	if (row != NULL) {
		o = json_tokener_parse(row);
		rc = codec_row_parse(o, tm, &vals, err);
		if (rc != NR_OK)
			goto out;
		schema_upsert_sql(tm, 1, NULL, &sql);
		rc = query_exec(db, buf_str(&sql), vals, tm->ncols, NULL, err);
	} else {
		struct qval *key = NULL;
		char *pks[1] = {(char *)pk};

		buf_adds(&sql, "DELETE FROM ");
		buf_ident(&sql, tm->name);
		buf_adds(&sql, " WHERE ");
		rc = schema_keys_match(tm, pks, 1, &sql, &key, err);
		if (rc == NR_OK)
			rc = query_exec(db, buf_str(&sql), key, tm->npk, NULL,
					err);
		schema_key_values_free(key, tm->npk);
	}
	if (rc != NR_OK)
		goto out;
	if (row != NULL)
		e.op = 'U';
	/* The tenant, as the triggers log it, so offline clients hear of
	 * the resolution too. */
	e.tenant = row != NULL && tm->tenant >= 0 ? vals[tm->tenant]
						  : qv_str(NULL);
	rc = changes_log(db, tm->name, &e, 1, err);
out:
	schema_key_values_free(vals, tm->ncols);
	json_object_put(o);
	buf_free(&sql);
	return rc;
}

int
resolve_conflict(struct db *db, const char *origin, struct tmeta *const *tms,
		 size_t ntables, const char *id, const char *how,
		 struct nr_err *err)
{
	struct qres *res = NULL;
	const struct tmeta *tm = NULL;
	bool remote = strcmp(how, "use_remote") == 0;
	struct qval p[3];
	const struct qval *row;
	size_t i;
	int rc;

	if (!remote && strcmp(how, "use_local") != 0)
		return err_set(err, NR_EINVAL,
			       "resolve: expected use_local or "
			       "use_remote, got '%s'",
			       how);
	rc = db_exec(db, "START TRANSACTION", err);
	if (rc == NR_OK)
		rc = resolve_get(db, id, true, &res, err);
	if (rc != NR_OK)
		goto out;
	if (strcmp(qres_at(res, 0, 6)->p, "open") != 0) {
		rc = err_set(err, NR_EINVAL, "conflict %s is already %s", id,
			     qres_at(res, 0, 6)->p);
		goto out;
	}
	for (i = 0; i < ntables; i++)
		if (strcmp(tms[i]->name, qres_at(res, 0, 1)->p) == 0)
			tm = tms[i];
	if (tm == NULL) {
		rc = err_set(err, NR_ECONFIG,
			     "conflict %s is of table %s, "
			     "which is not replicated any more",
			     id, qres_at(res, 0, 1)->p);
		goto out;
	}
	row = qres_at(res, 0, remote ? 12 : 11);
	rc = write_resolution(db, origin, tm, qres_at(res, 0, 2)->p,
			      row->null ? NULL : row->p, err);
	p[0] = qv_str(remote ? "remote" : "local");
	p[1] = qv_str(how);
	p[2] = qv_str(id);
	if (rc == NR_OK)
		rc = query_exec(db,
				"UPDATE _nunez_conflicts SET status = "
				"'resolved', winner = ?, resolution = ?, "
				"resolved_at = UTC_TIMESTAMP(6) WHERE id = ?",
				p, 3, NULL, err);
	if (rc == NR_OK)
		rc = db_exec(db, "COMMIT", err);
out:
	if (rc != NR_OK)
		db_try(db, "ROLLBACK");
	qres_free(res);
	return rc;
}

int
resolve_list(struct db *db, const char *status, const struct strv *tables,
	     unsigned limit, struct qres **res, struct nr_err *err)
{
	size_t nt = tables != NULL ? tables->n : 0, np = 2;
	struct qval *p = util_calloc(nt + 3, sizeof(*p));
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	p[0] = qv_str(status);
	p[1] = qv_str(status);
	buf_adds(&sql, "SELECT " RESOLVE_COLUMNS " FROM _nunez_conflicts "
		       "WHERE (status = ? OR ? = 'all')");
	if (nt > 0) {
		buf_adds(&sql, " AND tbl IN ");
		np += query_in_list(&sql, tables->v, nt, p + np);
	}
	buf_printf(&sql, " ORDER BY id DESC LIMIT %u", limit);
	rc = query_run(db, buf_str(&sql), p, np, 0, res, err);
	buf_free(&sql);
	free(p);
	return rc;
}

int
resolve_counts(struct db *db, struct qres **res, struct nr_err *err)
{
	return query_run(db,
			 "SELECT tbl, status, COUNT(*) FROM "
			 "_nunez_conflicts GROUP BY tbl, status",
			 NULL, 0, 0, res, err);
}

int
resolve_open_count(struct db *db, const char *table, unsigned long long *n,
		   struct nr_err *err)
{
	struct qval p = qv_str(table);
	char *v = NULL;
	int rc;

	rc = query_text(db,
			"SELECT COUNT(*) FROM _nunez_conflicts WHERE "
			"status = 'open' AND tbl = ?",
			&p, 1, &v, err);
	*n = v != NULL ? strtoull(v, NULL, 10) : 0;
	free(v);
	return rc;
}

int
resolve_purge(struct db *db, int days, unsigned long limit,
	      unsigned long long *n, struct nr_err *err)
{
	return query_purge(db, "_nunez_conflicts", "resolved_at", days, limit,
			   n, err);
}
