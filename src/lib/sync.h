/* One direction of one table: read batches from a source (a database's
 * changelog, or a remote's pull) after the position the destination
 * holds, deliver each with its new position (applied in one transaction,
 * or pushed), until the source has no more. One loop for all three. */
#ifndef NR_SYNC_H
#define NR_SYNC_H

#include "apply.h"
#include "db.h"
#include "schema.h"

struct sync_side {
	struct db *db;
	const char *id; /* node id of this database */
	const struct tmeta *tm;
};

struct sync_opts {
	const struct config *cfg;
	const struct cursor_key *ckey; /* this node's: seals the tokens of
					* its changelogs, checks those a
					* remote hands back */
	bool detect; /* the destination captures: find conflicts
		      * (applying; a push's remote decides) */
	bool mirror; /* the destination is a copy of the source */
	bool dry_run;
	void (*progress)(void *arg, unsigned long long rows, bool done);
	void *progress_arg;
};

struct sync_stats {
	struct apply_stats a;
	unsigned long long batches;
	unsigned long long rows;    /* changes read */
	unsigned long long resyncs; /* expired positions copied again */
};

/* Brings dst's copy of the table up to src. *st gets the counts even
 * when it fails part-way (every applied batch is committed). */
int sync_table(struct sync_side *src, struct sync_side *dst,
	       const struct sync_opts *o, struct sync_stats *st,
	       struct nr_err *err) NR_WUR;

struct remote;

/* Pulls a remote's changes of local->tm into the local database, batch
 * by batch, each applied with the remote's next cursor. remote_id is the
 * remote's node id. */
int sync_pull_remote(struct remote *rm, const char *remote_id,
		     struct sync_side *local, const struct sync_opts *o,
		     struct sync_stats *st, struct nr_err *err) NR_WUR;

/* Pushes the local changes of local->tm to a remote, starting where the
 * remote says it has them; each batch carries its next cursor and a
 * batch id made from its start and end, so a retried push applies once. */
int sync_push_remote(struct remote *rm, const char *remote_id,
		     struct sync_side *local, const struct sync_opts *o,
		     struct sync_stats *st, struct nr_err *err) NR_WUR;

/* True when replication is paused in db (POST /api/replication/pause);
 * false also when that cannot be read. */
bool sync_paused(struct db *db);

/* Pauses replication in db, or resumes it. */
int sync_set_paused(struct db *db, bool paused, struct nr_err *err) NR_WUR;

#endif
