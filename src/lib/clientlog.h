/* What offline clients sent (_nunez_client_changes): each change id with
 * its outcome, so that a client that sends a change again is answered,
 * not applied twice. */
#ifndef NR_CLIENTLOG_H
#define NR_CLIENTLOG_H

#include "db.h"
#include "nr.h"

#include <stddef.h>

#include "query.h"

/* One change a client sent, as recorded. */
struct clientlog_rec {
	const char *id; /* the client's change id */
	const char *table, *pk;
	const char *status; /* what came of it */
};

/* Records n changes of client_id in tenant, in the caller's
 * transaction; a change id recorded before is NR_EDB with sqlerr
 * DB_ER_DUP_ENTRY (another request is applying it). */
int clientlog_record(struct db *db, const char *tenant, const char *client_id,
		     const struct clientlog_rec *v, size_t n,
		     struct nr_err *err) NR_WUR;

/* The records of tenant's change ids ids[0..n): rows (change id, status,
 * pk, table) into *out, the caller's. */
int clientlog_find(struct db *db, const char *tenant, const char *const *ids,
		   size_t n, struct qres **out, struct nr_err *err) NR_WUR;

/* Days a change id is remembered: a client retries within days. */
#define CLIENTLOG_DAYS 30

/* Forgets up to limit change records older than CLIENTLOG_DAYS; *n gets
 * how many. */
int clientlog_purge(struct db *db, unsigned long limit, unsigned long long *n,
		    struct nr_err *err) NR_WUR;

#endif
