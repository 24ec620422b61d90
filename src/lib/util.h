/* Small helpers: checked allocation, bounded file reads, identifiers. */
#ifndef NR_UTIL_H
#define NR_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "nr.h"

/* Like strdup; NULL in gives NULL out. Aborts the process on out of
 * memory: allocation failure is not a recoverable condition here. */
char *util_strdup(const char *s);

/* Like calloc/realloc, aborting on out of memory. */
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *p, size_t size);

/* Reads the whole file at path into *out (NUL-terminated, caller frees)
 * and its length into *len. Files larger than cap give NR_ETOOBIG. */
int util_read_file(const char *path, size_t cap, char **out, size_t *len,
		   struct nr_err *err) NR_WUR;

/* True when s is a plain SQL identifier we accept for tables and
 * columns: [A-Za-z_][A-Za-z0-9_]*, at most 64 bytes. */
bool util_is_ident(const char *s);

/* True when s is 1 to max of letters, digits, "_" and the characters of
 * extra (an id a request carries: a batch, a nonce, a client). */
bool util_is_token(const char *s, size_t max, const char *extra);

/* True when s is a name for a node, remote or key: [A-Za-z0-9_.-],
 * 1 to 64 bytes. */
bool util_is_name(const char *s);

/* True for the origin of a change: a node id, or "client:" and a
 * client's id (offline-first clients); at most 64 bytes in all. */
bool util_is_origin(const char *s);

/* True for "YYYY-MM-DD[ HH:MM:SS[.f...]]" (a T may stand for the space),
 * the shape of a time the engine sends. */
bool util_is_datetime(const char *s);

/* A client's write time as "YYYY-MM-DD HH:MM:SS.ffffff" into out (26
 * characters and a NUL), from that form or ISO 8601 UTC ("T" and an
 * optional "Z"), with or without fractional digits; false when s is
 * neither (out is then undefined). */
bool util_norm_time(const char *s, char out[27]);

/* Frees a NULL-terminated or counted array of strings and the array. */
void util_strv_free(char **v, size_t n);

/* Base64 of n bytes (url: the URL-safe alphabet without padding); a new
 * string the caller frees. */
char *util_b64_encode(const void *p, size_t n, bool url);

/* True when the n bytes of p are well-formed UTF-8 (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF). */
bool util_is_utf8(const char *p, size_t n);

/* The value of hex digit c, or -1: exactly 0-9, a-f, A-F. */
int util_hex_digit(char c);

/* Decodes base64 of either alphabet, padding optional, into a new buffer
 * (NUL-terminated, caller frees) and *len. NULL when malformed. */
char *util_b64_decode(const char *s, size_t n, size_t *len);

#endif
