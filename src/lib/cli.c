/* Start-up helpers shared by nunez-api, sync_multi and nunezctl. */
#include <stdio.h>
#include <stdlib.h>

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
	return NULL;
}

int
cli_load_config(const char *prog, const char *path, struct config **out)
{
	struct config_diag diag = {0};
	int rc;

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
