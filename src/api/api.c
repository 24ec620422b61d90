/* Helpers the handlers share. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "meta.h"
#include "peers.h"
#include "query.h"
#include "util.h"

/* Drops the metadata of table name: the next api_table reads it. */
static void
api_table_forget(struct api *app, const char *name)
{
	size_t i;

	for (i = 0; i < app->cfg->ntables; i++)
		if (strcmp(app->cfg->tables[i].name, name) == 0) {
			schema_free(app->tms[i]);
			app->tms[i] = NULL;
		}
}

const struct tmeta *
api_table_rows(struct api *app, struct http_req *req, const char *name)
{
	const struct tmeta *tm = api_table(app, req, name);
	struct nr_err err;
	bool same;

	if (tm == NULL)
		return NULL;
	if (schema_current(app->master, tm, &same, &err) != NR_OK) {
		api_db_error(req, &err);
		return NULL;
	}
	if (same)
		return tm;
	api_table_forget(app, name);
	return api_table(app, req, name);
}

const struct tmeta *
api_table(struct api *app, struct http_req *req, const char *name)
{
	const struct config *cfg = app->cfg;
	struct nr_err err;
	size_t i;

	if (name == NULL || name[0] == '\0') {
		http_error(req, 400, "missing_table",
			   "the table parameter is "
			   "required");
		return NULL;
	}
	for (i = 0; i < cfg->ntables; i++)
		if (strcmp(cfg->tables[i].name, name) == 0)
			break;
	if (i == cfg->ntables) {
		http_error(req, 400, "unknown_table",
			   "table '%.64s' is not "
			   "replicated here",
			   name);
		return NULL;
	}
	if (!auth_allows(req->key, 0, name)) {
		http_error(req, 403, "table_forbidden",
			   "this key may not use "
			   "table '%.64s'",
			   name);
		return NULL;
	}
	if (app->tms[i] == NULL &&
	    schema_load(app->master, cfg, i, &app->tms[i], &err) != NR_OK) {
		if (err.code == NR_ECONFIG) {
			log_error("%s", err.msg);
			http_error(req, 503, "table_unavailable",
				   "table '%s' "
				   "cannot be used: %s",
				   name, err.msg);
		} else {
			api_db_error(req, &err);
		}
		return NULL;
	}
	return app->tms[i];
}

/* Server errors that mean the request's data does not fit the table. */
static bool
data_error(unsigned no)
{
	static const unsigned codes[] = {
	    1048, /* column cannot be null */
	    1054, /* unknown column */
	    1264, /* out of range */
	    1265, /* data truncated */
	    1292, /* incorrect date/time value */
	    1364, /* no default for a column left out */
	    1366, /* incorrect value for the type */
	    1406, /* data too long */
	    3140, /* invalid JSON */
	    4025, /* CHECK constraint */
	    4078, /* invalid JSON text */
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == no)
			return true;
	return false;
}

void
api_db_error(struct http_req *req, const struct nr_err *err)
{
	api_db_error_in(req, err, NULL);
}

void
api_db_error_in(struct http_req *req, const struct nr_err *err,
		const char *table)
{
	const char *m = strstr(err->msg, "database: ");
	const char *end = strstr(err->msg, " in: ");

	/* The server's text of a foreign key names the tables, columns and
	 * constraints of the schema: it stays in the server log. */
	if (err->code == NR_EDB &&
	    (err->sqlerr == DB_ER_ROW_IS_REFERENCED ||
	     err->sqlerr == DB_ER_ROW_IS_REFERENCED_OLD)) {
		log_info("%s %s: %s", req->method, req->path, err->msg);
		http_error(req, 409, "foreign_key",
			   "%s%s: other rows refer to a row that this "
			   "change deletes or rekeys",
			   table ? "table " : "a table", table ? table : "");
		return;
	}
	if (err->code == NR_EDB &&
	    (err->sqlerr == DB_ER_NO_REFERENCED_ROW ||
	     err->sqlerr == DB_ER_NO_REFERENCED_ROW_OLD)) {
		log_info("%s %s: %s", req->method, req->path, err->msg);
		http_error(req, 400, "foreign_key",
			   "%s%s: a row refers to a row that does not exist",
			   table ? "table " : "a table", table ? table : "");
		return;
	}
	if (err->code == NR_EDB && data_error(err->sqlerr) && m != NULL) {
		m += 10;
		http_error(req, 400, "bad_value", "%.*s",
			   (int)(end != NULL && end > m ? end - m : 300), m);
		return;
	}
	log_error("%s %s: %s", req->method, req->path, err->msg);
	if (err->code == NR_EDBGONE)
		http_error(req, 503, "database_unavailable",
			   "the database "
			   "cannot be reached; try again later");
	else
		http_error(req, 500, "database_error",
			   "the database refused "
			   "the request; see the server log");
}

void
api_bad_request(struct http_req *req, const struct nr_err *err)
{
	if (err->code == NR_ETOOBIG)
		http_error(req, 413, "body_too_large", "%s", err->msg);
	else if (err->code == NR_ENOMEM)
		http_error(req, 413, "out_of_memory",
			   "%s; this worker may use at most "
			   "api.workerAddressSpaceMB",
			   err->msg);
	else
		http_error(req, 400, "bad_request", "%s", err->msg);
}

json_object *
api_json_body(struct api *app, struct http_req *req)
{
	struct nr_err err;
	json_object *o;

	if (http_body(req, &err) != NR_OK) {
		api_bad_request(req, &err);
		return NULL;
	}
	o = http_json_body(req, app->cfg, &err);
	if (o != NULL)
		return o;
	if (err.code == NR_ETOOBIG)
		http_error(req, 413, "json_too_large", "the body: %s", err.msg);
	else if (err.code == NR_ENOMEM)
		api_bad_request(req, &err);
	else
		http_error(req, 400, "malformed_json", "%s", err.msg);
	return NULL;
}

const char *
api_caller_node(struct http_req *req, const char *given, bool *bad)
{
	*bad = false;
	if (given == NULL)
		given = http_query(req, "node");
	if (given == NULL || given[0] == '\0')
		return NULL;
	if (!util_is_name(given)) {
		http_error(req, 400, "bad_node",
			   "node must be a node id "
			   "(letters, digits, _ . -, at most 64)");
		*bad = true;
		return NULL;
	}
	if (req->key->node == NULL) {
		http_error(req, 403, "node_forbidden",
			   "key %s is bound to no node, so it cannot act as "
			   "node %s; give the key \"node\": \"%s\" in "
			   "api.keys[]",
			   req->key->name, given, given);
		*bad = true;
		return NULL;
	}
	if (strcmp(given, req->key->node) != 0) {
		http_error(req, 403, "node_forbidden",
			   "key %s belongs to node %s; it cannot act as "
			   "node %s",
			   req->key->name, req->key->node, given);
		*bad = true;
		return NULL;
	}
	return given;
}

const struct cursor_key *
api_cursor_key(struct api *app, struct http_req *req)
{
	struct nr_err err;

	if (app->ckey_loaded)
		return &app->ckey;
	if (meta_cursor_key(app->master, app->cfg, &app->ckey, &err) != NR_OK) {
		api_db_error(req, &err);
		return NULL;
	}
	app->ckey_loaded = true;
	return &app->ckey;
}

bool
api_open_cursor(struct api *app, struct http_req *req, const char *what,
		const char *token, struct cursor *c)
{
	const struct cursor_key *key = api_cursor_key(app, req);
	struct nr_err err;

	memset(c, 0, sizeof(*c));
	if (key == NULL)
		return false;
	if (cursor_open(token, key, (int64_t)time(NULL), c, &err) == NR_OK)
		return true;
	if (err.code == NR_EEXPIRED || err.code == NR_EREWOUND) {
		api_expired(req, &err);
		return false;
	}
	http_error(req, 400, "bad_cursor",
		   "%s: %s; a cursor is one this node gave, unchanged", what,
		   err.msg);
	return false;
}

void
api_expired(struct http_req *req, const struct nr_err *err)
{
	http_error(req, 409, "cursor_expired",
		   "%s; start again from a copy: a peer forgets its position "
		   "and pulls without a cursor, a client starts from "
		   "/sync/initial",
		   err->msg);
}

long
api_limit(struct http_req *req, long dflt, long max)
{
	const char *s = http_query(req, "limit");
	char *end;
	long n;

	if (s == NULL)
		return dflt;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1 || n > max) {
		http_error(req, 400, "bad_limit",
			   "limit must be a number from "
			   "1 to %ld",
			   max);
		return -1;
	}
	return n;
}

json_object *
api_arrival(const struct qres *res, size_t r, bool with_peer)
{
	json_object *o = json_object_new_object();

	if (with_peer)
		json_object_object_add(o, "peer",
				       api_str(qres_at(res, r, 0)->p));
	json_object_object_add(o, "table", api_str(qres_at(res, r, 1)->p));
	json_object_object_add(
	    o, "rowsApplied",
	    json_object_new_int64(atoll(qres_at(res, r, 2)->p)));
	json_object_object_add(o, "lastSync", api_str(qres_at(res, r, 3)->p));
	json_object_object_add(
	    o, "lagSeconds",
	    json_object_new_int64(atoll(qres_at(res, r, 4)->p)));
	return o;
}

json_object *
api_str(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* The slave's lag in seconds, or -1 when it cannot be told. */
static long
slave_lag(struct api *app)
{
	struct qres *res = NULL;
	struct nr_err err;
	long lag = -1, age;
	int c;

	if (query_run(app->slave, "SHOW SLAVE STATUS", NULL, 0, 0, &res,
		      &err) == NR_OK &&
	    res->nrows == 1) {
		c = qres_col(res, "Seconds_Behind_Master");
		if (c >= 0 && !qres_at(res, 0, (size_t)c)->null)
			lag = atol(qres_at(res, 0, (size_t)c)->p);
		qres_free(res);
		return lag;
	}
	qres_free(res);
	/* No replication: how long ago the local sync last reached it. */
	if (peers_oldest_age(app->slave, app->cfg->node_id, &age, &err) ==
	    NR_OK)
		lag = age;
	return lag;
}

struct db *
api_read_db(struct api *app)
{
	time_t now = time(NULL);
	long lag;

	if (!app->cfg->api.read_from_slave || app->slave == NULL)
		return app->master;
	if (now != app->slave_checked) {
		lag = slave_lag(app);
		app->slave_fresh = lag >= 0 &&
				   lag <= app->cfg->api.max_slave_lag;
		app->slave_checked = now;
	}
	return app->slave_fresh ? app->slave : app->master;
}

void
api_free(struct api *app)
{
	size_t i;

	for (i = 0; app->tms != NULL && i < app->cfg->ntables; i++)
		schema_free(app->tms[i]);
	free(app->tms);
	app->tms = NULL;
	db_free(app->master);
	db_free(app->slave);
	app->master = app->slave = NULL;
}
