/* Retention of the engine tables. */
#include "batches.h"
#include "clientlog.h"
#include "housekeeping.h"
#include "nonces.h"

/* Rows one statement removes: short locks on a busy master. */
#define CHUNK 10000UL

typedef int (*purge_fn)(struct db *, unsigned long, unsigned long long *,
			struct nr_err *);

/* Runs fn until it removes less than a chunk; adds the count to *total. */
static int
purge_all(struct db *db, purge_fn fn, unsigned long long *total,
	  struct nr_err *err)
{
	unsigned long long n;
	int rc;

	do {
		n = 0;
		rc = fn(db, CHUNK, &n, err);
		*total += n;
	} while (rc == NR_OK && n == CHUNK);
	return rc;
}

int
housekeeping_run(struct db *db, struct housekeeping_stats *st,
		 struct nr_err *err)
{
	int rc;

	rc = purge_all(db, nonces_purge, &st->nonces, err);
	if (rc == NR_OK)
		rc = purge_all(db, batches_purge, &st->batches, err);
	if (rc == NR_OK)
		rc = purge_all(db, clientlog_purge, &st->client_changes, err);
	return rc;
}
