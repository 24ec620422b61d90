/* Unit tests of cli.c: where the config path comes from, and loading it
 * with every problem and warning printed, the verdict, and logging set
 * up from the config. */
#include "tap.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"

static char dir[] = "/tmp/nunez-cli-XXXXXX";
static char path[64], errpath[64];
static int saved = -1;

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
}

static void
teardown(void)
{
	log_setup("nunez", LOG_INFO, false, NULL);
	unlink(path);
	unlink(errpath);
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Sends stderr to a file until stderr_text. */
static void
capture(void)
{
	int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* What stderr got since capture, as a new string; stderr restored. */
static char *
stderr_text(void)
{
	struct nr_err err;
	char *text = NULL;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	saved = -1;
	ck_assert_int_eq(util_read_file(errpath, 1 << 20, &text, NULL, &err),
			 NR_OK);
	return text;
}

START_TEST(config_path_from_argument_or_environment)
{
	unsetenv("NUNEZ_CONFIG");
	ck_assert_str_eq(cli_config_path("/etc/a.json"), "/etc/a.json");
	/* Neither: the file under configure's sysconfdir. */
	ck_assert_str_eq(cli_config_path(NULL),
			 SYSCONFDIR "/nunez/config.json");
	setenv("NUNEZ_CONFIG", "", 1);
	ck_assert_str_eq(cli_config_path(NULL),
			 SYSCONFDIR "/nunez/config.json");
	setenv("NUNEZ_CONFIG", "/etc/b.json", 1);
	ck_assert_str_eq(cli_config_path(NULL), "/etc/b.json");
	/* The argument wins. */
	ck_assert_str_eq(cli_config_path("/etc/a.json"), "/etc/a.json");
	unsetenv("NUNEZ_CONFIG");
}
END_TEST

START_TEST(a_good_config_sets_up_logging)
{
	struct config *cfg = NULL;
	char *text, want[128];

	write_file("{\"databases\": {\"master\": {\"user\": \"u\", "
		   "\"database\": \"m\"}}, \"replication\": {\"tables\": "
		   "[{\"name\": \"t\", \"primaryKey\": \"id\"}]}, "
		   "\"api\": {\"keys\": [{\"name\": \"k\", \"key\": \"short\", "
		   "\"scopes\": [\"read\"]}]}, "
		   "\"log\": {\"level\": \"warn\", \"format\": \"json\"}}");
	capture();
	ck_assert_int_eq(cli_load_config("nunezctl", path, &cfg), NR_OK);
	log_info("not shown");
	log_warn("shown");
	text = stderr_text();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->path, path);
	/* The warning, named by the file. */
	snprintf(want, sizeof(want), "%s: warning: ", path);
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "shorter than 16 characters"));
	ck_assert_ptr_null(strstr(text, "rejected"));
	/* Logging as the config says: warn and up, JSON, this program. */
	ck_assert_ptr_null(strstr(text, "not shown"));
	ck_assert_ptr_nonnull(strstr(text, "\"level\":\"warn\","
					   "\"prog\":\"nunezctl\""));
	ck_assert_ptr_nonnull(strstr(text, "\"msg\":\"shown\"}\n"));
	free(text);
	config_free(cfg);
}
END_TEST

START_TEST(a_bad_config_is_rejected_with_its_problems)
{
	struct config *cfg = (struct config *)&cfg;
	char *text, want[256];

	/* No file. */
	capture();
	ck_assert_int_eq(cli_load_config("sync_multi", path, &cfg), NR_ECONFIG);
	text = stderr_text();
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want),
		 "%s: cannot open %s: No such file or "
		 "directory\nsync_multi: %s: configuration rejected (1 "
		 "problem)\n",
		 path, path, path);
	ck_assert_str_eq(text, want);
	free(text);
	/* No file at the default path: no config, and how to give one. */
	if (access(CLI_CONFIG_DEFAULT, F_OK) != 0) {
		capture();
		ck_assert_int_eq(
		    cli_load_config("sync_multi", cli_config_path(NULL), &cfg),
		    NR_ECONFIG);
		text = stderr_text();
		ck_assert_ptr_null(cfg);
		ck_assert_str_eq(text, "sync_multi: no config: give --config "
				       "FILE or set NUNEZ_CONFIG (the default, "
				       "" CLI_CONFIG_DEFAULT ", does not "
				       "exist)\n");
		free(text);
	}
	/* Two problems, each on its line, then the count. */
	write_file("{\"databases\": {\"master\": {\"user\": \"u\", "
		   "\"database\": \"m\"}}, \"replication\": {\"tables\": "
		   "[{\"name\": \"t\", \"primaryKey\": \"id\"}]}, "
		   "\"sync\": {\"batchSize\": 0, \"retries\": -1}}");
	capture();
	ck_assert_int_eq(cli_load_config("sync_multi", path, &cfg), NR_ECONFIG);
	text = stderr_text();
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "%s: sync.batchSize", path);
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want), "%s: sync.retries", path);
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want),
		 "sync_multi: %s: configuration "
		 "rejected (2 problems)\n",
		 path);
	ck_assert_str_eq(strstr(text, "sync_multi: "), want);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, config_path_from_argument_or_environment);
	tcase_add_test(tc, a_good_config_sets_up_logging);
	tcase_add_test(tc, a_bad_config_is_rejected_with_its_problems);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
