/* Signed requests: HMAC-SHA256 over the method, path, query, timestamp,
 * nonce and the SHA-256 of the body, keyed with a signing secret that
 * both sides hold and no request carries (api.keys[].signingSecret on
 * the server, remoteEnvironments.NAME.signingSecret on the client). The
 * old scheme, keyed with the SHA-256 of the API key that every request
 * sends, is taken only where legacySigning says so. */
#ifndef NR_SIGN_H
#define NR_SIGN_H

#include <stddef.h>

#include "config.h"

/* Writes the hex signature (65 bytes) of one request, keyed with key
 * (a NUL-terminated secret of any length). */
void sign_request(const char *key, const char *method, const char *path,
		  const char *query, const char *timestamp, const char *nonce,
		  const void *body, size_t len, char out[65]);

/* Compares two hex signatures in constant time; 1 when equal. */
int sign_equal(const char *a, const char *b);

/* The key a client signs its requests to remote r with: r's
 * signingSecret (borrowed from r), else, with legacySigning, the hex
 * SHA-256 of its apiKey (written to buf); NULL when r has neither or
 * does not sign: its requests go unsigned. */
const char *sign_client_key(const struct config_remote *r, char buf[65]);

enum sign_verdict {
	SIGN_OK,
	SIGN_MISMATCH,	/* no key of k's makes that signature */
	SIGN_NO_SECRET, /* k has no signingSecret nor legacySigning */
};

/* Checks sig, made by the holder of key k, against the request: keyed
 * with k's signingSecret, then, if k takes legacySigning, with the hex
 * SHA-256 of the key. */
enum sign_verdict sign_verify(const struct config_key *k, const char *method,
			      const char *path, const char *query,
			      const char *timestamp, const char *nonce,
			      const void *body, size_t len, const char *sig);

#endif
