/* GET /health: liveness and whether the databases answer. */
#include "handlers.h"
#include "log.h"

/* "ok" or "unreachable" for one database; logs why it is not ok. */
static const char *
check(struct db *db)
{
	struct nr_err err;

	if (db_ping(db, &err) == NR_OK)
		return "ok";
	log_warn("health: %s", err.msg);
	return "unreachable";
}

void
health_get(struct api *app, struct http_req *req)
{
	json_object *body = json_object_new_object();
	json_object *dbs = json_object_new_object();
	const char *master = check(app->master);
	int ok = master[0] == 'o';

	json_object_object_add(dbs, "master", json_object_new_string(master));
	if (app->slave != NULL)
		json_object_object_add(dbs, "slave",
				       json_object_new_string(check(app->slave)));
	json_object_object_add(body, "success", json_object_new_boolean(ok));
	json_object_object_add(body, "status",
			       json_object_new_string(ok ? "ok" : "down"));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "databases", dbs);
	http_reply(req, ok ? 200 : 503, body);
}
