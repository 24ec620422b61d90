/* Signed requests: HMAC-SHA256 over the method, path, query, timestamp,
 * nonce and the SHA-256 of the body, keyed with the SHA-256 (hex) of the
 * API key, so a receiver that stores only the key's hash can check it. */
#ifndef NR_SIGN_H
#define NR_SIGN_H

#include <stddef.h>

/* Writes the hex signature (65 bytes) of one request. key_sha256 is the
 * hex SHA-256 of the API key. */
void sign_request(const char *key_sha256, const char *method, const char *path,
		  const char *query, const char *timestamp, const char *nonce,
		  const void *body, size_t len, char out[65]);

/* Compares two hex signatures in constant time; 1 when equal. */
int sign_equal(const char *a, const char *b);

#endif
