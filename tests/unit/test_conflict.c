/* Unit tests of conflict.c: every strategy's winner, ties, that the
 * decision is the same seen from either side, and the judgement of an
 * arriving change from what the destination knows: already so, older,
 * concurrent, two writes of one node, deletes and their tombstones. */
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
					 "2024-01-01 10:00:00.000000"),
			 0);
	ck_assert_int_lt(conflict_ts_cmp("2024-01-01 10:00:00",
					 "2024-01-01 10:00:00.000001"),
			 0);
	ck_assert_int_gt(conflict_ts_cmp("2024-01-01 10:00:01",
					 "2024-01-01 10:00:00.999999"),
			 0);
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

	ck_assert_int_eq(
	    conflict_decide(STRATEGY_PRIMARY_WINS, &primary, &branch),
	    CONFLICT_KEEP_LOCAL);
	ck_assert_int_eq(
	    conflict_decide(STRATEGY_PRIMARY_WINS, &branch, &primary),
	    CONFLICT_TAKE_REMOTE);
	/* Equal priority: the later write. */
	ck_assert_int_eq(
	    conflict_decide(STRATEGY_PRIMARY_WINS, &branch, &branch2),
	    CONFLICT_TAKE_REMOTE);
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
				x = conflict_decide(strategies[s], &v[i],
						    &v[j]);
				y = conflict_decide(strategies[s], &v[j],
						    &v[i]);
				ck_assert_msg(x != y, "%zu vs %zu: both %d", i,
					      j, x);
			}
}
END_TEST

/* A change of key k arriving from node "east" (priority 2) at ts. */
static struct conflict_case
arriving(int strategy, char op, const char *ts)
{
	struct conflict_case k = {0};

	k.strategy = strategy;
	k.op = op;
	k.change.origin = "east";
	k.change.ts = ts;
	k.change.priority = 2;
	k.logged = true;
	return k;
}

static const int all_strategies[] = {STRATEGY_LAST_WRITE_WINS,
				     STRATEGY_PRIMARY_WINS, STRATEGY_MANUAL};

START_TEST(nothing_known_here_is_written)
{
	size_t s;

	for (s = 0; s < 3; s++) {
		struct conflict_case u = arriving(all_strategies[s], 'U',
						  "2024-01-01 00:00:00");
		struct conflict_case d = arriving(all_strategies[s], 'D',
						  "2024-01-01 00:00:00");

		d.known = NULL;
		ck_assert_int_eq(conflict_judge(&u), VERDICT_WRITE);
		/* A delete of a key with a row, never logged here. */
		ck_assert_int_eq(conflict_judge(&d), VERDICT_WRITE);
	}
}
END_TEST

START_TEST(already_so_is_same)
{
	struct version known = {"west", "2025-01-01 00:00:00", 3};
	size_t s;

	for (s = 0; s < 3; s++) {
		struct conflict_case k = arriving(all_strategies[s], 'U',
						  "2024-01-01 00:00:00");

		k.same = true;
		k.known = &known;
		ck_assert_int_eq(conflict_judge(&k), VERDICT_SAME);
	}
}
END_TEST

START_TEST(last_write_wins_skips_what_is_older_than_known)
{
	struct version known = {"west", "2024-06-01 00:00:00", 3};
	struct version unseen = {"west", "2024-06-01 00:00:00", 3};
	struct conflict_case k = arriving(STRATEGY_LAST_WRITE_WINS, 'U',
					  "2024-01-01 00:00:00");

	k.known = &known;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OLDER);
	/* ... and a conflict, won by the local version, when the newer
	 * version here is one the sender has not seen. */
	k.unseen = &unseen;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_LOST);
	/* A newer change wins over both. */
	k.change.ts = "2024-07-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE_OVER);
	k.unseen = NULL;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
	/* Without the changelog read (the destination does not capture),
	 * known is not consulted. */
	k.change.ts = "2024-01-01 00:00:00";
	k.logged = false;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
}
END_TEST

START_TEST(last_write_wins_ties_with_the_known_version)
{
	struct version known = {"west", "2024-01-01 00:00:00", 3};
	struct conflict_case k = arriving(STRATEGY_LAST_WRITE_WINS, 'U',
					  "2024-01-01 00:00:00.000000");

	/* Same time: east (priority 2) beats west (3). */
	k.known = &known;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
	known.priority = 1;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OLDER);
	/* Same time, same node: the arriving write is the later. */
	known.origin = "east";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
	/* Known only by the row's time (no origin): not older. */
	known.origin = NULL;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
}
END_TEST

START_TEST(a_delete_already_so_leaves_a_tombstone)
{
	struct version known = {"west", "2024-01-01 00:00:00", 3};
	struct conflict_case k = arriving(STRATEGY_LAST_WRITE_WINS, 'D',
					  "2024-06-01 00:00:00");

	k.same = true; /* no row here */
	ck_assert_int_eq(conflict_judge(&k), VERDICT_TOMBSTONE);
	k.known = &known;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_TOMBSTONE);
	/* Known here at a later time (say, a delete of its own): nothing
	 * to record. */
	known.ts = "2025-01-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_SAME);
	/* Only last_write_wins keeps tombstones. */
	known.ts = "2024-01-01 00:00:00";
	k.strategy = STRATEGY_PRIMARY_WINS;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_SAME);
	/* A delete without a time cannot be ordered. */
	k.strategy = STRATEGY_LAST_WRITE_WINS;
	k.change.ts = NULL;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_SAME);
}
END_TEST

START_TEST(a_delete_older_than_known_is_skipped)
{
	struct version known = {"west", "2024-06-01 00:00:00", 3};
	struct conflict_case k = arriving(STRATEGY_LAST_WRITE_WINS, 'D',
					  "2024-01-01 00:00:00");

	k.known = &known;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OLDER);
	k.change.ts = "2024-07-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
}
END_TEST

START_TEST(a_later_row_time_holds_where_asked)
{
	struct conflict_case k = arriving(STRATEGY_PRIMARY_WINS, 'U',
					  "2024-01-01 00:00:00");

	k.row_ts = "2024-01-01 00:00:00.000001";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OLDER);
	k.row_ts = "2024-01-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
}
END_TEST

START_TEST(two_writes_of_one_node_are_no_conflict)
{
	struct version unseen = {"east", "2024-06-01 00:00:00", 2};
	size_t s;

	for (s = 0; s < 3; s++) {
		struct conflict_case k = arriving(all_strategies[s], 'U',
						  "2024-01-01 00:00:00");

		k.logged = false;
		k.unseen = &unseen;
		ck_assert_int_eq(conflict_judge(&k), VERDICT_OLDER);
		k.change.ts = "2024-06-01 00:00:00";
		ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE);
	}
}
END_TEST

START_TEST(concurrent_changes_by_strategy)
{
	struct version hq = {"hq", "2024-01-01 00:00:00", 1};
	struct conflict_case k;

	/* An older change of a lesser node. */
	k = arriving(STRATEGY_LAST_WRITE_WINS, 'U', "2023-01-01 00:00:00");
	k.logged = false;
	k.unseen = &hq;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_LOST);
	k.change.ts = "2025-01-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE_OVER);
	/* primary_wins: the primary's version stands, whatever the time. */
	k.strategy = STRATEGY_PRIMARY_WINS;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_LOST);
	/* manual: open, whatever the time; a delete too. */
	k.strategy = STRATEGY_MANUAL;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OPEN);
	k.op = 'D';
	ck_assert_int_eq(conflict_judge(&k), VERDICT_OPEN);
	/* A concurrent delete under last_write_wins, by time. */
	k.strategy = STRATEGY_LAST_WRITE_WINS;
	ck_assert_int_eq(conflict_judge(&k), VERDICT_WRITE_OVER);
	k.change.ts = "2023-01-01 00:00:00";
	ck_assert_int_eq(conflict_judge(&k), VERDICT_LOST);
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
	tcase_add_test(tc, nothing_known_here_is_written);
	tcase_add_test(tc, already_so_is_same);
	tcase_add_test(tc, last_write_wins_skips_what_is_older_than_known);
	tcase_add_test(tc, last_write_wins_ties_with_the_known_version);
	tcase_add_test(tc, a_delete_already_so_leaves_a_tombstone);
	tcase_add_test(tc, a_delete_older_than_known_is_skipped);
	tcase_add_test(tc, a_later_row_time_holds_where_asked);
	tcase_add_test(tc, two_writes_of_one_node_are_no_conflict);
	tcase_add_test(tc, concurrent_changes_by_strategy);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
