/* Unit tests of conflict.c: every strategy's winner, ties, and that the
 * decision is the same seen from either side. */
#include "tap.h"
#include <stdlib.h>

#include "conflict.h"

static struct config *cfg;

static void
setup(void)
{
	struct config_diag d = {0};

	ck_assert_int_eq(
		config_parse("{\"node\": {\"id\": \"hq\", \"priority\": 1}, "
			     "\"databases\": {\"master\": {\"user\": \"u\", "
			     "\"database\": \"m\"}}, \"replication\": "
			     "{\"tables\": [{\"name\": \"t\", \"primaryKey\": "
			     "\"id\"}]}, \"remoteEnvironments\": {\"east\": "
			     "{\"url\": \"https://e\", \"apiKey\": \"k\", "
			     "\"priority\": 2}}}",
			     NULL, &cfg, &d),
		NR_OK);
	config_diag_free(&d);
}

static void
teardown(void)
{
	config_free(cfg);
}

START_TEST(times_compare_with_and_without_fractions)
{
	ck_assert_int_eq(conflict_ts_cmp("2024-01-01 10:00:00",
					 "2024-01-01 10:00:00.000000"), 0);
	ck_assert_int_lt(conflict_ts_cmp("2024-01-01 10:00:00",
					 "2024-01-01 10:00:00.000001"), 0);
	ck_assert_int_gt(conflict_ts_cmp("2024-01-01 10:00:01",
					 "2024-01-01 10:00:00.999999"), 0);
	ck_assert_int_lt(conflict_ts_cmp(NULL, "1970-01-01 00:00:00"), 0);
	ck_assert_int_eq(conflict_ts_cmp(NULL, NULL), 0);
}
END_TEST

START_TEST(priorities_from_the_config)
{
	ck_assert_int_eq(conflict_priority(cfg, "hq"), 1);
	ck_assert_int_eq(conflict_priority(cfg, "hq.slave"), 1);
	ck_assert_int_eq(conflict_priority(cfg, "east"), 2);
	ck_assert_int_eq(conflict_priority(cfg, "hqx"), 1000000);
	ck_assert_int_eq(conflict_priority(cfg, "west"), 1000000);
}
END_TEST

START_TEST(last_write_wins)
{
	struct version old = {"east", "2024-01-01 10:00:00.000001", 2};
	struct version new = {"west", "2024-01-01 10:00:00.000002", 3};

	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &old, &new),
			 CONFLICT_TAKE_REMOTE);
	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &new, &old),
			 CONFLICT_KEEP_LOCAL);
}
END_TEST

START_TEST(ties_go_to_priority_then_node_id)
{
	struct version a = {"east", "2024-01-01 10:00:00", 2};
	struct version b = {"west", "2024-01-01 10:00:00.000000", 1};
	struct version c = {"zulu", "2024-01-01 10:00:00", 2};

	/* Same time: priority 1 beats 2, from either side. */
	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &a, &b),
			 CONFLICT_TAKE_REMOTE);
	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &b, &a),
			 CONFLICT_KEEP_LOCAL);
	/* Same time and priority: the greater node id. */
	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &a, &c),
			 CONFLICT_TAKE_REMOTE);
	ck_assert_int_eq(conflict_decide(STRATEGY_LAST_WRITE_WINS, &c, &a),
			 CONFLICT_KEEP_LOCAL);
}
END_TEST

START_TEST(primary_wins_whatever_the_time)
{
	struct version primary = {"hq", "2020-01-01 00:00:00", 1};
	struct version branch = {"east", "2030-01-01 00:00:00", 2};
	struct version branch2 = {"west", "2031-01-01 00:00:00", 2};

	ck_assert_int_eq(conflict_decide(STRATEGY_PRIMARY_WINS, &primary,
					 &branch), CONFLICT_KEEP_LOCAL);
	ck_assert_int_eq(conflict_decide(STRATEGY_PRIMARY_WINS, &branch,
					 &primary), CONFLICT_TAKE_REMOTE);
	/* Equal priority: the later write. */
	ck_assert_int_eq(conflict_decide(STRATEGY_PRIMARY_WINS, &branch,
					 &branch2), CONFLICT_TAKE_REMOTE);
}
END_TEST

START_TEST(manual_is_always_open)
{
	struct version a = {"a", "2024-01-01 00:00:00", 1};
	struct version b = {"b", "2025-01-01 00:00:00", 2};

	ck_assert_int_eq(conflict_decide(STRATEGY_MANUAL, &a, &b),
			 CONFLICT_OPEN);
	ck_assert_int_eq(conflict_decide(STRATEGY_MANUAL, &b, &a),
			 CONFLICT_OPEN);
}
END_TEST

/* Seen from both sides, every pair elects the same winner. */
START_TEST(decisions_are_symmetric)
{
	static const struct version v[] = {
		{"a", "2024-01-01 00:00:00", 1},
		{"b", "2024-01-01 00:00:00", 1},
		{"c", "2024-01-01 00:00:00.5", 2},
		{"d", NULL, 3},
		{"e", "2023-12-31 23:59:59.999999", 1},
	};
	static const int strategies[] = {STRATEGY_LAST_WRITE_WINS,
					 STRATEGY_PRIMARY_WINS};
	size_t i, j, s;

	for (s = 0; s < 2; s++)
		for (i = 0; i < 5; i++)
			for (j = 0; j < 5; j++) {
				int x, y;

				if (i == j)
					continue;
				x = conflict_decide(strategies[s], &v[i], &v[j]);
				y = conflict_decide(strategies[s], &v[j], &v[i]);
				ck_assert_msg(x != y, "%zu vs %zu: both %d", i,
					      j, x);
			}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conflict");
	TCase *tc = tcase_create("conflict");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, times_compare_with_and_without_fractions);
	tcase_add_test(tc, priorities_from_the_config);
	tcase_add_test(tc, last_write_wins);
	tcase_add_test(tc, ties_go_to_priority_then_node_id);
	tcase_add_test(tc, primary_wins_whatever_the_time);
	tcase_add_test(tc, manual_is_always_open);
	tcase_add_test(tc, decisions_are_symmetric);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
