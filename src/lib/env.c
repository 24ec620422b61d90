/* The local pair of databases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "install.h"
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

static int
same_columns(const struct tmeta *a, const struct tmeta *b, size_t idx,
	     struct nr_err *err)
{
	size_t i;
	bool same = a->ncols == b->ncols;

	for (i = 0; same && i < a->ncols; i++)
		same = strcmp(a->cols[i].name, b->cols[i].name) == 0 &&
		       strcmp(a->cols[i].type, b->cols[i].type) == 0;
	if (same)
		return NR_OK;
	return err_set(err, NR_ECONFIG,
		       "replication.tables[%zu]: table '%s' "
		       "has other columns on the slave than on the master",
		       idx, a->name);
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
