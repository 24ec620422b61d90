/* http_body with Content-Encoding gzip and a small cap, the body an
 * in-memory FastCGI stream. The first input byte picks what is sent: the
 * rest of the input as it is (any bytes as a gzip body), or the rest
 * gzipped here, whole or cut short or with one byte changed. A body that
 * inflates is the rest exactly when that was gzipped whole and fits the
 * cap; one that does not fit is NR_ETOOBIG, never more than the cap. */
#include <zlib.h>

#include "fuzz.h"
#include "http.h"

#define CAP 4096

static void
in_empty(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* Gzips n bytes of p into a new buffer of *len bytes. */
static unsigned char *
gzip(const uint8_t *p, size_t n, size_t *len)
{
	z_stream z;
	size_t size = n + n / 100 + 64;
	unsigned char *out = util_calloc(1, size);

	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (unsigned)n;
	z.next_out = out;
	z.avail_out = (unsigned)size;
	FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*len = size - z.avail_out;
	deflateEnd(&z);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char clen[64], enc[] = "HTTP_CONTENT_ENCODING=gzip";
	char method[] = "REQUEST_METHOD=POST";
	char *env[] = {method, clen, enc, NULL};
	FCGX_Stream in = {0};
	FCGX_Request fcgi = {0};
	struct http_req req;
	struct nr_err err;
	unsigned char *body;
	size_t len, at = 0;
	uint8_t mode;
	int rc;

	if (size == 0)
		return 0;
	mode = data[0] % 4;
	data++;
	size--;
	if (mode == 0) {
		body = util_calloc(1, size + 1);
		if (size > 0)
			memcpy(body, data, size);
		len = size;
	} else {
		body = gzip(data, size, &len);
		at = size > 0 ? data[0] % len : 0;
		if (mode == 2)
			len = at;
		else if (mode == 3)
			body[at] ^= (unsigned char)(size > 1 ? data[1] | 1 : 1);
	}
	snprintf(clen, sizeof(clen), "CONTENT_LENGTH=%zu", len);
	in.isReader = 1;
	in.rdNext = in.stopUnget = body;
	in.stop = body + len;
	in.fillBuffProc = in_empty;
	fcgi.in = &in;
	fcgi.envp = env;
	http_req_init(&req, &fcgi);
	req.body_cap = CAP;
	/* Any ratio: the cap is what this target checks. */
	req.inflate_ratio = 1000000;
	rc = http_body(&req, &err);
	if (rc == NR_OK) {
		FUZZ_CHECK(req.body != NULL && req.body_len <= CAP);
		FUZZ_CHECK(req.body[req.body_len] == '\0');
		FUZZ_CHECK(mode != 2);
		if (mode == 1)
			FUZZ_CHECK(
			    req.body_len == size &&
			    (size == 0 || memcmp(req.body, data, size) == 0));
	} else {
		FUZZ_CHECK(rc == NR_EINVAL || rc == NR_ETOOBIG ||
			   rc == NR_ENOMEM);
		FUZZ_CHECK(req.body == NULL && err.msg[0] != '\0');
		if (mode == 1)
			FUZZ_CHECK(rc == NR_ETOOBIG &&
				   (size > CAP || len > CAP));
	}
	http_req_free(&req);
	free(body);
	return 0;
}
