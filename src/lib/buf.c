/* Growable buffers with a hard cap (curl's dynbuf, in small). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define DEFAULT_CAP ((size_t)1 << 30)

void
buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : DEFAULT_CAP;
}

static int
grow(struct buf *b, size_t n)
{
	size_t want;

	if (b->toobig || n > b->cap - b->len) {
		b->toobig = true;
		return NR_ETOOBIG;
	}
	want = b->len + n + 1;
	if (want <= b->size)
		return NR_OK;
	if (b->size == 0)
		b->size = 256;
	while (b->size < want)
		b->size *= 2;
	b->p = util_realloc(b->p, b->size);
	return NR_OK;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (grow(b, n) != NR_OK)
		return NR_ETOOBIG;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return NR_OK;
}

int
buf_reserve(struct buf *b, size_t n, char **at)
{
	if (grow(b, n) != NR_OK)
		return NR_ETOOBIG;
	*at = b->p + b->len;
	b->len += n;
	b->p[b->len] = '\0';
	return NR_OK;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != NR_OK)
		return NR_ETOOBIG;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return NR_OK;
}

int
buf_ident(struct buf *b, const char *name)
{
	const char *s;

	buf_add(b, "`", 1);
	for (s = name; *s; s++) {
		if (*s == '`')
			buf_add(b, "`", 1);
		buf_add(b, s, 1);
	}
	return buf_add(b, "`", 1);
}

const char *
buf_str(const struct buf *b)
{
	return b->p != NULL ? b->p : "";
}

char *
buf_take(struct buf *b)
{
	char *p = b->p != NULL ? b->p : util_strdup("");

	b->p = NULL;
	b->len = b->size = 0;
	b->toobig = false;
	return p;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->toobig = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->size = 0;
}
