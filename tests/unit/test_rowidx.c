/* Unit tests of rowidx.c: an index of a result by its first column finds
 * every key's row, in byte order, and nothing else. */
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rowidx.h"
#include "util.h"

/* A result of one column holding keys (n of them), borrowed. */
static struct qres *
keys_result(const char *const *keys, size_t n)
{
	struct qres *res = util_calloc(1, sizeof(*res));
	size_t i;

	res->ncols = 1;
	res->nrows = n;
	res->v = util_calloc(n, sizeof(*res->v));
	for (i = 0; i < n; i++)
		res->v[i] = (struct qval){keys[i], strlen(keys[i]), false,
					  false};
	return res;
}

static void
free_result(struct qres *res)
{
	free(res->v);
	free(res);
}

START_TEST(finds_every_key)
{
	static const char *const keys[] = {
	    "[\"9\"]",	      "[\"10\"]",	   "[\"1\", \"b\"]",
	    "[\"1\", \"a\"]", "[\"caf\xc3\xa9\"]", "[\"cafe\"]",
	    "[\"\"]",	      "[\"Z\"]",
	};
	struct qres *res = keys_result(keys, 8);
	struct row_ref *idx = rowidx_build(res);
	size_t i;

	/* Sorted by bytes, each with its row. */
	for (i = 0; i + 1 < 8; i++)
		ck_assert_int_lt(strcmp(idx[i].pk, idx[i + 1].pk), 0);
	ck_assert_str_eq(idx[0].pk, "[\"\"]");
	ck_assert_uint_eq(idx[0].row, 6);
	ck_assert_str_eq(idx[7].pk, "[\"caf\xc3\xa9\"]");
	ck_assert_uint_eq(idx[7].row, 4);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(rowidx_find(idx, 8, keys[i]), (long)i);
		ck_assert_ptr_eq(idx[i].pk, qres_at(res, idx[i].row, 0)->p);
	}
	ck_assert_int_eq(rowidx_find(idx, 8, "[\"1\"]"), -1);
	ck_assert_int_eq(rowidx_find(idx, 8, "[\"z\"]"), -1);
	ck_assert_int_eq(rowidx_find(idx, 8, "[\"9\"] "), -1);
	ck_assert_int_eq(rowidx_find(idx, 8, ""), -1);
	free(idx);
	free_result(res);
}
END_TEST

START_TEST(large_and_empty_results)
{
	char(*keys)[16] = util_calloc(2000, sizeof(*keys));
	const char **p = util_calloc(2000, sizeof(*p));
	struct row_ref *idx;
	struct qres *res;
	size_t i;

	/* Keys written in descending order. */
	for (i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "[\"%05zu\"]", 1999 - i);
		p[i] = keys[i];
	}
	res = keys_result(p, 2000);
	idx = rowidx_build(res);
	for (i = 0; i < 2000; i++)
		ck_assert_int_eq(rowidx_find(idx, 2000, keys[i]), (long)i);
	ck_assert_int_eq(rowidx_find(idx, 2000, "[\"02000\"]"), -1);
	free(idx);
	free_result(res);
	/* No rows: an index that finds nothing. */
	res = keys_result(p, 0);
	idx = rowidx_build(res);
	ck_assert_ptr_nonnull(idx);
	ck_assert_int_eq(rowidx_find(idx, 0, "[\"01999\"]"), -1);
	free(idx);
	free_result(res);
	free(keys);
	free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rowidx");
	TCase *tc = tcase_create("rowidx");

	tcase_add_test(tc, finds_every_key);
	tcase_add_test(tc, large_and_empty_results);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
