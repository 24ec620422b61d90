/* What the programs share at start-up: finding and loading the config,
 * and the exit statuses. */
#ifndef NR_CLI_H
#define NR_CLI_H

#include "config.h"

enum cli_exit { EXIT_SYNCED = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

/* The config path: path when not NULL, else $NUNEZ_CONFIG, else NULL. */
const char *cli_config_path(const char *path);

/* Loads the config at path, printing every problem and warning to stderr
 * as "path: json.path: message". On NR_OK *out is the caller's. Sets up
 * logging from the config for prog. */
int cli_load_config(const char *prog, const char *path,
		    struct config **out) NR_WUR;

#endif
