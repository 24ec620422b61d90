/* A growable byte buffer with a hard cap, always NUL-terminated. */
#ifndef NR_BUF_H
#define NR_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "nr.h"

struct buf {
	char *p; /* owned; NULL until the first add */
	size_t len;
	size_t size;
	size_t cap;  /* most bytes it may hold */
	bool toobig; /* an add went over cap; later adds are ignored */
};

/* Starts an empty buffer that may grow to cap bytes (0: 1 GiB). */
void buf_init(struct buf *b, size_t cap);

/* Appends n bytes of p. Returns NR_OK or NR_ETOOBIG (then b->toobig). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) NR_PRINTF(2, 3);

/* Appends `name`, a backquoted identifier. name must already be a checked
 * identifier (util_is_ident) or come from the server's catalogue. */
int buf_ident(struct buf *b, const char *name);

/* Makes room for n more bytes at the end and counts them in; *at gets
 * where they start (valid until the next add). */
int buf_reserve(struct buf *b, size_t n, char **at);

/* The text so far, "" when empty. Borrowed. */
const char *buf_str(const struct buf *b);

/* Gives the caller the text (free() it) and empties b. */
char *buf_take(struct buf *b);

void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
