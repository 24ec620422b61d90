/* The local pair of databases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "install.h"
#include "log.h"
#include "util.h"

int
env_open(struct env *e, const struct config *cfg, struct nr_err *err)
{
	char id[80];
	int rc;

	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->master = db_new(&cfg->master, "master");
	rc = db_connect(e->master, err);
	if (rc != NR_OK || !cfg->has_slave)
		return rc;
	snprintf(id, sizeof(id), "%s.slave", cfg->node_id);
	e->slave_id = util_strdup(id);
	e->slave = db_new(&cfg->slave, "slave");
	return db_connect(e->slave, err);
}

/* The column of a named name, or NULL. */
static const struct tcol *
find_col(const struct tmeta *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, name) == 0)
			return &a->cols[i];
	return NULL;
}

/* Appends to out the columns of a that b lacks. */
static void
only_in(const struct tmeta *a, const struct tmeta *b, struct buf *out)
{
	size_t i;

	for (i = 0; i < a->ncols; i++)
		if (find_col(b, a->cols[i].name) == NULL)
			buf_printf(out, "%s%s", out->len ? ", " : "",
				   a->cols[i].name);
}

/* The slave's columns against the master's: the same key and the same
 * types, or NR_ECONFIG naming the column; columns on one side only (a
 * schema change rolling out) are allowed, with a warning. */
static int
same_columns(const struct tmeta *a, const struct tmeta *b, size_t idx,
	     struct nr_err *err)
{
	struct log_ctx lc = {"local", a->name, 0};
	struct buf ma, sl;
	size_t i;

	for (i = 0; i < a->ncols; i++) {
		const struct tcol *c = find_col(b, a->cols[i].name);

		if (c != NULL && strcmp(c->type, a->cols[i].type) != 0)
			return err_set(err, NR_ECONFIG,
				       "replication.tables[%zu]: column '%s' "
				       "of table '%s' is %s on the master and "
				       "%s on the slave; change it on both",
				       idx, c->name, a->name, a->cols[i].type,
				       c->type);
	}
	for (i = 0; i < a->npk || i < b->npk; i++)
		if (i >= a->npk || i >= b->npk ||
		    strcmp(a->cols[a->pk[i]].name, b->cols[b->pk[i]].name))
			return err_set(err, NR_ECONFIG,
				       "replication.tables[%zu]: table '%s' "
				       "has another primary key on the slave "
				       "than on the master",
				       idx, a->name);
	buf_init(&ma, 0);
	buf_init(&sl, 0);
	only_in(a, b, &ma);
	only_in(b, a, &sl);
	if (ma.len > 0 || sl.len > 0)
		log_msg(LOG_WARN, &lc,
			"columns on the master only: %s; on the slave only: "
			"%s; rows carry the columns both have until both "
			"have the same (then run nunezctl init)",
			ma.len ? buf_str(&ma) : "none",
			sl.len ? buf_str(&sl) : "none");
	buf_free(&ma);
	buf_free(&sl);
	return NR_OK;
}

int
env_load_tables(struct env *e, struct nr_err *err)
{
	size_t i, n = e->cfg->ntables;
	int rc = NR_OK;

	e->tm_master = util_calloc(n + 1, sizeof(*e->tm_master));
	e->tm_slave = util_calloc(n + 1, sizeof(*e->tm_slave));
	for (i = 0; i < n && rc == NR_OK; i++) {
		rc = schema_load(e->master, e->cfg, i, &e->tm_master[i], err);
		if (rc == NR_OK && e->slave != NULL)
			rc = schema_load(e->slave, e->cfg, i, &e->tm_slave[i],
					 err);
		if (rc == NR_OK && e->slave != NULL)
			rc = same_columns(e->tm_master[i], e->tm_slave[i], i,
					  err);
	}
	return rc;
}

int
env_check_installed(struct env *e, struct nr_err *err)
{
	int rc = install_check(e->master, err);

	if (rc == NR_OK && e->slave != NULL)
		rc = install_check(e->slave, err);
	return rc;
}

int
env_purge(struct env *e, bool dry_run, retention_report say, void *arg,
	  struct retention_stats *st, struct nr_err *err)
{
	const struct config *cfg = e->cfg;
	const char **peers = util_calloc(cfg->nremotes + 2, sizeof(char *));
	const char *master = cfg->node_id;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < cfg->nremotes; i++)
		if (cfg->remotes[i].enabled)
			peers[n++] = cfg->remotes[i].name;
	if (e->slave != NULL)
		peers[n++] = e->slave_id;
	rc = retention_purge(e->master, cfg, peers, n, dry_run, say, arg, st,
			     err);
	/* The slave captures too only in master-master mode. */
	if (rc == NR_OK && e->slave != NULL && cfg->mode == MODE_MASTER_MASTER)
		rc = retention_purge(e->slave, cfg, &master, 1, dry_run, say,
				     arg, st, err);
	free(peers);
	return rc;
}

void
env_close(struct env *e)
{
	size_t i;

	for (i = 0; e->cfg != NULL && i < e->cfg->ntables; i++) {
		if (e->tm_master != NULL)
			schema_free(e->tm_master[i]);
		if (e->tm_slave != NULL)
			schema_free(e->tm_slave[i]);
	}
	free(e->tm_master);
	free(e->tm_slave);
	db_free(e->master);
	db_free(e->slave);
	free(e->slave_id);
	memset(e, 0, sizeof(*e));
}
