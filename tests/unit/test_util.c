/* Unit tests of util.c: identifiers, names, bounded file reads. */
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

START_TEST(identifiers)
{
	ck_assert(util_is_ident("users"));
	ck_assert(util_is_ident("_x9"));
	ck_assert(util_is_ident("Order_Items"));
	ck_assert(!util_is_ident(""));
	ck_assert(!util_is_ident(NULL));
	ck_assert(!util_is_ident("9lives"));
	ck_assert(!util_is_ident("a-b"));
	ck_assert(!util_is_ident("a b"));
	ck_assert(!util_is_ident("a`b"));
	ck_assert(!util_is_ident("users;DROP"));
	ck_assert(!util_is_ident("caf\xc3\xa9"));
	ck_assert(util_is_ident("a234567890123456789012345678901234567890123456"
				"789012345678901234"));
	ck_assert(!util_is_ident("a2345678901234567890123456789012345678901234"
				 "56789012345678901234X"));
}
END_TEST

START_TEST(names)
{
	ck_assert(util_is_name("prod-eu.1"));
	ck_assert(util_is_name("9"));
	ck_assert(!util_is_name(""));
	ck_assert(!util_is_name("a/b"));
	ck_assert(!util_is_name("a b"));
	ck_assert(!util_is_name("a'b"));
	ck_assert(util_is_token("batch.1:2-x_y", 64, ".:-"));
	ck_assert(!util_is_token("batch.1:2", 64, ".-"));
	ck_assert(!util_is_token("", 64, ".-"));
	ck_assert(!util_is_token(NULL, 64, ".-"));
	ck_assert(util_is_token("abcd", 4, ""));
	ck_assert(!util_is_token("abcde", 4, ""));
	ck_assert(!util_is_token("a b", 64, ".-"));
	ck_assert(util_is_origin("prod-eu.1"));
	ck_assert(util_is_origin("client:web-3f2a"));
	ck_assert(!util_is_origin("client:"));
	ck_assert(!util_is_origin("client:a:b"));
	ck_assert(!util_is_origin("other:web"));
	/* 64 bytes in all, then 65. */
	ck_assert(util_is_origin("client:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!util_is_origin("client:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

START_TEST(read_file_with_cap)
{
	char path[] = "/tmp/nunez-util-XXXXXX", *text = NULL;
	struct nr_err err;
	size_t len = 0, i;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	for (i = 0; i < 10000; i++)
		fputc('a' + (int)(i % 26), f);
	fclose(f);
	ck_assert_int_eq(util_read_file(path, 20000, &text, &len, &err),
			 NR_OK);
	ck_assert_uint_eq(len, 10000);
	ck_assert_uint_eq(strlen(text), 10000);
	ck_assert_int_eq(text[9999], 'a' + 9999 % 26);
	free(text);
	ck_assert_int_eq(util_read_file(path, 9999, &text, &len, &err),
			 NR_ETOOBIG);
	ck_assert_ptr_null(text);
	ck_assert_ptr_nonnull(strstr(err.msg, "larger than 9999 bytes"));
	unlink(path);
	ck_assert_int_eq(util_read_file(path, 100, &text, &len, &err), NR_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, identifiers);
	tcase_add_test(tc, names);
	tcase_add_test(tc, read_file_with_cap);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
