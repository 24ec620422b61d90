/* API keys: lookup in constant time, scopes and table lists. */
#ifndef NR_AUTH_H
#define NR_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Writes the lowercase hex SHA-256 of data into out (65 bytes). */
void auth_sha256_hex(const void *data, size_t len, char out[65]);

/* Fills every key's hash, so that finding a key hashes only the one
 * presented. */
void auth_hash_keys(struct config *cfg);

/* The SHA-256 in hex of key k (the cached one when there is one). */
void auth_key_hash(const struct config_key *k, char out[65]);

/* Returns the configured key equal to presented (borrowed from cfg), or
 * NULL. Every key is compared, in constant time, whatever matches. */
const struct config_key *auth_find_key(const struct config *cfg,
				       const char *presented);

/* True when key has every bit of scopes and, if table is not NULL, may
 * reach that table. */
bool auth_allows(const struct config_key *key, unsigned scopes,
		 const char *table);

/* Fills out with a new random key of 43 characters (base64url of 32
 * random bytes) and a NUL. Returns NR_OK or NR_EIO. */
int auth_new_key(char out[44]) NR_WUR;

#endif
