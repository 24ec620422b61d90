/* Applying a batch to a destination database: one transaction that locks
 * and reads the local versions, decides row by row (conflicts by the
 * table's strategy), writes winners with multi-row statements, records
 * conflicts and stores the source's cursor. */
#ifndef NR_APPLY_H
#define NR_APPLY_H

#include "batch.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "schema.h"

/* What became of one change. */
enum apply_outcome {
	APPLY_LOST, /* the local version stands */
	APPLY_WRITTEN,
	APPLY_SAME, /* already so here */
	APPLY_OPEN, /* left open as a conflict */
};

struct apply_opts {
	const struct config *cfg; /* priorities */
	const char *peer;	  /* the source's node id: via, cursor owner */
	bool detect; /* look for conflicts (the destination captures) */
	const struct cursor *seen; /* how far the peer has read the
				    * destination's changelog; NULL or
				    * fresh: nothing */
	bool mirror;		   /* snapshot pages delete rows not in them */
	const char *cursor_token;  /* stored for (peer, table); NULL:
				    * none */
	bool cas;		   /* store cursor_token only if the stored one
				    * is still cursor_from, else NR_EMOVED */
	const char *cursor_from;   /* the batch's start; NULL or "": no
				    * position stored yet */
	bool dry_run;		   /* decide and count, then roll back */
	bool newer_only;	   /* keep a local row whose timestamp column is
				    * later (the original API's push) */
	const char *batch_id;	   /* recorded with the counts in the same
				    * transaction; NR_EEXIST when seen before */
	bool in_trx;		   /* inside the caller's transaction: no
				    * START, COMMIT or ROLLBACK here */
	const char *tenant;	   /* a client's tenant (NULL: none): a key
				    * whose local row holds another value
				    * in tm's tenant column (or NULL) is
				    * left alone as though it had no row,
				    * a delete APPLY_SAME, an upsert
				    * APPLY_LOST; its deletes of keys with
				    * no row are logged as its tenant's */
	enum apply_outcome *outcome; /* b->n of them, or NULL */
	bool skip_own; /* changes whose origin is this node (cfg's id or its
			* slave's) are its own writes coming back: skipped,
			* counted unchanged */
};

struct apply_stats {
	unsigned long long inserted, updated, deleted, unchanged;
	unsigned long long conflicts, open;
};

/* Fills o to apply what peer sent: conflicts detected against seen
 * (borrowed; NULL: the peer has seen nothing here), everything else off.
 * Callers set what else they need. */
void apply_opts_init(struct apply_opts *o, const struct config *cfg,
		     const char *peer, const struct cursor *seen);

/* Applies b to db in one transaction; adds what it did to *st. Nothing
 * is written when it fails. */
int apply_batch(struct db *db, const struct tmeta *tm, const struct batch *b,
		const struct apply_opts *o, struct apply_stats *st,
		struct nr_err *err) NR_WUR;

#endif
