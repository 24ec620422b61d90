/* Retention of this node's changelog: how far each peer has read it
 * (_nunez_acks), how far it was purged (_nunez_purged), and the purge.
 * The one module that reads and writes those tables, and the one that
 * deletes changelog entries.
 *
 * A table's safe point is the oldest position any peer still needs:
 * peers are the configured remotes, the local slave, and whoever pulled
 * or pushed in the last retention.peerDays. A purge deletes entries at
 * or below it, never one younger than retention.minHours. A position
 * that needs a purged entry has expired: its reader starts again with a
 * copy of the table. */
#ifndef NR_RETENTION_H
#define NR_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "cursor.h"
#include "db.h"
#include "nr.h"

/* The lowest seq of this node's changelog a reader at c still needs to
 * keep: 0 (all of it) before and during a first copy, whose deletes
 * come from the log; else its lowest gap, or the seq after high. */
uint64_t retention_need(const struct cursor *c);

/* Records that peer has read table's changes up to c. Written when the
 * need moved or is 0, else at most once a RETENTION_ACK_SECONDS by this
 * process; peer and table are borrowed. */
int retention_ack(struct db *db, const char *peer, const char *table,
		  const struct cursor *c, struct nr_err *err) NR_WUR;

#define RETENTION_ACK_SECONDS 600

/* NR_EEXPIRED, saying why, when c (a position in db's changelog of
 * table) needs entries a purge may have removed: at or below the purge
 * point, past high or in a gap found missing before the purge began;
 * NR_EREWOUND when it stands past the changelog's head (the log went
 * back: a restore). Run it after reading with c: a purge records how
 * far it goes before it deletes. */
int retention_check(struct db *db, const char *table, const struct cursor *c,
		    struct nr_err *err) NR_WUR;

/* What a purge did, or would do, to one table. */
struct retention_table {
	const char *table;
	uint64_t safe;		 /* entries at or below are purged */
	uint64_t upto;		 /* purged before */
	unsigned long long gone; /* entries deleted (dry run: to delete) */
	char held_by[160];	 /* who holds the safe point, for people */
};

/* Called after each table; arg is the caller's. */
typedef void (*retention_report)(void *arg, const struct retention_table *t);

struct retention_stats {
	unsigned long long entries; /* changelog entries deleted */
	unsigned long long history; /* sync log rows, decided conflicts */
};

/* Purges db's changelog of every table of cfg down to its safe point,
 * cfg->retention.chunk entries a statement with retention.pauseMs
 * between, and forgets history older than retention.historyDays. peers
 * (npeers node ids, borrowed) are the configured readers of this
 * changelog, who hold it back however long they are away. A dry run
 * deletes nothing and counts what it would. */
int retention_purge(struct db *db, const struct config *cfg,
		    const char *const *peers, size_t npeers, bool dry_run,
		    retention_report say, void *arg, struct retention_stats *st,
		    struct nr_err *err) NR_WUR;

#endif
