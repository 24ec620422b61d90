/* Retention: what the engine tables keep only for a while is forgotten
 * here, and nowhere else (request handlers do not). sync_multi runs it
 * after every run; nunezctl housekeeping on demand. */
#ifndef NR_HOUSEKEEPING_H
#define NR_HOUSEKEEPING_H

#include "db.h"
#include "nr.h"

struct housekeeping_stats {
	unsigned long long nonces, batches, client_changes;
};

/* Forgets expired nonces, batch ids older than a day and client change
 * records older than CLIENTLOG_DAYS on db (a master), in small
 * statements; adds what it removed to *st. */
int housekeeping_run(struct db *db, struct housekeeping_stats *st,
		     struct nr_err *err) NR_WUR;

#endif
