/* Unit tests of batch.c: a batch takes its columns from the table,
 * copies every string and value it is given (binary flags from its own
 * columns), grows, frees to empty, knows the tables it matches, and is
 * projected onto a table of other columns (a rolling schema change). */
#include "tap.h"
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "util.h"

static const struct config_table conf = {.name = "items"};
static struct tmeta *tm;

/* items (id, name, data): data is bytes. */
static struct tmeta *
make_items(void)
{
	static const char *const names[] = {"id", "name", "data"};
	struct tmeta *t = util_calloc(1, sizeof(*t));
	size_t i;

	t->conf = &conf;
	t->name = util_strdup("items");
	t->cols = util_calloc(3, sizeof(*t->cols));
	for (i = 0; i < 3; i++) {
		t->cols[i].name = util_strdup(names[i]);
		t->cols[i].type = util_strdup(i == 2 ? "blob" : "varchar");
		t->cols[i].binary = i == 2;
	}
	t->ncols = 3;
	t->pk = util_calloc(1, sizeof(*t->pk));
	t->npk = 1;
	t->ts = -1;
	t->tenant = -1;
	return t;
}

static void
free_items(struct tmeta *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	free(t->cols);
	free(t->pk);
	free(t->name);
	free(t);
}

static void
setup(void)
{
	tm = make_items();
}

static void
teardown(void)
{
	free_items(tm);
}

START_TEST(columns_come_from_the_table)
{
	struct batch b;

	batch_init(&b, tm);
	ck_assert_str_eq(b.table, "items");
	ck_assert_ptr_ne(b.table, tm->name);
	ck_assert_uint_eq(b.ncols, 3);
	ck_assert_str_eq(b.cols[0], "id");
	ck_assert_str_eq(b.cols[1], "name");
	ck_assert_str_eq(b.cols[2], "data");
	ck_assert_ptr_ne(b.cols[0], tm->cols[0].name);
	ck_assert(!b.binary[0] && !b.binary[1] && b.binary[2]);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_ptr_null(b.v);
	ck_assert(!b.snapshot && !b.has_more);
	ck_assert_ptr_null(b.range_lo);
	ck_assert_ptr_null(b.range_hi);
	batch_free(&b);
}
END_TEST

START_TEST(changes_are_copies)
{
	char pk[] = "[\"1\"]", origin[] = "hq", ts[] = "2024-01-31 12:00:00";
	char name[] = "n\0m", data[] = "\x00\xff";
	struct qval row[3] = {
	    {NULL, 0, true, false},
	    {name, 3, false, false},
	    {data, 2, false, false}, /* binary from the column */
	};
	struct change *c;
	struct batch b;

	batch_init(&b, tm);
	c = batch_add(&b, 'U', pk, origin, ts);
	batch_set_row(&b, c, row);
	c = batch_add(&b, 'D', "[\"2\"]", "client:web", NULL);
	memset(pk, 'x', sizeof(pk) - 1);
	memset(origin, 'x', sizeof(origin) - 1);
	memset(ts, 'x', sizeof(ts) - 1);
	memset(name, 'x', sizeof(name) - 1);
	memset(data, 'x', sizeof(data) - 1);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_ptr_eq(c, &b.v[1]);
	ck_assert_int_eq(b.v[0].op, 'U');
	ck_assert_str_eq(b.v[0].pk, "[\"1\"]");
	ck_assert_str_eq(b.v[0].origin, "hq");
	ck_assert_str_eq(b.v[0].ts, "2024-01-31 12:00:00");
	ck_assert(b.v[0].vals[0].null);
	ck_assert_ptr_null(b.v[0].vals[0].p);
	ck_assert_uint_eq(b.v[0].vals[1].len, 3);
	ck_assert_mem_eq(b.v[0].vals[1].p, "n\0m", 4);
	ck_assert(!b.v[0].vals[1].binary);
	ck_assert_uint_eq(b.v[0].vals[2].len, 2);
	ck_assert_mem_eq(b.v[0].vals[2].p, "\x00\xff\0", 3);
	ck_assert(b.v[0].vals[2].binary);
	ck_assert_int_eq(b.v[1].op, 'D');
	ck_assert_str_eq(b.v[1].pk, "[\"2\"]");
	ck_assert_str_eq(b.v[1].origin, "client:web");
	ck_assert_ptr_null(b.v[1].ts);
	ck_assert_ptr_null(b.v[1].vals);
	batch_free(&b);
}
END_TEST

START_TEST(many_changes_and_free_to_empty)
{
	const struct qval row[3] = {
	    {"k", 1, false, false},
	    {"v", 1, false, false},
	    {"", 0, false, true},
	};
	char pk[32];
	struct batch b;
	size_t i;

	batch_init(&b, tm);
	for (i = 0; i < 5000; i++) {
		snprintf(pk, sizeof(pk), "[\"%zu\"]", i);
		batch_set_row(&b, batch_add(&b, 'U', pk, "hq", NULL), row);
	}
	b.range_lo = util_strdup("[\"0\"]");
	b.range_hi = util_strdup("[\"9\"]");
	b.snapshot = b.has_more = true;
	ck_assert_uint_eq(b.n, 5000);
	ck_assert_str_eq(b.v[0].pk, "[\"0\"]");
	ck_assert_str_eq(b.v[4999].pk, "[\"4999\"]");
	ck_assert_str_eq(b.v[4999].vals[0].p, "k");
	ck_assert_ptr_nonnull(b.v[4999].vals[2].p);
	ck_assert_uint_eq(b.v[4999].vals[2].len, 0);
	batch_free(&b);
	/* Empty again, and may be freed again. */
	ck_assert_uint_eq(b.n, 0);
	ck_assert_uint_eq(b.ncols, 0);
	ck_assert_ptr_null(b.v);
	ck_assert_ptr_null(b.table);
	ck_assert_ptr_null(b.cols);
	ck_assert_ptr_null(b.range_lo);
	ck_assert(!b.snapshot && !b.has_more);
	batch_free(&b);
}
END_TEST

START_TEST(matching_tables)
{
	struct tmeta *other = make_items();
	struct batch b;
	char *t;

	batch_init(&b, tm);
	ck_assert(batch_matches(&b, tm));
	ck_assert(batch_matches(&b, other));
	/* Another column name. */
	t = other->cols[1].name;
	other->cols[1].name = "title";
	ck_assert(!batch_matches(&b, other));
	other->cols[1].name = t;
	ck_assert(batch_matches(&b, other));
	/* The same names in another order. */
	other->cols[1].name = other->cols[2].name;
	other->cols[2].name = t;
	ck_assert(!batch_matches(&b, other));
	other->cols[2].name = other->cols[1].name;
	other->cols[1].name = t;
	/* Fewer columns, the same first ones. */
	other->ncols = 2;
	ck_assert(!batch_matches(&b, other));
	other->ncols = 3;
	ck_assert(batch_matches(&b, other));
	batch_free(&b);
	free_items(other);
}
END_TEST

/* The source has (id, name, extra); the table here (id, name, data). */
START_TEST(projected_onto_other_columns)
{
	static const char *const names[] = {"id", "name", "extra"};
	struct batch in = {0}, out;
	struct nr_err err;
	struct change *c;
	struct qval row[3] = {qv_str("7"), qv_str("n"), qv_str("x")};
	size_t i;

	batch_init(&in, tm);
	for (i = 0; i < 3; i++) {
		free(in.cols[i]);
		in.cols[i] = util_strdup(names[i]);
		in.binary[i] = false;
	}
	c = batch_add(&in, 'U', "[\"7\"]", "hq", "2024-01-01 00:00:00");
	batch_set_row(&in, c, row);
	batch_add(&in, 'D', "[\"8\"]", "hq", NULL);
	in.snapshot = true;
	in.range_hi = util_strdup("[\"8\"]");
	ck_assert(!batch_matches(&in, tm));
	ck_assert_int_eq(batch_project(&in, tm, &out, &err), NR_OK);
	ck_assert(batch_matches(&out, tm));
	ck_assert_str_eq(out.dropped, "extra");
	ck_assert_uint_eq(out.n, 2);
	ck_assert(out.snapshot);
	ck_assert_str_eq(out.range_hi, "[\"8\"]");
	ck_assert_str_eq(out.v[0].pk, "[\"7\"]");
	ck_assert_str_eq(out.v[0].ts, "2024-01-01 00:00:00");
	ck_assert_str_eq(out.v[0].vals[0].p, "7");
	ck_assert_str_eq(out.v[0].vals[1].p, "n");
	ck_assert(out.v[0].vals[2].null);
	ck_assert(out.v[0].vals[2].binary);
	ck_assert(out.v[0].given[0] && out.v[0].given[1] && !out.v[0].given[2]);
	ck_assert_int_eq(out.v[1].op, 'D');
	ck_assert_ptr_null(out.v[1].vals);
	batch_free(&out);

	/* A key column missing, or text here and bytes there: refused. */
	free(in.cols[0]);
	in.cols[0] = util_strdup("uid");
	ck_assert_int_eq(batch_project(&in, tm, &out, &err), NR_ECONFIG);
	ck_assert_str_eq(err.msg, "table items: key column id is not in the "
				  "source's rows");
	free(in.cols[0]);
	in.cols[0] = util_strdup("id");
	in.binary[1] = true;
	ck_assert_int_eq(batch_project(&in, tm, &out, &err), NR_ECONFIG);
	ck_assert_str_eq(err.msg, "table items: column name is text here and "
				  "binary at the source; change its type "
				  "everywhere");
	batch_free(&in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, columns_come_from_the_table);
	tcase_add_test(tc, changes_are_copies);
	tcase_add_test(tc, many_changes_and_free_to_empty);
	tcase_add_test(tc, matching_tables);
	tcase_add_test(tc, projected_onto_other_columns);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
