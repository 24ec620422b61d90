/* GET /api/status: who this node is and what it replicates. */
#include "handlers.h"

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
tables_json(const struct config *cfg)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < cfg->ntables; i++) {
		const struct config_table *t = &cfg->tables[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name",
				       json_object_new_string(t->name));
		json_object_object_add(o, "primaryKey", strv_json(&t->pk));
		json_object_object_add(
			o, "conflictStrategy",
			json_object_new_string(config_strategy_name(t->strategy)));
		json_object_object_add(
			o, "capture",
			json_object_new_string(config_capture_name(t->capture)));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *
remotes_json(const struct config *cfg)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < cfg->nremotes; i++) {
		const struct config_remote *r = &cfg->remotes[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name",
				       json_object_new_string(r->name));
		json_object_object_add(o, "url", json_object_new_string(r->url));
		json_object_object_add(
			o, "syncMode",
			json_object_new_string(config_sync_mode_name(r->sync_mode)));
		json_object_object_add(o, "priority",
				       json_object_new_int(r->priority));
		json_object_object_add(o, "enabled",
				       json_object_new_boolean(r->enabled));
		json_object_array_add(a, o);
	}
	return a;
}

void
status_get(struct api *app, struct http_req *req)
{
	const struct config *cfg = app->cfg;
	json_object *body = json_object_new_object();
	json_object *node = json_object_new_object();

	json_object_object_add(node, "id", json_object_new_string(cfg->node_id));
	json_object_object_add(node, "priority",
			       json_object_new_int(cfg->node_priority));
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "node", node);
	json_object_object_add(body, "mode",
			       json_object_new_string(config_mode_name(cfg->mode)));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "hasSlave",
			       json_object_new_boolean(cfg->has_slave));
	json_object_object_add(body, "tables", tables_json(cfg));
	json_object_object_add(body, "remotes", remotes_json(cfg));
	http_reply(req, 200, body);
}
