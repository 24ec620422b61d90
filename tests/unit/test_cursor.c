/* Unit tests of cursor.c: tokens round-trip, gaps split, merge and die
 * by the rules of the design (with no overflow whatever a token says),
 * and a sealed token opens only with its node's key, unchanged. */
#include "tap.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

START_TEST(fresh_cursor_from_empty_token)
{
	struct cursor c;
	struct nr_err err;

	ck_assert_int_eq(cursor_parse(NULL, &c, &err), NR_OK);
	ck_assert(!c.started);
	ck_assert_int_eq(cursor_parse("", &c, &err), NR_OK);
	ck_assert(!c.started);
	ck_assert(!cursor_covers(&c, 1));
}
END_TEST

START_TEST(token_round_trip)
{
	struct cursor c = {0}, d;
	struct nr_err err;
	char *t, *t2;

	c.started = true;
	c.snapshot = true;
	c.after_pk = strdup("[\"42\", \"x\\\"y\"]");
	c.high = 18446744073709551615ULL;
	c.after_ts = strdup("2024-01-01 10:00:00.000001");
	c.mark_ts = strdup("2024-01-02 00:00:00.000000");
	cursor_add_gap(&c, 10, 12, 1700000000123456LL);
	cursor_add_gap(&c, 20, 20, 1700000000999999LL);
	t = cursor_encode(&c);
	ck_assert_ptr_null(strpbrk(t, "+/="));
	ck_assert_int_eq(cursor_parse(t, &d, &err), NR_OK);
	ck_assert(d.started && d.snapshot);
	ck_assert_str_eq(d.after_pk, c.after_pk);
	ck_assert_str_eq(d.after_ts, c.after_ts);
	ck_assert_str_eq(d.mark_ts, c.mark_ts);
	ck_assert(d.high == c.high);
	ck_assert_uint_eq(d.ngaps, 2);
	ck_assert(d.gaps[0].lo == 10 && d.gaps[0].hi == 12);
	ck_assert(d.gaps[1].seen == 1700000000999999LL);
	t2 = cursor_encode(&d);
	ck_assert_str_eq(t, t2);
	free(t);
	free(t2);
	cursor_clear(&c);
	cursor_clear(&d);
}
END_TEST

START_TEST(bad_tokens_are_refused)
{
	static const char *const bad[] = {
	    "!!!",
	    "eyJ2IjoyfQ",			    /* {"v":2} */
	    "eyJ2IjoxfQ",			    /* {"v":1}: no h, g */
	    "eyJ2IjoxLCJoIjo1LCJnIjpbWzYsNywxXV19", /* gap above high */
	    "eyJ2IjoxLCJoIjotNSwiZyI6W119",	    /* negative high */
	    /* a gap seen before the epoch */
	    "eyJ2IjoxLCJoIjo1LCJnIjpbWzEsMSwtNV1dfQ",
	    /* a seal that is not 43 characters */
	    "eyJ2IjoxLCJoIjo1LCJnIjpbXX0.abc",
	};
	struct cursor c;
	struct nr_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cursor_parse(bad[i], &c, &err) == NR_EINVAL,
			      "accepted %s", bad[i]);
		ck_assert(!c.started);
	}
}
END_TEST

START_TEST(covers_and_found_split_gaps)
{
	struct cursor c = {0};

	c.started = true;
	c.high = 100;
	cursor_add_gap(&c, 10, 20, 5);
	ck_assert(cursor_covers(&c, 9));
	ck_assert(!cursor_covers(&c, 10));
	ck_assert(!cursor_covers(&c, 15));
	ck_assert(cursor_covers(&c, 21));
	ck_assert(!cursor_covers(&c, 101));
	cursor_found(&c, 15);
	ck_assert_uint_eq(c.ngaps, 2);
	ck_assert(cursor_covers(&c, 15));
	ck_assert(!cursor_covers(&c, 14) && !cursor_covers(&c, 16));
	cursor_found(&c, 10);
	cursor_found(&c, 20);
	ck_assert(c.gaps[0].lo == 11 && c.gaps[1].hi == 19);
	cursor_found(&c, 11);
	cursor_found(&c, 12);
	cursor_found(&c, 13);
	cursor_found(&c, 14);
	ck_assert_uint_eq(c.ngaps, 1);
	ck_assert(c.gaps[0].lo == 16 && c.gaps[0].hi == 19);
	ck_assert(c.gaps[0].seen == 5);
	cursor_clear(&c);
}
END_TEST

START_TEST(gaps_die_when_their_transactions_are_gone)
{
	struct cursor c = {0};

	c.started = true;
	c.high = 100;
	cursor_add_gap(&c, 10, 10, 1000);
	cursor_add_gap(&c, 20, 20, 2000);
	/* A transaction open since 1500 may hold seq 20, not seq 10. */
	ck_assert_uint_eq(cursor_drop_dead(&c, true, 1500, 9000000, 0), 1);
	ck_assert_uint_eq(c.ngaps, 1);
	ck_assert(c.gaps[0].lo == 20);
	/* One that started exactly when the gap was seen may hold it. */
	ck_assert_uint_eq(cursor_drop_dead(&c, true, 2000, 9000000, 0), 0);
	/* A gap seen a moment ago stays, whatever the (cached) view says. */
	ck_assert_uint_eq(cursor_drop_dead(&c, true, INT64_MAX,
					   2000 + CURSOR_GAP_SETTLE_US, 0),
			  0);
	ck_assert_uint_eq(cursor_drop_dead(&c, true, INT64_MAX, 9000000, 0), 1);
	ck_assert_uint_eq(c.ngaps, 0);
	/* Without the view of open transactions: the timeout. */
	cursor_add_gap(&c, 30, 30, 1000000);
	ck_assert_uint_eq(cursor_drop_dead(&c, false, 0, 5000000, 10000000), 0);
	ck_assert_uint_eq(cursor_drop_dead(&c, false, 0, 12000000, 10000000),
			  1);
	cursor_clear(&c);
}
END_TEST

/* A gap whose time is near the ends of int64_t (a corrupt or forged
 * token's) is far in the past or the future: its age does not wrap. */
START_TEST(gap_ages_do_not_overflow)
{
	struct cursor c = {0};
	int64_t now = 1700000000000000LL;

	c.started = true;
	c.high = 100;
	cursor_add_gap(&c, 10, 10, INT64_MIN + 1);
	/* Ages past the timeout: dead. */
	ck_assert_uint_eq(cursor_drop_dead(&c, false, 0, now, 600000000), 1);
	cursor_add_gap(&c, 20, 20, INT64_MIN);
	ck_assert_uint_eq(cursor_drop_dead(&c, true, INT64_MAX, now, 0), 1);
	/* In the future: younger than the settling margin, kept. */
	cursor_add_gap(&c, 30, 30, INT64_MAX);
	ck_assert_uint_eq(cursor_drop_dead(&c, false, 0, now, 600000000), 0);
	ck_assert_uint_eq(cursor_drop_dead(&c, true, INT64_MAX, INT64_MIN, 0),
			  0);
	cursor_clear(&c);
}
END_TEST

static void
make_key(struct cursor_key *k, unsigned char fill)
{
	memset(k, 0, sizeof(*k));
	memset(k->k, fill, sizeof(k->k));
}

START_TEST(sealed_tokens_open_with_their_key_only)
{
	struct cursor c = {0}, d, f = {0};
	struct cursor_key a, b;
	struct nr_err err;
	char *t, *u, *forged;
	size_t n;

	make_key(&a, 1);
	make_key(&b, 2);
	c.started = true;
	c.high = 77;
	cursor_add_gap(&c, 70, 71, 1700000000000000LL);
	t = cursor_seal(&c, &a);
	n = strcspn(t, ".");
	ck_assert_uint_eq(strlen(t) - n, 44);
	ck_assert_ptr_null(strpbrk(t, "+/="));
	ck_assert_int_eq(cursor_open(t, &a, 0, &d, &err), NR_OK);
	ck_assert(cursor_same(&c, &d));
	cursor_clear(&d);
	/* The structure alone reads without the key. */
	ck_assert_int_eq(cursor_parse(t, &d, &err), NR_OK);
	ck_assert(cursor_same(&c, &d));
	cursor_clear(&d);
	/* Another node's key. */
	ck_assert_int_eq(cursor_open(t, &b, 0, &d, &err), NR_EINVAL);
	ck_assert(!d.started);
	/* "h":0, which would read the whole changelog again: unsealed, and
	 * then under a real token's seal. */
	f.started = true;
	forged = cursor_encode(&f);
	ck_assert_int_eq(cursor_open(forged, &a, 0, &d, &err), NR_EINVAL);
	ck_assert_str_eq(err.msg, "the cursor is not sealed by this node");
	forged = realloc(forged, strlen(forged) + 45);
	strcat(forged, t + n);
	ck_assert_int_eq(cursor_open(forged, &a, 0, &d, &err), NR_EINVAL);
	ck_assert(!d.started);
	free(forged);
	/* One character of the seal changed. */
	u = strdup(t);
	u[strlen(u) - 1] = u[strlen(u) - 1] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(cursor_open(u, &a, 0, &d, &err), NR_EINVAL);
	/* No token: a fresh cursor, as before. */
	ck_assert_int_eq(cursor_open(NULL, &a, 0, &d, &err), NR_OK);
	ck_assert(!d.started);
	free(t);
	free(u);
	cursor_clear(&c);
}
END_TEST

/* A sealed token carries the epoch of the changelog it is a position
 * in: of another epoch (a restore, a log made again) it is refused as
 * rewound, not as forged; a token from before epochs is taken. */
START_TEST(tokens_carry_the_epoch)
{
	struct cursor c = {0}, d;
	struct cursor_key k;
	struct nr_err err;
	char *t, *u;

	make_key(&k, 4);
	snprintf(k.epoch, sizeof(k.epoch), "%s",
		 "0123456789abcdef0123456789abcdef");
	c.started = true;
	c.high = 12;
	t = cursor_seal(&c, &k);
	ck_assert_int_eq(cursor_open(t, &k, 0, &d, &err), NR_OK);
	ck_assert_str_eq(d.epoch, k.epoch);
	cursor_clear(&d);
	snprintf(k.epoch, sizeof(k.epoch), "%s",
		 "fedcba9876543210fedcba9876543210");
	ck_assert_int_eq(cursor_open(t, &k, 0, &d, &err), NR_EREWOUND);
	ck_assert(!d.started);
	ck_assert_ptr_nonnull(strstr(err.msg, "earlier changelog"));
	/* Parsed only (a token this node stored), the epoch is checked
	 * apart. */
	ck_assert_int_eq(cursor_parse(t, &d, &err), NR_OK);
	ck_assert_int_eq(cursor_epoch_ok(&d, &k, &err), NR_EREWOUND);
	cursor_clear(&d);
	/* Sealed before epochs: no "e", taken. */
	k.epoch[0] = '\0';
	u = cursor_seal(&c, &k);
	snprintf(k.epoch, sizeof(k.epoch), "%s",
		 "0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(cursor_open(u, &k, 0, &d, &err), NR_OK);
	ck_assert_ptr_null(d.epoch);
	cursor_clear(&d);
	free(t);
	free(u);
}
END_TEST

/* The mark of a copy that replaces an expired position round-trips and
 * makes another position. */
START_TEST(resync_mark_round_trips)
{
	struct cursor c = {0}, d = {0};
	struct nr_err err;
	char *t;

	c.started = c.snapshot = c.resync = true;
	c.high = 9;
	c.after_pk = strdup("[3]");
	t = cursor_encode(&c);
	ck_assert_int_eq(cursor_parse(t, &d, &err), NR_OK);
	ck_assert(d.resync);
	ck_assert(cursor_same(&c, &d));
	d.resync = false;
	ck_assert(!cursor_same(&c, &d));
	free(t);
	cursor_clear(&c);
	cursor_clear(&d);
}
END_TEST

/* Tokens from before sealing: taken while the grace lasts, if they could
 * be one this node gave before it sealed. */
START_TEST(unsealed_tokens_only_within_the_grace)
{
	struct cursor c = {0}, d;
	struct cursor_key k;
	struct nr_err err;
	char *t;

	make_key(&k, 3);
	c.started = true;
	c.high = 50;
	cursor_add_gap(&c, 40, 41, 900);
	t = cursor_encode(&c);
	/* No grace (a database that never handed out unsealed ones). */
	ck_assert_int_eq(cursor_open(t, &k, 100, &d, &err), NR_EINVAL);
	k.legacy_until = 200;
	k.legacy_high = 50;
	k.legacy_seen = 1000;
	ck_assert_int_eq(cursor_open(t, &k, 100, &d, &err), NR_OK);
	ck_assert(cursor_same(&c, &d));
	cursor_clear(&d);
	/* The grace is over. */
	ck_assert_int_eq(cursor_open(t, &k, 200, &d, &err), NR_EINVAL);
	/* Past the head when sealing began. */
	k.legacy_high = 49;
	ck_assert_int_eq(cursor_open(t, &k, 100, &d, &err), NR_EINVAL);
	k.legacy_high = 50;
	/* A gap first seen after sealing began. */
	k.legacy_seen = 899;
	ck_assert_int_eq(cursor_open(t, &k, 100, &d, &err), NR_EINVAL);
	free(t);
	cursor_clear(&c);
}
END_TEST

START_TEST(too_many_gaps_merge_without_losing_any)
{
	struct cursor c = {0};
	uint64_t s;

	c.started = true;
	c.high = 10 * (CURSOR_MAX_GAPS + 50);
	for (s = 1; s <= CURSOR_MAX_GAPS + 50; s++)
		cursor_add_gap(&c, s * 10, s * 10, (int64_t)s);
	ck_assert_uint_eq(c.ngaps, CURSOR_MAX_GAPS);
	for (s = 1; s <= CURSOR_MAX_GAPS + 50; s++)
		ck_assert_msg(!cursor_covers(&c, s * 10), "lost gap %llu",
			      (unsigned long long)s * 10);
	cursor_clear(&c);
}
END_TEST

START_TEST(copy_is_deep)
{
	struct cursor a = {0}, b = {0};

	a.started = true;
	a.after_pk = strdup("[\"1\"]");
	cursor_add_gap(&a, 1, 2, 3);
	a.high = 5;
	cursor_copy(&b, &a);
	cursor_clear(&a);
	ck_assert_str_eq(b.after_pk, "[\"1\"]");
	ck_assert_uint_eq(b.ngaps, 1);
	cursor_clear(&b);
}
END_TEST

START_TEST(deletes_phase_round_trips_and_is_not_delivery)
{
	struct cursor c = {0}, d;
	struct nr_err err;
	char *t;

	c.started = true;
	c.tombs = true;
	c.high = 40;
	c.after_pk = strdup("[\"7\"]");
	t = cursor_encode(&c);
	ck_assert_int_eq(cursor_parse(t, &d, &err), NR_OK);
	ck_assert(d.tombs && !d.snapshot);
	ck_assert_str_eq(d.after_pk, "[\"7\"]");
	/* While the deletes are still being sent, nothing counts as seen. */
	ck_assert(!cursor_covers(&d, 1));
	ck_assert(cursor_same(&c, &d));
	free(t);
	cursor_clear(&c);
	cursor_clear(&d);
}
END_TEST

START_TEST(same_compares_whole_positions)
{
	struct cursor a = {0}, b = {0}, fresh = {0};

	ck_assert(cursor_same(&fresh, &b));
	a.started = true;
	a.high = 9;
	cursor_add_gap(&a, 3, 4, 100);
	cursor_copy(&b, &a);
	ck_assert(cursor_same(&a, &b));
	ck_assert(!cursor_same(&a, &fresh));
	b.high = 10;
	ck_assert(!cursor_same(&a, &b));
	b.high = 9;
	cursor_found(&b, 3);
	ck_assert(!cursor_same(&a, &b));
	cursor_clear(&b);
	cursor_copy(&b, &a);
	b.gaps[0].seen = 101;
	ck_assert(!cursor_same(&a, &b));
	cursor_clear(&b);
	cursor_copy(&b, &a);
	b.after_pk = strdup("[\"1\"]");
	ck_assert(!cursor_same(&a, &b));
	cursor_clear(&a);
	cursor_clear(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, fresh_cursor_from_empty_token);
	tcase_add_test(tc, token_round_trip);
	tcase_add_test(tc, bad_tokens_are_refused);
	tcase_add_test(tc, covers_and_found_split_gaps);
	tcase_add_test(tc, gaps_die_when_their_transactions_are_gone);
	tcase_add_test(tc, gap_ages_do_not_overflow);
	tcase_add_test(tc, sealed_tokens_open_with_their_key_only);
	tcase_add_test(tc, unsealed_tokens_only_within_the_grace);
	tcase_add_test(tc, too_many_gaps_merge_without_losing_any);
	tcase_add_test(tc, copy_is_deep);
	tcase_add_test(tc, deletes_phase_round_trips_and_is_not_delivery);
	tcase_add_test(tc, same_compares_whole_positions);
	tcase_add_test(tc, tokens_carry_the_epoch);
	tcase_add_test(tc, resync_mark_round_trips);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
