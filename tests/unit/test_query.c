/* Unit tests of query.c's parts that need no server: text parameters,
 * the shortest exact text of a double, and reading a result by row,
 * column and name. */
#include "tap.h"
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"

START_TEST(text_parameters)
{
	struct qval v = qv_str("a\0b");

	ck_assert_ptr_nonnull(v.p);
	ck_assert_str_eq(v.p, "a");
	ck_assert_uint_eq(v.len, 1);
	ck_assert(!v.null && !v.binary);
	v = qv_str("");
	ck_assert_uint_eq(v.len, 0);
	ck_assert(!v.null);
	v = qv_str(NULL);
	ck_assert_ptr_null(v.p);
	ck_assert_uint_eq(v.len, 0);
	ck_assert(v.null && !v.binary);
}
END_TEST

START_TEST(doubles_in_their_shortest_exact_text)
{
	static const struct {
		double d;
		const char *text;
	} v[] = {
	    {0.1, "0.1"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1.0 / 3, "0.3333333333333333"},
	    {-1.5, "-1.5"},
	    {0.0, "0"},
	    {-0.0, "-0"},
	    {100.0, "100"},
	    {123456.789, "123456.789"},
	    {0.000123, "0.000123"},
	    {2.5e-8, "2.5e-08"},
	    {1e15, "1e+15"},
	    {1e300, "1e+300"},
	    {123456789012345680.0, "1.2345678901234568e+17"},
	    {9007199254740993.0, "9007199254740992"},
	    {2.2250738585072014e-308, "2.2250738585072014e-308"},
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		query_fmt_double(v[i].d, buf);
		ck_assert_str_eq(buf, v[i].text);
		ck_assert(strtod(buf, NULL) == v[i].d);
	}
	query_fmt_double(-0.0, buf);
	ck_assert(strtod(buf, NULL) == 0.0 && buf[0] == '-');
}
END_TEST

/* A result as query_run leaves it: 3 rows of (k, v, b). */
static struct qres *
make_result(void)
{
	static const char *const names[] = {"k", "v", "b"};
	struct qres *res = util_calloc(1, sizeof(*res));
	size_t i;

	res->ncols = 3;
	res->nrows = 3;
	res->cols = util_calloc(3, sizeof(*res->cols));
	for (i = 0; i < 3; i++)
		res->cols[i].name = util_strdup(names[i]);
	res->cols[2].binary = true;
	res->data = util_calloc(1, 15);
	memcpy(res->data, "k0\0v0\0k1\0k2\0v2", 15);
	res->v = util_calloc(9, sizeof(*res->v));
	res->v[0] = (struct qval){res->data, 2, false, false};
	res->v[1] = (struct qval){res->data + 3, 2, false, false};
	res->v[2] = (struct qval){NULL, 0, true, false};
	res->v[3] = (struct qval){res->data + 6, 2, false, false};
	res->v[4] = (struct qval){NULL, 0, true, false};
	res->v[5] = (struct qval){"", 0, false, true};
	res->v[6] = (struct qval){res->data + 9, 2, false, false};
	res->v[7] = (struct qval){res->data + 12, 2, false, false};
	res->v[8] = (struct qval){NULL, 0, true, false};
	return res;
}

START_TEST(results_by_row_column_and_name)
{
	struct qres *res = make_result();

	ck_assert_str_eq(qres_at(res, 0, 0)->p, "k0");
	ck_assert_str_eq(qres_at(res, 0, 1)->p, "v0");
	ck_assert(qres_at(res, 0, 2)->null);
	ck_assert_str_eq(qres_at(res, 1, 0)->p, "k1");
	ck_assert(qres_at(res, 1, 1)->null);
	ck_assert(qres_at(res, 1, 2)->binary);
	ck_assert_str_eq(qres_at(res, 2, 0)->p, "k2");
	ck_assert_str_eq(qres_at(res, 2, 1)->p, "v2");
	ck_assert_ptr_eq(qres_at(res, 2, 2), &res->v[8]);
	ck_assert_int_eq(qres_col(res, "k"), 0);
	ck_assert_int_eq(qres_col(res, "v"), 1);
	ck_assert_int_eq(qres_col(res, "b"), 2);
	ck_assert_int_eq(qres_col(res, "K"), -1);
	ck_assert_int_eq(qres_col(res, ""), -1);
	ck_assert_int_eq(qres_col(res, "kv"), -1);
	qres_free(res);
	qres_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("query");

	tcase_add_test(tc, text_parameters);
	tcase_add_test(tc, doubles_in_their_shortest_exact_text);
	tcase_add_test(tc, results_by_row_column_and_name);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
