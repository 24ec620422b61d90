/* Where each peer stands in this node's view (_nunez_cursors): the
 * position of a peer's changelog, per table, up to which its changes
 * were applied here, with how many rows and when. The one module that
 * reads and writes that table. */
#ifndef NR_PEERS_H
#define NR_PEERS_H

#include "cursor.h"
#include "db.h"
#include "nr.h"
#include "query.h"

/* Loads peer's position for table into *cur (fresh when none). */
int peers_load(struct db *db, const char *peer, const char *table,
	       struct cursor *cur, struct nr_err *err) NR_WUR;

/* peer's position for table as stored, *token (a new string the caller
 * frees; NULL when none): a token of the peer's changelog, sealed by the
 * peer, handed back to it unchanged (parsing and encoding it again would
 * drop the seal). */
int peers_token(struct db *db, const char *peer, const char *table,
		char **token, struct nr_err *err) NR_WUR;

/* As peers_load, and locks the position until the caller's
 * transaction ends. */
int peers_lock(struct db *db, const char *peer, const char *table,
	       struct cursor *cur, struct nr_err *err) NR_WUR;

/* Stores token as peer's position for table and adds rows to what came
 * from it, in the caller's transaction. */
int peers_store(struct db *db, const char *peer, const char *table,
		const char *token, size_t rows, struct nr_err *err) NR_WUR;

/* Forgets peer's position for table (a resync); *n: 1 when there was
 * one. */
int peers_forget(struct db *db, const char *peer, const char *table,
		 unsigned long long *n, struct nr_err *err) NR_WUR;

/* Forgets every position (after a restore: each peer is copied again);
 * *n gets how many. */
int peers_forget_all(struct db *db, unsigned long long *n,
		     struct nr_err *err) NR_WUR;

/* Columns of peers_list. */
enum peers_col {
	PEERS_PEER,
	PEERS_TABLE,
	PEERS_ROWS,
	PEERS_LAST,    /* updated */
	PEERS_AGE,     /* whole seconds since PEERS_LAST */
	PEERS_SECONDS, /* the same, with microseconds */
};

/* Every position, by peer then table, into *out (the caller's). */
int peers_list(struct db *db, struct qres **out, struct nr_err *err) NR_WUR;

/* Seconds since the least recent arrival from peer; -1 when none. */
int peers_oldest_age(struct db *db, const char *peer, long *age,
		     struct nr_err *err) NR_WUR;

/* When any peer's changes of table last arrived: a new string the
 * caller frees, NULL when never. */
int peers_last_arrival(struct db *db, const char *table, char **when,
		       struct nr_err *err) NR_WUR;

#endif
