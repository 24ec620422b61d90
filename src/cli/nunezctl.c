/* nunezctl: the admin CLI. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cli.h"
#include "db.h"
#include "log.h"

static void
usage(FILE *f)
{
	fputs("usage: nunezctl [--config FILE] COMMAND [ARGS]\n"
	      "commands:\n"
	      "  check-config     load and check the config, print a summary\n"
	      "  ping             check that the databases answer\n"
	      "  gen-key          print a new random API key and its stored "
	      "form\n"
	      "  hash-key KEY     print the stored form (sha256:...) of KEY\n"
	      "options: --config FILE (default $NUNEZ_CONFIG), --help, "
	      "--version\n", f);
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

static void
summary(const struct config *cfg)
{
	size_t i;

	printf("%s: ok\nnode: %s (priority %d)\nmode: %s\n", cfg->path,
	       cfg->node_id, cfg->node_priority, config_mode_name(cfg->mode));
	printf("master: %s@%s:%d/%s\n", cfg->master.user, cfg->master.host,
	       cfg->master.port, cfg->master.database);
	if (cfg->has_slave)
		printf("slave: %s@%s:%d/%s\n", cfg->slave.user,
		       cfg->slave.host, cfg->slave.port, cfg->slave.database);
	for (i = 0; i < cfg->ntables; i++)
		printf("table: %s (%s, %s)\n", cfg->tables[i].name,
		       config_strategy_name(cfg->tables[i].strategy),
		       config_capture_name(cfg->tables[i].capture));
	for (i = 0; i < cfg->nremotes; i++)
		printf("remote: %s %s %s\n", cfg->remotes[i].name,
		       cfg->remotes[i].url,
		       config_sync_mode_name(cfg->remotes[i].sync_mode));
	printf("keys: %zu\n", cfg->nkeys);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *cmd;
	struct config *cfg = NULL;
	int c, rc;

	log_setup("nunezctl", LOG_INFO, false, NULL);
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
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
	if (strcmp(cmd, "gen-key") == 0)
		return cmd_gen_key();
	if (strcmp(cmd, "hash-key") == 0)
		return cmd_hash_key(optind + 1 < argc ? argv[optind + 1]
						      : NULL);
	if (strcmp(cmd, "check-config") != 0 && strcmp(cmd, "ping") != 0) {
		fprintf(stderr, "nunezctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	path = cli_config_path(path);
	if (path == NULL) {
		fputs("nunezctl: no config: give --config FILE or set "
		      "NUNEZ_CONFIG\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config("nunezctl", path, &cfg) != NR_OK)
		return EXIT_USAGE;
	if (strcmp(cmd, "check-config") == 0) {
		summary(cfg);
		rc = 0;
	} else {
		rc = cmd_ping(cfg);
	}
	config_free(cfg);
	return rc;
}
