/* The route table: method, path, the scope a key needs, the handler. */
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "router.h"

struct route {
	const char *method;
	const char *path;
	unsigned scope;		/* 0: no key needed */
	handler_fn *fn;
};

static const struct route routes[] = {
	{"GET", "/health", 0, health_get},
	{"GET", "/api/status", SCOPE_READ, status_get},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const struct route *
find(const struct http_req *req, bool *path_known)
{
	size_t i;

	*path_known = false;
	for (i = 0; i < NROUTES; i++) {
		if (strcmp(routes[i].path, req->path) != 0)
			continue;
		*path_known = true;
		if (strcmp(routes[i].method, req->method) == 0)
			return &routes[i];
	}
	return NULL;
}

void
router_handle(struct api *app, FCGX_Request *fcgi)
{
	const struct config_key *key;
	const struct route *r;
	struct http_req req;
	bool known;

	http_req_init(&req, fcgi);
	r = find(&req, &known);
	if (r == NULL && known) {
		http_error(&req, 405, "method_not_allowed",
			   "%s is not allowed here", req.method);
		goto out;
	}
	if (r == NULL) {
		http_error(&req, 404, "not_found", "no such endpoint");
		goto out;
	}
	if (r->scope != 0) {
		key = auth_find_key(app->cfg, req.api_key);
		if (key == NULL) {
			http_error(&req, 401, "unauthorized",
				   req.api_key == NULL
					   ? "the X-API-Key header is missing"
					   : "the API key is not valid");
			goto out;
		}
		if (!auth_allows(key, r->scope, NULL)) {
			http_error(&req, 403, "forbidden",
				   "this key lacks the scope for %s",
				   req.path);
			goto out;
		}
	}
	r->fn(app, &req);
	if (!req.replied)
		http_error(&req, 500, "internal", "the handler gave no reply");
out:
	log_debug("%s %s %d", req.method, req.path, req.status);
}
