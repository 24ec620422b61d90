/* Unit tests of sign.c: the signature of a request is HMAC-SHA256 over
 * its parts, keyed with the signing secret, or in the old scheme with
 * the hex SHA-256 of the API key (values worked out independently with
 * Python's hmac and hashlib); any change of a part changes it; a client
 * signs, and a server checks, with the secret unless the old scheme is
 * asked for. */
#include "tap.h"
#include <string.h>

#include "auth.h"
#include "sign.h"

#define SECRET "signing-secret-0123456789"

/* hex SHA-256 of "secret-key" */
#define KEY "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa"
#define BODY "{\"table\":\"t\"}"

START_TEST(known_signatures)
{
	char sig[65], key[65];

	auth_sha256_hex("secret-key", strlen("secret-key"), key);
	ck_assert_str_eq(key, KEY);
	sign_request(KEY, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert_str_eq(sig, "3387be2490e4d1ed736e53c84ac025d63e276d8eaa93d6"
			      "0ce5c02d8d5c866a92");
	/* No query and no body: both sign as empty. */
	sign_request(KEY, "GET", "/api/pull", NULL, "1700000000",
		     "nonce-0123456789ab", NULL, 0, sig);
	ck_assert_str_eq(sig, "1a30f7cefe49f766b594555c5d7192f0eeb977a84d454c"
			      "c3da4e053a1be4dc65");
	/* Keyed with a signing secret. */
	sign_request(SECRET, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert_str_eq(sig, "d9c8154123ff444cea3e06e2f9eb75d1379cd1a25a0bac"
			      "cd6422779bb48542c1");
}
END_TEST

START_TEST(a_client_signs_with_its_secret)
{
	struct config_remote r = {0};
	char buf[65];

	r.api_key = (char *)"secret-key";
	r.sign_requests = true;
	/* Neither secret nor old scheme: unsigned. */
	ck_assert_ptr_null(sign_client_key(&r, buf));
	r.legacy_signing = true;
	ck_assert_str_eq(sign_client_key(&r, buf), KEY);
	r.signing_secret = (char *)SECRET;
	ck_assert_str_eq(sign_client_key(&r, buf), SECRET);
	r.sign_requests = false;
	ck_assert_ptr_null(sign_client_key(&r, buf));
}
END_TEST

START_TEST(a_server_checks_with_the_secret)
{
	struct config_key k = {0};
	char with_secret[65], with_hash[65];

	k.secret = (char *)"secret-key";
	sign_request(SECRET, "GET", "/api/pull", "t=1", "1700000000",
		     "nonce-0123456789ab", NULL, 0, with_secret);
	sign_request(KEY, "GET", "/api/pull", "t=1", "1700000000",
		     "nonce-0123456789ab", NULL, 0, with_hash);
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_secret),
			 SIGN_NO_SECRET);
	k.signing_secret = (char *)SECRET;
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_secret),
			 SIGN_OK);
	/* What anyone who saw the key could make is not a signature. */
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_hash),
			 SIGN_MISMATCH);
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=2",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_secret),
			 SIGN_MISMATCH);
	/* With legacySigning both are taken (clients move one by one). */
	k.legacy_signing = true;
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_hash),
			 SIGN_OK);
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_secret),
			 SIGN_OK);
	/* The old scheme alone; a stored hash keys it as well. */
	k.signing_secret = NULL;
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_secret),
			 SIGN_MISMATCH);
	k.secret = (char *)KEY;
	k.hashed = true;
	ck_assert_int_eq(sign_verify(&k, "GET", "/api/pull", "t=1",
				     "1700000000", "nonce-0123456789ab", NULL,
				     0, with_hash),
			 SIGN_OK);
}
END_TEST

START_TEST(every_part_is_signed)
{
	char base[65], sig[65];

	sign_request(KEY, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), base);
	sign_request(KEY, "GET", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/pull", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/push", "a=2", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/push", "a=1", "1700000001",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ac", BODY, strlen(BODY), sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY) - 1, sig);
	ck_assert(!sign_equal(base, sig));
	sign_request(KEY, "POST", "/api/push", "a=1", "1700000000",
		     "nonce-0123456789ab", BODY, strlen(BODY), sig);
	ck_assert(sign_equal(base, sig));
}
END_TEST

START_TEST(equal_wants_two_whole_signatures)
{
	char a[65];

	memset(a, 'a', 64);
	a[64] = '\0';
	ck_assert(sign_equal(a, a));
	ck_assert(!sign_equal(a, NULL));
	ck_assert(!sign_equal(NULL, a));
	ck_assert(!sign_equal(a, "aaaa"));
	ck_assert(!sign_equal("", ""));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_test(tc, known_signatures);
	tcase_add_test(tc, every_part_is_signed);
	tcase_add_test(tc, a_client_signs_with_its_secret);
	tcase_add_test(tc, a_server_checks_with_the_secret);
	tcase_add_test(tc, equal_wants_two_whole_signatures);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
