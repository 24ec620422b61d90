/* Conflict decisions: pure functions, so every environment that sees the
 * same two versions picks the same winner. */
#ifndef NR_CONFLICT_H
#define NR_CONFLICT_H

#include "config.h"

/* One side of a conflict. */
struct version {
	const char *origin;	/* node that wrote it */
	const char *ts;		/* write time at the origin, NULL: unknown */
	int priority;		/* of the origin; 1 is the primary */
};

enum conflict_outcome {
	CONFLICT_TAKE_REMOTE,
	CONFLICT_KEEP_LOCAL,
	CONFLICT_OPEN,		/* manual: keep local, record it open */
};

/* Decides between the local and the remote version by strategy:
 * last_write_wins: later ts; a tie goes to the better (lower) priority,
 * then to the greater node id. primary_wins: better priority, then as
 * last_write_wins. manual: open. */
enum conflict_outcome conflict_decide(int strategy,
				      const struct version *local,
				      const struct version *remote);

/* Orders two write times ("YYYY-MM-DD HH:MM:SS[.ffffff]"); NULL is the
 * oldest; missing fractional digits count as zeros. */
int conflict_ts_cmp(const char *a, const char *b);

/* The priority of node id in cfg: this node (and its slave), a remote of
 * that name, or 1000000 when unknown. */
int conflict_priority(const struct config *cfg, const char *id);

#endif
