/* The route table: method, path, the scope a key needs, the handler.
 * Then authentication: the key, a signature when the key requires one
 * (or the request carries one), the scope. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "nonces.h"
#include "query.h"
#include "router.h"
#include "sign.h"
#include "util.h"

/* The body a route takes, and so its cap: none, one bounded by
 * api.maxBodyBytes, or an offline client's, by api.maxClientBodyBytes. */
enum body { BODY_NONE, BODY_API, BODY_CLIENT };

struct route {
	const char *method;
	const char *path; /* "{id}" matches a number, "{tenant}" a
			   * name */
	unsigned scope;	  /* a key needs one of these; 0: no key */
	handler_fn *fn;
	enum body body;
};

static const struct route routes[] = {
    {"GET", "/health", 0, health_get, BODY_NONE},
    {"GET", "/.well-known/nunez-instance", 0, instance_get, BODY_NONE},
    {"GET", "/api/status", SCOPE_READ, status_get, BODY_NONE},
    {"GET", "/api/config", SCOPE_ADMIN, config_get, BODY_NONE},
    {"GET", "/metrics", SCOPE_READ, metrics_get, BODY_NONE},
    {"POST", "/api/push", SCOPE_PUSH, push_post, BODY_API},
    {"GET", "/api/pull", SCOPE_PULL, pull_get, BODY_NONE},
    {"GET", "/api/metadata", SCOPE_PULL, metadata_get, BODY_NONE},
    {"GET", "/api/replication/peers", SCOPE_ADMIN, ops_peers, BODY_NONE},
    {"GET", "/api/replication/lag", SCOPE_ADMIN, ops_lag, BODY_NONE},
    {"GET", "/api/replication/log", SCOPE_ADMIN, ops_log, BODY_NONE},
    {"GET", "/api/replication/tables", SCOPE_ADMIN, ops_tables, BODY_NONE},
    {"GET", "/api/replication/conflicts", SCOPE_ADMIN, ops_conflicts,
     BODY_NONE},
    {"GET", "/api/replication/conflicts/{id}", SCOPE_ADMIN, ops_conflict,
     BODY_NONE},
    {"POST", "/api/replication/conflicts/{id}/resolve", SCOPE_ADMIN,
     ops_resolve, BODY_API},
    {"POST", "/api/replication/pause", SCOPE_ADMIN, ops_pause, BODY_API},
    {"POST", "/api/replication/resume", SCOPE_ADMIN, ops_resume, BODY_API},
    {"POST", "/api/replication/resync", SCOPE_ADMIN, ops_resync, BODY_API},
    {"POST", "/sync/changes", SCOPE_CLIENT, clients_changes_post, BODY_CLIENT},
    {"GET", "/sync/changes/{tenant}", SCOPE_CLIENT | SCOPE_ADMIN,
     clients_changes_get, BODY_NONE},
    {"GET", "/sync/initial/{tenant}", SCOPE_CLIENT | SCOPE_ADMIN,
     clients_initial_get, BODY_NONE},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))
#define UNKNOWN_ROUTE (METRICS_ROUTES - 1)

void
router_init(void)
{
	size_t i;

	for (i = 0; i < NROUTES; i++)
		metrics_route_name((int)i, routes[i].path);
}

/* Matches path against pattern, copying a {id} or {tenant} segment
 * into id. */
static bool
match(const char *pattern, const char *path, char *id, size_t idsize)
{
	static const char *const holes[][2] = {
	    {"{id}", "0123456789"},
	    {"{tenant}", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			 "wxyz0123456789_.@:-"},
	};
	size_t h;

	while (*pattern != '\0') {
		for (h = 0; h < 2; h++)
			if (strncmp(pattern, holes[h][0],
				    strlen(holes[h][0])) == 0)
				break;
		if (h < 2) {
			size_t n = strspn(path, holes[h][1]);

			if (n == 0 || n >= idsize)
				return false;
			memcpy(id, path, n);
			id[n] = '\0';
			pattern += strlen(holes[h][0]);
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == '\0';
}

static int
find(struct http_req *req, bool *path_known)
{
	size_t i;

	*path_known = false;
	for (i = 0; i < NROUTES; i++) {
		if (!match(routes[i].path, req->path, req->id, sizeof(req->id)))
			continue;
		*path_known = true;
		if (strcmp(routes[i].method, req->method) == 0)
			return (int)i;
	}
	return -1;
}

static bool
nonce_ok(const char *n)
{
	return n != NULL && strlen(n) >= 16 && util_is_token(n, 64, "-");
}

/* Checks the request's signature; false after replying 401. */
static bool
check_signature(struct api *app, struct http_req *req)
{
	const char *ts = http_param(req, "HTTP_X_NUNEZ_TIMESTAMP");
	const char *nonce = http_param(req, "HTTP_X_NUNEZ_NONCE");
	const char *sig = http_param(req, "HTTP_X_NUNEZ_SIGNATURE");
	enum sign_verdict v;
	struct nr_err err;
	long long t, now;
	char *end;
	int rc;

	if (ts == NULL && nonce == NULL && sig == NULL) {
		if (!req->key->require_signature)
			return true;
		http_error(req, 401, "signature_required",
			   "this key must sign "
			   "its requests (X-Nunez-Timestamp, X-Nunez-Nonce, "
			   "X-Nunez-Signature)");
		return false;
	}
	t = ts ? strtoll(ts, &end, 10) : 0;
	if (ts == NULL || *ts == '\0' || *end != '\0' || !nonce_ok(nonce) ||
	    sig == NULL) {
		http_error(req, 401, "signature_malformed",
			   "a signed request "
			   "needs X-Nunez-Timestamp (unix seconds), "
			   "X-Nunez-Nonce (16-64 of [A-Za-z0-9_-]) and "
			   "X-Nunez-Signature");
		return false;
	}
	/* Compared without a subtraction that could overflow. */
	now = (long long)time(NULL);
	if (t < now - app->cfg->api.signature_window ||
	    t > now + app->cfg->api.signature_window) {
		http_error(req, 401, "signature_expired",
			   "the timestamp is "
			   "more than %d s away from the server's clock",
			   app->cfg->api.signature_window);
		return false;
	}
	if (http_body(req, &err) != NR_OK) {
		api_bad_request(req, &err);
		return false;
	}
	v = sign_verify(req->key, req->method, req->raw_path, req->query, ts,
			nonce, req->body, req->body_len, sig);
	if (v == SIGN_NO_SECRET) {
		http_error(req, 401, "signature_unverifiable",
			   "key %s has no signingSecret here, so its "
			   "signature cannot be checked; give both sides the "
			   "same signingSecret, or send the request unsigned",
			   req->key->name);
		return false;
	}
	if (v != SIGN_OK) {
		http_error(req, 401, "signature_invalid",
			   "the signature does "
			   "not match the request");
		return false;
	}
	/* Kept until twice the window has passed: a replay within the
	 * window is refused, later the timestamp is. */
	rc = nonces_remember(app->master, nonce,
			     2 * app->cfg->api.signature_window, &err);
	if (rc == NR_EEXIST) {
		http_error(req, 401, "nonce_replayed",
			   "this nonce was used "
			   "before: the request is a replay");
		return false;
	}
	if (rc != NR_OK) {
		api_db_error(req, &err);
		return false;
	}
	return true;
}

/* Sets the caps of the body of req, a request for route rt. A route
 * that takes no body takes none: a signed GET hashes an empty one. */
static void
body_limits(const struct config *cfg, const struct route *rt,
	    struct http_req *req)
{
	req->inflate_ratio = cfg->api.max_inflate_ratio;
	if (rt->body == BODY_API)
		req->body_cap = (size_t)cfg->api.max_body;
	else if (rt->body == BODY_CLIENT)
		req->body_cap = (size_t)cfg->api.max_client_body;
	else
		req->body_cap = 0;
}

void
router_handle(struct api *app, FCGX_Request *fcgi)
{
	struct http_req req;
	bool known;
	int r;

	http_req_init(&req, fcgi);
	r = find(&req, &known);
	if (r >= 0)
		body_limits(app->cfg, &routes[r], &req);
	if (r < 0 && known) {
		http_error(&req, 405, "method_not_allowed",
			   "%s is not allowed here", req.method);
		goto out;
	}
	if (r < 0) {
		http_error(&req, 404, "not_found", "no such endpoint");
		goto out;
	}
	if (routes[r].scope != 0) {
		req.key = auth_find_key(app->cfg, req.api_key);
		if (req.key == NULL) {
			http_error(&req, 401, "unauthorized",
				   req.api_key == NULL
				       ? "the X-API-Key header is missing"
				       : "the API key is not valid");
			goto out;
		}
		/* The scope first: it costs nothing, a signature costs
		 * a nonce written to the database. */
		if ((req.key->scopes & routes[r].scope) == 0) {
			http_error(&req, 403, "forbidden",
				   "this key lacks the scope for %s", req.path);
			goto out;
		}
		if (!check_signature(app, &req))
			goto out;
	}
	http_query(&req, ""); /* parses the query string */
	if (req.params_bad) {
		http_error(&req, 400, "bad_query",
			   "the query string is not "
			   "valid");
		goto out;
	}
	routes[r].fn(app, &req);
	if (!req.replied)
		http_error(&req, 500, "internal", "the handler gave no reply");
out:
	metrics_request(app->metrics, r < 0 ? UNKNOWN_ROUTE : r, req.status);
	log_debug("%s %s %d", req.method, req.path, req.status);
	http_req_free(&req);
}
