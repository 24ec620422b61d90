/* Reading a table's changes from a source database: first a copy of the
 * whole table in key order (snapshot), then the changelog from where the
 * copy started, collapsed to the latest state of each row. Tables with
 * "capture": "timestamp" are read instead by (timestampColumn, key),
 * stepping back an overlap window after each pass. */
#ifndef NR_CHANGES_H
#define NR_CHANGES_H

#include "batch.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "schema.h"

struct changes_opts {
	const char *self;   /* the source's node id: origin of copies */
	const char *peer;   /* reader: its changes are not sent back */
	size_t limit;	    /* changelog entries or rows per batch */
	int gap_timeout;    /* seconds; when open transactions are unknown */
	int ts_overlap;	    /* seconds re-read by timestamp capture */
	const char *tenant; /* a value of tm's tenant column: only that
			     * tenant's rows; a row of another tenant
			     * reads as deleted. NULL: every row */
};

/* Fills o for a reader of this node's changes (self) for peer (NULL:
 * any reader), limit at a time, with the config's gap timeout and
 * timestamp overlap; no tenant. */
void changes_opts_init(struct changes_opts *o, const struct config *cfg,
		       const char *self, const char *peer, size_t limit);

/* Reads the next batch of tm's changes after *cur from db into out
 * (initialised here; the caller frees it with batch_free) and moves *cur
 * past it. Holds at most one batch in memory. On failure *cur may have
 * moved: read from a copy and keep it only on NR_OK. */
int changes_read(struct db *db, const struct tmeta *tm, struct cursor *cur,
		 const struct changes_opts *o, struct batch *out,
		 struct nr_err *err) NR_WUR;

/* Reads the rows of keys pks (n canonical keys) from db into *out, whose
 * first column is the canonical key and the rest tm's columns. With
 * lock, FOR UPDATE. */
int changes_rows(struct db *db, const struct tmeta *tm, char *const *pks,
		 size_t n, bool lock, struct qres **out,
		 struct nr_err *err) NR_WUR;

/* The latest change of each of the n keys pks of tm in db, as rows (key,
 * op, origin, time) into *out (the caller frees it). With peer (NULL:
 * any change), the latest of those the peer has not seen: not made or
 * sent by it, and not delivered to it by cursor seen (NULL or fresh:
 * nothing delivered). */
int changes_latest(struct db *db, const struct tmeta *tm, char *const *pks,
		   size_t n, const char *peer, const struct cursor *seen,
		   struct qres **out, struct nr_err *err) NR_WUR;

/* Logs every row of tm in db as changed again (only those where column
 * is not NULL, when given), each at the time and origin of its latest
 * entry (this node, self, and now for a row never logged), so they
 * replicate once more without beating a later write elsewhere: after a
 * rolling schema change, the values written while only some
 * environments had a column. *n (may be NULL) gets how many. */
int changes_touch(struct db *db, const struct tmeta *tm, const char *column,
		  const char *self, unsigned long long *n,
		  struct nr_err *err) NR_WUR;

/* A changelog entry written by the engine itself rather than by a
 * trigger. Strings are borrowed. */
struct changes_entry {
	const char *pk;	    /* canonical key */
	char op;	    /* 'U' or 'D' */
	const char *origin; /* node that wrote it */
	const char *via;    /* node it came from; NULL: none */
	const char *ts;	    /* its time at the origin; NULL: now */
	struct qval tenant; /* the row's tenant, or a NULL value */
};

/* Logs the n entries v of table in db in one statement. */
int changes_log(struct db *db, const char *table, const struct changes_entry *v,
		size_t n, struct nr_err *err) NR_WUR;

/* The changelog's head (table NULL: of every table) into *head, and
 * when its entry was written into *when (a new string the caller frees,
 * NULL for an empty log; when may be NULL). */
int changes_head(struct db *db, const char *table, uint64_t *head, char **when,
		 struct nr_err *err) NR_WUR;

/* Rows (table, head seq) of the changelog into *res (caller frees),
 * read from the index, not counted. */
int changes_heads(struct db *db, struct qres **res, struct nr_err *err) NR_WUR;

/* The changelog's size as the server's table statistics estimate it:
 * *rows entries and *bytes of data and indexes. */
int changes_size(struct db *db, unsigned long long *rows,
		 unsigned long long *bytes, struct nr_err *err) NR_WUR;

#endif
