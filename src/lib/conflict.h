/* Conflict decisions: pure functions, so every environment that sees the
 * same two versions picks the same winner. */
#ifndef NR_CONFLICT_H
#define NR_CONFLICT_H

#include "config.h"

/* One side of a conflict. */
struct version {
	const char *origin; /* node that wrote it */
	const char *ts;	    /* write time at the origin, NULL: unknown */
	int priority;	    /* of the origin; 1 is the primary */
};

enum conflict_outcome {
	CONFLICT_TAKE_REMOTE,
	CONFLICT_KEEP_LOCAL,
	CONFLICT_OPEN, /* manual: keep local, record it open */
};

/* What is known of one key when a change of it arrives. */
struct conflict_case {
	int strategy; /* the table's */
	char op;      /* the change: 'U' upsert, 'D' delete */
	struct version change;
	bool same;		      /* the destination already holds what the
				       * change says (for a delete: no row) */
	bool logged;		      /* the destination's changelog was read:
				       * known and unseen are what it says */
	const struct version *known;  /* the newest version known here,
				       * a delete included (ts set);
				       * NULL: none */
	const struct version *unseen; /* the latest change here the
				       * sender has not seen; NULL:
				       * none */
	const char *row_ts;	      /* where a later row time holds (timestamp
				       * capture, the original API's push): the
				       * row's time; else NULL */
};

/* What to do with the change. */
enum conflict_verdict {
	VERDICT_WRITE,	    /* write it */
	VERDICT_WRITE_OVER, /* write it over a concurrent local change:
			     * a conflict it won */
	VERDICT_SAME,	    /* already so here */
	VERDICT_TOMBSTONE,  /* a delete already so here, newer than any
			     * version known: record its time */
	VERDICT_OLDER,	    /* older than what is here: not written */
	VERDICT_LOST,	    /* a conflict the local version won */
	VERDICT_OPEN,	    /* a conflict left open (manual) */
};

/* Judges a change by the case's facts. Under last_write_wins nothing
 * older than the newest version known here is written, whoever has seen
 * what; a local change the sender has not seen makes a conflict unless
 * both come from one node (then the later holds). */
enum conflict_verdict conflict_judge(const struct conflict_case *k);

/* Decides between the local and the remote version by strategy:
 * last_write_wins: later ts; a tie goes to the better (lower) priority,
 * then to the greater node id. primary_wins: better priority, then as
 * last_write_wins. manual: open. */
enum conflict_outcome conflict_decide(int strategy, const struct version *local,
				      const struct version *remote);

/* Orders two write times ("YYYY-MM-DD HH:MM:SS[.ffffff]"); NULL is the
 * oldest; missing fractional digits count as zeros. */
int conflict_ts_cmp(const char *a, const char *b);

/* The priority of node id in cfg: this node (and its slave), a remote of
 * that name, or 1000000 when unknown. */
int conflict_priority(const struct config *cfg, const char *id);

#endif
