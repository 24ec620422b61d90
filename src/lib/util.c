/* Small helpers shared by every module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
oom(void)
{
	fputs("out of memory\n", stderr);
	abort();
}

char *
util_strdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		oom();
	return d;
}

void *
util_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
util_realloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		oom();
	return q;
}

int
util_read_file(const char *path, size_t cap, char **out, size_t *len,
	       struct nr_err *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0, size = 4096;
	int rc = NR_OK;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		rc = err_set(err, NR_EIO, "cannot open %s: %s", path,
			     strerror(errno));
		goto out;
	}
	buf = util_calloc(1, size);
	for (;;) {
		size_t got = fread(buf + n, 1, size - n - 1, f);

		n += got;
		if (n > cap) {
			rc = err_set(err, NR_ETOOBIG,
				     "%s is larger than %zu bytes", path, cap);
			goto out;
		}
		if (got == 0)
			break;
		if (size - n - 1 == 0) {
			size *= 2;
			buf = util_realloc(buf, size);
		}
	}
	if (ferror(f)) {
		rc = err_set(err, NR_EIO, "cannot read %s: %s", path,
			     strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len != NULL)
		*len = n;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

static bool
in_set(const char *s, size_t max, bool first_alpha, const char *extra)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_';
		bool digit = c >= '0' && c <= '9';

		if (alpha || (digit && !(i == 0 && first_alpha)))
			continue;
		if (strchr(extra, c) == NULL || c == '\0')
			return false;
	}
	return true;
}

bool
util_is_ident(const char *s)
{
	return s != NULL && in_set(s, 64, true, "");
}

bool
util_is_token(const char *s, size_t max, const char *extra)
{
	return s != NULL && in_set(s, max, false, extra);
}

bool
util_is_name(const char *s)
{
	return util_is_token(s, 64, ".-");
}

void
util_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
util_b64_encode(const void *p, size_t n, bool url)
{
	const unsigned char *in = p;
	const char *abc = url ? b64_url : b64_std;
	char *out = util_calloc(1, (n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (i < n) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		if (i + 1 < n)
			*o++ = abc[v >> 6 & 63];
		else if (!url)
			*o++ = '=';
		if (!url)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

bool
util_is_utf8(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k, len;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

int
util_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *
util_b64_decode(const char *s, size_t n, size_t *len)
{
	char *out, *o;
	unsigned v = 0;
	size_t i, bits = 0;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	out = util_calloc(1, n / 4 * 3 + 3);
	o = out;
	for (i = 0; i < n; i++) {
		int d = b64_value(s[i]);

		if (d < 0) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)(v >> bits & 0xff);
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

bool
util_is_datetime(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd.dddddd";
	size_t n = strlen(s), i;

	if (n != 10 && n != 19 && (n < 21 || n > 26))
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (shape[i] == 'd' ? (c < '0' || c > '9')
				    : !(c == shape[i] || (i == 10 && c == 'T')))
			return false;
	}
	return true;
}

bool
util_norm_time(const char *s, char out[27])
{
	char t[27];
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n < 19 || n > 26 || n == 20)
		return false;
	memcpy(t, s, n);
	t[n] = '\0';
	if (!util_is_datetime(t))
		return false;
	memcpy(out, "0000-00-00 00:00:00.000000", 27);
	memcpy(out, t, n);
	out[10] = ' ';
	out[19] = '.';
	return true;
}

bool
util_is_origin(const char *s)
{
	if (strlen(s) > 64)
		return false;
	if (strncmp(s, "client:", 7) == 0)
		s += 7;
	return util_is_name(s);
}
