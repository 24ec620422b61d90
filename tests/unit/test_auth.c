/* Unit tests of auth.c: key lookup, hashed keys, scopes, table lists. */
#include "tap.h"
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static struct config *cfg;

static void
setup(void)
{
	struct config_diag diag = {0};
	int rc;

	/* sha256("password") is 5e8848...; "reader" is stored hashed. */
	rc = config_parse(
	    "{\"databases\": {\"master\": {\"user\": \"u\", \"database\": "
	    "\"m\"}}, \"replication\": {\"tables\": [{\"name\": \"users\", "
	    "\"primaryKey\": \"id\"}, {\"name\": \"orders\", \"primaryKey\":"
	    " \"id\"}]}, \"api\": {\"keys\": ["
	    "\"legacy-key-0123456789\","
	    "{\"name\": \"reader\", \"key\": \"sha256:5e884898da28047151d0e5"
	    "6f8dc6292773603d0d6aabbdd62a11ef721d1542d8\", \"scopes\": "
	    "[\"read\"]},"
	    "{\"name\": \"admin\", \"key\": \"admin-key-0123456789\", "
	    "\"scopes\": [\"read\", \"admin\"]},"
	    "{\"name\": \"orders-only\", \"key\": \"orders-key-0123456789\","
	    " \"scopes\": [\"pull\"], \"tables\": [\"orders\"]}]}}",
	    NULL, &cfg, &diag);
	ck_assert_int_eq(rc, NR_OK);
	config_diag_free(&diag);
}

static void
teardown(void)
{
	config_free(cfg);
}

START_TEST(sha256_known_vector)
{
	char hex[65];

	auth_sha256_hex("password", 8, hex);
	ck_assert_str_eq(hex, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd6"
			      "2a11ef721d1542d8");
	auth_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
			      "a495991b7852b855");
}
END_TEST

START_TEST(finds_plain_and_hashed_keys)
{
	const struct config_key *k;

	k = auth_find_key(cfg, "legacy-key-0123456789");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "key0");
	k = auth_find_key(cfg, "password");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "reader");
	k = auth_find_key(cfg, "admin-key-0123456789");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "admin");
}
END_TEST

START_TEST(hashes_cached_once_give_the_same_answers)
{
	const struct config_key *k;
	char want[65];
	size_t i;

	for (i = 0; i < cfg->nkeys; i++)
		ck_assert_str_eq(cfg->keys[i].hash, "");
	auth_hash_keys(cfg);
	for (i = 0; i < cfg->nkeys; i++) {
		ck_assert_uint_eq(strlen(cfg->keys[i].hash), 64);
		if (!cfg->keys[i].hashed) {
			auth_sha256_hex(cfg->keys[i].secret,
					strlen(cfg->keys[i].secret), want);
			ck_assert_str_eq(cfg->keys[i].hash, want);
		} else {
			ck_assert_str_eq(cfg->keys[i].hash,
					 cfg->keys[i].secret);
		}
	}
	k = auth_find_key(cfg, "legacy-key-0123456789");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "key0");
	k = auth_find_key(cfg, "admin-key-0123456789");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "admin");
	ck_assert_ptr_null(auth_find_key(cfg, "legacy-key-012345678"));
}
END_TEST

START_TEST(rejects_wrong_keys)
{
	ck_assert_ptr_null(auth_find_key(cfg, NULL));
	ck_assert_ptr_null(auth_find_key(cfg, ""));
	ck_assert_ptr_null(auth_find_key(cfg, "legacy-key-012345678"));
	ck_assert_ptr_null(auth_find_key(cfg, "legacy-key-01234567890"));
	ck_assert_ptr_null(auth_find_key(cfg, "LEGACY-KEY-0123456789"));
	/* The stored hash itself is not a key. */
	ck_assert_ptr_null(auth_find_key(
	    cfg, "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a"
		 "11ef721d1542d8"));
	ck_assert_ptr_null(auth_find_key(
	    cfg, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721"
		 "d1542d8"));
}
END_TEST

START_TEST(scopes_and_tables)
{
	const struct config_key *legacy = auth_find_key(cfg, "legacy-key-"
							     "0123456789");
	const struct config_key *reader = auth_find_key(cfg, "password");
	const struct config_key *orders = auth_find_key(cfg, "orders-key-"
							     "0123456789");

	ck_assert(auth_allows(legacy, SCOPE_READ, NULL));
	ck_assert(auth_allows(legacy, SCOPE_PULL | SCOPE_PUSH, "users"));
	ck_assert(!auth_allows(legacy, SCOPE_ADMIN, NULL));
	ck_assert(auth_allows(reader, SCOPE_READ, "users"));
	ck_assert(!auth_allows(reader, SCOPE_PULL, "users"));
	ck_assert(auth_allows(orders, SCOPE_PULL, "orders"));
	ck_assert(!auth_allows(orders, SCOPE_PULL, "users"));
	ck_assert(!auth_allows(orders, SCOPE_READ, NULL));
	ck_assert(!auth_allows(NULL, SCOPE_READ, NULL));
}
END_TEST

START_TEST(new_keys_are_random_base64url)
{
	char a[44], b[44];
	size_t i;

	ck_assert_int_eq(auth_new_key(a), NR_OK);
	ck_assert_int_eq(auth_new_key(b), NR_OK);
	ck_assert_uint_eq(strlen(a), 43);
	ck_assert_str_ne(a, b);
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(auth_new_key(b), NR_OK);
		ck_assert_int_ne(b[0], '-');
	}
	for (i = 0; i < 43; i++)
		ck_assert_ptr_nonnull(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			   "vwxyz0123456789-_",
			   a[i]));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sha256_known_vector);
	tcase_add_test(tc, finds_plain_and_hashed_keys);
	tcase_add_test(tc, rejects_wrong_keys);
	tcase_add_test(tc, hashes_cached_once_give_the_same_answers);
	tcase_add_test(tc, scopes_and_tables);
	tcase_add_test(tc, new_keys_are_random_base64url);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
