/* Unit tests of jparse.c: the scan counts what json-c would build
 * (strings and escapes skipped), text over a budget is refused before
 * json-c runs, bad JSON is refused with where, and json-c running out of
 * memory is an error, not a crash. */
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "jparse.h"

static struct jparse_counts
scan(const char *s)
{
	struct jparse_counts n;

	jparse_scan(s, strlen(s), &n);
	return n;
}

START_TEST(the_scan_counts_containers_and_values)
{
	struct jparse_counts n;

	n = scan("1");
	ck_assert_uint_eq(n.containers, 0);
	ck_assert_uint_eq(n.values, 1);
	n = scan("{\"a\": 1, \"b\": [true, null, \"x\"]}");
	ck_assert_uint_eq(n.containers, 2);
	ck_assert_uint_eq(n.values, 8);
	/* An empty container counts one value more than it makes. */
	n = scan("[{}, []]");
	ck_assert_uint_eq(n.containers, 3);
	ck_assert_uint_eq(n.values, 5);
	/* Nothing inside a string counts, escaped quotes included. */
	n = scan("[\"{[,:]}\", \"\\\"{,\\\\\", \"\\u0022[\"]");
	ck_assert_uint_eq(n.containers, 1);
	ck_assert_uint_eq(n.values, 4);
	/* An unterminated string hides the rest (json-c stops there). */
	n = scan("[\"abc, [1, 2]");
	ck_assert_uint_eq(n.containers, 1);
	ck_assert_uint_eq(n.values, 2);
}
END_TEST

static const struct jparse_opts small = {
    .depth = 8,
    .flags = JSON_TOKENER_STRICT,
    .containers = 3,
    .values = 10,
    .containers_name = "x.maxContainers",
    .values_name = NULL,
};

static const struct jparse_opts deep = {
    .depth = 8,
    .containers = 100,
    .values = 100,
};

static int
parse(const char *s, const struct jparse_opts *o, json_object **v,
      struct nr_err *err)
{
	return jparse_parse(s, strlen(s), o, v, err);
}

START_TEST(budgets_hold_before_json_c_runs)
{
	struct nr_err err;
	json_object *v = NULL;

	ck_assert_int_eq(parse("[[], {}]", &small, &v, &err), NR_OK);
	ck_assert(json_object_is_type(v, json_type_array));
	json_object_put(v);
	ck_assert_int_eq(parse("[[], {}, []]", &small, &v, &err), NR_ETOOBIG);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err.msg, "the JSON holds 4 objects and arrays; the "
				  "limit is 3 (x.maxContainers)");
	ck_assert_int_eq(parse("[1,2,3,4,5,6,7,8,9]", &small, &v, &err), NR_OK);
	json_object_put(v);
	ck_assert_int_eq(parse("[1,2,3,4,5,6,7,8,9,10]", &small, &v, &err),
			 NR_ETOOBIG);
	ck_assert_str_eq(err.msg,
			 "the JSON holds 11 values and keys; the limit is 10");
	/* Refused whole even when it is not JSON past the budget. */
	ck_assert_int_eq(parse("[{},{},{},{} x", &small, &v, &err), NR_ETOOBIG);
}
END_TEST

START_TEST(bad_json_says_where)
{
	struct nr_err err;
	json_object *v = NULL;

	ck_assert_int_eq(parse("{\"a\": }", &small, &v, &err), NR_EINVAL);
	ck_assert_str_eq(err.msg, "malformed JSON at byte 6: unexpected "
				  "character");
	ck_assert_int_eq(parse("[1, 2", &small, &v, &err), NR_EINVAL);
	ck_assert_int_eq(parse("", &small, &v, &err), NR_EINVAL);
	ck_assert_int_eq(parse("  ", &small, &v, &err), NR_EINVAL);
	ck_assert_int_eq(parse("[[[[[[[[1]]]]]]]]", &deep, &v, &err),
			 NR_EINVAL);
	ck_assert_str_eq(err.msg, "malformed JSON at byte 8: nesting too "
				  "deep");
	ck_assert_int_eq(parse("[[[[[[[1]]]]]]]", &deep, &v, &err), NR_OK);
	json_object_put(v);
	ck_assert_int_eq(jparse_parse("[1]\0", 4, &small, &v, &err), NR_EINVAL);
	ck_assert_str_eq(err.msg, "the JSON holds a NUL byte");
	ck_assert_ptr_null(v);
	/* White space may follow the value, nothing else. */
	ck_assert_int_eq(parse("{} \r\n\t", &small, &v, &err), NR_OK);
	json_object_put(v);
	ck_assert_int_eq(parse("{} {}", &small, &v, &err), NR_EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(parse("1 x", &small, &v, &err), NR_EINVAL);
	/* The text null is a value, not a failure. */
	ck_assert_int_eq(parse(" null ", &small, &v, &err), NR_OK);
	ck_assert_ptr_null(v);
}
END_TEST

/* ASan reserves more address space than any cap would allow: the
 * out-of-memory case runs in builds without it only. */
#if !defined(__SANITIZE_ADDRESS__)
/* The address space this process uses, in bytes. */
static rlim_t
vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kb = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	ck_assert_uint_gt(kb, 0);
	return (rlim_t)kb * 1024;
}

START_TEST(no_memory_is_an_error)
{
	static const struct jparse_opts big = {
	    .depth = 8,
	    .containers = 10000000,
	    .values = 10000000,
	};
	size_t n = 1000000, i;
	struct rlimit rl;
	struct nr_err err;
	json_object *v = NULL;
	char *text = malloc(3 * n + 2);

	/* A million empty objects take about 900 MB; 64 MB is allowed. */
	text[0] = '[';
	for (i = 0; i < n; i++)
		memcpy(text + 1 + 3 * i, "{},", 3);
	text[3 * n] = ']';
	text[3 * n + 1] = '\0';
	getrlimit(RLIMIT_AS, &rl);
	rl.rlim_cur = vm_size() + (64 << 20);
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
	ck_assert_int_eq(jparse_parse(text, 3 * n + 1, &big, &v, &err),
			 NR_ENOMEM);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err.msg,
			 "not enough memory to parse 3000001 bytes of JSON");
	/* What json-c had built is given back: a small parse works. */
	ck_assert_int_eq(parse("[{}]", &big, &v, &err), NR_OK);
	json_object_put(v);
	free(text);
}
END_TEST
#endif

int
main(void)
{
	Suite *s = suite_create("jparse");
	TCase *tc = tcase_create("jparse");

	tcase_add_test(tc, the_scan_counts_containers_and_values);
	tcase_add_test(tc, budgets_hold_before_json_c_runs);
	tcase_add_test(tc, bad_json_says_where);
#if !defined(__SANITIZE_ADDRESS__)
	tcase_add_test(tc, no_memory_is_an_error);
#endif
	suite_add_tcase(s, tc);
	return tap_run(s);
}
