/* Unit tests of util.c: identifiers, names, bounded file reads, the
 * shape of write times, base64 of both alphabets. */
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
	ck_assert(util_is_origin(
	    "client:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!util_is_origin(
	    "client:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
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
	ck_assert_int_eq(util_read_file(path, 20000, &text, &len, &err), NR_OK);
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

START_TEST(datetimes)
{
	static const char *const good[] = {
	    "2024-01-31",
	    "2024-01-31 12:00:00",
	    "2024-01-31T12:00:00",
	    "2024-01-31 12:00:00.1",
	    "2024-01-31 12:00:00.12",
	    "2024-01-31 12:00:00.123",
	    "2024-01-31 12:00:00.1234",
	    "2024-01-31T12:00:00.12345",
	    "2024-01-31 12:00:00.123456",
	    "0000-00-00 00:00:00",
	    "1970-01-01 00:00:00.000000",
	    "2024-02-29 23:59:59.999999",
	    "9999-12-31 23:59:59",
	};
	static const char *const bad[] = {
	    "",
	    "2024",
	    "2024-01-3",
	    "2024-01-31 ",
	    "2024-01-31T",
	    " 2024-01-31",
	    "2024-01-31 12",
	    "2024-01-31 12:00",
	    "2024-01-31 12:00:0",
	    "2024-01-31 12:00:00.",
	    "2024-01-31 12:00:00.1234567",
	    "2024-01-31 12:00:00 ",
	    "2024-01-31 12:00:00Z",
	    "2024-01-31T12:00:00Z",
	    "2024-01-31T12:00:00.5Z",
	    "2024-01-31 12:00:00+01:00",
	    "2024-01-31t12:00:00",
	    "2024-01-31_12:00:00",
	    "2024-01-31  12:00:00",
	    "2024-01-31 12T00:00",
	    "2024-01-31 12:00:00,5",
	    "2024-01-31 12:00:00.12a",
	    "2024/01/31",
	    "2024-1-31",
	    "24-01-31",
	    "+024-01-31",
	    "1706702400",
	    "2024-01-31 12:00:00.-1",
	    "2024-01-31 12:00:00.1234567890123456",
	    "\xef\xbc\x92"
	    "024-01-31",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(util_is_datetime(good[i]), "refused: %s",
			      good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!util_is_datetime(bad[i]), "accepted: %s",
			      bad[i]);
}
END_TEST

/* A client's write time: one spelling, fractional digits filled in. */
START_TEST(client_times)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"2026-01-31T12:00:00.000Z", "2026-01-31 12:00:00.000000"},
	    {"2026-01-31T12:00:00Z", "2026-01-31 12:00:00.000000"},
	    {"2026-01-31 12:00:00.5", "2026-01-31 12:00:00.500000"},
	    {"2026-01-31 12:00:00.123456", "2026-01-31 12:00:00.123456"},
	    {"2026-01-31", NULL},
	    {"2026-01-31T12:00:00.Z", NULL},
	    {"2026-01-31T12:00:00+02:00", NULL},
	    {"2026-01-31 12:00:00.1234567", NULL},
	    {"Z", NULL},
	    {"", NULL},
	};
	char out[27];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(util_norm_time(v[i].in, out),
				 v[i].out != NULL);
		if (v[i].out != NULL)
			ck_assert_str_eq(out, v[i].out);
	}
}
END_TEST

START_TEST(base64_both_alphabets)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *std, *url;
	} v[] = {
	    {"", 0, "", ""},
	    {"f", 1, "Zg==", "Zg"},
	    {"fo", 2, "Zm8=", "Zm8"},
	    {"foo", 3, "Zm9v", "Zm9v"},
	    {"foob", 4, "Zm9vYg==", "Zm9vYg"},
	    {"\xfb\xff\xbf", 3, "+/+/", "-_-_"},
	    {"\x00\x00\x00\x00", 4, "AAAAAA==", "AAAAAA"},
	};
	size_t i, len;
	char *t, *d;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		t = util_b64_encode(v[i].bytes, v[i].len, false);
		ck_assert_str_eq(t, v[i].std);
		free(t);
		t = util_b64_encode(v[i].bytes, v[i].len, true);
		ck_assert_str_eq(t, v[i].url);
		free(t);
		/* Either alphabet decodes, padded or not. */
		d = util_b64_decode(v[i].std, strlen(v[i].std), &len);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(len, v[i].len);
		ck_assert_mem_eq(d, v[i].bytes, len);
		ck_assert_int_eq(d[len], '\0');
		free(d);
		d = util_b64_decode(v[i].url, strlen(v[i].url), &len);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(len, v[i].len);
		ck_assert_mem_eq(d, v[i].bytes, len);
		free(d);
	}
	/* Only n bytes of the input are read. */
	d = util_b64_decode("Zm9vYg==garbage!", 8, &len);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, "foob");
	free(d);
	/* Not base64: other characters, or a length no encoding has. */
	ck_assert_ptr_null(util_b64_decode("Zm9v!", 5, &len));
	ck_assert_ptr_null(util_b64_decode("Zm 9v", 5, &len));
	ck_assert_ptr_null(util_b64_decode("Z", 1, &len));
	ck_assert_ptr_null(util_b64_decode("Zm9vY", 5, &len));
	ck_assert_ptr_null(util_b64_decode("Zm9vY===", 8, &len));
	ck_assert_ptr_null(util_b64_decode("Zm=9", 4, &len));
}
END_TEST

START_TEST(utf8_is_checked_strictly)
{
	ck_assert(util_is_utf8("", 0));
	ck_assert(
	    util_is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	ck_assert(util_is_utf8("a\0b", 3));
	ck_assert(!util_is_utf8("\xa0\xff\x0d", 3));	 /* stray bytes */
	ck_assert(!util_is_utf8("\xc3", 1));		 /* cut short */
	ck_assert(!util_is_utf8("\xc0\xaf", 2));	 /* overlong '/' */
	ck_assert(!util_is_utf8("\xed\xa0\x80", 3));	 /* a surrogate */
	ck_assert(!util_is_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
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
	tcase_add_test(tc, datetimes);
	tcase_add_test(tc, base64_both_alphabets);
	tcase_add_test(tc, client_times);
	tcase_add_test(tc, utf8_is_checked_strictly);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
