/* What the programs share at start-up: finding and loading the config,
 * and the exit statuses. */
#ifndef NR_CLI_H
#define NR_CLI_H

#include "config.h"

/* Exit statuses. EXIT_BUSY: sync_multi found another run holding the
 * environment's lock, which is no failure under cron. */
enum cli_exit {
	EXIT_SYNCED = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_BUSY = 3
};

/* The config read when neither --config nor NUNEZ_CONFIG names one;
 * SYSCONFDIR comes from configure's --sysconfdir. */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CLI_CONFIG_DEFAULT SYSCONFDIR "/nunez/config.json"

/* The config path: path when not NULL, else $NUNEZ_CONFIG when set and
 * not empty, else CLI_CONFIG_DEFAULT. Never NULL; borrowed. */
const char *cli_config_path(const char *path);

/* Loads the config at path, printing every problem and warning to stderr
 * as "path: json.path: message"; a missing CLI_CONFIG_DEFAULT is said as
 * "no config" with how to give one. On NR_OK *out is the caller's. Sets up
 * logging from the config for prog. */
int cli_load_config(const char *prog, const char *path,
		    struct config **out) NR_WUR;

#endif
