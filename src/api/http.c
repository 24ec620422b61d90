/* FastCGI request parameters and bodies in, replies out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "http.h"
#include "util.h"

#define JSON_DEPTH 32

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
	uri = http_param(req, "REQUEST_URI");
	if (uri == NULL)
		uri = req->path;
	q = strchr(uri, '?');
	n = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (n >= sizeof(req->raw_path))
		n = sizeof(req->raw_path) - 1;
	memcpy(req->raw_path, uri, n);
}

void
http_req_free(struct http_req *req)
{
	size_t i;

	for (i = 0; i < req->nparams; i++) {
		free(req->params[i].name);
		free(req->params[i].value);
	}
	free(req->params);
	free(req->body);
}

const char *
http_param(const struct http_req *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgi->envp);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
http_decode(const char *s, size_t n)
{
	char *out = util_calloc(1, n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			/* Both hex digits must lie before n: s[n] is the
			 * next parameter's, or past the end. */
			int h = i + 2 < n ? hexval(s[i + 1]) : -1;
			int l = h >= 0 ? hexval(s[i + 2]) : -1;

			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	return out;
}

static void
parse_query(struct http_req *req)
{
	const char *p = req->query;

	while (*p != '\0' && req->nparams < 64) {
		const char *amp = strchr(p, '&'), *eq;
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		struct qparam *qp;

		eq = memchr(p, '=', n);
		if (n > 0) {
			req->params = util_realloc(
			    req->params, (req->nparams + 1) * sizeof(*qp));
			qp = &req->params[req->nparams++];
			qp->name = http_decode(p, eq ? (size_t)(eq - p) : n);
			qp->value = eq ? http_decode(eq + 1,
						     n - (size_t)(eq - p) - 1)
				       : util_strdup("");
			if (qp->name == NULL || qp->value == NULL)
				req->params_bad = true;
		}
		p += n + (amp != NULL);
	}
	if (*p != '\0')
		req->params_bad = true;
}

const char *
http_query(struct http_req *req, const char *name)
{
	size_t i;

	if (req->params == NULL && !req->params_bad && req->query[0] != '\0')
		parse_query(req);
	for (i = 0; i < req->nparams; i++)
		if (req->params[i].name != NULL &&
		    strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

/* Inflates gzip data of n bytes, at most cap bytes out. */
static int
inflate_body(const char *in, size_t n, size_t cap, char **out, size_t *len,
	     struct nr_err *err)
{
	z_stream z;
	struct buf b;
	char chunk[65536];
	int zr, rc = NR_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_set(err, NR_EINVAL, "cannot inflate");
	buf_init(&b, cap);
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)n;
	do {
		z.next_out = (unsigned char *)chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = err_set(err, NR_EINVAL,
				     "the gzip body is corrupt");
			break;
		}
		if (buf_add(&b, chunk, sizeof(chunk) - z.avail_out) != NR_OK) {
			rc = err_set(err, NR_ETOOBIG,
				     "the body inflates to "
				     "more than %zu bytes",
				     cap);
			break;
		}
	} while (zr != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
	if (rc == NR_OK && zr != Z_STREAM_END)
		rc = err_set(err, NR_EINVAL, "the gzip body is truncated");
	inflateEnd(&z);
	if (rc == NR_OK) {
		*len = b.len;
		*out = buf_take(&b);
	}
	buf_free(&b);
	return rc;
}

int
http_body(struct http_req *req, size_t cap, struct nr_err *err)
{
	const char *cl = http_param(req, "CONTENT_LENGTH");
	const char *enc = http_param(req, "HTTP_CONTENT_ENCODING");
	char *raw = NULL, *end;
	unsigned long long n = 0;
	size_t got = 0;
	int rc = NR_OK;

	if (req->body_read)
		return NR_OK;
	req->body_read = true;
	if (cl != NULL && cl[0] != '\0') {
		n = strtoull(cl, &end, 10);
		if (*end != '\0')
			return err_set(err, NR_EINVAL, "bad Content-Length");
	}
	if (n > cap)
		return err_set(err, NR_ETOOBIG,
			       "the body is %llu bytes; the "
			       "limit is %zu",
			       n, cap);
	raw = util_calloc(1, (size_t)n + 1);
	while (got < n) {
		int r = FCGX_GetStr(raw + got, (int)(n - got), req->fcgi->in);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != n) {
		rc = err_set(err, NR_EINVAL, "the body ended early");
		goto out;
	}
	if (enc != NULL && strcmp(enc, "gzip") == 0) {
		rc = inflate_body(raw, got, cap, &req->body, &req->body_len,
				  err);
	} else if (enc != NULL && enc[0] != '\0' &&
		   strcmp(enc, "identity") != 0) {
		rc = err_set(err, NR_EINVAL,
			     "Content-Encoding %.32s is not "
			     "supported (gzip is)",
			     enc);
	} else {
		req->body = raw;
		req->body_len = got;
		raw = NULL;
	}
out:
	free(raw);
	return rc;
}

json_object *
http_json_body(struct http_req *req, struct nr_err *err)
{
	struct json_tokener *tok;
	json_object *o;

	if (req->body == NULL || req->body_len == 0) {
		err_set(err, NR_EINVAL,
			"the body is empty; a JSON object is "
			"expected");
		return NULL;
	}
	if (strlen(req->body) != req->body_len) {
		err_set(err, NR_EINVAL, "the body holds a NUL byte");
		return NULL;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			e = json_tokener_error_parse_eof;
		err_set(err, NR_EINVAL, "malformed JSON at byte %zu: %s",
			json_tokener_get_parse_end(tok),
			json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		err_set(err, NR_EINVAL, "the body must be a JSON object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
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
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	}
	return "Unknown";
}

void
http_reply_text(struct http_req *req, int status, const char *ctype,
		const char *text, size_t len)
{
	char head[256];
	int n;

	if (req->replied)
		return;
	req->replied = true;
	req->status = status;
	/* FCGX_FPrintF knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\nContent-Type: %s\r\n"
		     "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n",
		     status, http_status_text(status), ctype, len);
	FCGX_PutStr(head, n, req->fcgi->out);
	FCGX_PutStr(text, (int)len, req->fcgi->out);
}

void
http_reply(struct http_req *req, int status, json_object *body)
{
	struct buf b;
	const char *text;
	size_t len;

	text = json_object_to_json_string_length(
	    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &len);
	buf_init(&b, 0);
	buf_add(&b, text, len);
	buf_add(&b, "\n", 1);
	http_reply_text(req, status, "application/json; charset=utf-8",
			buf_str(&b), b.len);
	buf_free(&b);
	json_object_put(body);
}

void
http_error(struct http_req *req, int status, const char *code, const char *fmt,
	   ...)
{
	json_object *body = json_object_new_object();
	json_object *e = json_object_new_object();
	char msg[1024];
	va_list ap;

	char *c;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages may echo request input: keep them printable ASCII. */
	for (c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(body, "success", json_object_new_boolean(0));
	json_object_object_add(body, "error", e);
	http_reply(req, status, body);
}
