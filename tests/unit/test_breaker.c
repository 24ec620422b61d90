/* Unit tests of breaker.c's pure parts: the state read back from its
 * stored text (malformed text reads as closed), the threshold that opens
 * it, a success that closes it, a failed retry that opens it again, and
 * the wait left. Storing it is meta.c's, tested against a server. */
#include "tap.h"
#include <stdlib.h>

#include "breaker.h"

static struct config cfg;

static void
setup(void)
{
	cfg.sync.breaker_failures = 3;
	cfg.sync.breaker_cooldown = 60;
}

START_TEST(state_read_back)
{
	struct breaker b;

	breaker_parse("2 1700000000", &b);
	ck_assert_int_eq(b.failures, 2);
	ck_assert_int_eq(b.opened_at, 1700000000LL);
	breaker_parse("0 0", &b);
	ck_assert_int_eq(b.failures, 0);
	ck_assert_int_eq(b.opened_at, 0);
	/* Malformed or missing: closed, no failures. */
	breaker_parse("7", &b);
	ck_assert_int_eq(b.failures, 0);
	ck_assert_int_eq(b.opened_at, 0);
	breaker_parse("x y", &b);
	ck_assert_int_eq(b.failures, 0);
	breaker_parse(NULL, &b);
	ck_assert_int_eq(b.failures, 0);
	ck_assert_int_eq(b.opened_at, 0);
}
END_TEST

START_TEST(opens_at_the_threshold)
{
	struct breaker b = {0, 0};

	breaker_step(&b, false, &cfg, 1000);
	breaker_step(&b, false, &cfg, 1001);
	ck_assert_int_eq(b.failures, 2);
	ck_assert_int_eq(b.opened_at, 0);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1001), 0);
	breaker_step(&b, false, &cfg, 1002);
	ck_assert_int_eq(b.failures, 3);
	ck_assert_int_eq(b.opened_at, 1002);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1002), 60);
}
END_TEST

START_TEST(a_failed_retry_opens_it_again)
{
	struct breaker b = {3, 1000};

	ck_assert_int_eq(breaker_wait(&b, &cfg, 1060), 0);
	breaker_step(&b, false, &cfg, 1070);
	ck_assert_int_eq(b.failures, 4);
	ck_assert_int_eq(b.opened_at, 1070);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1070), 60);
}
END_TEST

START_TEST(a_success_closes_it)
{
	struct breaker b = {5, 1000};

	breaker_step(&b, true, &cfg, 1100);
	ck_assert_int_eq(b.failures, 0);
	ck_assert_int_eq(b.opened_at, 0);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1100), 0);
}
END_TEST

START_TEST(the_wait_left)
{
	struct breaker b = {3, 1000};

	ck_assert_int_eq(breaker_wait(&b, &cfg, 1000), 60);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1059), 1);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 1060), 0);
	ck_assert_int_eq(breaker_wait(&b, &cfg, 5000), 0);
	/* A clock behind the opening: the whole cooldown and more. */
	ck_assert_int_eq(breaker_wait(&b, &cfg, 900), 160);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("breaker");
	TCase *tc = tcase_create("breaker");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, state_read_back);
	tcase_add_test(tc, opens_at_the_threshold);
	tcase_add_test(tc, a_failed_retry_opens_it_again);
	tcase_add_test(tc, a_success_closes_it);
	tcase_add_test(tc, the_wait_left);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
