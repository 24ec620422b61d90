/* sync_multi: syncs the local master/slave pair, then every remote
 * environment, table by table. Run from cron or with --follow: quiet when
 * all went well and no one watches (cron mails only failures). */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "breaker.h"
#include "cli.h"
#include "env.h"
#include "housekeeping.h"
#include "retention.h"
#include "remote.h"
#include "log.h"
#include "meta.h"
#include "peers.h"
#include "query.h"
#include "sync.h"
#include "synclog.h"

static volatile sig_atomic_t stopping;

struct opts {
	const char *config;
	const char *env;
	const char *table;
	const char *log_format;
	bool dry_run;
	bool follow;
	bool local_only;
	bool plan;
	bool verbose;
};

/* Whether the summary lines go to stdout: on a terminal or asked. */
static bool shown;

static void
usage(FILE *f)
{
	fputs(
	    "usage: sync_multi [--config FILE] [--env NAME] [--table NAME]\n"
	    "                  [--dry-run] [--plan] [--follow] [--local-only]\n"
	    "                  [--log-format text|json] [--verbose]\n"
	    "  --config FILE   config file (default $NUNEZ_CONFIG, else\n"
	    "                  " CLI_CONFIG_DEFAULT ")\n"
	    "  --env NAME      only this remote environment\n"
	    "  --table NAME    only this table\n"
	    "  --dry-run       read and decide everything, then roll back\n"
	    "  --plan          print what would be synced and exit\n"
	    "  --follow        keep syncing until SIGTERM\n"
	    "  --local-only    only the local master/slave pair\n"
	    "  --verbose       print the summary lines even when stdout is "
	    "not a\n"
	    "                  terminal (else only failures, on stderr)\n"
	    "exit status: 0 all synced, 1 some failed, 2 usage or config "
	    "error,\n"
	    "3 another run holds the environment's lock (nothing done)\n",
	    f);
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
	    {"plan", no_argument, NULL, 'p'},
	    {"verbose", no_argument, NULL, 'v'},
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
		case 'p':
			o->plan = true;
			break;
		case 'v':
			o->verbose = true;
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

/* Checks --env and --table against the config: -1 when fine, else the
 * exit status. */
static int
check_names(const struct config *cfg, const struct opts *o)
{
	if (o->env != NULL && config_remote_find(cfg, o->env) == NULL) {
		fprintf(stderr,
			"sync_multi: %s: remoteEnvironments has no "
			"environment '%s'\n",
			cfg->path, o->env);
		return EXIT_USAGE;
	}
	if (o->table != NULL && config_table_find(cfg, o->table) == NULL) {
		fprintf(stderr,
			"sync_multi: %s: replication.tables has no "
			"table '%s'\n",
			cfg->path, o->table);
		return EXIT_USAGE;
	}
	return -1;
}

/* Prints what a run would sync, without connecting to anything. */
static int
plan(const struct config *cfg, const struct opts *o)
{
	size_t i, j;

	for (j = 0; j < cfg->ntables; j++) {
		const char *t = cfg->tables[j].name;

		if (o->table != NULL && strcmp(o->table, t) != 0)
			continue;
		if (o->env == NULL && cfg->has_slave)
			printf("local %s: %s\n", config_mode_name(cfg->mode),
			       t);
		for (i = 0; i < cfg->nremotes && !o->local_only; i++) {
			const struct config_remote *r = &cfg->remotes[i];

			if (o->env != NULL && strcmp(o->env, r->name) != 0)
				continue;
			printf("remote %s %s: %s%s\n", r->name,
			       config_sync_mode_name(r->sync_mode), t,
			       r->enabled ? "" : " (disabled)");
		}
	}
	return EXIT_SYNCED;
}

/* True when stderr is journald's stream: systemd then sets JOURNAL_STREAM
 * to the device and inode of it (systemd.exec(5)). */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* Where a long copy stands, for the progress line. */
struct progress {
	const char *what;
	unsigned long long total; /* the table's estimated rows; 0: unknown */
	double t0;
	bool started; /* a line was shown, so done ends it */
};

/* The estimated row count of table in db from the table statistics
 * (information_schema.TABLES.TABLE_ROWS): 0 when unknown. */
static unsigned long long
estimate_rows(struct db *db, const char *table)
{
	struct qval p = qv_str(table);
	struct qres *res = NULL;
	struct nr_err err;
	unsigned long long n = 0;

	if (query_run(db,
		      "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE "
		      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
		      &p, 1, 0, &res, &err) == NR_OK &&
	    res->nrows == 1 && !qres_at(res, 0, 0)->null)
		n = strtoull(qres_at(res, 0, 0)->p, NULL, 10);
	qres_free(res);
	return n;
}

/* Sets up pr for what; the total from db's statistics of table when db
 * is not NULL and a terminal would show the line. */
static void
progress_init(struct progress *pr, const char *what, struct db *db,
	      const char *table)
{
	pr->what = what;
	pr->t0 = now();
	pr->total = 0;
	pr->started = false;
	if (db != NULL && isatty(STDERR_FILENO))
		pr->total = estimate_rows(db, table);
}

/* A live line on a terminal for long copies: rows done of the estimated
 * total, the rate and the time left. Short runs show none. */
static void
progress(void *arg, unsigned long long rows, bool done)
{
	struct progress *pr = arg;
	double secs = now() - pr->t0;
	double rate = secs > 0 ? rows / secs : 0;
	unsigned long long left;

	if (!isatty(STDERR_FILENO) || (rows < 10000 && !pr->started))
		return;
	pr->started = true;
	fprintf(stderr, "\r%s: %llu", pr->what, rows);
	/* Statistics are estimates: past the total, say only the rows. */
	if (pr->total >= rows && !done)
		fprintf(stderr, " of ~%llu rows (%d%%)", pr->total,
			(int)(100.0 * rows / (double)pr->total));
	else
		fputs(" rows", stderr);
	fprintf(stderr, ", %.0f rows/s", rate);
	if (pr->total >= rows && !done && rate > 0) {
		left = (unsigned long long)((pr->total - rows) / rate);
		fprintf(stderr, ", ETA %llu:%02llu", left / 60, left % 60);
	}
	fputs(done ? "\033[K\n" : "\033[K", stderr);
	fflush(stderr);
}

/* Says one line of the run's outcome. Success goes to stdout when it is
 * shown, else to the log at info (which under cron is not written); a
 * failure to stdout when shown, else to stderr, so cron mails failures
 * only. */
static void NR_PRINTF(2, 3) report(bool failed, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (shown) {
		printf("%s\n", line);
		fflush(stdout);
	} else if (failed) {
		fprintf(stderr, "%s\n", line);
	} else {
		log_info("%s", line);
	}
}

/* The summary line of one table and direction. */
static void
summary(const char *what, int rc, const struct sync_stats *st, double t0,
	const struct nr_err *err)
{
	report(rc != NR_OK,
	       "%s: %s, %llu changes read, %llu inserted, %llu updated, %llu "
	       "deleted, %llu unchanged, %llu conflicts (%llu open), %llu "
	       "resyncs, %.2f s%s%s",
	       what, rc == NR_OK ? "ok" : "FAILED", st->rows, st->a.inserted,
	       st->a.updated, st->a.deleted, st->a.unchanged, st->a.conflicts,
	       st->a.open, st->resyncs, now() - t0, rc == NR_OK ? "" : ": ",
	       rc == NR_OK ? "" : err->msg);
}

/* One direction of one table of the local pair; prints its summary. */
static int
local_direction(struct env *e, size_t t, bool to_slave, const struct opts *o)
{
	struct sync_side m = {e->master, e->cfg->node_id, e->tm_master[t]};
	struct sync_side s = {e->slave, e->slave_id, e->tm_slave[t]};
	const char *dir = to_slave ? "master>slave" : "slave>master";
	struct sync_opts so = {0};
	struct sync_stats st = {0};
	struct nr_err err = {0};
	struct progress pr;
	char what[160];
	double t0 = now();
	int rc;

	so.cfg = e->cfg;
	so.ckey = &e->ckey;
	so.detect = e->cfg->mode == MODE_MASTER_MASTER;
	so.mirror = e->cfg->mode == MODE_MASTER_SLAVE;
	so.dry_run = o->dry_run;
	snprintf(what, sizeof(what), "local %s %s", dir, e->tm_master[t]->name);
	progress_init(&pr, what, to_slave ? e->master : e->slave,
		      e->tm_master[t]->name);
	so.progress = progress;
	so.progress_arg = &pr;
	rc = to_slave ? sync_table(&m, &s, &so, &st, &err)
		      : sync_table(&s, &m, &so, &st, &err);
	summary(what, rc, &st, t0, &err);
	if (!o->dry_run)
		synclog_add(e->master, "local", e->tm_master[t]->name, dir, &st,
			    t0, rc == NR_OK ? "ok" : "failed",
			    rc == NR_OK ? NULL : err.msg);
	return rc;
}

/* The remote's row count of table t when this node's pull of it is a
 * first copy (no position yet, or in the copy) shown on a terminal; else
 * 0 (unknown): counting reads the remote's whole table. */
static unsigned long long
remote_first_copy_rows(struct env *e, struct remote *rm,
		       const struct config_remote *r, size_t t)
{
	const char *table = e->tm_master[t]->name;
	struct cursor c = {0};
	unsigned long long n = 0;
	struct nr_err err;
	bool copy;

	if (!isatty(STDERR_FILENO) ||
	    peers_load(e->master, r->name, table, &c, &err) != NR_OK)
		return 0;
	copy = !c.started || c.snapshot;
	cursor_clear(&c);
	if (copy && remote_rows(rm, table, &n, &err) != NR_OK)
		n = 0;
	return n;
}

/* One direction of one table with a remote. */
static int
remote_direction(struct env *e, struct remote *rm,
		 const struct config_remote *r, size_t t, bool pull,
		 const struct opts *o, unsigned long long *arrived)
{
	struct sync_side local = {e->master, e->cfg->node_id, e->tm_master[t]};
	const char *dir = pull ? "pull" : "push";
	struct sync_opts so = {0};
	struct sync_stats st = {0};
	struct nr_err err = {0};
	struct progress pr;
	char what[200];
	double t0 = now();
	int rc;

	so.cfg = e->cfg;
	so.ckey = &e->ckey;
	so.detect = true; /* the master captures its writes */
	so.dry_run = o->dry_run;
	snprintf(what, sizeof(what), "remote %s %s %s", r->name, dir,
		 e->tm_master[t]->name);
	/* A push reads this master; a pull's first copy asks the remote
	 * for its row count. */
	progress_init(&pr, what, pull ? NULL : e->master,
		      e->tm_master[t]->name);
	if (pull)
		pr.total = remote_first_copy_rows(e, rm, r, t);
	so.progress = progress;
	so.progress_arg = &pr;
	rc = pull ? sync_pull_remote(rm, r->name, &local, &so, &st, &err)
		  : sync_push_remote(rm, r->name, &local, &so, &st, &err);
	summary(what, rc, &st, t0, &err);
	if (pull)
		*arrived += st.a.inserted + st.a.updated + st.a.deleted;
	if (!o->dry_run)
		synclog_add(e->master, r->name, e->tm_master[t]->name, dir, &st,
			    t0, rc == NR_OK ? "ok" : "failed",
			    rc == NR_OK ? NULL : err.msg);
	return rc;
}

/* Every table with one remote, by its syncMode: pull, then push. Returns
 * the number of failed directions; the breaker counts the run. */
static int
remote_env(struct env *e, const struct config_remote *r, const struct opts *o,
	   unsigned long long *arrived)
{
	struct log_ctx lc = {r->name, NULL, 0};
	struct breaker br;
	struct nr_err err = {0};
	struct remote *rm;
	long long wait;
	size_t t;
	int failed = 0;

	if (breaker_load(e->master, r->name, &br, &err) != NR_OK) {
		log_msg(LOG_ERROR, &lc, "%s", err.msg);
		return 1;
	}
	wait = breaker_wait(&br, e->cfg, (long long)time(NULL));
	if (wait > 0) {
		log_msg(LOG_WARN, &lc,
			"circuit open after %d failed runs; "
			"skipped for %lld s more",
			br.failures, wait);
		report(true,
		       "remote %s: skipped, circuit open (%d failed runs, "
		       "%lld s left)",
		       r->name, br.failures, wait);
		return 1;
	}
	rm = remote_new(e->cfg, r);
	for (t = 0; t < e->cfg->ntables; t++) {
		if (o->table != NULL &&
		    strcmp(o->table, e->cfg->tables[t].name))
			continue;
		if ((r->sync_mode & SYNC_PULL) &&
		    remote_direction(e, rm, r, t, true, o, arrived) != NR_OK)
			failed++;
		if ((r->sync_mode & SYNC_PUSH) &&
		    remote_direction(e, rm, r, t, false, o, arrived) != NR_OK)
			failed++;
	}
	remote_free(rm);
	if (!o->dry_run && breaker_record(e->master, r->name, failed == 0,
					  e->cfg, &br, &err) != NR_OK)
		log_msg(LOG_ERROR, &lc, "%s", err.msg);
	if (br.opened_at != 0 && failed > 0)
		log_msg(LOG_WARN, &lc,
			"circuit open after %d failed runs; "
			"skipping it for %d s",
			br.failures, e->cfg->sync.breaker_cooldown);
	return failed;
}

/* Holds the environment's sync lock (a named lock on the master, so it
 * also holds across hosts); NR_EEXIST when another run has it. */
static int
lock_env(struct env *e, struct nr_err *err)
{
	char name[128];
	struct qval p;
	struct qres *res = NULL;
	int rc;

	snprintf(name, sizeof(name), "nunez_sync:%s", e->cfg->node_id);
	p = qv_str(name);
	rc = query_run(e->master, "SELECT GET_LOCK(?, 0)", &p, 1, 0, &res, err);
	if (rc == NR_OK && (qres_at(res, 0, 0)->null ||
			    strcmp(qres_at(res, 0, 0)->p, "1") != 0))
		rc = err_set(err, NR_EEXIST,
			     "another sync_multi is running "
			     "for environment %s; this run does nothing",
			     e->cfg->node_id);
	qres_free(res);
	return rc;
}

/* Retention after a run, once a minute at most (--follow); its failure
 * is said, and fails no sync. */
static void
housekeep(struct env *e)
{
	static time_t last;
	struct housekeeping_stats st = {0};
	struct retention_stats rs = {0};
	struct nr_err err;

	if (time(NULL) - last < 60)
		return;
	last = time(NULL);
	if (housekeeping_run(e->master, &st, &err) != NR_OK)
		log_warn("housekeeping: %s", err.msg);
	else if (st.nonces + st.batches + st.client_changes > 0)
		log_info("housekeeping: forgot %llu nonces, %llu batch ids, "
			 "%llu client change records",
			 st.nonces, st.batches, st.client_changes);
	if (env_purge(e, false, NULL, NULL, &rs, &err) != NR_OK)
		log_warn("purge: %s", err.msg);
	else if (rs.entries + rs.history > 0)
		log_info("purge: deleted %llu changelog entries every peer has "
			 "read, %llu old sync log rows and decided conflicts",
			 rs.entries, rs.history);
}

/* The local pair, every table: master to slave and, in master-master,
 * back (not when both_ways is false). Returns how many failed. */
static int
local_pair(struct env *e, const struct opts *o, bool both_ways)
{
	const struct config *cfg = e->cfg;
	int failed = 0;
	size_t t;

	for (t = 0; t < cfg->ntables && e->slave != NULL; t++) {
		if (o->table != NULL && strcmp(o->table, cfg->tables[t].name))
			continue;
		if (o->env != NULL)
			continue;
		if (local_direction(e, t, true, o) != NR_OK)
			failed++;
		else if (both_ways && cfg->mode == MODE_MASTER_MASTER &&
			 local_direction(e, t, false, o) != NR_OK)
			failed++;
	}
	return failed;
}

static int
run(const struct config *cfg, const struct opts *o)
{
	struct env e;
	struct nr_err err = {0};
	unsigned long long arrived = 0;
	int rc, failed = 0;
	size_t t;

	rc = env_open(&e, cfg, &err);
	if (rc == NR_OK)
		rc = lock_env(&e, &err);
	if (rc == NR_EEXIST) {
		/* An overlapping run (a long copy under cron) is no failure:
		 * said at info, so cron mails nothing. */
		log_info("%s", err.msg);
		env_close(&e);
		return EXIT_BUSY;
	}
	if (rc == NR_OK)
		rc = env_check_installed(&e, &err);
	if (rc == NR_OK)
		rc = env_load_tables(&e, &err);
	if (rc == NR_OK)
		rc = meta_cursor_key(e.master, cfg, &e.ckey, &err);
	if (rc != NR_OK) {
		log_error("%s", err.msg);
		env_close(&e);
		return rc == NR_ECONFIG ? EXIT_USAGE : EXIT_SOME_FAILED;
	}
	if (sync_paused(e.master)) {
		log_info("replication is paused (POST /api/replication/resume "
			 "to resume); nothing synced");
		env_close(&e);
		return EXIT_SYNCED;
	}
	failed += local_pair(&e, o, true);
	for (t = 0; !o->local_only && t < cfg->nremotes; t++) {
		const struct config_remote *r = &cfg->remotes[t];

		if (!r->enabled || (o->env != NULL && strcmp(o->env, r->name)))
			continue;
		failed += remote_env(&e, r, o, &arrived);
	}
	/* What arrived from the remotes reaches the slave in this run, so
	 * a run ends with master and slave equal. */
	if (arrived > 0 && !o->dry_run)
		failed += local_pair(&e, o, false);
	if (!o->dry_run)
		housekeep(&e);
	env_close(&e);
	return failed ? EXIT_SOME_FAILED : EXIT_SYNCED;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct config *cfg = NULL;
	enum log_level level;
	const char *path;
	bool json;
	int rc;

	log_setup("sync_multi", LOG_INFO, false, NULL);
	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	path = cli_config_path(o.config);
	if (cli_load_config("sync_multi", path, &cfg) != NR_OK)
		return EXIT_USAGE;
	json = o.log_format != NULL ? strcmp(o.log_format, "json") == 0
				    : cfg->log.format == 1;
	level = (enum log_level)cfg->log.level;
	shown = o.verbose || isatty(STDOUT_FILENO);
	/* Under cron whatever reaches stderr is mailed: only warnings and
	 * errors go there. The journal takes everything. */
	if (!shown && !isatty(STDERR_FILENO) && !stderr_is_journal() &&
	    level < LOG_WARN)
		level = LOG_WARN;
	log_setup("sync_multi", level, json, NULL);
	rc = check_names(cfg, &o);
	if (rc >= 0)
		goto out;
	if (o.plan) {
		rc = plan(cfg, &o);
		goto out;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	do {
		rc = run(cfg, &o);
		if (o.follow && !stopping)
			sleep((unsigned)cfg->sync.follow_interval);
	} while (o.follow && !stopping);
	curl_global_cleanup();
out:
	config_free(cfg);
	return rc;
}
