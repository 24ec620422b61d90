/* GET /api/status: who this node is, what it replicates and how far each
 * peer's changes have arrived. GET /api/config: the config, secrets
 * redacted. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "peers.h"
#include "query.h"
#include "sync.h"

#define REDACTED "********"

static json_object *
strv_json(const struct strv *v)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

static json_object *
table_conf_json(const struct config_table *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "primaryKey", strv_json(&t->pk));
	json_object_object_add(o, "timestampColumn",
			       api_str(t->timestamp_column));
	json_object_object_add(o, "ignoreColumns", strv_json(&t->ignore));
	json_object_object_add(
	    o, "conflictStrategy",
	    json_object_new_string(config_strategy_name(t->strategy)));
	json_object_object_add(
	    o, "capture",
	    json_object_new_string(config_capture_name(t->capture)));
	json_object_object_add(o, "tenantColumn", api_str(t->tenant_column));
	json_object_object_add(o, "softDeleteColumn",
			       api_str(t->soft_delete_column));
	return o;
}

/* The tables, those key may use (NULL: all). */
static json_object *
tables_json(const struct config *cfg, const struct config_key *key)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < cfg->ntables; i++)
		if (key == NULL || auth_allows(key, 0, cfg->tables[i].name))
			json_object_array_add(a,
					      table_conf_json(&cfg->tables[i]));
	return a;
}

static json_object *
remote_json(const struct config_remote *r, bool full)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "url", json_object_new_string(r->url));
	json_object_object_add(
	    o, "syncMode",
	    json_object_new_string(config_sync_mode_name(r->sync_mode)));
	json_object_object_add(o, "priority", json_object_new_int(r->priority));
	json_object_object_add(o, "enabled",
			       json_object_new_boolean(r->enabled));
	if (!full)
		return o;
	json_object_object_add(o, "apiKey", json_object_new_string(REDACTED));
	json_object_object_add(o, "timeout", json_object_new_int(r->timeout));
	json_object_object_add(o, "connectTimeout",
			       json_object_new_int(r->connect_timeout));
	json_object_object_add(o, "caFile", api_str(r->ca_file));
	json_object_object_add(o, "verifyTls",
			       json_object_new_boolean(r->verify_tls));
	json_object_object_add(o, "signRequests",
			       json_object_new_boolean(r->sign_requests));
	json_object_object_add(
	    o, "signingSecret",
	    api_str(r->signing_secret != NULL ? REDACTED : NULL));
	json_object_object_add(o, "legacySigning",
			       json_object_new_boolean(r->legacy_signing));
	json_object_object_add(o, "allowInsecure",
			       json_object_new_boolean(r->allow_insecure));
	return o;
}

/* Per peer and table the request's key may use: when its changes last
 * arrived and how many. */
static json_object *
arrivals(struct api *app, const struct http_req *req, bool *db_ok)
{
	json_object *a = json_object_new_array();
	struct qres *res = NULL;
	struct nr_err err;
	size_t i;

	*db_ok = peers_list(app->master, &res, &err) == NR_OK;
	for (i = 0; *db_ok && i < res->nrows; i++)
		if (auth_allows(req->key, 0, qres_at(res, i, PEERS_TABLE)->p))
			json_object_array_add(a, api_arrival(res, i, true));
	qres_free(res);
	return a;
}

void
status_get(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *body = json_object_new_object();
	json_object *node = json_object_new_object();
	json_object *remotes = json_object_new_array();
	json_object *sync;
	bool db_ok;
	size_t i;

	for (i = 0; i < cfg->nremotes; i++)
		json_object_array_add(remotes,
				      remote_json(&cfg->remotes[i], false));
	json_object_object_add(node, "id",
			       json_object_new_string(cfg->node_id));
	json_object_object_add(node, "priority",
			       json_object_new_int(cfg->node_priority));
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "node", node);
	json_object_object_add(
	    body, "mode", json_object_new_string(config_mode_name(cfg->mode)));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "hasSlave",
			       json_object_new_boolean(cfg->has_slave));
	json_object_object_add(body, "tables", tables_json(cfg, req->key));
	json_object_object_add(body, "remotes", remotes);
	sync = arrivals(app, req, &db_ok);
	json_object_object_add(body, "arrivals", sync);
	json_object_object_add(
	    body, "paused",
	    json_object_new_boolean(db_ok && sync_paused(app->master)));
	json_object_object_add(
	    body, "database",
	    json_object_new_string(db_ok ? "ok" : "unreachable"));
	http_reply(req, 200, body);
}

static json_object *
db_json(const struct config_db *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "host", api_str(d->host));
	json_object_object_add(o, "port", json_object_new_int(d->port));
	json_object_object_add(o, "socket", api_str(d->socket));
	json_object_object_add(o, "user", api_str(d->user));
	json_object_object_add(o, "password", json_object_new_string(REDACTED));
	json_object_object_add(o, "database", api_str(d->database));
	return o;
}

static json_object *
keys_json(const struct config *cfg)
{
	static const char *const scopes[] = {"read", "pull", "push", "admin",
					     "client"};
	json_object *a = json_object_new_array();
	size_t i, s;

	for (i = 0; i < cfg->nkeys; i++) {
		const struct config_key *k = &cfg->keys[i];
		json_object *o = json_object_new_object();
		json_object *sc = json_object_new_array();

		for (s = 0; s < 5; s++)
			if (k->scopes & (1u << s))
				json_object_array_add(
				    sc, json_object_new_string(scopes[s]));
		json_object_object_add(o, "name",
				       json_object_new_string(k->name));
		json_object_object_add(o, "key",
				       json_object_new_string(REDACTED));
		json_object_object_add(o, "scopes", sc);
		json_object_object_add(o, "tenant", api_str(k->tenant));
		json_object_object_add(o, "tables", strv_json(&k->tables));
		json_object_object_add(
		    o, "requireSignature",
		    json_object_new_boolean(k->require_signature));
		json_object_object_add(o, "node", api_str(k->node));
		json_object_object_add(o, "forwarder",
				       json_object_new_boolean(k->forwarder));
		json_object_object_add(
		    o, "signingSecret",
		    api_str(k->signing_secret != NULL ? REDACTED : NULL));
		json_object_object_add(
		    o, "legacySigning",
		    json_object_new_boolean(k->legacy_signing));
		json_object_array_add(a, o);
	}
	return a;
}

void
config_get(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *c = json_object_new_object();
	json_object *o, *body = json_object_new_object();
	size_t i;

	json_object_object_add(
	    c, "mode", json_object_new_string(config_mode_name(cfg->mode)));
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(cfg->node_id));
	json_object_object_add(o, "priority",
			       json_object_new_int(cfg->node_priority));
	json_object_object_add(c, "node", o);
	o = json_object_new_object();
	json_object_object_add(o, "workers",
			       json_object_new_int(cfg->api.workers));
	json_object_object_add(o, "maxBodyBytes",
			       json_object_new_int(cfg->api.max_body));
	json_object_object_add(o, "keys", keys_json(cfg));
	json_object_object_add(c, "api", o);
	o = json_object_new_object();
	json_object_object_add(o, "master", db_json(&cfg->master));
	if (cfg->has_slave)
		json_object_object_add(o, "slave", db_json(&cfg->slave));
	json_object_object_add(c, "databases", o);
	o = json_object_new_object();
	json_object_object_add(o, "tables", tables_json(cfg, NULL));
	json_object_object_add(c, "replication", o);
	o = json_object_new_object();
	for (i = 0; i < cfg->nremotes; i++)
		json_object_object_add(o, cfg->remotes[i].name,
				       remote_json(&cfg->remotes[i], true));
	json_object_object_add(c, "remoteEnvironments", o);
	o = json_object_new_object();
	json_object_object_add(o, "batchSize",
			       json_object_new_int(cfg->sync.batch_size));
	json_object_object_add(c, "sync", o);
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "config", c);
	http_reply(req, 200, body);
}
