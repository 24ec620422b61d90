/* A steady application writer for benchmarks: RATE single-row INSERTs
 * a second into TABLE (id AUTO_INCREMENT, v) for SECONDS, each in its
 * own transaction, over a unix socket; prints how many and the latency
 * of each write: p50, p99 and the largest, in ms.
 *
 * SIGTERM ends it early, with the figures so far.
 *
 *   writer SOCKET DATABASE TABLE RATE SECONDS */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mysql.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	MYSQL *db;
	char sql[256];
	double *lat, t0, next, t;
	long rate, seconds, n = 0, i, max;

	if (argc != 6) {
		fprintf(stderr,
			"usage: writer SOCKET DATABASE TABLE RATE SECONDS\n");
		return 2;
	}
	rate = atol(argv[4]);
	seconds = atol(argv[5]);
	if (rate < 1 || seconds < 1)
		return 2;
	max = rate * seconds;
	lat = calloc((size_t)max, sizeof(*lat));
	db = mysql_init(NULL);
	if (lat == NULL || db == NULL ||
	    mysql_real_connect(db, NULL, "root", NULL, argv[2], 0, argv[1],
			       0) == NULL) {
		fprintf(stderr, "writer: %s\n",
			db ? mysql_error(db) : "memory");
		return 1;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO %s (v) VALUES ('w')", argv[3]);
	signal(SIGTERM, on_term);
	t0 = next = now();
	while (!stop && n < max && now() - t0 < seconds) {
		while ((t = now()) < next)
			nanosleep(&(struct timespec){0, 200000}, NULL);
		if (mysql_query(db, sql) != 0) {
			fprintf(stderr, "writer: %s\n", mysql_error(db));
			return 1;
		}
		lat[n++] = (now() - t) * 1000;
		next += 1.0 / rate;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	i = n > 0 ? n - 1 : 0;
	printf("writes %ld in %.1f s, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       n, now() - t0, n ? lat[n / 2] : 0, n ? lat[n * 99 / 100] : 0,
	       n ? lat[i] : 0);
	mysql_close(db);
	free(lat);
	return 0;
}
