/* Small named values of this node (_nunez_meta): the paused flag, the
 * circuit breakers' state, the key that seals cursor tokens and the
 * epoch of the changelog. The one
 * module that reads and writes that table. */
#ifndef NR_META_H
#define NR_META_H

#include "config.h"
#include "cursor.h"
#include "db.h"
#include "nr.h"

/* The value of name: a new string the caller frees, NULL when unset. */
int meta_get(struct db *db, const char *name, char **value,
	     struct nr_err *err) NR_WUR;

/* Sets name to value. */
int meta_set(struct db *db, const char *name, const char *value,
	     struct nr_err *err) NR_WUR;

/* Fills *key with this node's cursor key and epoch, from db (the
 * master): made of random bytes on first use and kept as "cursor_key"
 * and "epoch", so every worker, host and program of the node seals
 * alike. Its legacy rule comes from
 * "cursor_legacy" (written by the migration that sealed tokens, on a
 * database that had been in use) and cfg's sync.legacyCursorGraceSeconds;
 * without that row unsealed tokens are never taken from outside. */
int meta_cursor_key(struct db *db, const struct config *cfg,
		    struct cursor_key *key, struct nr_err *err) NR_WUR;

/* Bytes of randomness in an epoch (hex in cursor_key.epoch). */
#define EPOCH_BYTES 16

/* Gives this node's changelog a new epoch: every position a peer or a
 * client holds in it expires (409 cursor_expired), and each starts
 * again with a copy. For after a restore of the database. */
int meta_new_epoch(struct db *db, struct nr_err *err) NR_WUR;

#endif
