/* FastCGI request parameters and bodies in, replies out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "http.h"
#include "jparse.h"
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
			int h = i + 2 < n ? util_hex_digit(s[i + 1]) : -1;
			int l = h >= 0 ? util_hex_digit(s[i + 2]) : -1;

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

/* Inflates the n bytes of gzip at in into *out (NUL-terminated, the
 * caller frees it) of *len bytes, at most limit. Memory is asked for as
 * the output grows and a refusal is NR_ENOMEM, not an abort: the worker
 * may run under an address-space cap. */
static int
inflate_body(const char *in, size_t n, size_t limit, char **out, size_t *len,
	     struct nr_err *err)
{
	z_stream z;
	char *p = NULL, *q;
	size_t size, used = 0;
	int zr, rc = NR_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_set(err, NR_ENOMEM, "cannot inflate the body");
	/* Room for one byte past the limit tells a body that reaches it
	 * from one that goes over. */
	size = n > limit / 4 ? limit + 1 : 4 * n;
	if (size < 65536)
		size = limit + 1 < 65536 ? limit + 1 : 65536;
	p = malloc(size + 1);
	if (p == NULL) {
		rc = err_set(err, NR_ENOMEM, "no memory to inflate the body");
		goto out;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	for (;;) {
		if (used == size) {
			size = size > (limit + 1) / 2 ? limit + 1 : 2 * size;
			q = realloc(p, size + 1);
			if (q == NULL) {
				rc = err_set(err, NR_ENOMEM,
					     "no memory to inflate the body");
				goto out;
			}
			p = q;
		}
		z.next_out = (unsigned char *)p + used;
		z.avail_out = (uInt)(size - used);
		zr = inflate(&z, Z_NO_FLUSH);
		used = size - z.avail_out;
		if (used > limit) {
			rc = err_set(err, NR_ETOOBIG,
				     "the body inflates to more than %zu bytes",
				     limit);
			goto out;
		}
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && z.avail_out > 0) {
			rc = err_set(err, NR_EINVAL,
				     "the gzip body is truncated");
			goto out;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = err_set(err, NR_EINVAL,
				     "the gzip body is corrupt");
			goto out;
		}
	}
	p[used] = '\0';
	*out = p;
	*len = used;
	p = NULL;
out:
	inflateEnd(&z);
	free(p);
	return rc;
}

int
http_body(struct http_req *req, struct nr_err *err)
{
	const char *cl = http_param(req, "CONTENT_LENGTH");
	const char *enc = http_param(req, "HTTP_CONTENT_ENCODING");
	char *raw = NULL, *end;
	unsigned long long n = 0;
	size_t got = 0, cap = req->body_cap, limit;
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
	raw = malloc((size_t)n + 1);
	if (raw == NULL)
		return err_set(err, NR_ENOMEM,
			       "no memory for a body of %llu bytes", n);
	raw[n] = '\0';
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
		/* Bounded by the ratio too: a small body that inflates
		 * far is work and memory for nothing. */
		limit = cap;
		if (req->inflate_ratio > 0 &&
		    got < cap / (size_t)req->inflate_ratio)
			limit = got * (size_t)req->inflate_ratio;
		rc = inflate_body(raw, got, limit, &req->body, &req->body_len,
				  err);
		if (rc == NR_ETOOBIG && limit < cap)
			err_set(err, NR_ETOOBIG,
				"the gzip body of %zu bytes inflates to more "
				"than %d times its size (api.maxInflateRatio)",
				got, req->inflate_ratio);
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
http_json_body(struct http_req *req, const struct config *cfg,
	       struct nr_err *err)
{
	const struct jparse_opts o = {
	    .depth = JSON_DEPTH,
	    .flags = JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8,
	    .containers = (size_t)cfg->api.max_json_containers,
	    .values = (size_t)cfg->api.max_json_values,
	    .containers_name = "api.maxJsonContainers",
	    .values_name = "api.maxJsonValues",
	};
	json_object *v = NULL;

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
	if (jparse_parse(req->body, req->body_len, &o, &v, err) != NR_OK)
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		err_set(err, NR_EINVAL, "the body must be a JSON object");
		json_object_put(v);
		return NULL;
	}
	return v;
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
