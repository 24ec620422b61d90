/* The operations group: peers, lag, conflicts and their resolution,
 * pause, resume and resync. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "query.h"
#include "resolve.h"
#include "util.h"

/* Replies with {"success":true, key: rows of sql as objects}. */
static void
rows_reply(struct api *app, struct http_req *req, const char *key,
	   const char *sql, const struct qval *p, size_t np)
{
	json_object *body, *a;
	struct qres *res = NULL;
	struct nr_err err;
	size_t i, c;

	if (query_run(app->master, sql, p, np, 0, &res, &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < res->nrows; i++) {
		json_object *o = json_object_new_object();

		for (c = 0; c < res->ncols; c++)
			json_object_object_add(o, res->cols[c].name,
					       api_str(qres_at(res, i, c)->p));
		json_object_array_add(a, o);
	}
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, key, a);
	qres_free(res);
	http_reply(req, 200, body);
}

void
ops_peers(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *body = json_object_new_object(), *a;
	struct qres *res = NULL;
	struct nr_err err;
	size_t i, j;

	if (query_run(app->master, "SELECT peer, tbl, rows_applied, "
				   "updated_at FROM _nunez_cursors",
		      NULL, 0, 0, &res, &err) != NR_OK) {
		json_object_put(body);
		api_db_error(req, &err);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < cfg->nremotes; i++) {
		const struct config_remote *r = &cfg->remotes[i];
		json_object *o = json_object_new_object();
		json_object *t = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "url", json_object_new_string(r->url));
		json_object_object_add(o, "syncMode", json_object_new_string(
				config_sync_mode_name(r->sync_mode)));
		json_object_object_add(o, "priority",
				       json_object_new_int(r->priority));
		json_object_object_add(o, "enabled",
				       json_object_new_boolean(r->enabled));
		for (j = 0; j < res->nrows; j++) {
			json_object *x;

			if (strcmp(qres_at(res, j, 0)->p, r->name) != 0)
				continue;
			x = json_object_new_object();
			json_object_object_add(x, "table",
					       api_str(qres_at(res, j, 1)->p));
			json_object_object_add(x, "rowsApplied", json_object_new_int64(
						       atoll(qres_at(res, j, 2)->p)));
			json_object_object_add(x, "lastSync",
					       api_str(qres_at(res, j, 3)->p));
			json_object_array_add(t, x);
		}
		json_object_object_add(o, "tables", t);
		json_object_array_add(a, o);
	}
	qres_free(res);
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "peers", a);
	http_reply(req, 200, body);
}

void
ops_lag(struct api *app, struct http_req *req)
{
	rows_reply(app, req, "lag",
		   "SELECT peer, tbl AS `table`, rows_applied, updated_at AS "
		   "last_sync, CAST(TIMESTAMPDIFF(MICROSECOND, updated_at, "
		   "UTC_TIMESTAMP(6)) / 1000000 AS CHAR) AS seconds FROM "
		   "_nunez_cursors ORDER BY peer, tbl",
		   NULL, 0);
}

void
ops_conflicts(struct api *app, struct http_req *req)
{
	const char *status = http_query(req, "status");
	struct qval p = qv_str(status ? status : "open");

	if (status != NULL && strcmp(status, "open") != 0 &&
	    strcmp(status, "resolved") != 0 && strcmp(status, "all") != 0) {
		http_error(req, 400, "bad_status", "status must be open, "
			   "resolved or all");
		return;
	}
	rows_reply(app, req, "conflicts",
		   "SELECT " RESOLVE_COLUMNS " FROM _nunez_conflicts WHERE "
		   "status = ? OR ? = 'all' ORDER BY id DESC LIMIT 1000",
		   (struct qval[]){p, p}, 2);
}

void
ops_conflict(struct api *app, struct http_req *req)
{
	struct qres *res = NULL;
	struct nr_err err;
	json_object *body, *o;
	size_t c;
	int rc = resolve_get(app->master, req->id, false, &res, &err);

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
	json_object *body = api_json_body(app, req), *r = NULL, *ok;
	struct nr_err err;
	const char *how;
	int rc;

	if (body == NULL)
		return;
	json_object_object_get_ex(body, "resolution", &r);
	how = json_object_is_type(r, json_type_string) ? json_object_get_string(r)
						       : "";
	if (strcmp(how, "use_local") != 0 && strcmp(how, "use_remote") != 0) {
		http_error(req, 400, "bad_resolution", "resolution must be "
			   "use_local or use_remote");
		goto out;
	}
	if (!all_tables(app, req))
		goto out;
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
		json_object_object_add(ok, "success", json_object_new_boolean(1));
		json_object_object_add(ok, "id", json_object_new_string(req->id));
		json_object_object_add(ok, "resolution",
				       json_object_new_string(how));
		http_reply(req, 200, ok);
	}
out:
	json_object_put(body);
}

static void
set_paused(struct api *app, struct http_req *req, const char *value)
{
	struct qval p = qv_str(value);
	struct nr_err err;
	json_object *body;

	if (query_exec(app->master, "INSERT INTO _nunez_meta (name, value) "
				    "VALUES ('paused', ?) ON DUPLICATE KEY "
				    "UPDATE value = VALUES(value)",
		       &p, 1, NULL, &err) != NR_OK) {
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
	json_object *body = api_json_body(app, req), *peer = NULL, *out;
	const struct tmeta *tm;
	unsigned long long n = 0;
	struct nr_err err;
	struct qval p[2];

	if (body == NULL)
		return;
	json_object_object_get_ex(body, "peer", &peer);
	if (!json_object_is_type(peer, json_type_string) ||
	    !util_is_name(json_object_get_string(peer))) {
		http_error(req, 400, "bad_peer", "peer must be a node id");
		goto done;
	}
	{
		json_object *t = NULL;

		json_object_object_get_ex(body, "table", &t);
		tm = api_table(app, req, json_object_is_type(t, json_type_string)
						 ? json_object_get_string(t)
						 : NULL);
	}
	if (tm == NULL)
		goto done;
	p[0] = qv_str(json_object_get_string(peer));
	p[1] = qv_str(tm->name);
	if (query_exec(app->master, "DELETE FROM _nunez_cursors WHERE peer = ? "
				    "AND tbl = ?", p, 2, &n, &err) != NR_OK) {
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
