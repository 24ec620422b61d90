/* Prometheus metrics: request counters in shared memory, the rest read
 * from the database when scraped. */
#include <string.h>
#include <sys/mman.h>

#include "auth.h"
#include "buf.h"
#include "changes.h"
#include "handlers.h"
#include "metrics.h"
#include "peers.h"
#include "query.h"
#include "resolve.h"

static const int statuses[] = {200, 400, 401, 403, 404, 405,
			       409, 413, 415, 500, 503, 0};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

struct metrics {
	unsigned long long requests[METRICS_ROUTES][NSTATUS];
	unsigned long long pushed, pulled, conflicts;
};

static const char *route_names[METRICS_ROUTES];

struct metrics *
metrics_new(void)
{
	void *p = mmap(NULL, sizeof(struct metrics), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
metrics_route_name(int route, const char *name)
{
	if (route >= 0 && route < METRICS_ROUTES)
		route_names[route] = name;
}

void
metrics_request(struct metrics *m, int route, int status)
{
	size_t s;

	if (m == NULL || route < 0 || route >= METRICS_ROUTES)
		return;
	for (s = 0; s + 1 < NSTATUS && statuses[s] != status; s++)
		;
	__atomic_fetch_add(&m->requests[route][s], 1, __ATOMIC_RELAXED);
}

void
metrics_rows(struct metrics *m, unsigned long long pushed,
	     unsigned long long pulled, unsigned long long conflicts)
{
	if (m == NULL)
		return;
	__atomic_fetch_add(&m->pushed, pushed, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->pulled, pulled, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->conflicts, conflicts, __ATOMIC_RELAXED);
}

static void
counters(const struct metrics *m, struct buf *b)
{
	size_t r, s;

	buf_adds(b, "# HELP nunez_requests_total Requests answered, by "
		    "endpoint and status.\n# TYPE nunez_requests_total "
		    "counter\n");
	for (r = 0; r < METRICS_ROUTES; r++)
		for (s = 0; s < NSTATUS; s++) {
			unsigned long long n = __atomic_load_n(
			    &m->requests[r][s], __ATOMIC_RELAXED);

			if (n == 0)
				continue;
			buf_printf(b,
				   "nunez_requests_total{endpoint=\"%s\","
				   "status=\"%s%d\"} %llu\n",
				   route_names[r] ? route_names[r] : "other",
				   statuses[s] ? "" : "other", statuses[s], n);
		}
	buf_printf(b,
		   "# HELP nunez_rows_pushed_total Rows received by "
		   "/api/push.\n# TYPE nunez_rows_pushed_total counter\n"
		   "nunez_rows_pushed_total %llu\n"
		   "# HELP nunez_rows_pulled_total Rows sent by /api/pull.\n"
		   "# TYPE nunez_rows_pulled_total counter\n"
		   "nunez_rows_pulled_total %llu\n"
		   "# HELP nunez_push_conflicts_total Conflicts found "
		   "applying pushes.\n# TYPE nunez_push_conflicts_total "
		   "counter\nnunez_push_conflicts_total %llu\n",
		   m->pushed, m->pulled, m->conflicts);
}

/* Appends one gauge per row of res: labels from its first nlabels
 * columns (named in labels), the value from column value; rows whose
 * column tcol names a table the request's key may not use are left
 * out. */
static void
gauge_rows(const struct http_req *req, const char *name, const char *help,
	   const struct qres *res, const char *const *labels, size_t nlabels,
	   size_t tcol, size_t value, struct buf *b)
{
	size_t i, c;

	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < res->nrows; i++) {
		if (!auth_allows(req->key, 0, qres_at(res, i, tcol)->p))
			continue;
		buf_printf(b, "%s{", name);
		for (c = 0; c < nlabels; c++)
			buf_printf(b, "%s%s=\"%s\"", c ? "," : "", labels[c],
				   qres_at(res, i, c)->p);
		buf_printf(b, "} %s\n", qres_at(res, i, value)->p);
	}
}

void
metrics_get(struct api *app, struct http_req *req)
{
	static const char *const peer_table[] = {"peer", "table"};
	static const char *const table_status[] = {"table", "status"};
	struct qres *res = NULL;
	unsigned long long rows = 0, bytes = 0;
	struct nr_err err;
	struct buf b;
	int rc;

	buf_init(&b, 0);
	if (app->metrics != NULL)
		counters(app->metrics, &b);
	rc = peers_list(app->master, &res, &err);
	if (rc == NR_OK)
		gauge_rows(req, "nunez_sync_lag_seconds",
			   "Seconds since a peer's "
			   "changes of a table last arrived.",
			   res, peer_table, 2, PEERS_TABLE, PEERS_SECONDS, &b);
	qres_free(res);
	res = NULL;
	if (rc == NR_OK)
		rc = resolve_counts(app->master, &res, &err);
	if (rc == NR_OK)
		gauge_rows(req, "nunez_conflicts",
			   "Conflicts recorded, by table "
			   "and status.",
			   res, table_status, 2, 0, 2, &b);
	qres_free(res);
	res = NULL;
	if (rc == NR_OK)
		rc = changes_heads(app->master, &res, &err);
	if (rc == NR_OK)
		gauge_rows(req, "nunez_changelog_head",
			   "The newest seq in the "
			   "changelog, by table.",
			   res, table_status, 1, 0, 1, &b);
	qres_free(res);
	if (rc == NR_OK)
		rc = changes_size(app->master, &rows, &bytes, &err);
	if (rc == NR_OK)
		buf_printf(&b,
			   "# HELP nunez_changelog_entries Entries in the "
			   "changelog, as the table statistics estimate "
			   "them.\n# TYPE nunez_changelog_entries gauge\n"
			   "nunez_changelog_entries %llu\n"
			   "# HELP nunez_changelog_bytes Bytes of the "
			   "changelog's data and indexes (statistics).\n"
			   "# TYPE nunez_changelog_bytes gauge\n"
			   "nunez_changelog_bytes %llu\n",
			   rows, bytes);
	buf_printf(&b,
		   "# HELP nunez_database_up Whether the master "
		   "answered.\n# TYPE nunez_database_up gauge\n"
		   "nunez_database_up %d\n",
		   rc == NR_OK);
	http_reply_text(req, 200, "text/plain; version=0.0.4", buf_str(&b),
			b.len);
	buf_free(&b);
}
