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
	size_t body_cap;   /* most bytes of body, also inflated */
	int inflate_ratio; /* most inflated bytes per gzip byte; 0: any */
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

/* Reads the body into req->body: at most req->body_cap bytes, also after
 * gzip inflation, which may reach at most req->inflate_ratio times the
 * gzip's size. NR_ETOOBIG over a bound, NR_ENOMEM when memory is refused,
 * NR_EINVAL for a bad encoding. */
int http_body(struct http_req *req, struct nr_err *err) NR_WUR;

/* Parses the body as a JSON object (depth and UTF-8 checked) within
 * cfg's api.maxJsonContainers and api.maxJsonValues; a new object the
 * caller puts, or NULL with err set: NR_ETOOBIG over a budget, NR_ENOMEM
 * out of memory, NR_EINVAL not a JSON object. */
json_object *http_json_body(struct http_req *req, const struct config *cfg,
			    struct nr_err *err);

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
