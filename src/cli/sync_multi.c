/* sync_multi: syncs the local master/slave pair, then every remote
 * environment, table by table. Run from cron or with --follow. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

struct opts {
	const char *config;
	const char *env;
	const char *table;
	const char *log_format;
	bool dry_run;
	bool follow;
	bool local_only;
};

static void
usage(FILE *f)
{
	fputs("usage: sync_multi [--config FILE] [--env NAME] [--table NAME]\n"
	      "                  [--dry-run] [--follow] [--local-only]\n"
	      "                  [--log-format text|json]\n"
	      "  --config FILE   config file (default $NUNEZ_CONFIG)\n"
	      "  --env NAME      only this remote environment\n"
	      "  --table NAME    only this table\n"
	      "  --dry-run       say what would be synced, change nothing\n"
	      "  --follow        keep syncing until SIGTERM\n"
	      "  --local-only    only the local master/slave pair\n"
	      "exit status: 0 all synced, 1 some failed, 2 usage or config "
	      "error\n", f);
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"env", required_argument, NULL, 'e'},
		{"table", required_argument, NULL, 't'},
		{"log-format", required_argument, NULL, 'l'},
		{"dry-run", no_argument, NULL, 'n'},
		{"follow", no_argument, NULL, 'f'},
		{"local-only", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'e':
			o->env = optarg;
			break;
		case 't':
			o->table = optarg;
			break;
		case 'l':
			o->log_format = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'L':
			o->local_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sync_multi %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sync_multi: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o->log_format != NULL && strcmp(o->log_format, "text") != 0 &&
	    strcmp(o->log_format, "json") != 0) {
		fputs("sync_multi: --log-format: expected text or json\n",
		      stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* Checks --env and --table against the config; prints the plan. */
static int
plan(const struct config *cfg, const struct opts *o)
{
	size_t i, j;

	if (o->env != NULL && config_remote_find(cfg, o->env) == NULL) {
		fprintf(stderr, "sync_multi: %s: remoteEnvironments has no "
			"environment '%s'\n", cfg->path, o->env);
		return EXIT_USAGE;
	}
	if (o->table != NULL && config_table_find(cfg, o->table) == NULL) {
		fprintf(stderr, "sync_multi: %s: replication.tables has no "
			"table '%s'\n", cfg->path, o->table);
		return EXIT_USAGE;
	}
	for (j = 0; j < cfg->ntables; j++) {
		const char *t = cfg->tables[j].name;

		if (o->table != NULL && strcmp(o->table, t) != 0)
			continue;
		if (o->env == NULL && cfg->has_slave)
			printf("local %s: %s\n", config_mode_name(cfg->mode), t);
		for (i = 0; i < cfg->nremotes && !o->local_only; i++) {
			const struct config_remote *r = &cfg->remotes[i];

			if (o->env != NULL && strcmp(o->env, r->name) != 0)
				continue;
			printf("remote %s %s: %s%s\n", r->name,
			       config_sync_mode_name(r->sync_mode), t,
			       r->enabled ? "" : " (disabled)");
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct config *cfg = NULL;
	const char *path;
	int rc;

	log_setup("sync_multi", LOG_INFO, false, NULL);
	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	path = cli_config_path(o.config);
	if (path == NULL) {
		fputs("sync_multi: no config: give --config FILE or set "
		      "NUNEZ_CONFIG\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config("sync_multi", path, &cfg) != NR_OK)
		return EXIT_USAGE;
	if (o.log_format != NULL)
		log_setup("sync_multi", (enum log_level)cfg->log.level,
			  strcmp(o.log_format, "json") == 0, NULL);
	rc = plan(cfg, &o);
	if (rc >= 0)
		goto out;
	if (o.dry_run) {
		rc = EXIT_SYNCED;
		goto out;
	}
	log_error("synchronisation is not available in this version yet");
	rc = EXIT_SOME_FAILED;
out:
	config_free(cfg);
	return rc;
}
