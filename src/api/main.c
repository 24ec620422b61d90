/* nunez-api: the FastCGI responder. A supervisor opens the socket and
 * keeps N pre-forked workers alive; each worker serves requests with its
 * own database connections. */
#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api.h"
#include "cli.h"
#include "log.h"
#include "auth.h"
#include "headcache.h"
#include "metrics.h"
#include "router.h"
#include "util.h"

/* Free heap above which a worker gives memory back after a request. */
#define TRIM_FREE_BYTES (8 * 1024 * 1024)

#define MAX_WORKERS 256
#define DRAIN_SECONDS 30

/* A worker leaves by _exit, which skips LeakSanitizer's check at exit:
 * a sanitizer build checks it before, and an idle worker told to stop
 * leaves its accept (interrupted) rather than exiting in the handler,
 * so that it frees what it holds first. */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#define EXIT_IN_HANDLER 0
#define ACCEPT_FLAGS FCGI_FAIL_ACCEPT_ON_INTR
#define LEAK_CHECK() __lsan_do_leak_check()
#else
#define EXIT_IN_HANDLER 1
#define ACCEPT_FLAGS 0
#define LEAK_CHECK() ((void)0)
#endif

static volatile sig_atomic_t got_term, got_chld, got_hup, busy;
static struct metrics *metrics;
static struct headcache *heads;

static void
usage(FILE *f)
{
	fputs("usage: nunez-api [--config FILE] [--socket ADDR] "
	      "[--workers N] [--socket-mode OCTAL]\n"
	      "  --config FILE      config file (default $NUNEZ_CONFIG)\n"
	      "  --socket ADDR      unix socket path or [host]:port to listen "
	      "on;\n"
	      "                     without it, fd 0 (spawn-fcgi)\n"
	      "  --workers N        pre-forked workers (default: api.workers)"
	      "\n"
	      "  --socket-mode M    permissions of a unix socket (default "
	      "0660)\n"
	      "  --help, --version\n",
	      f);
}

/* A worker asked to stop while idle leaves at once; a busy one finishes
 * the request in hand first. */
static void
on_worker_term(int sig)
{
	(void)sig;
	if (!busy && EXIT_IN_HANDLER)
		_exit(0);
	got_term = 1;
}

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void
on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Caps the worker's address space at api.workerAddressSpaceMB: past it
 * an allocation fails and the request is refused, where without it one
 * request could take the host's memory. */
static void
limit_memory(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->api.worker_as_mb << 20;

	if (cfg->api.worker_as_mb == 0)
		return;
#if defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of address space up front. */
	log_warn("built with AddressSanitizer: api.workerAddressSpaceMB is "
		 "not applied");
	(void)rl;
	(void)want;
#else
	if (getrlimit(RLIMIT_AS, &rl) != 0) {
		log_warn("getrlimit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	rl.rlim_cur = want;
	rl.rlim_max = want;
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		log_warn("cannot cap the worker's memory at %d MiB: %s",
			 cfg->api.worker_as_mb, strerror(errno));
#endif
}

static int
worker_main(struct config *cfg, int listen_fd)
{
	struct api app = {0};
	FCGX_Request fcgi;
	unsigned long served = 0;
	sigset_t none;

	set_handler(SIGTERM, on_worker_term);
	set_handler(SIGINT, on_worker_term);
	set_handler(SIGHUP, SIG_IGN);
	set_handler(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	limit_memory(cfg);
	auth_hash_keys(cfg);
	app.cfg = cfg;
	app.metrics = metrics;
	app.heads = heads;
	app.tms = util_calloc(cfg->ntables + 1, sizeof(*app.tms));
	app.master = db_new(&cfg->master, "master");
	if (cfg->has_slave)
		app.slave = db_new(&cfg->slave, "slave");
	if (FCGX_InitRequest(&fcgi, listen_fd, ACCEPT_FLAGS) != 0) {
		log_error("cannot set up a FastCGI request");
		return 1;
	}
	while (!got_term) {
		if (FCGX_Accept_r(&fcgi) < 0)
			break;
		busy = 1;
		router_handle(&app, &fcgi);
		FCGX_Finish_r(&fcgi);
		/* Give back what large requests made the heap grow by;
		 * looked at every 16 requests, as looking costs too. */
		if (++served % 16 == 0 &&
		    mallinfo2().fordblks > TRIM_FREE_BYTES)
			malloc_trim(128 * 1024);
		busy = 0;
	}
	api_free(&app);
	return 0;
}

static pid_t
spawn(struct config *cfg, int listen_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int rc = worker_main(cfg, listen_fd);

		LEAK_CHECK();
		_exit(rc);
	}
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

/* Waits for the workers to leave, killing them after DRAIN_SECONDS. */
static void
drain(pid_t *pids, int n)
{
	time_t end = time(NULL) + DRAIN_SECONDS;
	int i, left = n;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (left > 0) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0)
			break;
		if (pid == 0) {
			if (time(NULL) >= end) {
				for (i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
			}
			usleep(20000);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		left--;
	}
}

/* Reaps dead workers; those still in pids are replaced. */
static void
reap(struct config *cfg, int listen_fd, pid_t *pids, int n)
{
	static int fast_deaths;
	static time_t last_death;
	pid_t pid;
	int i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			log_warn("worker %d ended (%s %d); starting another",
				 (int)pid,
				 WIFSIGNALED(status) ? "signal" : "status",
				 WIFSIGNALED(status) ? WTERMSIG(status)
						     : WEXITSTATUS(status));
			/* Pace restarts of a worker that keeps dying. */
			fast_deaths = time(NULL) - last_death < 1
					  ? fast_deaths + 1
					  : 0;
			last_death = time(NULL);
			if (fast_deaths > 5)
				sleep(1);
			pids[i] = spawn(cfg, listen_fd);
		}
	}
}

/* SIGHUP: a valid new config replaces the workers (the old ones finish
 * their requests); a bad one is reported and the old one kept. */
static struct config *
reload(const char *path, struct config *cfg, int listen_fd, pid_t *pids, int *n,
       long fixed)
{
	struct config *next = NULL;
	pid_t old[MAX_WORKERS];
	int i, oldn = *n;

	log_info("SIGHUP: reloading %s", path);
	if (cli_load_config("nunez-api", path, &next) != NR_OK) {
		log_error("the new config was rejected; keeping the old one");
		return cfg;
	}
	memcpy(old, pids, sizeof(old));
	*n = fixed >= 0 ? (int)fixed : next->api.workers;
	if (*n > MAX_WORKERS)
		*n = MAX_WORKERS;
	for (i = 0; i < *n; i++)
		pids[i] = spawn(next, listen_fd);
	for (i = *n; i < MAX_WORKERS; i++)
		pids[i] = 0;
	for (i = 0; i < oldn; i++)
		if (old[i] > 0)
			kill(old[i], SIGTERM);
	config_free(cfg);
	log_info("reloaded: %d workers, node %s", *n, next->node_id);
	return next;
}

static int
supervise(struct config **cfgp, const char *path, int listen_fd, int n,
	  long fixed)
{
	pid_t pids[MAX_WORKERS] = {0};
	sigset_t block, none;
	int i;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&none);
	set_handler(SIGTERM, on_term);
	set_handler(SIGINT, on_term);
	set_handler(SIGCHLD, on_chld);
	set_handler(SIGHUP, on_hup);
	for (i = 0; i < n; i++)
		pids[i] = spawn(*cfgp, listen_fd);
	log_info("serving with %d workers, node %s", n, (*cfgp)->node_id);
	while (!got_term) {
		sigsuspend(&none);
		if (got_hup) {
			got_hup = 0;
			*cfgp = reload(path, *cfgp, listen_fd, pids, &n, fixed);
		}
		if (got_chld) {
			got_chld = 0;
			reap(*cfgp, listen_fd, pids, n);
		}
	}
	log_info("stopping: draining %d workers", n);
	drain(pids, n);
	return 0;
}

/* Removes a unix socket file left by a process that is gone. */
static void
clear_stale_socket(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno == ECONNREFUSED)
		unlink(path);
	close(fd);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"workers", required_argument, NULL, 'w'},
	    {"socket-mode", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL, *sock = NULL;
	struct config *cfg = NULL;
	long workers = -1, mode = 0660, fixed;
	int c, listen_fd = 0, rc;
	char *end;

	log_setup("nunez-api", LOG_INFO, false, NULL);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			workers = strtol(optarg, &end, 10);
			if (*end != '\0' || workers < 0 ||
			    workers > MAX_WORKERS) {
				fprintf(stderr,
					"nunez-api: --workers: "
					"expected 0 to %d\n",
					MAX_WORKERS);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			mode = strtol(optarg, &end, 8);
			if (*end != '\0' || mode < 0 || mode > 0777) {
				fprintf(stderr, "nunez-api: --socket-mode: "
						"expected an octal mode\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nunez-api %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	config_path = cli_config_path(config_path);
	if (config_path == NULL) {
		fputs("nunez-api: no config: give --config FILE or set "
		      "NUNEZ_CONFIG\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config("nunez-api", config_path, &cfg) != NR_OK)
		return EXIT_USAGE;
	fixed = workers;
	if (workers < 0)
		workers = cfg->api.workers;
	if (FCGX_Init() != 0) {
		log_error("FastCGI initialisation failed");
		rc = 1;
		goto out;
	}
	if (sock != NULL) {
		if (sock[0] == '/')
			clear_stale_socket(sock);
		listen_fd = FCGX_OpenSocket(sock, 128);
		if (listen_fd < 0) {
			log_error("cannot listen on %s: %s", sock,
				  strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
		if (sock[0] == '/')
			chmod(sock, (mode_t)mode);
	}
	signal(SIGPIPE, SIG_IGN);
	metrics = metrics_new();
	heads = headcache_new();
	router_init();
	if (workers == 0)
		rc = worker_main(cfg, listen_fd);
	else
		rc = supervise(&cfg, config_path, listen_fd, (int)workers,
			       fixed);
	if (sock != NULL && sock[0] == '/')
		unlink(sock);
out:
	config_free(cfg);
	return rc;
}
