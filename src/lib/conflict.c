/* Conflict decisions. */
#include <string.h>

#include "conflict.h"

/* Compares a and b as 26-character times, padding ".000000". */
int
conflict_ts_cmp(const char *a, const char *b)
{
	char x[27], y[27];
	static const char zero[] = "0000-00-00 00:00:00.000000";

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	memcpy(x, zero, sizeof(x));
	memcpy(y, zero, sizeof(y));
	memcpy(x, a, strnlen(a, 26));
	memcpy(y, b, strnlen(b, 26));
	if (strnlen(a, 26) == 19)
		x[19] = '.';
	if (strnlen(b, 26) == 19)
		y[19] = '.';
	return strcmp(x, y);
}

static enum conflict_outcome
by_priority_then_id(const struct version *local, const struct version *remote)
{
	int c;

	if (local->priority != remote->priority)
		return remote->priority < local->priority ? CONFLICT_TAKE_REMOTE
							  : CONFLICT_KEEP_LOCAL;
	c = strcmp(remote->origin ? remote->origin : "",
		   local->origin ? local->origin : "");
	return c > 0 ? CONFLICT_TAKE_REMOTE : CONFLICT_KEEP_LOCAL;
}

static enum conflict_outcome
last_write(const struct version *local, const struct version *remote)
{
	int c = conflict_ts_cmp(remote->ts, local->ts);

	if (c != 0)
		return c > 0 ? CONFLICT_TAKE_REMOTE : CONFLICT_KEEP_LOCAL;
	return by_priority_then_id(local, remote);
}

enum conflict_outcome
conflict_decide(int strategy, const struct version *local,
		const struct version *remote)
{
	switch (strategy) {
	case STRATEGY_MANUAL:
		return CONFLICT_OPEN;
	case STRATEGY_PRIMARY_WINS:
		if (local->priority != remote->priority)
			return by_priority_then_id(local, remote);
		return last_write(local, remote);
	default:
		return last_write(local, remote);
	}
}

/* True when the newest version known here beats change c under
 * last_write_wins. Two writes of one node with the same time: the one
 * arriving is taken as the later. */
static bool
newer_known(const struct version *known, const struct version *c)
{
	int cmp = conflict_ts_cmp(known->ts, c->ts);

	if (cmp != 0)
		return cmp > 0;
	if (known->origin == NULL || strcmp(known->origin, c->origin) == 0)
		return false;
	return last_write(known, c) == CONFLICT_KEEP_LOCAL;
}

enum conflict_verdict
conflict_judge(const struct conflict_case *k)
{
	const struct version *u = k->unseen, *c = &k->change;
	bool concurrent = u != NULL && strcmp(u->origin, c->origin) != 0;

	if (k->logged && k->strategy == STRATEGY_LAST_WRITE_WINS &&
	    c->ts != NULL) {
		if (!k->same && k->known != NULL && newer_known(k->known, c))
			return concurrent ? VERDICT_LOST : VERDICT_OLDER;
		if (k->same && k->op == 'D' &&
		    (k->known == NULL ||
		     conflict_ts_cmp(k->known->ts, c->ts) < 0))
			return VERDICT_TOMBSTONE;
	}
	if (k->same)
		return VERDICT_SAME;
	if (k->row_ts != NULL && conflict_ts_cmp(k->row_ts, c->ts) > 0)
		return VERDICT_OLDER;
	if (u == NULL)
		return VERDICT_WRITE;
	if (!concurrent)
		return conflict_ts_cmp(c->ts, u->ts) < 0 ? VERDICT_OLDER
							 : VERDICT_WRITE;
	switch (conflict_decide(k->strategy, u, c)) {
	case CONFLICT_OPEN:
		return VERDICT_OPEN;
	case CONFLICT_KEEP_LOCAL:
		return VERDICT_LOST;
	default:
		return VERDICT_WRITE_OVER;
	}
}

int
conflict_priority(const struct config *cfg, const char *id)
{
	const struct config_remote *r;

	if (id == NULL)
		return 1000000;
	if (config_own_origin(cfg, id))
		return cfg->node_priority;
	r = config_remote_find(cfg, id);
	return r != NULL ? r->priority : 1000000;
}
