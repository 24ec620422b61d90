/* What offline clients sent (_nunez_client_changes): each change id with
 * its outcome, so that a client that sends a change again is answered,
 * not applied twice. */
#ifndef NR_CLIENTLOG_H
#define NR_CLIENTLOG_H

#include "db.h"
#include "nr.h"

/* Days a change id is remembered: a client retries within days. */
#define CLIENTLOG_DAYS 30

/* Forgets up to limit change records older than CLIENTLOG_DAYS; *n gets
 * how many. */
int clientlog_purge(struct db *db, unsigned long limit,
		    unsigned long long *n, struct nr_err *err) NR_WUR;

#endif
