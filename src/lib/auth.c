/* API keys. A presented key is hashed once and compared against every
 * configured key's hash with CRYPTO_memcmp, so timing says nothing about
 * which key, or how much of one, matched. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth.h"

void
auth_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
auth_key_hash(const struct config_key *k, char out[65])
{
	if (k->hash[0] != '\0')
		memcpy(out, k->hash, 65);
	else if (k->hashed)
		snprintf(out, 65, "%s", k->secret);
	else
		auth_sha256_hex(k->secret, strlen(k->secret), out);
}

void
auth_hash_keys(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++) {
		cfg->keys[i].hash[0] = '\0';
		auth_key_hash(&cfg->keys[i], cfg->keys[i].hash);
	}
}

const struct config_key *
auth_find_key(const struct config *cfg, const char *presented)
{
	const struct config_key *found = NULL;
	char want[65], have[65];
	size_t i;

	if (presented == NULL || presented[0] == '\0')
		return NULL;
	auth_sha256_hex(presented, strlen(presented), want);
	for (i = 0; i < cfg->nkeys; i++) {
		auth_key_hash(&cfg->keys[i], have);
		if (CRYPTO_memcmp(want, have, 64) == 0 && found == NULL)
			found = &cfg->keys[i];
	}
	return found;
}

bool
auth_allows(const struct config_key *key, unsigned scopes, const char *table)
{
	size_t i;

	if (key == NULL || (key->scopes & scopes) != scopes)
		return false;
	if (table == NULL || key->tables.n == 0)
		return true;
	for (i = 0; i < key->tables.n; i++)
		if (strcmp(key->tables.v[i], table) == 0)
			return true;
	return false;
}

int
auth_new_key(char out[44])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33] = {0};
	int i, o = 0;

	/* A key never starts with "-", so no command line takes it for an
	 * option. */
	do {
		if (RAND_bytes(raw, 32) != 1)
			return NR_EIO;
	} while (b64[raw[0] >> 2] == '-');
	for (i = 0; i < 33; i += 3) {
		unsigned v = raw[i] << 16 | raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	out[43] = '\0';
	return NR_OK;
}
