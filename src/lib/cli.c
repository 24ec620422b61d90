/* Start-up helpers shared by nunez-api, sync_multi and nunezctl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

const char *
cli_config_path(const char *path)
{
	if (path != NULL)
		return path;
	path = getenv("NUNEZ_CONFIG");
	if (path != NULL && path[0] != '\0')
		return path;
	return CLI_CONFIG_DEFAULT;
}

int
cli_load_config(const char *prog, const char *path, struct config **out)
{
	struct config_diag diag = {0};
	int rc;

	/* A missing default file is a missing config, not a broken one:
	 * say how to give one. */
	*out = NULL;
	if (strcmp(path, CLI_CONFIG_DEFAULT) == 0 && access(path, F_OK) != 0 &&
	    errno == ENOENT) {
		fprintf(stderr,
			"%s: no config: give --config FILE or set "
			"NUNEZ_CONFIG (the default, %s, does not exist)\n",
			prog, path);
		return NR_ECONFIG;
	}
	rc = config_load(path, out, &diag);
	config_diag_print(&diag, path, stderr);
	if (rc != NR_OK)
		fprintf(stderr,
			"%s: %s: configuration rejected (%zu "
			"problem%s)\n",
			prog, path, diag.nerrors, diag.nerrors == 1 ? "" : "s");
	else
		log_setup(prog, (enum log_level)(*out)->log.level,
			  (*out)->log.format == 1, NULL);
	config_diag_free(&diag);
	return rc;
}
