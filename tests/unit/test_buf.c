/* Unit tests of buf.c: appends grow the buffer and keep it terminated,
 * the cap holds (and stays held), identifiers are quoted, and the text
 * can be taken or the buffer reused. */
#include "tap.h"
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(appends_grow_and_terminate)
{
	struct buf b;
	char *at;
	int i;

	buf_init(&b, 0);
	ck_assert_str_eq(buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_adds(&b, "abc"), NR_OK);
	ck_assert_uint_eq(b.len, 3000);
	ck_assert_uint_eq(strlen(buf_str(&b)), 3000);
	ck_assert_int_eq(buf_printf(&b, "-%d-%s", 42, "x"), NR_OK);
	ck_assert_str_eq(buf_str(&b) + 3000, "-42-x");
	ck_assert_int_eq(buf_reserve(&b, 4, &at), NR_OK);
	memcpy(at, "wxyz", 4);
	ck_assert_str_eq(buf_str(&b) + 3005, "wxyz");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
}
END_TEST

START_TEST(the_cap_holds)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_int_eq(buf_adds(&b, "0123456789"), NR_OK);
	ck_assert_int_eq(buf_adds(&b, "a"), NR_ETOOBIG);
	ck_assert(b.toobig);
	/* Later adds are ignored, even small ones, and the text stays. */
	ck_assert_int_eq(buf_adds(&b, ""), NR_ETOOBIG);
	ck_assert_str_eq(buf_str(&b), "0123456789");
	buf_free(&b);
}
END_TEST

START_TEST(identifiers_are_quoted)
{
	struct buf b;

	buf_init(&b, 0);
	buf_ident(&b, "users");
	buf_adds(&b, " ");
	buf_ident(&b, "a`b");
	ck_assert_str_eq(buf_str(&b), "`users` `a``b`");
	buf_free(&b);
}
END_TEST

START_TEST(take_hands_over_the_text)
{
	struct buf b;
	char *t;

	buf_init(&b, 0);
	buf_adds(&b, "kept");
	t = buf_take(&b);
	ck_assert_str_eq(t, "kept");
	ck_assert_str_eq(buf_str(&b), "");
	free(t);
	buf_adds(&b, "again");
	ck_assert_str_eq(buf_str(&b), "again");
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, appends_grow_and_terminate);
	tcase_add_test(tc, the_cap_holds);
	tcase_add_test(tc, identifiers_are_quoted);
	tcase_add_test(tc, take_hands_over_the_text);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
