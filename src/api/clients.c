/* /sync: offline-first clients. A client key is bound to one tenant and
 * reaches only the rows of that tenant in the tables that have a
 * tenantColumn. POST /sync/changes applies a client's queued changes
 * with the engine's conflict rules; GET /sync/initial/{tenant} pages a
 * snapshot of the tenant's rows; GET /sync/changes/{tenant} reads its
 * changes since a cursor. The cursor ("sync token") is base64url of a
 * JSON object holding one engine cursor per table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "auth.h"
#include "changes.h"
#include "clientlog.h"
#include "codec.h"
#include "handlers.h"
#include "jparse.h"
#include "metrics.h"
#include "retention.h"
#include "query.h"
#include "rowidx.h"
#include "util.h"

#define MAX_CLIENT_CHANGES 1000
#define DEFAULT_LIMIT 500
#define MAX_LIMIT 5000
#define MAX_ROUNDS 20 /* engine reads per table and request */

/* One change of a POST, as parsed. */
struct cchange {
	const char *id;	   /* client_change_id, borrowed from the body */
	size_t t;	   /* index of its table in the config */
	char op;	   /* 'U' or 'D' */
	char *pk;	   /* canonical key */
	char ts[27];	   /* updated_at, as the database writes times */
	struct qval *vals; /* 'U': the row in tm's column order */
	size_t stand;	   /* the change that stands for its key */
	enum apply_outcome outcome; /* apply's */
	bool replayed;		    /* recorded before: not applied again */
	char *status;		    /* replayed: the recorded status */
	char *table; /* replayed: the recorded table (t is its index, or
		      * the number of tables when this key may not reach
		      * it any more) */
};

/* The tables a client of the request may reach: configured with a
 * tenantColumn, captured by triggers (deletes and tenant moves are read
 * from the changelog) and allowed to its key. */
static bool
tenant_table(const struct http_req *req, const struct config_table *t)
{
	return t->tenant_column != NULL && t->capture == CAPTURE_TRIGGER &&
	       auth_allows(req->key, 0, t->name);
}

/* The tenant of the path, when the key may read it: its own tenant for
 * a client key, any for an admin key. NULL after replying 403. */
static const char *
path_tenant(struct http_req *req)
{
	const struct config_key *k = req->key;

	if (k->tenant != NULL && (k->scopes & SCOPE_CLIENT) &&
	    strcmp(k->tenant, req->id) == 0)
		return req->id;
	if (k->scopes & SCOPE_ADMIN)
		return req->id;
	http_error(req, 403, "tenant_forbidden",
		   "this key may not read "
		   "tenant '%s'",
		   req->id);
	return NULL;
}

/* A sync token is one object of strings; anything more is not one this
 * server gave, and is refused before json-c builds it. */
static const struct jparse_opts token_opts = {
    .depth = 2,
    .containers = 1,
    .values = 4097,
};

/* Parses a sync token into a new JSON object of engine tokens by table;
 * NULL or "" gives an empty one. NULL after replying 400. */
static json_object *
token_parse(struct http_req *req, const char *token)
{
	json_object *map = NULL;
	size_t len;
	char *text;

	struct nr_err err;

	if (token == NULL || token[0] == '\0')
		return json_object_new_object();
	text = util_b64_decode(token, strlen(token), &len);
	if (text != NULL &&
	    jparse_parse(text, len, &token_opts, &map, &err) != NR_OK)
		map = NULL;
	free(text);
	if (map != NULL && json_object_is_type(map, json_type_object)) {
		json_object_object_foreach(map, k, v)
		{
			(void)k;
			if (!json_object_is_type(v, json_type_string))
				goto bad;
		}
		return map;
	}
bad:
	json_object_put(map);
	http_error(req, 400, "bad_cursor",
		   "the cursor is not one this "
		   "server gave");
	return NULL;
}

/* The token of map; a new string the caller frees. */
static char *
token_encode(json_object *map)
{
	const char *text = json_object_to_json_string_ext(
	    map, JSON_C_TO_STRING_PLAIN);

	return util_b64_encode(text, strlen(text), true);
}

/* The engine cursor of table in map into *cur (fresh when absent),
 * sealed by this node; false after replying 400. */
static bool
table_cursor(struct api *app, struct http_req *req, json_object *map,
	     const char *table, struct cursor *cur)
{
	json_object *v = NULL;
	char what[96];

	json_object_object_get_ex(map, table, &v);
	snprintf(what, sizeof(what), "the cursor of table %.64s", table);
	return api_open_cursor(app, req, what,
			       v ? json_object_get_string(v) : NULL, cur);
}

/* {"col": value} of a canonical key. A new object the caller puts. */
static json_object *
key_json(const struct tmeta *tm, const char *pk)
{
	const char *cols[64];
	bool binary[64];
	struct qval *key = NULL;
	struct nr_err err;
	json_object *o;
	size_t i;

	if (tm->npk > 64 || schema_key_decode(tm, pk, &key, &err) != NR_OK)
		return json_object_new_object();
	for (i = 0; i < tm->npk; i++) {
		cols[i] = tm->cols[tm->pk[i]].name;
		binary[i] = tm->cols[tm->pk[i]].binary;
	}
	o = codec_row((char *const *)cols, binary, key, tm->npk);
	schema_key_values_free(key, tm->npk);
	return o;
}

/* Appends b's changes to out: rows of the first copy (initial), or
 * upserts and deletes. */
static void
feed_json(const struct batch *b, const struct tmeta *tm, bool initial,
	  json_object *out)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct change *c = &b->v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "table",
				       json_object_new_string(tm->name));
		if (!initial)
			json_object_object_add(
			    o, "op",
			    json_object_new_string(c->op == 'U' ? "upsert"
								: "delete"));
		if (c->op == 'U')
			json_object_object_add(
			    o, "row",
			    codec_row(b->cols, b->binary, c->vals, b->ncols));
		else
			json_object_object_add(o, "key", key_json(tm, c->pk));
		if (!initial)
			json_object_object_add(o, "updated_at", api_str(c->ts));
		json_object_array_add(out, o);
	}
}

/* Reads up to limit of the tenant's changes (initial: rows of the first
 * copies only) after the cursors in map, into out, moving them. False
 * after replying. */
static bool
read_feed(struct api *app, struct http_req *req, const char *tenant,
	  json_object *map, size_t limit, bool initial, const char *peer,
	  json_object *out, bool *has_more)
{
	const struct config *cfg = app->cfg;
	struct changes_opts co = {0};
	size_t n = 0, i, rounds;
	bool done = true;

	changes_opts_init(&co, cfg, cfg->node_id, peer, limit);
	co.tenant = tenant;
	for (i = 0; i < cfg->ntables && done; i++) {
		const struct tmeta *tm;
		struct cursor cur = {0};
		struct batch b = {0};
		struct nr_err err;
		int rc = NR_OK;

		if (!tenant_table(req, &cfg->tables[i]))
			continue;
		tm = api_table_rows(app, req, cfg->tables[i].name);
		if (tm == NULL || !table_cursor(app, req, map, tm->name, &cur))
			return false;
		/* A client that names itself holds the changelog back. */
		if (peer != NULL && tm->conf->capture == CAPTURE_TRIGGER &&
		    retention_ack(app->master, peer, tm->name, &cur, &err) !=
			NR_OK) {
			cursor_clear(&cur);
			api_db_error(req, &err);
			return false;
		}
		done = false;
		for (rounds = 0; n < limit && rounds < MAX_ROUNDS; rounds++) {
			if (initial && cur.started && !cur.snapshot) {
				done = true;
				break;
			}
			co.limit = limit - n;
			rc = changes_read(app->master, tm, &cur, &co, &b, &err);
			if (rc != NR_OK)
				break;
			feed_json(&b, tm, initial, out);
			n += b.n;
			done = initial ? !cur.snapshot : !b.has_more;
			batch_free(&b);
			if (done)
				break;
		}
		if (rc == NR_OK) {
			char *token = cursor_seal(&cur, &app->ckey);

			json_object_object_add(map, tm->name,
					       json_object_new_string(token));
			free(token);
		}
		batch_free(&b);
		cursor_clear(&cur);
		if (rc == NR_EINVAL) {
			http_error(req, 409, "cursor_stale",
				   "%s; start again "
				   "from /sync/initial",
				   err.msg);
			return false;
		}
		if (rc == NR_EEXPIRED || rc == NR_EREWOUND) {
			api_expired(req, &err);
			return false;
		}
		if (rc != NR_OK) {
			api_db_error(req, &err);
			return false;
		}
	}
	*has_more = !done;
	metrics_rows(app->metrics, 0, n, 0);
	return true;
}

static bool
client_id_ok(const char *s)
{
	return util_is_token(s, 48, ".-");
}

/* The origin the engine records for a client's changes. */
static void
client_origin(const char *client_id, char out[64])
{
	snprintf(out, 64, "client:%s", client_id);
}

/* GET /sync/initial/{tenant} and /sync/changes/{tenant}. */
static void
feed_get(struct api *app, struct http_req *req, bool initial)
{
	const char *tenant = path_tenant(req), *token, *client_id;
	json_object *map = NULL, *body, *out;
	char origin[64], *next;
	bool has_more = false;
	long limit;

	if (tenant == NULL)
		return;
	token = http_query(req, initial ? "page" : "since");
	if (!initial && (token == NULL || token[0] == '\0')) {
		http_error(req, 400, "missing_since",
			   "since (the cursor of "
			   "the last sync) is required; a new client starts "
			   "with /sync/initial/%s",
			   tenant);
		return;
	}
	client_id = http_query(req, "client_id");
	if (client_id != NULL && !client_id_ok(client_id)) {
		http_error(req, 400, "bad_client_id",
			   "client_id must be 1-48 "
			   "of [A-Za-z0-9_.-]");
		return;
	}
	limit = api_limit(req, DEFAULT_LIMIT, MAX_LIMIT);
	map = limit > 0 ? token_parse(req, token) : NULL;
	if (map == NULL)
		return;
	if (client_id != NULL)
		client_origin(client_id, origin);
	out = json_object_new_array();
	if (!read_feed(app, req, tenant, map, (size_t)limit, initial,
		       client_id ? origin : NULL, out, &has_more)) {
		json_object_put(out);
		json_object_put(map);
		return;
	}
	next = token_encode(map);
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "tenant", json_object_new_string(tenant));
	json_object_object_add(body, initial ? "rows" : "changes", out);
	json_object_object_add(body, "has_more",
			       json_object_new_boolean(has_more));
	if (initial)
		json_object_object_add(body, "next_page",
				       has_more ? json_object_new_string(next)
						: NULL);
	json_object_object_add(body, initial ? "cursor" : "next_cursor",
			       json_object_new_string(next));
	http_reply(req, 200, body);
	free(next);
	json_object_put(map);
}

void
clients_initial_get(struct api *app, struct http_req *req)
{
	feed_get(app, req, true);
}

void
clients_changes_get(struct api *app, struct http_req *req)
{
	feed_get(app, req, false);
}

/* The latest updated_at a change may have: the server's clock plus
 * api.clientClockSkewSeconds, as util_norm_time writes times. */
static void
latest_time(const struct config *cfg, char out[27])
{
	time_t t = time(NULL) + cfg->api.client_skew;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 27, "%Y-%m-%d %H:%M:%S", &tm) != 19)
		snprintf(out, 27, "0000-00-00 00:00:00");
	memcpy(out + 19, ".999999", 8);
}

/* Parses change i of the request into c, its time no later than
 * latest; false after replying. checked[t]: table t's columns were
 * compared with the database's in this request (once a request). */
static bool
parse_change(struct api *app, struct http_req *req, json_object *o, size_t i,
	     const char *latest, bool *checked, struct cchange *c)
{
	const struct config *cfg = app->cfg;
	const char *table, *op, *ts;
	json_object *row = NULL;
	const struct tmeta *tm;
	struct nr_err err;
	int rc;

	if (!json_object_is_type(o, json_type_object)) {
		http_error(req, 400, "bad_change",
			   "changes[%zu] must be an "
			   "object",
			   i);
		return false;
	}
	c->id = codec_string(o, "client_change_id", NULL);
	if (!util_is_token(c->id, 64, ".:-")) {
		http_error(req, 400, "bad_change",
			   "changes[%zu].client_change_"
			   "id must be 1-64 of [A-Za-z0-9_.:-]",
			   i);
		return false;
	}
	table = codec_string(o, "table", NULL);
	for (c->t = 0; table != NULL && c->t < cfg->ntables; c->t++)
		if (strcmp(cfg->tables[c->t].name, table) == 0)
			break;
	if (table == NULL || c->t == cfg->ntables ||
	    !tenant_table(req, &cfg->tables[c->t])) {
		http_error(req, 400, "unknown_table",
			   "changes[%zu].table: "
			   "'%.64s' is not a table of this key's tenant",
			   i, table ? table : "");
		return false;
	}
	op = codec_string(o, "op", NULL);
	if (op == NULL ||
	    (strcmp(op, "upsert") != 0 && strcmp(op, "delete") != 0)) {
		http_error(req, 400, "bad_change",
			   "changes[%zu].op must be "
			   "\"upsert\" or \"delete\"",
			   i);
		return false;
	}
	c->op = op[0] == 'u' ? 'U' : 'D';
	ts = codec_string(o, "updated_at", NULL);
	if (ts == NULL || !util_norm_time(ts, c->ts)) {
		http_error(req, 400, "bad_change",
			   "changes[%zu].updated_at "
			   "must be a UTC time like 2026-01-31T12:00:00.000Z",
			   i);
		return false;
	}
	/* A time far ahead would beat every later write of the key, of
	 * any tenant and from any peer. */
	if (strcmp(c->ts, latest) > 0) {
		http_error(req, 400, "bad_time",
			   "changes[%zu].updated_at is "
			   "%.19s, more than %d s ahead of the server's "
			   "clock (UTC); is the client's clock right?",
			   i, c->ts, app->cfg->api.client_skew);
		return false;
	}
	json_object_object_get_ex(o, "row", &row);
	tm = checked[c->t] ? api_table(app, req, table)
			   : api_table_rows(app, req, table);
	if (tm == NULL)
		return false;
	checked[c->t] = true;
	rc = codec_client_change(row, tm, c->op, req->key->tenant, c->ts,
				 &c->pk, &c->vals, &err);
	if (rc == NR_EFORBIDDEN) {
		http_error(req, 403, "tenant_forbidden", "changes[%zu]: %s", i,
			   err.msg);
		return false;
	}
	if (rc != NR_OK) {
		http_error(req, 400, "bad_change", "changes[%zu].row: %s", i,
			   err.msg);
		return false;
	}
	return true;
}

/* Marks the changes whose id was recorded before as replays, with the
 * recorded status, table and key: a replay is answered for the change
 * recorded, whatever table and key it names now. */
static int
find_replays(struct api *app, const char *tenant, struct cchange *v, size_t n,
	     struct nr_err *err)
{
	const char **ids = util_calloc(n + 1, sizeof(*ids));
	struct qres *res = NULL;
	size_t i, r;
	int rc;

	for (i = 0; i < n; i++)
		ids[i] = v[i].id;
	rc = clientlog_find(app->master, tenant, ids, n, &res, err);
	for (r = 0; rc == NR_OK && r < res->nrows; r++)
		for (i = 0; i < n; i++)
			if (strcmp(v[i].id, qres_at(res, r, 0)->p) == 0) {
				v[i].replayed = true;
				v[i].status = util_strdup(
				    qres_at(res, r, 1)->p);
				free(v[i].pk);
				v[i].pk = util_strdup(qres_at(res, r, 2)->p);
				v[i].table = util_strdup(qres_at(res, r, 3)->p);
				if (v[i].vals != NULL)
					schema_key_values_free(
					    v[i].vals, app->tms[v[i].t]->ncols);
				v[i].vals = NULL;
			}
	qres_free(res);
	free(ids);
	return rc;
}

/* Points each replay at its recorded table: its index, or the number of
 * tables when the request's key may not reach it any more (answered
 * without a row). False after replying. */
static bool
replay_tables(struct api *app, struct http_req *req, struct cchange *v,
	      size_t n)
{
	const struct config *cfg = app->cfg;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!v[i].replayed)
			continue;
		for (v[i].t = 0; v[i].t < cfg->ntables; v[i].t++)
			if (strcmp(cfg->tables[v[i].t].name, v[i].table) == 0)
				break;
		if (v[i].t < cfg->ntables &&
		    !tenant_table(req, &cfg->tables[v[i].t]))
			v[i].t = cfg->ntables;
		if (v[i].t < cfg->ntables &&
		    api_table(app, req, v[i].table) == NULL)
			return false;
	}
	return true;
}

/* Picks, for each key sent more than once, the change that stands for
 * it: the latest updated_at, the later in the request on a tie. */
static void
pick_standing(struct cchange *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t s = i;

		for (j = 0; j < n && !v[i].replayed; j++) {
			int c;

			if (v[j].replayed || v[j].t != v[i].t ||
			    strcmp(v[j].pk, v[i].pk) != 0)
				continue;
			c = strcmp(v[j].ts, v[s].ts);
			if (c > 0 || (c == 0 && j > s))
				s = j;
		}
		v[i].stand = s;
	}
}

static const char *
status_name(const struct cchange *c)
{
	if (c->replayed)
		return c->status;
	switch (c->outcome) {
	case APPLY_WRITTEN:
		return "applied";
	case APPLY_SAME:
		return "unchanged";
	case APPLY_OPEN:
		return "conflict";
	default:
		return "rejected";
	}
}

/* Applies the standing changes of table t in the open transaction. */
static int
apply_table(struct api *app, struct http_req *req, json_object *map,
	    const char *origin, size_t t, struct cchange *v, size_t n,
	    struct nr_err *err)
{
	const struct tmeta *tm = app->tms[t];
	struct cursor seen = {0};
	struct apply_opts ao = {0};
	struct apply_stats st = {0};
	struct batch b = {0};
	size_t *of = util_calloc(n + 1, sizeof(*of)), i, k = 0;
	enum apply_outcome *outcome = util_calloc(n + 1, sizeof(*outcome));
	json_object *tok = NULL;
	int rc;

	batch_init(&b, tm);
	for (i = 0; i < n; i++) {
		struct change *c;

		if (v[i].t != t || v[i].replayed || v[i].stand != i)
			continue;
		c = batch_add(&b, v[i].op, v[i].pk, origin, v[i].ts);
		if (v[i].op == 'U')
			batch_set_row(&b, c, v[i].vals);
		of[k++] = i;
	}
	json_object_object_get_ex(map, tm->name, &tok);
	/* Checked by cursors_ok. */
	rc = cursor_parse(tok ? json_object_get_string(tok) : NULL, &seen, err);
	apply_opts_init(&ao, app->cfg, origin, &seen);
	ao.in_trx = true;
	ao.tenant = req->key->tenant;
	ao.outcome = outcome;
	if (rc == NR_OK && k > 0)
		rc = apply_batch(app->master, tm, &b, &ao, &st, err);
	for (i = 0; rc == NR_OK && i < k; i++)
		v[of[i]].outcome = outcome[i];
	metrics_rows(app->metrics, k, 0, st.conflicts);
	cursor_clear(&seen);
	batch_free(&b);
	free(outcome);
	free(of);
	return rc;
}

/* Records the applied changes by client_change_id, in the transaction. */
static int
record_changes(struct api *app, const char *tenant, const char *client_id,
	       struct cchange *v, size_t n, struct nr_err *err)
{
	struct clientlog_rec *r = util_calloc(n + 1, sizeof(*r));
	size_t i, k = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (v[i].replayed)
			continue;
		r[k].id = v[i].id;
		r[k].table = app->cfg->tables[v[i].t].name;
		r[k].pk = v[i].pk;
		r[k].status = status_name(&v[v[i].stand]);
		k++;
	}
	rc = clientlog_record(app->master, tenant, client_id, r, k, err);
	free(r);
	return rc;
}

/* Applies every table's changes and records them, in one transaction.
 * *failed is the table whose changes failed, if one did. */
static int
apply_all(struct api *app, struct http_req *req, json_object *map,
	  const char *client_id, struct cchange *v, size_t n,
	  const char **failed, struct nr_err *err)
{
	char origin[64];
	size_t t;
	int rc, tries = 0;

	client_origin(client_id, origin);
again:
	rc = db_exec(app->master, "START TRANSACTION", err);
	for (t = 0; rc == NR_OK && t < app->cfg->ntables; t++)
		if (app->tms[t] != NULL &&
		    tenant_table(req, &app->cfg->tables[t])) {
			rc = apply_table(app, req, map, origin, t, v, n, err);
			if (rc != NR_OK)
				*failed = app->cfg->tables[t].name;
		}
	if (rc == NR_OK)
		rc = record_changes(app, req->key->tenant, client_id, v, n,
				    err);
	if (rc == NR_OK)
		rc = db_exec(app->master, "COMMIT", err);
	if (rc != NR_OK)
		db_try(app->master, "ROLLBACK");
	/* A deadlock's victim: the whole request runs again. */
	if (rc == NR_EDB && err->sqlerr == DB_ER_LOCK_DEADLOCK &&
	    ++tries < DB_DEADLOCK_RETRIES) {
		*failed = NULL;
		goto again;
	}
	return rc;
}

/* The results, in the order of the request, each with the server's row
 * now (null: there is none, or it is not tenant's). */
static int
results_json(struct api *app, const char *tenant, struct cchange *v, size_t n,
	     json_object *out, struct nr_err *err)
{
	char **pks = util_calloc(n + 1, sizeof(char *));
	json_object **rows = util_calloc(n + 1, sizeof(*rows));
	size_t t, i, k;
	int rc = NR_OK;

	for (t = 0; rc == NR_OK && t < app->cfg->ntables; t++) {
		const struct tmeta *tm = app->tms[t];
		struct qres *res = NULL;
		struct row_ref *idx;
		struct batch b;

		for (i = k = 0; i < n; i++)
			if (v[i].t == t)
				pks[k++] = v[i].pk;
		if (k == 0)
			continue;
		rc = changes_rows(app->master, tm, pks, k, false, &res, err);
		if (rc != NR_OK)
			break;
		idx = rowidx_build(res);
		batch_init(&b, tm);
		for (i = 0; i < n; i++) {
			long r = v[i].t == t
				     ? rowidx_find(idx, res->nrows, v[i].pk)
				     : -1;
			const struct qval *tv;

			if (r < 0)
				continue;
			if (tm->tenant < 0)
				continue;
			tv = qres_at(res, (size_t)r, (size_t)tm->tenant + 1);
			if (tv->null || strcmp(tv->p, tenant) != 0)
				continue;
			rows[i] = codec_row(b.cols, b.binary,
					    qres_at(res, (size_t)r, 1),
					    b.ncols);
		}
		batch_free(&b);
		free(idx);
		qres_free(res);
	}
	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "client_change_id",
				       json_object_new_string(v[i].id));
		json_object_object_add(
		    o, "table",
		    json_object_new_string(
			v[i].replayed ? v[i].table
				      : app->cfg->tables[v[i].t].name));
		json_object_object_add(
		    o, "status",
		    json_object_new_string(status_name(&v[v[i].stand])));
		json_object_object_add(o, "row", rows[i]);
		if (v[i].replayed)
			json_object_object_add(o, "replayed",
					       json_object_new_boolean(1));
		json_object_array_add(out, o);
		rows[i] = NULL;
	}
	for (i = 0; i < n; i++)
		json_object_put(rows[i]);
	free(rows);
	free(pks);
	return rc;
}

static void
reply_results(struct api *app, struct http_req *req, struct cchange *v,
	      size_t n)
{
	json_object *body = json_object_new_object(),
		    *results = json_object_new_array();
	size_t i, applied = 0, rejected = 0;
	struct nr_err err;

	if (results_json(app, req->key->tenant, v, n, results, &err) != NR_OK) {
		json_object_put(results);
		json_object_put(body);
		api_db_error(req, &err);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *s = status_name(&v[v[i].stand]);

		applied += strcmp(s, "applied") == 0;
		rejected += strcmp(s, "rejected") == 0 ||
			    strcmp(s, "conflict") == 0;
	}
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "results", results);
	json_object_object_add(body, "applied",
			       json_object_new_int64((int64_t)applied));
	json_object_object_add(body, "rejected",
			       json_object_new_int64((int64_t)rejected));
	http_reply(req, 200, body);
}

/* Checks every engine cursor of map; false after replying 400. */
static bool
cursors_ok(struct api *app, struct http_req *req, json_object *map)
{
	struct cursor cur = {0};

	json_object_object_foreach(map, table, v)
	{
		(void)v;
		if (!table_cursor(app, req, map, table, &cur))
			return false;
		cursor_clear(&cur);
	}
	return true;
}

void
clients_changes_post(struct api *app, struct http_req *req)
{
	json_object *body = api_json_body(app, req), *arr = NULL, *map = NULL;
	const char *tenant = req->key->tenant, *client_id, *failed = NULL;
	struct cchange *v = NULL;
	bool *checked = NULL;
	struct nr_err err;
	char latest[27];
	size_t n = 0, i, j;
	int rc;

	if (body == NULL)
		return;
	if (tenant == NULL) {
		http_error(req, 403, "tenant_forbidden",
			   "this key is bound to "
			   "no tenant");
		goto out;
	}
	client_id = codec_string(body, "client_id", NULL);
	if (client_id == NULL || !client_id_ok(client_id)) {
		http_error(req, 400, "bad_client_id",
			   "client_id must be 1-48 "
			   "of [A-Za-z0-9_.-]");
		goto out;
	}
	map = token_parse(req, codec_string(body, "cursor", NULL));
	if (map == NULL || !cursors_ok(app, req, map))
		goto out;
	if (!json_object_object_get_ex(body, "changes", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0 ||
	    json_object_array_length(arr) > MAX_CLIENT_CHANGES) {
		http_error(req, 400, "bad_changes",
			   "changes must be an array "
			   "of 1 to %d changes",
			   MAX_CLIENT_CHANGES);
		goto out;
	}
	n = json_object_array_length(arr);
	v = util_calloc(n, sizeof(*v));
	checked = util_calloc(app->cfg->ntables + 1, sizeof(*checked));
	latest_time(app->cfg, latest);
	for (i = 0; i < n; i++) {
		if (!parse_change(app, req, json_object_array_get_idx(arr, i),
				  i, latest, checked, &v[i]))
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(v[j].id, v[i].id) == 0) {
				http_error(req, 400, "bad_change",
					   "changes[%zu]"
					   ": client_change_id %s is also "
					   "changes[%zu]'s",
					   i, v[i].id, j);
				goto out;
			}
	}
	rc = find_replays(app, tenant, v, n, &err);
	if (rc == NR_OK && !replay_tables(app, req, v, n))
		goto out;
	if (rc == NR_OK) {
		pick_standing(v, n);
		rc = apply_all(app, req, map, client_id, v, n, &failed, &err);
	}
	if (rc == NR_EDB && err.sqlerr == DB_ER_DUP_ENTRY)
		http_error(req, 409, "retry",
			   "these changes are being applied "
			   "by another request; send them again");
	else if (rc != NR_OK)
		api_db_error_in(req, &err, failed);
	else
		reply_results(app, req, v, n);
out:
	for (i = 0; i < n; i++) {
		free(v[i].pk);
		free(v[i].status);
		free(v[i].table);
		if (v[i].vals != NULL)
			schema_key_values_free(v[i].vals,
					       app->tms[v[i].t]->ncols);
	}
	free(v);
	free(checked);
	json_object_put(map);
	json_object_put(body);
}
