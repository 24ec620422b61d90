/* Unit tests of sign.c: the signature of a request is HMAC-SHA256 over
 * its parts, keyed with the hex SHA-256 of the API key (values worked
 * out independently with Python's hmac and hashlib), and any change of
 * a part changes it. */
#include "tap.h"
#include <string.h>

#include "auth.h"
#include "sign.h"

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
	tcase_add_test(tc, equal_wants_two_whole_signatures);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
