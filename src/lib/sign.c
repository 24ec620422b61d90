/* Request signatures. The signed text is
 *   METHOD \n PATH \n QUERY \n TIMESTAMP \n NONCE \n hex(SHA-256(body)). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "buf.h"
#include "sign.h"

void
sign_request(const char *key, const char *method, const char *path,
	     const char *query, const char *timestamp, const char *nonce,
	     const void *body, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char body_hash[65];
	struct buf text;

	auth_sha256_hex(body != NULL ? body : "", len, body_hash);
	buf_init(&text, 0);
	buf_printf(&text, "%s\n%s\n%s\n%s\n%s\n%s", method, path,
		   query ? query : "", timestamp, nonce, body_hash);
	HMAC(EVP_sha256(), key, (int)strlen(key),
	     (const unsigned char *)buf_str(&text), text.len, mac, &n);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	buf_free(&text);
}

int
sign_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL || strlen(a) != 64 || strlen(b) != 64)
		return 0;
	return CRYPTO_memcmp(a, b, 64) == 0;
}

const char *
sign_client_key(const struct config_remote *r, char buf[65])
{
	if (!r->sign_requests)
		return NULL;
	if (r->signing_secret != NULL)
		return r->signing_secret;
	if (!r->legacy_signing)
		return NULL;
	auth_sha256_hex(r->api_key, strlen(r->api_key), buf);
	return buf;
}

enum sign_verdict
sign_verify(const struct config_key *k, const char *method, const char *path,
	    const char *query, const char *timestamp, const char *nonce,
	    const void *body, size_t len, const char *sig)
{
	char want[65], hash[65];

	if (k->signing_secret == NULL && !k->legacy_signing)
		return SIGN_NO_SECRET;
	if (k->signing_secret != NULL) {
		sign_request(k->signing_secret, method, path, query, timestamp,
			     nonce, body, len, want);
		if (sign_equal(want, sig))
			return SIGN_OK;
	}
	if (k->legacy_signing) {
		auth_key_hash(k, hash);
		sign_request(hash, method, path, query, timestamp, nonce, body,
			     len, want);
		if (sign_equal(want, sig))
			return SIGN_OK;
	}
	return SIGN_MISMATCH;
}
