/* nunezctl: the admin CLI. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cli.h"
#include "changes.h"
#include "env.h"
#include "housekeeping.h"
#include "install.h"
#include "log.h"
#include "meta.h"
#include "peers.h"
#include "query.h"
#include "remote.h"
#include "resolve.h"
#include "retention.h"
#include "util.h"
#include "verify.h"

struct opts {
	const char *config;
	const char *env;     /* verify: against this remote */
	bool slave;	     /* conflicts: of the slave database */
	bool all;	     /* conflicts list: resolved ones too */
	bool keep_tables;    /* uninstall: only the triggers */
	const char *definer; /* init: the triggers' DEFINER, USER@HOST */
	bool dry_run;	     /* purge: count, delete nothing */
};

static void
usage(FILE *f)
{
	fputs("usage: nunezctl [--config FILE] COMMAND [ARGS]\n"
	      "commands:\n"
	      "  check-config       load and check the config, print a "
	      "summary\n"
	      "  ping               check that the databases answer\n"
	      "  init [--definer USER@HOST]\n"
	      "                     install or upgrade the engine tables and "
	      "the capture\n"
	      "                     triggers (again after a schema change); "
	      "the\n"
	      "                     triggers run as USER@HOST when given\n"
	      "  uninstall [--keep-tables]\n"
	      "                     remove the triggers and the engine "
	      "tables\n"
	      "  touch TABLE [COLUMN]\n"
	      "                     log the table's rows (where COLUMN is "
	      "not NULL) to\n"
	      "                     replicate again, as last written: after "
	      "a schema change\n"
	      "  verify [--env NAME]\n"
	      "                     compare every table's checksum on master "
	      "and slave,\n"
	      "                     or with a remote environment's\n"
	      "  conflicts list [--all] [--slave]\n"
	      "  conflicts show ID [--slave]\n"
	      "  conflicts resolve ID use_local|use_remote [--slave]\n"
	      "  housekeeping       forget expired nonces, old batch ids and "
	      "client\n"
	      "                     change records now (sync_multi does after "
	      "each run)\n"
	      "  purge [--dry-run]  delete the changelog entries every peer "
	      "has read\n"
	      "                     (retention.*), and old sync log and "
	      "decided conflicts\n"
	      "  new-epoch          after a restore of the master: every "
	      "position peers\n"
	      "                     and clients hold expires, each copies "
	      "again\n"
	      "  gen-key            print a new random API key and its stored "
	      "form\n"
	      "  hash-key KEY       print the stored form (sha256:...) of KEY\n"
	      "options: --config FILE (default $NUNEZ_CONFIG, else\n"
	      "         " CLI_CONFIG_DEFAULT "), --help, --version\n"
	      "exit status: 0 ok, 1 failed or differs, 2 usage or config "
	      "error\n",
	      f);
}

static int
cmd_gen_key(void)
{
	char key[44], hex[65];

	if (auth_new_key(key) != NR_OK) {
		fputs("nunezctl: no random bytes available\n", stderr);
		return 1;
	}
	auth_sha256_hex(key, strlen(key), hex);
	printf("key:    %s\nstored: sha256:%s\n", key, hex);
	return 0;
}

static int
cmd_hash_key(const char *key)
{
	char hex[65];

	if (key == NULL || key[0] == '\0') {
		fputs("nunezctl: hash-key: give the key to hash\n", stderr);
		return EXIT_USAGE;
	}
	auth_sha256_hex(key, strlen(key), hex);
	printf("sha256:%s\n", hex);
	return 0;
}

/* What an operator is likely to trip over next, on stderr. */
static void
hints(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].scopes & SCOPE_ADMIN)
			break;
	if (i == cfg->nkeys)
		fprintf(stderr, "hint: no key in api.keys has the admin scope; "
				"the dashboard and the operations endpoints "
				"need one: give a key {\"key\": ..., "
				"\"scopes\": [\"admin\"]}\n");
	if (cfg->node_id_derived)
		fprintf(stderr,
			"warning: node.id is not set, so this node is '%s' "
			"(host-database); the other environments must use "
			"that name for it in remoteEnvironments, or set "
			"node.id\n",
			cfg->node_id);
}

static int
cmd_check(const struct config *cfg)
{
	size_t i;

	printf("%s: ok\nnode: %s (priority %d)\nmode: %s\n", cfg->path,
	       cfg->node_id, cfg->node_priority, config_mode_name(cfg->mode));
	printf("master: %s@%s:%d/%s\n", cfg->master.user, cfg->master.host,
	       cfg->master.port, cfg->master.database);
	if (cfg->has_slave)
		printf("slave: %s@%s:%d/%s\n", cfg->slave.user, cfg->slave.host,
		       cfg->slave.port, cfg->slave.database);
	for (i = 0; i < cfg->ntables; i++)
		printf("table: %s (%s, %s)\n", cfg->tables[i].name,
		       config_strategy_name(cfg->tables[i].strategy),
		       config_capture_name(cfg->tables[i].capture));
	for (i = 0; i < cfg->nremotes; i++)
		printf("remote: %s %s %s\n", cfg->remotes[i].name,
		       cfg->remotes[i].url,
		       config_sync_mode_name(cfg->remotes[i].sync_mode));
	printf("keys: %zu\n", cfg->nkeys);
	hints(cfg);
	return 0;
}

static int
ping_one(const struct config_db *conf, const char *label)
{
	struct db *db = db_new(conf, label);
	struct nr_err err;
	int rc = db_ping(db, &err);

	if (rc == NR_OK)
		printf("%s: ok\n", label);
	else
		printf("%s: %s\n", label, err.msg);
	db_free(db);
	return rc == NR_OK ? 0 : 1;
}

static int
cmd_ping(const struct config *cfg)
{
	int rc = ping_one(&cfg->master, "master");

	if (cfg->has_slave && ping_one(&cfg->slave, "slave") != 0)
		rc = 1;
	return rc;
}

/* Installs the engine into one database; triggers when capture. */
static int
init_one(struct db *db, struct tmeta **tms, size_t n, bool capture,
	 const char *origin, const char *definer, struct nr_err *err)
{
	size_t i;
	int rc, version = 0;

	rc = install_migrate(db, &version, err);
	if (rc == NR_OK && !capture)
		rc = install_remove(db, false, err);
	for (i = 0; rc == NR_OK && capture && i < n; i++)
		rc = tms[i]->conf->capture == CAPTURE_TIMESTAMP
			 ? install_drop_triggers(db, tms[i], err)
			 : install_triggers(db, tms[i], origin, definer, err);
	if (rc == NR_OK)
		printf("%s: engine schema version %d, %s\n", db_label(db),
		       version,
		       capture ? "capture triggers installed"
			       : "no capture (a copy of the master)");
	return rc;
}

static int
cmd_init(struct env *e, const struct opts *o, struct nr_err *err)
{
	int rc = env_load_tables(e, err);

	if (rc == NR_OK)
		rc = init_one(e->master, e->tm_master, e->cfg->ntables, true,
			      e->cfg->node_id, o->definer, err);
	if (rc == NR_OK && e->slave != NULL)
		rc = init_one(e->slave, e->tm_slave, e->cfg->ntables,
			      e->cfg->mode == MODE_MASTER_MASTER, e->slave_id,
			      o->definer, err);
	return rc;
}

static int
cmd_uninstall(struct env *e, const struct opts *o, struct nr_err *err)
{
	int rc = install_remove(e->master, !o->keep_tables, err);

	if (rc == NR_OK && e->slave != NULL)
		rc = install_remove(e->slave, !o->keep_tables, err);
	if (rc == NR_OK)
		printf("removed the capture triggers%s\n",
		       o->keep_tables ? "" : " and the engine tables");
	return rc;
}

/* Compares every table's checksum with a remote's (GET /api/metadata). */
static int
verify_remote(struct env *e, const char *name, struct nr_err *err, int *differ)
{
	const struct config_remote *r = config_remote_find(e->cfg, name);
	struct remote *rm;
	size_t i;
	int rc;

	if (r == NULL)
		return err_set(err, NR_ECONFIG,
			       "remoteEnvironments has no "
			       "environment '%s'",
			       name);
	rc = env_load_tables(e, err);
	rm = remote_new(e->cfg, r);
	for (i = 0; rc == NR_OK && i < e->cfg->ntables; i++) {
		struct verify_sum a;
		unsigned long long rows = 0;
		char sum[24], *cursor = NULL;

		rc = verify_sum(e->master, e->tm_master[i], &a, err);
		if (rc == NR_OK)
			rc = remote_metadata(rm, e->tm_master[i]->name, &cursor,
					     &rows, sum, err);
		free(cursor);
		if (rc != NR_OK)
			break;
		if (a.rows == rows && strcmp(a.sum, sum) == 0) {
			printf("%s: same as %s (%llu rows, checksum %s)\n",
			       e->tm_master[i]->name, name, a.rows, a.sum);
			continue;
		}
		(*differ)++;
		printf(
		    "%s: DIFFERS from %s (here %llu rows, checksum %s; there "
		    "%llu rows, checksum %s)\n",
		    e->tm_master[i]->name, name, a.rows, a.sum, rows, sum);
	}
	remote_free(rm);
	return rc;
}

static int
cmd_verify(struct env *e, const struct opts *o, struct nr_err *err, int *differ)
{
	size_t i, j, n;
	char **keys = NULL;
	int rc;

	if (o->env != NULL)
		return verify_remote(e, o->env, err, differ);
	if (e->slave == NULL)
		return err_set(err, NR_ECONFIG,
			       "databases.slave: verify "
			       "compares master and slave; none is configured");
	rc = env_load_tables(e, err);
	for (i = 0; rc == NR_OK && i < e->cfg->ntables; i++) {
		struct verify_sum a, b;

		rc = verify_sum(e->master, e->tm_master[i], &a, err);
		if (rc == NR_OK)
			rc = verify_sum(e->slave, e->tm_slave[i], &b, err);
		if (rc != NR_OK)
			break;
		if (a.rows == b.rows && strcmp(a.sum, b.sum) == 0) {
			printf("%s: same (%llu rows, checksum %s)\n",
			       e->tm_master[i]->name, a.rows, a.sum);
			continue;
		}
		(*differ)++;
		printf("%s: DIFFERS (master %llu rows, checksum %s; slave %llu "
		       "rows, checksum %s)\n",
		       e->tm_master[i]->name, a.rows, a.sum, b.rows, b.sum);
		rc = verify_diff(e->master, e->slave, e->tm_master[i], 10,
				 &keys, &n, err);
		for (j = 0; rc == NR_OK && j < n; j++)
			printf("  differing key %s\n", keys[j]);
		util_strv_free(keys, n);
		keys = NULL;
	}
	return rc;
}

static int
conflicts_list(struct db *db, bool all, struct nr_err *err)
{
	struct qres *res = NULL;
	size_t i;
	int rc;

	rc = resolve_list(db, all ? "all" : "open", NULL, UINT_MAX, &res, err);
	if (rc != NR_OK)
		return rc;
	printf("%-6s %-8s %-16s %-24s %-12s %-16s %-7s %s\n", "ID", "STATUS",
	       "TABLE", "KEY", "PEER", "STRATEGY", "WINNER", "CREATED");
	/* Oldest first; the columns are RESOLVE_COLUMNS. */
	for (i = res->nrows; i-- > 0;)
		printf("%-6s %-8s %-16s %-24s %-12s %-16s %-7s %s\n",
		       qres_at(res, i, 0)->p, qres_at(res, i, 6)->p,
		       qres_at(res, i, 1)->p, qres_at(res, i, 2)->p,
		       qres_at(res, i, 3)->p, qres_at(res, i, 4)->p,
		       qres_at(res, i, 5)->p, qres_at(res, i, 14)->p);
	qres_free(res);
	return NR_OK;
}

static int
conflicts_show(struct db *db, const char *id, struct nr_err *err)
{
	struct qres *res = NULL;
	size_t c;
	int rc = resolve_get(db, id, false, &res, err);

	for (c = 0; rc == NR_OK && c < res->ncols; c++)
		printf("%-14s %s\n", res->cols[c].name,
		       qres_at(res, 0, c)->null ? "NULL"
						: qres_at(res, 0, c)->p);
	qres_free(res);
	return rc;
}

static int
cmd_housekeeping(struct env *e, struct nr_err *err)
{
	struct housekeeping_stats st = {0};
	int rc = housekeeping_run(e->master, &st, err);

	if (rc == NR_OK)
		printf("forgot %llu nonces, %llu batch ids, %llu client change "
		       "records\n",
		       st.nonces, st.batches, st.client_changes);
	return rc;
}

/* One table's line of purge. */
static void
say_purge(void *arg, const struct retention_table *t)
{
	const bool *dry = arg;

	if (t->safe <= t->upto)
		printf("%s: nothing to purge (purged up to seq %llu; held by "
		       "%s)\n",
		       t->table, (unsigned long long)t->upto, t->held_by);
	else
		printf("%s: %s %llu entries up to seq %llu (held by %s)\n",
		       t->table, *dry ? "would delete" : "deleted", t->gone,
		       (unsigned long long)t->safe, t->held_by);
}

static int
cmd_purge(struct env *e, const struct opts *o, struct nr_err *err)
{
	struct retention_stats st = {0};
	bool dry = o->dry_run;
	int rc;

	rc = env_purge(e, dry, say_purge, &dry, &st, err);
	if (rc == NR_OK && !dry)
		printf("deleted %llu changelog entries, %llu sync log rows "
		       "and decided conflicts\n",
		       st.entries, st.history);
	return rc;
}

/* After a restore: the positions peers hold in this changelog expire,
 * and those this node holds in theirs (as old as the backup) are
 * forgotten, so every table is copied again both ways. */
static int
cmd_new_epoch(struct env *e, struct nr_err *err)
{
	unsigned long long n = 0;
	int rc = meta_new_epoch(e->master, err);

	if (rc == NR_OK)
		rc = peers_forget_all(e->master, &n, err);
	if (rc == NR_OK)
		printf("the changelog has a new epoch, and %llu positions in "
		       "peers' changelogs are forgotten: every table is "
		       "copied again both ways at the next sync\n",
		       n);
	return rc;
}

/* touch TABLE [COLUMN]: the table's rows (where COLUMN is not NULL)
 * replicate once more. */
static int
cmd_touch(struct env *e, int argc, char **argv, struct nr_err *err)
{
	unsigned long long n = 0;
	size_t i;
	int rc;

	if (argc < 1 || argc > 2)
		return err_set(err, NR_EINVAL,
			       "touch: expected TABLE [COLUMN]");
	rc = env_load_tables(e, err);
	for (i = 0; rc == NR_OK && i < e->cfg->ntables; i++)
		if (strcmp(e->tm_master[i]->name, argv[0]) == 0)
			break;
	if (rc == NR_OK && i == e->cfg->ntables)
		rc = err_set(err, NR_EINVAL,
			     "touch: table '%.64s' is not replicated", argv[0]);
	if (rc == NR_OK)
		rc = changes_touch(e->master, e->tm_master[i],
				   argc == 2 ? argv[1] : NULL, e->cfg->node_id,
				   &n, err);
	if (rc == NR_OK)
		printf("%s: %llu rows logged to replicate again\n", argv[0], n);
	return rc;
}

static int
cmd_conflicts(struct env *e, const struct opts *o, int argc, char **argv,
	      struct nr_err *err)
{
	struct db *db = o->slave ? e->slave : e->master;
	struct tmeta ***tms = o->slave ? &e->tm_slave : &e->tm_master;

	if (db == NULL)
		return err_set(err, NR_ECONFIG,
			       "databases.slave: none is "
			       "configured");
	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc == 1)
		return conflicts_list(db, o->all, err);
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return conflicts_show(db, argv[1], err);
	if (argc == 3 && strcmp(argv[0], "resolve") == 0) {
		int rc = env_load_tables(e, err);

		if (rc != NR_OK)
			return rc;
		rc = resolve_conflict(
		    db, db == e->slave ? e->slave_id : e->cfg->node_id, *tms,
		    e->cfg->ntables, argv[1], argv[2], err);
		if (rc == NR_OK)
			printf("conflict %s resolved: %s\n", argv[1], argv[2]);
		return rc;
	}
	return err_set(err, NR_EINVAL,
		       "conflicts: expected list, show ID or "
		       "resolve ID use_local|use_remote");
}

/* Commands that need the databases. */
static int
run_db_command(const struct config *cfg, const struct opts *o, int argc,
	       char **argv)
{
	struct env e;
	struct nr_err err = {0};
	const char *cmd = argv[0];
	int rc, differ = 0;

	rc = env_open(&e, cfg, &err);
	if (rc == NR_OK && strcmp(cmd, "init") == 0)
		rc = cmd_init(&e, o, &err);
	else if (rc == NR_OK && strcmp(cmd, "uninstall") == 0)
		rc = cmd_uninstall(&e, o, &err);
	else if (rc == NR_OK && strcmp(cmd, "verify") == 0)
		rc = cmd_verify(&e, o, &err, &differ);
	else if (rc == NR_OK && strcmp(cmd, "housekeeping") == 0)
		rc = cmd_housekeeping(&e, &err);
	else if (rc == NR_OK && strcmp(cmd, "touch") == 0)
		rc = cmd_touch(&e, argc - 1, argv + 1, &err);
	else if (rc == NR_OK && strcmp(cmd, "purge") == 0)
		rc = cmd_purge(&e, o, &err);
	else if (rc == NR_OK && strcmp(cmd, "new-epoch") == 0)
		rc = cmd_new_epoch(&e, &err);
	else if (rc == NR_OK)
		rc = cmd_conflicts(&e, o, argc - 1, argv + 1, &err);
	env_close(&e);
	if (rc != NR_OK) {
		fprintf(stderr, "nunezctl: %s: %s\n", cmd, err.msg);
		return rc == NR_ECONFIG || rc == NR_EINVAL ? EXIT_USAGE : 1;
	}
	return differ ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"slave", no_argument, NULL, 's'},
	    {"all", no_argument, NULL, 'a'},
	    {"keep-tables", no_argument, NULL, 'k'},
	    {"env", required_argument, NULL, 'e'},
	    {"definer", required_argument, NULL, 'd'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const db_cmds[] = {
	    "init",  "uninstall", "verify",    "conflicts", "housekeeping",
	    "touch", "purge",	  "new-epoch", NULL};
	struct opts o = {0};
	struct config *cfg = NULL;
	struct nr_err derr = {0};
	const char *path, *cmd;
	int c, rc, i;

	log_setup("nunezctl", LOG_INFO, false, NULL);
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 's':
			o.slave = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'k':
			o.keep_tables = true;
			break;
		case 'e':
			o.env = optarg;
			break;
		case 'd':
			o.definer = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nunezctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (o.definer != NULL &&
	    (strcmp(cmd, "init") != 0 ||
	     install_definer_check(o.definer, &derr) != NR_OK)) {
		fprintf(stderr, "nunezctl: %s\n",
			strcmp(cmd, "init") != 0 ? "--definer is for init only"
						 : derr.msg);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "gen-key") == 0)
		return cmd_gen_key();
	if (strcmp(cmd, "hash-key") == 0)
		return cmd_hash_key(optind + 1 < argc ? argv[optind + 1]
						      : NULL);
	for (i = 0; db_cmds[i] != NULL; i++)
		if (strcmp(cmd, db_cmds[i]) == 0)
			break;
	if (db_cmds[i] == NULL && strcmp(cmd, "check-config") != 0 &&
	    strcmp(cmd, "ping") != 0) {
		fprintf(stderr, "nunezctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	path = cli_config_path(o.config);
	if (cli_load_config("nunezctl", path, &cfg) != NR_OK)
		return EXIT_USAGE;
	if (strcmp(cmd, "check-config") == 0)
		rc = cmd_check(cfg);
	else if (strcmp(cmd, "ping") == 0)
		rc = cmd_ping(cfg);
	else
		rc = run_db_command(cfg, &o, argc - optind, argv + optind);
	config_free(cfg);
	return rc;
}
