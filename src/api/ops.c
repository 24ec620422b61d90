/* The operations group: peers, lag, the sync log, tables, conflicts and
 * their resolution, pause, resume and resync. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "breaker.h"
#include "buf.h"
#include "changes.h"
#include "codec.h"
#include "handlers.h"
#include "log.h"
#include "peers.h"
#include "query.h"
#include "resolve.h"
#include "sync.h"
#include "synclog.h"
#include "util.h"

#define MAX_LOG_LIMIT 1000

/* The tables the request's key is bound to; NULL when every table. */
static const struct strv *
key_tables(const struct http_req *req)
{
	return req->key->tables.n > 0 ? &req->key->tables : NULL;
}

/* True when the request's key may see rows about table. */
static bool
key_sees(const struct http_req *req, const char *table)
{
	return table != NULL && auth_allows(req->key, 0, table);
}

/* Replies with {"success":true, key: the rows of res as objects}, named
 * by names (NULL: the columns' names; a NULL name leaves its column
 * out), leaving out the rows whose column tcol names a table the key
 * may not use. Frees res. */
static void
reply_rows(struct http_req *req, const char *key, struct qres *res,
	   const char *const *names, size_t tcol)
{
	json_object *body, *a = json_object_new_array();
	size_t i, c;

	for (i = 0; i < res->nrows; i++) {
		json_object *o;

		if (!key_sees(req, qres_at(res, i, tcol)->p))
			continue;
		o = json_object_new_object();

		for (c = 0; c < res->ncols; c++) {
			const char *n = names ? names[c] : res->cols[c].name;

			if (n != NULL)
				json_object_object_add(
				    o, n, api_str(qres_at(res, i, c)->p));
		}
		json_object_array_add(a, o);
	}
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, key, a);
	qres_free(res);
	http_reply(req, 200, body);
}

/* A unix time as the database writes times (UTC). */
static json_object *
utc_json(long long t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return NULL;
	return json_object_new_string(s);
}

/* The circuit breaker of remote as JSON in *out (the caller puts it):
 * state closed, open (skipped for retryInSeconds more) or half_open (the
 * next run tries the remote again). */
static int
circuit_json(struct api *app, const char *remote, json_object **out,
	     struct nr_err *err)
{
	long long wait;
	struct breaker b;
	json_object *o;
	int rc;

	*out = NULL;
	rc = breaker_load(app->master, remote, &b, err);
	if (rc != NR_OK)
		return rc;
	wait = breaker_wait(&b, app->cfg, (long long)time(NULL));
	o = json_object_new_object();
	json_object_object_add(
	    o, "state",
	    json_object_new_string(b.opened_at == 0 ? "closed"
				   : wait > 0	    ? "open"
						    : "half_open"));
	json_object_object_add(o, "failures", json_object_new_int(b.failures));
	json_object_object_add(o, "openedAt",
			       b.opened_at == 0 ? NULL : utc_json(b.opened_at));
	json_object_object_add(o, "retryInSeconds",
			       json_object_new_int64(wait));
	*out = o;
	return NR_OK;
}

/* A row of runs_json's query as JSON, from its column 1 on. */
static json_object *
run_row(const struct qres *res, size_t i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "at", api_str(qres_at(res, i, 1)->p));
	json_object_object_add(o, "table", api_str(qres_at(res, i, 2)->p));
	json_object_object_add(o, "direction", api_str(qres_at(res, i, 3)->p));
	json_object_object_add(o, "status", api_str(qres_at(res, i, 4)->p));
	json_object_object_add(o, "message", api_str(qres_at(res, i, 5)->p));
	return o;
}

/* Adds to peer o (borrowed) what the newest sync log rows say of remote
 * (from id above floor on): lastRun, lastSync and lagSeconds (of the
 * last run that succeeded), recentErrors (the last five failures). */
static int
runs_json(struct api *app, const struct strv *tables, const char *remote,
	  const char *floor, json_object *o, struct nr_err *err)
{
	json_object *last = NULL, *ok = NULL, *lag = NULL;
	json_object *errors = json_object_new_array();
	struct qres *res = NULL;
	const char *kind;
	size_t i;
	int rc;

	rc = synclog_recent(app->master, remote, floor, tables, &res, err);
	if (rc != NR_OK)
		goto out;
	for (i = 0; i < res->nrows; i++) {
		kind = qres_at(res, i, 0)->p;
		if (strcmp(kind, "last") == 0) {
			last = run_row(res, i);
		} else if (strcmp(kind, "ok") == 0) {
			ok = api_str(qres_at(res, i, 1)->p);
			lag = json_object_new_int64(
			    atoll(qres_at(res, i, 6)->p));
		} else {
			json_object_array_add(errors, run_row(res, i));
		}
	}
out:
	json_object_object_add(o, "lastRun", last);
	json_object_object_add(o, "lastSync", ok);
	json_object_object_add(o, "lagSeconds", lag);
	json_object_object_add(o, "recentErrors", errors);
	qres_free(res);
	return rc;
}

/* Remote r as the request's key may see it: only its tables' arrivals
 * and runs. */
static int
peer_json(struct api *app, struct http_req *req, const struct config_remote *r,
	  const struct qres *cursors, const char *floor, json_object **out,
	  struct nr_err *err)
{
	json_object *o = json_object_new_object();
	json_object *t = json_object_new_array();
	json_object *circuit = NULL;
	size_t j;
	int rc;

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "url", json_object_new_string(r->url));
	json_object_object_add(
	    o, "syncMode",
	    json_object_new_string(config_sync_mode_name(r->sync_mode)));
	json_object_object_add(o, "priority", json_object_new_int(r->priority));
	json_object_object_add(o, "enabled",
			       json_object_new_boolean(r->enabled));
	for (j = 0; j < cursors->nrows; j++)
		if (strcmp(qres_at(cursors, j, 0)->p, r->name) == 0 &&
		    key_sees(req, qres_at(cursors, j, PEERS_TABLE)->p))
			json_object_array_add(t,
					      api_arrival(cursors, j, false));
	json_object_object_add(o, "tables", t);
	rc = circuit_json(app, r->name, &circuit, err);
	json_object_object_add(o, "circuit", circuit);
	if (rc == NR_OK)
		rc = runs_json(app, key_tables(req), r->name, floor, o, err);
	*out = o;
	return rc;
}

void
ops_peers(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *body = NULL, *a = json_object_new_array(), *o;
	struct qres *res = NULL;
	struct nr_err err;
	char floor[24];
	size_t i;
	int rc;

	rc = peers_list(app->master, &res, &err);
	if (rc == NR_OK)
		rc = synclog_floor(app->master, floor, &err);
	for (i = 0; rc == NR_OK && i < cfg->nremotes; i++) {
		rc = peer_json(app, req, &cfg->remotes[i], res, floor, &o,
			       &err);
		json_object_array_add(a, o);
	}
	if (rc != NR_OK) {
		api_db_error(req, &err);
		goto out;
	}
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "peers", a);
	a = NULL;
	http_reply(req, 200, body);
out:
	json_object_put(a);
	qres_free(res);
}

void
ops_lag(struct api *app, struct http_req *req)
{
	static const char *const names[] = {
	    "peer", "table", "rows_applied", "last_sync", NULL, "seconds"};
	struct qres *res = NULL;
	struct nr_err err;

	if (peers_list(app->master, &res, &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	reply_rows(req, "lag", res, names, PEERS_TABLE);
}

void
ops_log(struct api *app, struct http_req *req)
{
	const char *peer = http_query(req, "peer");
	const char *table = http_query(req, "table");
	const char *status = http_query(req, "status");
	long n = api_limit(req, 50, MAX_LOG_LIMIT);
	struct qres *res = NULL;
	struct nr_err err;
	char limit[24];

	if (n < 0)
		return;
	snprintf(limit, sizeof(limit), "%ld", n);
	if (peer != NULL && !util_is_name(peer)) {
		http_error(req, 400, "bad_peer",
			   "peer must be a node id or "
			   "local");
		return;
	}
	if (table != NULL && !util_is_ident(table)) {
		http_error(req, 400, "bad_table", "table must be a table name");
		return;
	}
	if (status != NULL && strcmp(status, "ok") != 0 &&
	    strcmp(status, "failed") != 0) {
		http_error(req, 400, "bad_status",
			   "status must be ok or "
			   "failed");
		return;
	}
	if (synclog_list(app->master, peer, table, status, key_tables(req),
			 limit, &res, &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	reply_rows(req, "log", res, NULL, 4);
}

/* One table's row count, changelog head and open conflicts in *out (a
 * new object). A table that cannot be read gets "error" instead of
 * failing the answer; a lost database fails it. */
static int
table_stats_json(struct api *app, const struct config_table *t,
		 json_object **out, struct nr_err *err)
{
	json_object *o = json_object_new_object();
	struct qres *res = NULL;
	unsigned long long open = 0;
	char *when = NULL;
	uint64_t head = 0;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT COUNT(*) FROM ");
	buf_ident(&sql, t->name);
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(
	    o, "conflictStrategy",
	    json_object_new_string(config_strategy_name(t->strategy)));
	json_object_object_add(o, "tenantColumn", api_str(t->tenant_column));
	rc = query_run(app->master, buf_str(&sql), NULL, 0, 0, &res, err);
	if (rc == NR_OK)
		rc = changes_head(app->master, t->name, &head, &when, err);
	if (rc == NR_OK)
		rc = resolve_open_count(app->master, t->name, &open, err);
	if (rc == NR_EDB) {
		log_error("table %s: %s", t->name, err->msg);
		json_object_object_add(
		    o, "error",
		    json_object_new_string("the table cannot be read; see "
					   "the server log"));
		rc = NR_OK;
		goto out;
	}
	if (rc != NR_OK)
		goto out;
	json_object_object_add(
	    o, "rows", json_object_new_int64(atoll(qres_at(res, 0, 0)->p)));
	json_object_object_add(o, "changelogHead",
			       json_object_new_int64((int64_t)head));
	json_object_object_add(o, "lastChange", api_str(when));
	json_object_object_add(o, "openConflicts",
			       json_object_new_int64((int64_t)open));
out:
	buf_free(&sql);
	free(when);
	qres_free(res);
	*out = o;
	return rc;
}

void
ops_tables(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *body, *a = json_object_new_array(), *o;
	struct nr_err err;
	size_t i;
	int rc = NR_OK;

	for (i = 0; rc == NR_OK && i < cfg->ntables; i++) {
		if (!auth_allows(req->key, 0, cfg->tables[i].name))
			continue;
		rc = table_stats_json(app, &cfg->tables[i], &o, &err);
		json_object_array_add(a, o);
	}
	if (rc != NR_OK) {
		json_object_put(a);
		api_db_error(req, &err);
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "tables", a);
	http_reply(req, 200, body);
}

void
ops_conflicts(struct api *app, struct http_req *req)
{
	const char *status = http_query(req, "status");
	struct qres *res = NULL;
	struct nr_err err;

	if (status != NULL && strcmp(status, "open") != 0 &&
	    strcmp(status, "resolved") != 0 && strcmp(status, "all") != 0) {
		http_error(req, 400, "bad_status",
			   "status must be open, "
			   "resolved or all");
		return;
	}
	if (resolve_list(app->master, status ? status : "open", key_tables(req),
			 1000, &res, &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	reply_rows(req, "conflicts", res, NULL, 1);
}

void
ops_conflict(struct api *app, struct http_req *req)
{
	struct qres *res = NULL;
	struct nr_err err;
	json_object *body, *o;
	size_t c;
	int rc = resolve_get(app->master, req->id, false, &res, &err);

	/* Another table's conflict is, to this key, none. */
	if (rc == NR_OK && !key_sees(req, qres_at(res, 0, 1)->p))
		rc = NR_ENOTFOUND;
	if (rc == NR_ENOTFOUND) {
		http_error(req, 404, "no_such_conflict", "no conflict %s",
			   req->id);
	} else if (rc != NR_OK) {
		api_db_error(req, &err);
	} else {
		o = json_object_new_object();
		for (c = 0; c < res->ncols; c++)
			json_object_object_add(o, res->cols[c].name,
					       api_str(qres_at(res, 0, c)->p));
		body = json_object_new_object();
		json_object_object_add(body, "success",
				       json_object_new_boolean(1));
		json_object_object_add(body, "conflict", o);
		http_reply(req, 200, body);
	}
	qres_free(res);
}

/* Loads every table's metadata (resolution needs the conflict's). */
static bool
all_tables(struct api *app, struct http_req *req)
{
	size_t i;
	struct nr_err err;

	for (i = 0; i < app->cfg->ntables; i++)
		if (app->tms[i] == NULL &&
		    schema_load(app->master, app->cfg, i, &app->tms[i], &err) !=
			NR_OK) {
			api_db_error(req, &err);
			return false;
		}
	return true;
}

void
ops_resolve(struct api *app, struct http_req *req)
{
	json_object *body = api_json_body(app, req), *ok;
	struct qres *res = NULL;
	struct nr_err err;
	const char *how;
	int rc;

	if (body == NULL)
		return;
	how = codec_string(body, "resolution", NULL);
	if (how == NULL ||
	    (strcmp(how, "use_local") != 0 && strcmp(how, "use_remote") != 0)) {
		http_error(req, 400, "bad_resolution",
			   "resolution must be "
			   "use_local or use_remote");
		goto out;
	}
	if (!all_tables(app, req))
		goto out;
	/* Another table's conflict is, to this key, none; a conflict's
	 * table never changes, so looking first is enough. */
	rc = resolve_get(app->master, req->id, false, &res, &err);
	if (rc == NR_OK && !key_sees(req, qres_at(res, 0, 1)->p))
		rc = err_set(&err, NR_ENOTFOUND, "no conflict %s", req->id);
	if (rc == NR_OK)
		rc = resolve_conflict(app->master, app->cfg->node_id, app->tms,
				      app->cfg->ntables, req->id, how, &err);
	if (rc == NR_ENOTFOUND) {
		http_error(req, 404, "no_such_conflict", "no conflict %s",
			   req->id);
	} else if (rc == NR_EINVAL || rc == NR_ECONFIG) {
		http_error(req, 409, "not_open", "%s", err.msg);
	} else if (rc != NR_OK) {
		api_db_error(req, &err);
	} else {
		ok = json_object_new_object();
		json_object_object_add(ok, "success",
				       json_object_new_boolean(1));
		json_object_object_add(ok, "id",
				       json_object_new_string(req->id));
		json_object_object_add(ok, "resolution",
				       json_object_new_string(how));
		http_reply(req, 200, ok);
	}
out:
	qres_free(res);
	json_object_put(body);
}

static void
set_paused(struct api *app, struct http_req *req, const char *value)
{
	struct nr_err err;
	json_object *body;

	if (sync_set_paused(app->master, value[0] == '1', &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "paused",
			       json_object_new_boolean(value[0] == '1'));
	http_reply(req, 200, body);
}

void
ops_pause(struct api *app, struct http_req *req)
{
	set_paused(app, req, "1");
}

void
ops_resume(struct api *app, struct http_req *req)
{
	set_paused(app, req, "0");
}

void
ops_resync(struct api *app, struct http_req *req)
{
	json_object *body = api_json_body(app, req), *out;
	const struct tmeta *tm;
	const char *peer;
	unsigned long long n = 0;
	struct nr_err err;
	if (body == NULL)
		return;
	peer = codec_string(body, "peer", NULL);
	if (!util_is_name(peer)) {
		http_error(req, 400, "bad_peer", "peer must be a node id");
		goto done;
	}
	tm = api_table(app, req, codec_string(body, "table", NULL));
	if (tm == NULL)
		goto done;
	if (peers_forget(app->master, peer, tm->name, &n, &err) != NR_OK) {
		api_db_error(req, &err);
		goto done;
	}
	out = json_object_new_object();
	json_object_object_add(out, "success", json_object_new_boolean(1));
	json_object_object_add(out, "reset", json_object_new_boolean(n > 0));
	http_reply(req, 200, out);
done:
	json_object_put(body);
}
