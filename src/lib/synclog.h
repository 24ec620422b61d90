/* The log of sync runs (_nunez_sync_log): one row per table, peer and
 * direction of every run, with what it moved and how it ended. The one
 * module that reads and writes that table. */
#ifndef NR_SYNCLOG_H
#define NR_SYNCLOG_H

#include "config.h"
#include "db.h"
#include "nr.h"
#include "query.h"
#include "sync.h"

/* Adds a row (started: unix time with a fraction); a failure is only
 * logged. */
void synclog_add(struct db *db, const char *peer, const char *table,
		 const char *direction, const struct sync_stats *st,
		 double started, const char *status, const char *message);

/* The id after which recent runs are looked for, as text in floor: the
 * newest 5000 rows, so that a long log is never scanned. */
int synclog_floor(struct db *db, char floor[24], struct nr_err *err) NR_WUR;

/* peer's runs after floor of the tables (NULL or empty: of every
 * table) into *out (the caller's): rows (kind, finished_at, table,
 * direction, status, message, seconds ago) with kind "last" (the newest
 * run), "ok" (the newest that succeeded) and "error" (the newest five
 * that failed). */
int synclog_recent(struct db *db, const char *peer, const char *floor,
		   const struct strv *tables, struct qres **out,
		   struct nr_err *err) NR_WUR;

/* The newest limit rows (limit as text) of the tables (NULL or empty:
 * of every table), each filter NULL for any, into *out with columns
 * named as the API shows them. */
int synclog_list(struct db *db, const char *peer, const char *table,
		 const char *status, const struct strv *tables,
		 const char *limit, struct qres **out,
		 struct nr_err *err) NR_WUR;

/* When table was first synced: a new string the caller frees, NULL when
 * never. */
int synclog_first(struct db *db, const char *table, char **when,
		  struct nr_err *err) NR_WUR;

/* Forgets up to limit rows finished more than days ago; *n gets how
 * many. */
int synclog_purge(struct db *db, int days, unsigned long limit,
		  unsigned long long *n, struct nr_err *err) NR_WUR;

#endif
