/* FastCGI request parameters in, JSON replies out. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

void
http_req_init(struct http_req *req, FCGX_Request *fcgi)
{
	const char *uri, *q;
	size_t n;

	memset(req, 0, sizeof(*req));
	req->fcgi = fcgi;
	req->method = http_param(req, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = "GET";
	req->query = http_param(req, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	req->api_key = http_param(req, "HTTP_X_API_KEY");
	if (req->api_key != NULL && req->api_key[0] == '\0')
		req->api_key = NULL;
	/* nginx gives the decoded, normalised path in DOCUMENT_URI. */
	uri = http_param(req, "DOCUMENT_URI");
	if (uri == NULL)
		uri = http_param(req, "REQUEST_URI");
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	n = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (n >= sizeof(req->path))
		n = sizeof(req->path) - 1;
	memcpy(req->path, uri, n);
	req->path[n] = '\0';
}

const char *
http_param(const struct http_req *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgi->envp);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	}
	return "Unknown";
}

void
http_reply(struct http_req *req, int status, json_object *body)
{
	const char *text;
	char head[256];
	size_t len;
	int n;

	if (req->replied) {
		json_object_put(body);
		return;
	}
	req->replied = true;
	req->status = status;
	text = json_object_to_json_string_length(
		body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);
	/* FCGX_FPrintF knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\n"
		     "Content-Type: application/json; charset=utf-8\r\n"
		     "Cache-Control: no-store\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     status, http_status_text(status), len + 1);
	FCGX_PutStr(head, n, req->fcgi->out);
	FCGX_PutStr(text, (int)len, req->fcgi->out);
	FCGX_PutChar('\n', req->fcgi->out);
	json_object_put(body);
}

void
http_error(struct http_req *req, int status, const char *code,
	   const char *fmt, ...)
{
	json_object *body = json_object_new_object();
	json_object *e = json_object_new_object();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(body, "success", json_object_new_boolean(0));
	json_object_object_add(body, "error", e);
	http_reply(req, status, body);
}
