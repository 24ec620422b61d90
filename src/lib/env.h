/* This environment's databases: the master, the slave when configured,
 * and the replicated tables as each of them has them. */
#ifndef NR_ENV_H
#define NR_ENV_H

#include "config.h"
#include "cursor.h"
#include "db.h"
#include "retention.h"
#include "schema.h"

struct env {
	const struct config *cfg; /* borrowed */
	struct db *master;
	struct db *slave;	  /* NULL without a slave */
	char *slave_id;		  /* node id of the slave's writes */
	struct tmeta **tm_master; /* one per configured table */
	struct tmeta **tm_slave;
	struct cursor_key ckey; /* this node's (meta_cursor_key), once
				 * read by the caller */
};

/* Connects to the master (and the slave) of cfg. */
int env_open(struct env *e, const struct config *cfg,
	     struct nr_err *err) NR_WUR;

/* Reads every replicated table's metadata from both databases and checks
 * they replicate the same columns. */
int env_load_tables(struct env *e, struct nr_err *err) NR_WUR;

/* Checks the engine is installed (schema version) on both databases. */
int env_check_installed(struct env *e, struct nr_err *err) NR_WUR;

/* Purges the changelogs of the environment (retention_purge): the
 * master's, read by the enabled remotes and the slave, and in
 * master-master mode the slave's, read by the master. say gets each
 * table of each (arg is the caller's); *st adds up both. */
int env_purge(struct env *e, bool dry_run, retention_report say, void *arg,
	      struct retention_stats *st, struct nr_err *err) NR_WUR;

void env_close(struct env *e);

#endif
