/* http_query on a raw QUERY_STRING, as nginx passes it: the request is
 * FastCGI parameters in memory. Every parameter http_query finds is
 * checked against a plain reading of the string: split on '&' (empty
 * pieces skipped, at most 64), name and value split on the first '=',
 * '+' is a space, %XX a byte, and a piece with a bad escape or %00 is
 * no parameter. */
#include "fuzz.h"
#include "http.h"

#define MAX_PARAMS 64

/* The percent-decoding of s[0..n), or NULL when malformed. */
static char *
decode(const char *s, size_t n)
{
	char *out = util_calloc(1, n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int h, l;

		if (s[i] != '%') {
			out[o++] = s[i] == '+' ? ' ' : s[i];
			continue;
		}
		h = i + 1 < n ? util_hex_digit(s[i + 1]) : -1;
		l = i + 2 < n ? util_hex_digit(s[i + 2]) : -1;
		if (h < 0 || l < 0 || h * 16 + l == 0) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(h * 16 + l);
		i += 2;
	}
	return out;
}

static void
check(struct http_req *req, const char *query)
{
	const char *p = query;
	char *names[MAX_PARAMS], *values[MAX_PARAMS];
	size_t n = 0, i, j;
	bool bad = false;

	while (*p != '\0' && n < MAX_PARAMS) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);

		if (len > 0) {
			names[n] = decode(p, eq ? (size_t)(eq - p) : len);
			values[n] = eq ? decode(eq + 1,
						len - (size_t)(eq - p) - 1)
				       : util_strdup("");
			bad |= names[n] == NULL || values[n] == NULL;
			n++;
		}
		p += len + (amp != NULL);
	}
	bad |= *p != '\0';
	for (i = 0; i < n; i++) {
		const char *got;

		if (names[i] == NULL)
			continue;
		/* The first piece of that name answers, bad value or not. */
		for (j = 0; j < i; j++)
			if (names[j] != NULL && strcmp(names[j], names[i]) == 0)
				break;
		got = http_query(req, names[i]);
		if (values[j] == NULL)
			FUZZ_CHECK(got == NULL);
		else
			FUZZ_CHECK(got != NULL && strcmp(got, values[j]) == 0);
	}
	if (n > 0)
		FUZZ_CHECK(req->params_bad == bad);
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(values[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "QUERY_STRING=";
	char *var = util_calloc(1, sizeof(prefix) + size);
	char method[] = "REQUEST_METHOD=GET", uri[] = "DOCUMENT_URI=/api/pull";
	char *env[] = {method, uri, var, NULL};
	FCGX_Request fcgi = {0};
	struct http_req req;

	memcpy(var, prefix, sizeof(prefix) - 1);
	if (size > 0)
		memcpy(var + sizeof(prefix) - 1, data, size);
	fcgi.envp = env;
	http_req_init(&req, &fcgi);
	FUZZ_CHECK(strcmp(req.query, var + sizeof(prefix) - 1) == 0);
	/* The names the handlers ask for, before any other. */
	(void)http_query(&req, "table");
	(void)http_query(&req, "cursor");
	check(&req, req.query);
	http_req_free(&req);
	free(var);
	return 0;
}
