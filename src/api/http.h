/* One FastCGI request: what nginx passed in, and the JSON reply. */
#ifndef NR_HTTP_H
#define NR_HTTP_H

#include <stdbool.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "nr.h"

struct http_req {
	FCGX_Request *fcgi;	/* borrowed */
	const char *method;
	char path[1024];	/* without the query string */
	const char *query;	/* never NULL */
	const char *api_key;	/* X-API-Key, or NULL */
	int status;		/* set once replied */
	bool replied;
};

/* Fills req from the FastCGI parameters of fcgi (borrowed). */
void http_req_init(struct http_req *req, FCGX_Request *fcgi);

/* A request parameter (HTTP_X_API_KEY, ...), or NULL. Borrowed. */
const char *http_param(const struct http_req *req, const char *name);

/* Sends status and body as JSON; takes ownership of body. Only the first
 * reply of a request is sent. */
void http_reply(struct http_req *req, int status, json_object *body);

/* Sends {"success":false,"error":{"code","message"}} with status. */
void http_error(struct http_req *req, int status, const char *code,
		const char *fmt, ...) NR_PRINTF(4, 5);

/* The reason phrase of an HTTP status. */
const char *http_status_text(int status);

#endif
