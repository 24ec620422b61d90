/* Unit tests of router.c through router_handle: every route reaches its
 * handler, {id} and {tenant} segments match what they should and only
 * that, unknown paths are 404 and other methods 405, and a key, its
 * scopes and its signature are checked before any handler runs. The
 * handlers, the metrics and the nonce store are stand-ins defined here;
 * requests are FastCGI parameters and in-memory streams. */
#include "tap.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "handlers.h"
#include "metrics.h"
#include "nonces.h"
#include "router.h"
#include "sign.h"

/* What the stand-ins saw. */
static struct {
	const char *route_names[METRICS_ROUTES];
	int route;  /* metrics_request's last route */
	int status; /* ... and status */
	int requests;
	char nonce[80]; /* nonces_remember's last nonce */
	int ttl;
	int nonce_rc; /* what it answers a new nonce */
	bool silent;  /* handlers give no reply */
} seen;

/* A reply as the client would read it. */
struct reply {
	int status;
	char code[64];	   /* error.code, or "" */
	char message[512]; /* error.message, or "" */
	char handler[64];  /* the handler that answered, or "" */
	char id[160];	   /* the {id} or {tenant} it saw */
	char q[64];	   /* its query parameter q, or "" */
};

static void
stub(struct http_req *req, const char *name)
{
	json_object *o;
	const char *q;

	if (seen.silent)
		return;
	o = json_object_new_object();
	q = http_query(req, "q");
	json_object_object_add(o, "handler", json_object_new_string(name));
	json_object_object_add(o, "id", json_object_new_string(req->id));
	json_object_object_add(o, "q", json_object_new_string(q ? q : ""));
	http_reply(req, 200, o);
}

#define STUB(fn)                                                               \
	void fn(struct api *app, struct http_req *req)                         \
	{                                                                      \
		(void)app;                                                     \
		stub(req, #fn);                                                \
	}

STUB(health_get)
STUB(instance_get)
STUB(status_get)
STUB(config_get)
STUB(push_post)
STUB(pull_get)
STUB(metadata_get)
STUB(ops_peers)
STUB(ops_lag)
STUB(ops_log)
STUB(ops_tables)
STUB(ops_conflicts)
STUB(ops_conflict)
STUB(ops_resolve)
STUB(ops_pause)
STUB(ops_resume)
STUB(ops_resync)
STUB(clients_changes_post)
STUB(clients_changes_get)
STUB(clients_initial_get)
STUB(metrics_get)

void
metrics_route_name(int route, const char *name)
{
	ck_assert_int_ge(route, 0);
	ck_assert_int_lt(route, METRICS_ROUTES - 1);
	seen.route_names[route] = name;
}

void
metrics_request(struct metrics *m, int route, int status)
{
	(void)m;
	seen.route = route;
	seen.status = status;
	seen.requests++;
}

int
nonces_remember(struct db *db, const char *nonce, int ttl, struct nr_err *err)
{
	(void)db;
	if (strcmp(seen.nonce, nonce) == 0)
		return err_set(err, NR_EEXIST, "seen");
	snprintf(seen.nonce, sizeof(seen.nonce), "%s", nonce);
	seen.ttl = ttl;
	return seen.nonce_rc == NR_OK ? NR_OK
				      : err_set(err, seen.nonce_rc, "down");
}

void
api_bad_request(struct http_req *req, const struct nr_err *err)
{
	http_error(req, err->code == NR_ETOOBIG ? 413 : 400, "bad_request",
		   "%s", err->msg);
}

void
api_db_error(struct http_req *req, const struct nr_err *err)
{
	http_error(req, 503, "db_error", "%s", err->msg);
}

#define ADMIN_KEY "admin-key-0123456789"
#define PEER_KEY "peer-key-0123456789"
#define CLIENT_KEY "client-key-0123456789"
#define SIGNER_KEY "signer-key-0123456789"
#define OLD_KEY "old-scheme-key-0123456789"
#define UNSIGNED_KEY "no-secret-key-0123456789"
/* The signing secrets: never sent, unlike the keys. */
#define ADMIN_SECRET "admin-signing-secret-0123"
#define PEER_SECRET "peer-signing-secret-01234"
#define SIGNER_SECRET "signer-signing-secret-012"

static struct config *cfg;
static struct api app;

static void
setup(void)
{
	struct config_diag diag = {0};

	ck_assert_int_eq(
	    config_parse("{\"databases\": {\"master\": {\"user\": \"u\", "
			 "\"database\": \"m\"}}, \"replication\": {\"tables\": "
			 "[{\"name\": \"orders\", \"primaryKey\": \"id\", "
			 "\"tenantColumn\": \"shop\"}]}, \"api\": "
			 "{\"maxBodyBytes\": 2048, \"signatureWindowSeconds\": "
			 "300, \"keys\": ["
			 "{\"name\": \"admin\", \"key\": \"" ADMIN_KEY "\", "
			 "\"scopes\": [\"read\", \"admin\"], "
			 "\"signingSecret\": \"" ADMIN_SECRET "\"}, "
			 "{\"name\": \"peer\", \"key\": \"" PEER_KEY "\", "
			 "\"scopes\": [\"read\", \"pull\", \"push\"], "
			 "\"signingSecret\": \"" PEER_SECRET "\"}, "
			 "{\"name\": \"client\", \"key\": \"" CLIENT_KEY "\", "
			 "\"scopes\": [\"client\"], \"tenant\": \"42\"}, "
			 "{\"name\": \"signer\", \"key\": \"" SIGNER_KEY "\", "
			 "\"scopes\": [\"read\"], \"requireSignature\": true, "
			 "\"signingSecret\": \"" SIGNER_SECRET "\"}, "
			 "{\"name\": \"old\", \"key\": \"" OLD_KEY "\", "
			 "\"scopes\": [\"read\"], \"requireSignature\": true, "
			 "\"legacySigning\": true}, "
			 "{\"name\": \"unsigned\", \"key\": \"" UNSIGNED_KEY
			 "\", \"scopes\": [\"read\"]}"
			 "]}}",
			 NULL, &cfg, &diag),
	    NR_OK);
	config_diag_free(&diag);
	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	memset(&seen, 0, sizeof(seen));
	seen.route = -1;
	router_init();
}

static void
teardown(void)
{
	config_free(cfg);
}

static unsigned char outbuf[65536];

static void
out_full(FCGX_Stream *s, int close)
{
	(void)close;
	s->isClosed = 1;
}

static void
in_empty(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* Copies the string member key of o into out. */
static void
member(json_object *o, const char *key, char *out, size_t size)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(o, key, &v))
		snprintf(out, size, "%s", json_object_get_string(v));
}

/* Handles one request: method, uri (path and query), the key (NULL: no
 * header), a body (NULL: none) and more parameters ("NAME=value", then
 * NULL). */
static struct reply
request(const char *method, const char *uri, const char *key, const char *body,
	...)
{
	char *env[32], vars[8][2200];
	FCGX_Stream out = {0}, in = {0};
	FCGX_Request fcgi = {0};
	struct reply r;
	const char *q = strchr(uri, '?'), *text;
	json_object *o, *e;
	size_t n = 0, v = 0;
	va_list ap;

	memset(&r, 0, sizeof(r));
	snprintf(vars[v], sizeof(vars[v]), "REQUEST_METHOD=%s", method);
	env[n++] = vars[v++];
	snprintf(vars[v], sizeof(vars[v]), "REQUEST_URI=%s", uri);
	env[n++] = vars[v++];
	snprintf(vars[v], sizeof(vars[v]), "DOCUMENT_URI=%.*s",
		 (int)(q ? (size_t)(q - uri) : strlen(uri)), uri);
	env[n++] = vars[v++];
	snprintf(vars[v], sizeof(vars[v]), "QUERY_STRING=%s", q ? q + 1 : "");
	env[n++] = vars[v++];
	if (key != NULL) {
		snprintf(vars[v], sizeof(vars[v]), "HTTP_X_API_KEY=%s", key);
		env[n++] = vars[v++];
	}
	if (body != NULL) {
		snprintf(vars[v], sizeof(vars[v]), "CONTENT_LENGTH=%zu",
			 strlen(body));
		env[n++] = vars[v++];
	}
	va_start(ap, body);
	while ((env[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	env[n] = NULL;

	memset(outbuf, 0, sizeof(outbuf));
	out.wrNext = outbuf;
	out.stop = outbuf + sizeof(outbuf) - 1;
	out.emptyBuffProc = out_full;
	in.isReader = 1;
	in.rdNext = in.stopUnget = (unsigned char *)(body ? body : "");
	in.stop = in.rdNext + (body ? strlen(body) : 0);
	in.fillBuffProc = in_empty;
	fcgi.in = &in;
	fcgi.out = &out;
	fcgi.envp = env;

	router_handle(&app, &fcgi);

	if (outbuf[0] == '\0')
		return r;
	ck_assert_int_eq(sscanf((char *)outbuf, "Status: %d", &r.status), 1);
	text = strstr((char *)outbuf, "\r\n\r\n");
	ck_assert_ptr_nonnull(text);
	o = json_tokener_parse(text + 4);
	ck_assert_ptr_nonnull(o);
	if (json_object_object_get_ex(o, "error", &e)) {
		member(e, "code", r.code, sizeof(r.code));
		member(e, "message", r.message, sizeof(r.message));
	}
	member(o, "handler", r.handler, sizeof(r.handler));
	member(o, "id", r.id, sizeof(r.id));
	member(o, "q", r.q, sizeof(r.q));
	json_object_put(o);
	/* Every request is counted once, with the status it got. */
	ck_assert_int_eq(seen.status, r.status);
	return r;
}

/* The pattern of the route the last request was counted under. */
static const char *
counted_as(void)
{
	ck_assert_int_ge(seen.route, 0);
	ck_assert_int_lt(seen.route, METRICS_ROUTES);
	return seen.route == METRICS_ROUTES - 1 ? "(unknown)"
						: seen.route_names[seen.route];
}

START_TEST(every_route_reaches_its_handler)
{
	static const struct {
		const char *method, *uri, *key, *handler, *id, *pattern;
	} cases[] = {
	    {"GET", "/health", NULL, "health_get", "", "/health"},
	    {"GET", "/.well-known/nunez-instance", NULL, "instance_get", "",
	     "/.well-known/nunez-instance"},
	    {"GET", "/api/status", ADMIN_KEY, "status_get", "", "/api/status"},
	    {"GET", "/api/config", ADMIN_KEY, "config_get", "", "/api/config"},
	    {"GET", "/metrics", PEER_KEY, "metrics_get", "", "/metrics"},
	    {"POST", "/api/push", PEER_KEY, "push_post", "", "/api/push"},
	    {"GET", "/api/pull", PEER_KEY, "pull_get", "", "/api/pull"},
	    {"GET", "/api/metadata", PEER_KEY, "metadata_get", "",
	     "/api/metadata"},
	    {"GET", "/api/replication/peers", ADMIN_KEY, "ops_peers", "",
	     "/api/replication/peers"},
	    {"GET", "/api/replication/lag", ADMIN_KEY, "ops_lag", "",
	     "/api/replication/lag"},
	    {"GET", "/api/replication/log", ADMIN_KEY, "ops_log", "",
	     "/api/replication/log"},
	    {"GET", "/api/replication/tables", ADMIN_KEY, "ops_tables", "",
	     "/api/replication/tables"},
	    {"GET", "/api/replication/conflicts", ADMIN_KEY, "ops_conflicts",
	     "", "/api/replication/conflicts"},
	    {"GET", "/api/replication/conflicts/17", ADMIN_KEY, "ops_conflict",
	     "17", "/api/replication/conflicts/{id}"},
	    {"POST", "/api/replication/conflicts/0042/resolve", ADMIN_KEY,
	     "ops_resolve", "0042", "/api/replication/conflicts/{id}/resolve"},
	    {"POST", "/api/replication/pause", ADMIN_KEY, "ops_pause", "",
	     "/api/replication/pause"},
	    {"POST", "/api/replication/resume", ADMIN_KEY, "ops_resume", "",
	     "/api/replication/resume"},
	    {"POST", "/api/replication/resync", ADMIN_KEY, "ops_resync", "",
	     "/api/replication/resync"},
	    {"POST", "/sync/changes", CLIENT_KEY, "clients_changes_post", "",
	     "/sync/changes"},
	    {"GET", "/sync/changes/42", CLIENT_KEY, "clients_changes_get", "42",
	     "/sync/changes/{tenant}"},
	    {"GET", "/sync/initial/shop.eu-1_x@y:Z", ADMIN_KEY,
	     "clients_initial_get", "shop.eu-1_x@y:Z",
	     "/sync/initial/{tenant}"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r = request(cases[i].method, cases[i].uri,
					 cases[i].key, NULL, NULL);

		ck_assert_msg(r.status == 200, "%s %s: %d %s", cases[i].method,
			      cases[i].uri, r.status, r.message);
		ck_assert_str_eq(r.handler, cases[i].handler);
		ck_assert_str_eq(r.id, cases[i].id);
		ck_assert_str_eq(counted_as(), cases[i].pattern);
	}
	ck_assert_int_eq(seen.requests, (int)i);
}
END_TEST

/* path (GET, with the admin key) is not a route: 404, no handler. */
static void
not_found(const char *method, const char *uri)
{
	struct reply r = request(method, uri, ADMIN_KEY, NULL, NULL);

	ck_assert_msg(r.status == 404, "%s %s: %d", method, uri, r.status);
	ck_assert_str_eq(r.code, "not_found");
	ck_assert_str_eq(r.message, "no such endpoint");
	ck_assert_str_eq(r.handler, "");
	ck_assert_str_eq(counted_as(), "(unknown)");
}

START_TEST(only_exact_paths_match)
{
	not_found("GET", "/");
	not_found("GET", "");
	not_found("GET", "/healt");
	not_found("GET", "/health/");
	not_found("GET", "/healthz");
	not_found("GET", "//health");
	not_found("GET", "/HEALTH");
	not_found("GET", "/api");
	not_found("GET", "/api/");
	not_found("GET", "/api/status/x");
	not_found("GET", "api/status");
	not_found("POST", "/api/replication/pause/");
	not_found("GET", "/api/replication/conflicts/17/");
	not_found("POST", "/api/replication/conflicts/17/resolvex");
	not_found("POST", "/api/replication/conflicts/17/resolve/x");
	not_found("GET", "/sync/changes/42/x");
	not_found("GET", "/sync/initial");
}
END_TEST

START_TEST(holes_take_only_their_characters)
{
	char uri[256], id[200];
	struct reply r;

	/* {id}: one or more digits, nothing else. */
	not_found("GET", "/api/replication/conflicts/");
	not_found("GET", "/api/replication/conflicts/abc");
	not_found("GET", "/api/replication/conflicts/12a");
	not_found("GET", "/api/replication/conflicts/-1");
	not_found("GET", "/api/replication/conflicts/+1");
	not_found("GET", "/api/replication/conflicts/1.5");
	not_found("GET", "/api/replication/conflicts/1 ");
	not_found("POST", "/api/replication/conflicts//resolve");
	not_found("POST", "/api/replication/conflicts/x/resolve");
	r = request("GET", "/api/replication/conflicts/18446744073709551616",
		    ADMIN_KEY, NULL, NULL);
	ck_assert_str_eq(r.id, "18446744073709551616");
	/* {tenant}: letters, digits and _ . @ : - only. */
	not_found("GET", "/sync/changes/");
	not_found("GET", "/sync/changes/a b");
	not_found("GET", "/sync/changes/a/b");
	not_found("GET", "/sync/changes/a%20b");
	not_found("GET", "/sync/changes/caf\xc3\xa9");
	not_found("GET", "/sync/changes/a+b");
	not_found("GET", "/sync/changes/a'b");
	/* At most 135 characters, what req->id holds. */
	memset(id, 'a', 135);
	id[135] = '\0';
	snprintf(uri, sizeof(uri), "/sync/initial/%s", id);
	r = request("GET", uri, ADMIN_KEY, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.id, id);
	snprintf(uri, sizeof(uri), "/sync/initial/%sa", id);
	not_found("GET", uri);
}
END_TEST

/* path exists, but not for method: 405 naming it, no handler. */
static void
not_allowed(const char *method, const char *uri)
{
	char want[64];
	struct reply r = request(method, uri, NULL, NULL, NULL);

	snprintf(want, sizeof(want), "%s is not allowed here", method);
	ck_assert_msg(r.status == 405, "%s %s: %d", method, uri, r.status);
	ck_assert_str_eq(r.code, "method_not_allowed");
	ck_assert_str_eq(r.message, want);
	ck_assert_str_eq(r.handler, "");
	ck_assert_str_eq(counted_as(), "(unknown)");
}

START_TEST(other_methods_are_405)
{
	not_allowed("POST", "/health");
	not_allowed("DELETE", "/api/status");
	not_allowed("GET", "/api/push");
	not_allowed("PUT", "/api/pull");
	not_allowed("get", "/health");
	not_allowed("GET", "/sync/changes");
	not_allowed("POST", "/sync/changes/42");
	not_allowed("GET", "/api/replication/conflicts/7/resolve");
	not_allowed("POST", "/api/replication/conflicts/7");
}
END_TEST

START_TEST(the_path_is_the_one_before_the_query)
{
	struct reply r;

	/* REQUEST_URI alone: the query is cut off the path. */
	r = request("GET", "/health?q=x%20y&z", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.handler, "health_get");
	ck_assert_str_eq(r.q, "x y");
	r = request("GET", "/health?q=%zz", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.code, "bad_query");
	ck_assert_str_eq(r.message, "the query string is not valid");
	ck_assert_str_eq(r.handler, "");
	ck_assert_str_eq(counted_as(), "/health");
	r = request("GET", "/health?q=%00", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.code, "bad_query");
}
END_TEST

/* http_decode of the n bytes at s, as text; "(null)" when refused. */
static const char *
decoded(const char *s, size_t n)
{
	static char out[64];
	char *d = http_decode(s, n);

	snprintf(out, sizeof(out), "%s", d != NULL ? d : "(null)");
	free(d);
	return out;
}

START_TEST(percent_escapes_end_at_their_bound)
{
	char *exact;
	struct reply r;

	ck_assert_str_eq(decoded("a+b%20c%7e", 10), "a b c~");
	ck_assert_str_eq(decoded("%4A", 3), "J");
	/* An escape cut off by the bound is malformed, whatever follows
	 * in memory: the bytes after n are another parameter's. */
	ck_assert_str_eq(decoded("%4A", 2), "(null)");
	ck_assert_str_eq(decoded("x%41", 3), "(null)");
	ck_assert_str_eq(decoded("%4", 2), "(null)");
	ck_assert_str_eq(decoded("%", 1), "(null)");
	ck_assert_str_eq(decoded("ab%", 3), "(null)");
	ck_assert_str_eq(decoded("%00", 3), "(null)");
	ck_assert_str_eq(decoded("", 0), "");
	/* Exactly n bytes, no terminator: nothing past them is read. */
	exact = malloc(3);
	memcpy(exact, "x%4", 3);
	ck_assert_str_eq(decoded(exact, 3), "(null)");
	free(exact);
	/* Through a request: a query ending in an escape cut short. */
	r = request("GET", "/health?q=%4", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.code, "bad_query");
	r = request("GET", "/health?q=ab%", NULL, NULL, NULL);
	ck_assert_str_eq(r.code, "bad_query");
	r = request("GET", "/health?q%4=1", NULL, NULL, NULL);
	ck_assert_str_eq(r.code, "bad_query");
	r = request("GET", "/health?q=%4a", NULL, NULL, NULL);
	ck_assert_str_eq(r.q, "J");
}
END_TEST

/* A key-checked request that fails with status, code and message, and
 * no handler runs. */
static void
refused(const char *method, const char *uri, const char *key, int status,
	const char *code, const char *message)
{
	struct reply r = request(method, uri, key, NULL, NULL);

	ck_assert_msg(r.status == status, "%s %s: %d, want %d", method, uri,
		      r.status, status);
	ck_assert_str_eq(r.code, code);
	ck_assert_str_eq(r.message, message);
	ck_assert_str_eq(r.handler, "");
}

START_TEST(keys_and_scopes)
{
	struct reply r;

	refused("GET", "/api/status", NULL, 401, "unauthorized",
		"the X-API-Key header is missing");
	ck_assert_str_eq(counted_as(), "/api/status");
	refused("GET", "/api/status", "", 401, "unauthorized",
		"the X-API-Key header is missing");
	refused("GET", "/api/status", "admin-key-012345678", 401,
		"unauthorized", "the API key is not valid");
	refused("GET", "/api/status", ADMIN_KEY "0", 401, "unauthorized",
		"the API key is not valid");
	refused("GET", "/api/config", PEER_KEY, 403, "forbidden",
		"this key lacks the scope for /api/config");
	refused("POST", "/api/push", ADMIN_KEY, 403, "forbidden",
		"this key lacks the scope for /api/push");
	refused("GET", "/api/status", CLIENT_KEY, 403, "forbidden",
		"this key lacks the scope for /api/status");
	refused("POST", "/sync/changes", ADMIN_KEY, 403, "forbidden",
		"this key lacks the scope for /sync/changes");
	refused("GET", "/sync/changes/42", PEER_KEY, 403, "forbidden",
		"this key lacks the scope for /sync/changes/42");
	/* Either scope of a route will do. */
	r = request("GET", "/sync/changes/42", ADMIN_KEY, NULL, NULL);
	ck_assert_str_eq(r.handler, "clients_changes_get");
	/* Routes without a scope take no key, and ignore a bad one. */
	r = request("GET", "/health", "not-a-key", NULL, NULL);
	ck_assert_str_eq(r.handler, "health_get");
	/* An unknown path is 404 with or without a key. */
	r = request("GET", "/nowhere", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 404);
}
END_TEST

START_TEST(a_handler_without_reply_is_500)
{
	struct reply r;

	seen.silent = true;
	r = request("GET", "/health", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(r.code, "internal");
	ck_assert_str_eq(r.message, "the handler gave no reply");
	ck_assert_str_eq(counted_as(), "/health");
}
END_TEST

/* Signs a request with the signing secret: "NAME=value" headers into
 * ts, nonce and sig (each 100 bytes). */
static void
sign(const char *secret, const char *method, const char *path,
     const char *query, long long when, const char *nonce, const char *body,
     char *ts, char *nh, char *sig)
{
	char s[65], t[32];

	snprintf(t, sizeof(t), "%lld", when);
	sign_request(secret, method, path, query, t, nonce, body,
		     body ? strlen(body) : 0, s);
	snprintf(ts, 100, "HTTP_X_NUNEZ_TIMESTAMP=%s", t);
	snprintf(nh, 100, "HTTP_X_NUNEZ_NONCE=%s", nonce);
	snprintf(sig, 100, "HTTP_X_NUNEZ_SIGNATURE=%s", s);
}

#define NONCE "nonce-0123456789abcdef"

START_TEST(signed_requests)
{
	char ts[100], nh[100], sig[100];
	long long now = (long long)time(NULL);
	struct reply r;

	/* A key that must sign, not signing. */
	refused("GET", "/api/status", SIGNER_KEY, 401, "signature_required",
		"this key must sign its requests (X-Nunez-Timestamp, "
		"X-Nunez-Nonce, X-Nunez-Signature)");
	/* Signed, with the query and the path as sent. */
	sign(SIGNER_SECRET, "GET", "/api/status", "q=1", now, NONCE, NULL, ts,
	     nh, sig);
	r = request("GET", "/api/status?q=1", SIGNER_KEY, NULL, ts, nh, sig,
		    NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.handler, "status_get");
	ck_assert_str_eq(seen.nonce, NONCE);
	ck_assert_int_eq(seen.ttl, 600);
	/* The same again is a replay. */
	r = request("GET", "/api/status?q=1", SIGNER_KEY, NULL, ts, nh, sig,
		    NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "nonce_replayed");
	ck_assert_str_eq(r.handler, "");
	/* Another query than the one signed. */
	sign(SIGNER_SECRET, "GET", "/api/status", "q=1", now, NONCE "2", NULL,
	     ts, nh, sig);
	r = request("GET", "/api/status?q=2", SIGNER_KEY, NULL, ts, nh, sig,
		    NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "signature_invalid");
	ck_assert_str_eq(r.message, "the signature does not match the "
				    "request");
	/* Signed by another key. */
	sign(PEER_SECRET, "GET", "/api/status", "", now, NONCE "3", NULL, ts,
	     nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_invalid");
	/* A key that need not sign is checked when it does. */
	sign(ADMIN_SECRET, "GET", "/api/status", "", now, NONCE "4", NULL, ts,
	     nh, sig);
	r = request("GET", "/api/status", ADMIN_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.handler, "status_get");
	ck_assert_str_eq(seen.nonce, NONCE "4");
	r = request("GET", "/api/config", ADMIN_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_invalid");
}
END_TEST

/* The old scheme: the HMAC keyed with the hex SHA-256 of the API key,
 * which every request carries. */
static void
sign_legacy(const char *key, const char *method, const char *path,
	    long long when, const char *nonce, char *ts, char *nh, char *sig)
{
	char hash[65];

	auth_sha256_hex(key, strlen(key), hash);
	sign(hash, method, path, "", when, nonce, NULL, ts, nh, sig);
}

START_TEST(signatures_need_the_signing_secret)
{
	char ts[100], nh[100], sig[100];
	long long now = (long long)time(NULL);
	struct reply r;

	/* Keyed with what the key (sent with every request) gives: anyone
	 * who saw one request could make it. Refused. */
	sign_legacy(SIGNER_KEY, "GET", "/api/status", now, NONCE, ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "signature_invalid");
	ck_assert_str_eq(r.handler, "");
	sign_legacy(PEER_KEY, "GET", "/api/status", now, NONCE "2", ts, nh,
		    sig);
	r = request("GET", "/api/status", PEER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_invalid");
	/* Another key's secret. */
	sign(PEER_SECRET, "GET", "/api/status", "", now, NONCE "3", NULL, ts,
	     nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_invalid");
	/* legacySigning takes the old scheme, for that key alone. */
	sign_legacy(OLD_KEY, "GET", "/api/status", now, NONCE "4", ts, nh, sig);
	r = request("GET", "/api/status", OLD_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.handler, "status_get");
	/* A key with no secret cannot check a signature: it says so
	 * rather than take the request as unsigned. */
	sign_legacy(UNSIGNED_KEY, "GET", "/api/status", now, NONCE "5", ts, nh,
		    sig);
	r = request("GET", "/api/status", UNSIGNED_KEY, NULL, ts, nh, sig,
		    NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "signature_unverifiable");
	r = request("GET", "/api/status", UNSIGNED_KEY, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(signed_bodies)
{
	static const char body[] = "{\"table\": \"orders\"}";
	char ts[100], nh[100], sig[100], big[2100];
	long long now = (long long)time(NULL);
	struct reply r;

	sign(PEER_SECRET, "POST", "/api/push", "", now, NONCE, body, ts, nh,
	     sig);
	r = request("POST", "/api/push", PEER_KEY, body, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.handler, "push_post");
	/* One byte of the body changed. */
	sign(PEER_SECRET, "POST", "/api/push", "", now, NONCE "2", body, ts, nh,
	     sig);
	r = request("POST", "/api/push", PEER_KEY, "{\"table\": \"orderz\"}",
		    ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_invalid");
	/* A body over api.maxBodyBytes is refused before any hashing. */
	memset(big, 'x', 2049);
	big[2049] = '\0';
	r = request("POST", "/api/push", PEER_KEY, big, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(r.message, "the body is 2049 bytes; the limit is "
				    "2048");
	ck_assert_str_eq(r.handler, "");
}
END_TEST

START_TEST(malformed_and_stale_signatures)
{
	char ts[100], nh[100], sig[100], nonce[66];
	long long now = (long long)time(NULL);
	static const char malformed[] =
	    "a signed request needs "
	    "X-Nunez-Timestamp (unix seconds), X-Nunez-Nonce (16-64 of "
	    "[A-Za-z0-9_-]) and X-Nunez-Signature";
	struct reply r;

	sign(SIGNER_SECRET, "GET", "/api/status", "", now, NONCE, NULL, ts, nh,
	     sig);
	/* Any one header alone, or two, is malformed. */
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, NULL);
	ck_assert_str_eq(r.message, malformed);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, nh, sig, NULL);
	ck_assert_str_eq(r.message, malformed);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "signature_malformed");
	ck_assert_str_eq(r.message, malformed);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, nh, sig,
		    "HTTP_X_NUNEZ_TIMESTAMP=12x", NULL);
	ck_assert_str_eq(r.code, "signature_malformed");
	r = request("GET", "/api/status", SIGNER_KEY, NULL, nh, sig,
		    "HTTP_X_NUNEZ_TIMESTAMP=", NULL);
	ck_assert_str_eq(r.code, "signature_malformed");
	/* The far ends of the range are outside the window, and no
	 * arithmetic on them overflows. */
	r = request("GET", "/api/status", SIGNER_KEY, NULL, nh, sig,
		    "HTTP_X_NUNEZ_TIMESTAMP=-9223372036854775808", NULL);
	ck_assert_str_eq(r.code, "signature_expired");
	r = request("GET", "/api/status", SIGNER_KEY, NULL, nh, sig,
		    "HTTP_X_NUNEZ_TIMESTAMP=9223372036854775807", NULL);
	ck_assert_str_eq(r.code, "signature_expired");
	/* Nonces: 16 to 64 of [A-Za-z0-9_-]. */
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, sig,
		    "HTTP_X_NUNEZ_NONCE=0123456789abcde", NULL);
	ck_assert_str_eq(r.code, "signature_malformed");
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, sig,
		    "HTTP_X_NUNEZ_NONCE=0123456789abcde.", NULL);
	ck_assert_str_eq(r.code, "signature_malformed");
	memset(nonce, 'n', 65);
	nonce[65] = '\0';
	sign(SIGNER_SECRET, "GET", "/api/status", "", now, nonce, NULL, ts, nh,
	     sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_malformed");
	ck_assert_str_eq(seen.nonce, "");
	nonce[64] = '\0';
	sign(SIGNER_SECRET, "GET", "/api/status", "", now, nonce, NULL, ts, nh,
	     sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.handler, "status_get");
	ck_assert_str_eq(seen.nonce, nonce);
	sign(SIGNER_SECRET, "GET", "/api/status", "", now, "_-0123456789abcd",
	     NULL, ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.handler, "status_get");
	/* Outside the window either way; its edge is inside. */
	sign(SIGNER_SECRET, "GET", "/api/status", "", now - 400, NONCE, NULL,
	     ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.code, "signature_expired");
	ck_assert_str_eq(r.message, "the timestamp is more than 300 s away "
				    "from the server's clock");
	sign(SIGNER_SECRET, "GET", "/api/status", "", now + 400, NONCE, NULL,
	     ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.code, "signature_expired");
	sign(SIGNER_SECRET, "GET", "/api/status", "", now - 290, NONCE, NULL,
	     ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_str_eq(r.handler, "status_get");
}
END_TEST

START_TEST(a_nonce_store_failure_is_a_db_error)
{
	char ts[100], nh[100], sig[100];
	struct reply r;

	seen.nonce_rc = NR_EDBGONE;
	sign(SIGNER_SECRET, "GET", "/api/status", "", (long long)time(NULL),
	     NONCE, NULL, ts, nh, sig);
	r = request("GET", "/api/status", SIGNER_KEY, NULL, ts, nh, sig, NULL);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(r.code, "db_error");
	ck_assert_str_eq(r.handler, "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("router");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_route_reaches_its_handler);
	tcase_add_test(tc, only_exact_paths_match);
	tcase_add_test(tc, holes_take_only_their_characters);
	tcase_add_test(tc, other_methods_are_405);
	tcase_add_test(tc, the_path_is_the_one_before_the_query);
	tcase_add_test(tc, percent_escapes_end_at_their_bound);
	tcase_add_test(tc, keys_and_scopes);
	tcase_add_test(tc, a_handler_without_reply_is_500);
	tcase_add_test(tc, signed_requests);
	tcase_add_test(tc, signatures_need_the_signing_secret);
	tcase_add_test(tc, signed_bodies);
	tcase_add_test(tc, malformed_and_stale_signatures);
	tcase_add_test(tc, a_nonce_store_failure_is_a_db_error);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
