/* The conflict log: conflicts as apply records them, open ones read and
 * resolved. */
#ifndef NR_RESOLVE_H
#define NR_RESOLVE_H

#include <stdbool.h>

#include "config.h"
#include "batch.h"
#include "db.h"
#include "query.h"
#include "schema.h"

/* The columns resolve_get reads, in order (status is 6, local_row 11,
 * remote_row 12). */
#define RESOLVE_COLUMNS                                                        \
	"id, tbl, pk, peer, strategy, winner, status, local_origin, "          \
	"remote_origin, local_ts, remote_ts, local_row, remote_row, "          \
	"resolution, created_at, resolved_at"

/* A conflict as apply found it. Strings are borrowed; NULL is a NULL. */
struct resolve_entry {
	const char *table, *pk;
	const char *peer;     /* the sender */
	const char *strategy; /* the table's, by name */
	const char *winner;   /* "local", "remote", or "none" while open */
	bool open;	      /* left for an operator (manual) */
	const char *local_origin, *remote_origin;
	const char *local_ts, *remote_ts;
	const char *local_row, *remote_row; /* JSON objects */
};

/* Sets open[i] (b->n of them) for each change of b (of table tm) whose
 * key has an open conflict with peer here; only manual tables have
 * any. */
int resolve_open_keys(struct db *db, const struct tmeta *tm, const char *peer,
		      const struct batch *b, bool *open,
		      struct nr_err *err) NR_WUR;

/* Marks the changes of b (of table tm, read for peer) whose key has an
 * open conflict with peer here: the receiver records it too, so it is
 * shown, and resolved, on both sides. Only manual tables have any. */
int resolve_mark_open(struct db *db, const struct tmeta *tm, const char *peer,
		      struct batch *b, struct nr_err *err) NR_WUR;

/* Records e: open, or resolved automatically now. */
int resolve_record(struct db *db, const struct resolve_entry *e,
		   struct nr_err *err) NR_WUR;

/* Marks the open conflicts of the n keys pks of table resolved as
 * superseded: a later change settled the row. */
int resolve_supersede(struct db *db, const char *table, char *const *pks,
		      size_t n, struct nr_err *err) NR_WUR;

/* Conflicts with status ("open", "resolved"; "all" for any) of the
 * tables (NULL or empty: of every table), newest first, at most limit,
 * with RESOLVE_COLUMNS, into *res (caller frees). */
int resolve_list(struct db *db, const char *status, const struct strv *tables,
		 unsigned limit, struct qres **res, struct nr_err *err) NR_WUR;

/* Rows (table, status, count) of every table's conflicts into *res. */
int resolve_counts(struct db *db, struct qres **res, struct nr_err *err) NR_WUR;

/* How many conflicts of table are open. */
int resolve_open_count(struct db *db, const char *table, unsigned long long *n,
		       struct nr_err *err) NR_WUR;

/* Reads conflict id (FOR UPDATE when lock) into *res (caller frees);
 * NR_ENOTFOUND when there is none. */
int resolve_get(struct db *db, const char *id, bool lock, struct qres **res,
		struct nr_err *err) NR_WUR;

/* Resolves open conflict id with how ("use_local" or "use_remote") in one
 * transaction: writes that version as a change of node origin (the
 * database's own id), logs it, and marks the conflict resolved. tms are
 * the replicated tables (ntables). NR_EINVAL for a bad how or a conflict
 * not open. */
int resolve_conflict(struct db *db, const char *origin,
		     struct tmeta *const *tms, size_t ntables, const char *id,
		     const char *how, struct nr_err *err) NR_WUR;

/* Forgets up to limit conflicts decided more than days ago (open ones
 * stay); *n gets how many. */
int resolve_purge(struct db *db, int days, unsigned long limit,
		  unsigned long long *n, struct nr_err *err) NR_WUR;

#endif
