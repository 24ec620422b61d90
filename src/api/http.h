/* One FastCGI request: what nginx passed in, and the reply. */
#ifndef NR_HTTP_H
#define NR_HTTP_H

#include <stdbool.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "config.h"
#include "nr.h"

struct qparam {
	char *name;
	char *value;
};

struct http_req {
	FCGX_Request *fcgi; /* borrowed */
	const char *method;
	char path[1024];	      /* normalised path, for routing */
	char raw_path[2048];	      /* as sent, for signatures */
	const char *query;	      /* never NULL */
	const char *api_key;	      /* X-API-Key, or NULL */
	const struct config_key *key; /* once authenticated */
	char id[136];		      /* the {id} or {tenant} of a route */
	char *body;		      /* read by http_body; inflated */
	size_t body_len;
	bool body_read;
	struct qparam *params; /* decoded query parameters */
	size_t nparams;
	bool params_bad; /* the query string is not valid */
	int status;	 /* set once replied */
	bool replied;
};

/* Fills req from the FastCGI parameters of fcgi (borrowed). */
void http_req_init(struct http_req *req, FCGX_Request *fcgi);

/* Frees what req holds. */
void http_req_free(struct http_req *req);

/* A request parameter (HTTP_X_API_KEY, ...), or NULL. Borrowed. */
const char *http_param(const struct http_req *req, const char *name);

/* Percent-decodes the n bytes at s ('+' is a space), reading none past
 * them; a new string the caller frees, or NULL when an escape is
 * malformed, cut short by n, or decodes to NUL. */
char *http_decode(const char *s, size_t n);

/* A decoded query parameter, or NULL. Borrowed. */
const char *http_query(struct http_req *req, const char *name);

/* Reads the body (at most cap bytes, also after gzip inflation) into
 * req->body. NR_ETOOBIG over the cap, NR_EINVAL for a bad encoding. */
int http_body(struct http_req *req, size_t cap, struct nr_err *err) NR_WUR;

/* Parses the body as a JSON object (depth and UTF-8 checked); a new
 * object the caller puts, or NULL with err set. */
json_object *http_json_body(struct http_req *req, struct nr_err *err);

/* Sends status and body as JSON; takes ownership of body. Only the first
 * reply of a request is sent. */
void http_reply(struct http_req *req, int status, json_object *body);

/* Sends {"success":false,"error":{"code","message"}} with status. */
void http_error(struct http_req *req, int status, const char *code,
		const char *fmt, ...) NR_PRINTF(4, 5);

/* Sends text of content type ctype. */
void http_reply_text(struct http_req *req, int status, const char *ctype,
		     const char *text, size_t len);

/* The reason phrase of an HTTP status. */
const char *http_status_text(int status);

#endif
