/* GET /health: liveness and whether the databases answer. GET
 * /.well-known/nunez-instance: who this is. */
#include <string.h>

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
		json_object_object_add(
		    dbs, "slave", json_object_new_string(check(app->slave)));
	json_object_object_add(body, "success", json_object_new_boolean(ok));
	json_object_object_add(body, "status",
			       json_object_new_string(ok ? "ok" : "down"));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "databases", dbs);
	http_reply(req, ok ? 200 : 503, body);
}

void
instance_get(struct api *app, struct http_req *req)
{
	json_object *body = json_object_new_object();
	json_object *sig = json_object_new_object();
	const char *scheme = http_param(req, "REQUEST_SCHEME");
	const char *host = http_param(req, "HTTP_HOST");
	char url[512];

	if (host == NULL || strspn(host, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
					 ".-:[]") != strlen(host))
		host = "localhost";
	if (scheme == NULL || strcmp(scheme, "https") != 0)
		scheme = "http";
	snprintf(url, sizeof(url), "%s://%.200s/api", scheme, host);
	json_object_object_add(sig, "algorithm",
			       json_object_new_string("HMAC-SHA256"));
	json_object_object_add(sig, "keyedWith",
			       json_object_new_string("signing-secret"));
	json_object_object_add(sig, "headers",
			       json_object_new_string("X-Nunez-Timestamp, "
						      "X-Nunez-Nonce, "
						      "X-Nunez-Signature"));
	json_object_object_add(
	    sig, "windowSeconds",
	    json_object_new_int(app->cfg->api.signature_window));
	json_object_object_add(sig, "publicKey", NULL);
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "node",
			       json_object_new_string(app->cfg->node_id));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "api", json_object_new_string(url));
	json_object_object_add(body, "signing", sig);
	http_reply(req, 200, body);
}
