/* GET /api/pull: the changes of a table after a cursor (the sync
 * protocol) or its rows changed since a time (the original API). GET
 * /api/metadata: counts, the changelog head and, asked, a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changes.h"
#include "codec.h"
#include "handlers.h"
#include "headcache.h"
#include "metrics.h"
#include "peers.h"
#include "query.h"
#include "resolve.h"
#include "retention.h"
#include "synclog.h"
#include "util.h"
#include "verify.h"

#define MAX_LIMIT NR_MAX_BATCH

/* The time of the answer, UTC, as the database writes times. */
static json_object *
now_json(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + 19, sizeof(buf) - 19, ".%06ld", ts.tv_nsec / 1000);
	return json_object_new_string(buf);
}

/* The rows of the 'U' changes, for clients of the original API. */
static json_object *
rows_json(const struct batch *b)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].vals != NULL)
			json_object_array_add(a, codec_row(b->cols, b->binary,
							   b->v[i].vals,
							   b->ncols));
	return a;
}

/* A cursor with no gaps standing at the changelog's head has nothing
 * to read: the head alone tells, instead of a snapshot read. Every seq
 * at or below the cursor was delivered or is dead, so a head equal to it
 * means no change is visible past it. A head read by any worker within
 * api.headCacheMilliseconds answers without asking the database. Such
 * an answer carries no `seen`: there is nothing to apply it to. */
static bool
at_head(struct api *app, const struct tmeta *tm, const struct cursor *cur)
{
	struct nr_err err;
	uint64_t head;
	int64_t started;
	bool at = false;

	if (!cur->started || cur->snapshot || cur->tombs || cur->ngaps > 0 ||
	    tm->conf->capture != CAPTURE_TRIGGER)
		return false;
	if (headcache_get(app->heads, app->cfg->api.head_cache_ms, &head) &&
	    head >= cur->high)
		return head == cur->high;
	started = headcache_now();
	if (changes_head(app->master, NULL, &head, NULL, &err) == NR_OK) {
		headcache_put(app->heads, head, started);
		at = head == cur->high;
	}
	return at;
}

/* The start of a copy for a peer whose position token expired
 * (?resync=1): *cur is fresh, and says resync when the position needs
 * entries a purge deleted, so that the copy's pages also carry the
 * deletes the peer missed (apply_opts: the rows it holds in a page's
 * range that the page lacks). Not when the log went back (a restore):
 * then the rows the peer holds beyond it are kept. False on a database
 * error (err). */
static bool
resync_cursor(struct api *app, const struct tmeta *tm,
	      const struct cursor_key *key, const char *token,
	      struct cursor *cur, struct nr_err *err)
{
	struct nr_err e;
	int rc = cursor_open(token, key, (int64_t)time(NULL), cur, &e);

	if (rc == NR_OK && cur->started)
		rc = retention_check(app->master, tm->name, cur, err);
	cursor_clear(cur);
	cur->resync = rc == NR_EEXPIRED;
	return rc == NR_OK || rc == NR_EEXPIRED || rc == NR_EREWOUND ||
	       rc == NR_EINVAL;
}

static void
pull_cursor(struct api *app, struct http_req *req, const struct tmeta *tm,
	    long limit)
{
	struct cursor cur = {0};
	struct changes_opts co = {0};
	const struct cursor_key *key;
	struct batch b = {0};
	json_object *body;
	const char *node, *resync;
	char *next = NULL, *seen_token = NULL;
	struct nr_err err;
	bool bad;
	int rc;

	node = api_caller_node(req, NULL, &bad);
	if (bad)
		return;
	key = api_cursor_key(app, req);
	if (key == NULL)
		return;
	resync = http_query(req, "resync");
	if (resync != NULL && strcmp(resync, "1") == 0) {
		if (!resync_cursor(app, tm, key, http_query(req, "cursor"),
				   &cur, &err)) {
			api_db_error(req, &err);
			goto out;
		}
	} else if (!api_open_cursor(app, req, "cursor",
				    http_query(req, "cursor"), &cur)) {
		return;
	}
	/* The position a peer asks from is the one it stored. */
	if (node != NULL && tm->conf->capture == CAPTURE_TRIGGER &&
	    retention_ack(app->master, node, tm->name, &cur, &err) != NR_OK) {
		api_db_error(req, &err);
		goto out;
	}
	if (at_head(app, tm, &cur)) {
		batch_init(&b, tm);
		next = cursor_seal(&cur, key);
		goto reply;
	}
	/* Rows are read: with the table's columns as they are now. */
	tm = api_table_rows(app, req, http_query(req, "table"));
	if (tm == NULL)
		goto out;
	changes_opts_init(&co, app->cfg, app->cfg->node_id, node,
			  (size_t)limit);
	rc = changes_read(app->master, tm, &cur, &co, &b, &err);
	if (rc == NR_OK)
		rc = resolve_mark_open(app->master, tm, node, &b, &err);
	if (rc == NR_OK && node != NULL)
		rc = peers_token(app->master, node, tm->name, &seen_token,
				 &err);
	if (rc != NR_OK) {
		if (rc == NR_EINVAL)
			http_error(req, 409, "cursor_stale", "%s", err.msg);
		else if (rc == NR_EEXPIRED || rc == NR_EREWOUND)
			api_expired(req, &err);
		else
			api_db_error(req, &err);
		goto out;
	}
	next = cursor_seal(&cur, key);
reply:
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "table", json_object_new_string(tm->name));
	json_object_object_add(body, "changes", codec_changes(&b));
	json_object_object_add(body, "next_cursor",
			       json_object_new_string(next));
	json_object_object_add(body, "has_more",
			       json_object_new_boolean(b.has_more));
	json_object_object_add(body, "snapshot",
			       json_object_new_boolean(b.snapshot));
	json_object_object_add(body, "seen", api_str(seen_token));
	json_object_object_add(body, "data", rows_json(&b));
	codec_resync(&b, body);
	json_object_object_add(body, "timestamp", now_json());
	metrics_rows(app->metrics, 0, b.n, 0);
	http_reply(req, 200, body);
out:
	free(next);
	free(seen_token);
	batch_free(&b);
	cursor_clear(&cur);
}

/* The original API: rows whose timestamp column is after since. */
static void
pull_since(struct api *app, struct http_req *req, const struct tmeta *tm,
	   const char *since, long limit)
{
	struct qres *res = NULL;
	struct buf sql;
	struct qval p[1];
	struct nr_err err;
	json_object *body, *data;
	struct batch b;
	char tail[48];
	size_t i, n;
	int rc;

	if (tm->ts < 0) {
		http_error(req, 400, "no_timestamp_column",
			   "table %s has no "
			   "timestampColumn; pull it with a cursor",
			   tm->name);
		return;
	}
	if (since != NULL && !util_is_datetime(since)) {
		http_error(req, 400, "bad_since",
			   "since must be a time like "
			   "2024-01-31 12:00:00[.ffffff]");
		return;
	}
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT ");
	schema_collist(tm, "", &sql);
	buf_adds(&sql, " FROM ");
	buf_ident(&sql, tm->name);
	if (since != NULL) {
		buf_adds(&sql, " WHERE ");
		buf_ident(&sql, tm->cols[tm->ts].name);
		buf_adds(&sql, " > ?");
		p[0] = qv_str(since);
	}
	buf_adds(&sql, " ORDER BY ");
	buf_ident(&sql, tm->cols[tm->ts].name);
	buf_adds(&sql, ", ");
	schema_key_order(tm, &sql);
	snprintf(tail, sizeof(tail), " LIMIT %ld", limit + 1);
	buf_adds(&sql, tail);
	rc = query_run(api_read_db(app), buf_str(&sql), p, since != NULL, 0,
		       &res, &err);
	buf_free(&sql);
	if (rc != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	n = res->nrows > (size_t)limit ? (size_t)limit : res->nrows;
	data = json_object_new_array();
	batch_init(&b, tm);
	for (i = 0; i < n; i++)
		json_object_array_add(
		    data,
		    codec_row(b.cols, b.binary, qres_at(res, i, 0), tm->ncols));
	batch_free(&b);
	body = json_object_new_object();
	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "table", json_object_new_string(tm->name));
	json_object_object_add(body, "data", data);
	json_object_object_add(body, "has_more",
			       json_object_new_boolean(res->nrows > n));
	json_object_object_add(body, "timestamp", now_json());
	metrics_rows(app->metrics, 0, n, 0);
	qres_free(res);
	http_reply(req, 200, body);
}

void
pull_get(struct api *app, struct http_req *req)
{
	const struct tmeta *tm = api_table(app, req, http_query(req, "table"));
	const char *since = http_query(req, "since");
	long limit;

	if (tm == NULL)
		return;
	limit = api_limit(req, app->cfg->sync.batch_size, MAX_LIMIT);
	if (limit < 0)
		return;
	if (since != NULL && http_query(req, "cursor") != NULL) {
		http_error(req, 400, "bad_request",
			   "give either since or "
			   "cursor, not both");
		return;
	}
	if (since == NULL && (http_query(req, "cursor") != NULL ||
			      http_query(req, "node") != NULL || tm->ts < 0)) {
		pull_cursor(app, req, tm, limit);
		return;
	}
	/* Rows are read: with the table's columns as they are now. */
	tm = api_table_rows(app, req, http_query(req, "table"));
	if (tm != NULL)
		pull_since(app, req, tm, since, limit);
}

/* Sends {"success", "table", "metadata": m}; takes m. */
static void
metadata_reply(struct http_req *req, const struct tmeta *tm, json_object *m)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "table", json_object_new_string(tm->name));
	json_object_object_add(body, "metadata", m);
	http_reply(req, 200, body);
}

/* ?brief=1: only where the caller's changes stand here (peer_cursor),
 * what a sync needs before pushing; counting the rows would read the
 * whole table. */
static void
metadata_brief(struct api *app, struct http_req *req, const struct tmeta *tm,
	       const char *node)
{
	char *token = NULL;
	json_object *m;
	struct nr_err err;

	if (node == NULL) {
		http_error(req, 400, "missing_node",
			   "brief=1 answers the "
			   "cursor of node; give node");
		return;
	}
	if (peers_token(app->master, node, tm->name, &token, &err) != NR_OK) {
		api_db_error(req, &err);
		return;
	}
	m = json_object_new_object();
	json_object_object_add(m, "peer_cursor", api_str(token));
	free(token);
	metadata_reply(req, tm, m);
}

void
metadata_get(struct api *app, struct http_req *req)
{
	const char *want_sum = http_query(req, "checksum");
	/* A checksum reads every column. */
	const struct tmeta *tm = want_sum != NULL && strcmp(want_sum, "1") == 0
				     ? api_table_rows(app, req,
						      http_query(req, "table"))
				     : api_table(app, req,
						 http_query(req, "table"));
	const char *brief = http_query(req, "brief");
	json_object *m;
	struct qres *res = NULL;
	struct verify_sum sum;
	struct nr_err err;
	struct buf sql;
	uint64_t head = 0;
	int rc;

	char *peer_token = NULL, *last = NULL, *first = NULL;
	const char *node;
	bool bad;

	if (tm == NULL)
		return;
	node = api_caller_node(req, NULL, &bad);
	if (bad)
		return;
	if (brief != NULL && strcmp(brief, "1") == 0) {
		metadata_brief(app, req, tm, node);
		return;
	}
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT (SELECT COUNT(*) FROM ");
	buf_ident(&sql, tm->name);
	buf_adds(&sql, "), ");
	if (tm->conf->soft_delete_column != NULL) {
		buf_adds(&sql, "(SELECT COUNT(*) FROM ");
		buf_ident(&sql, tm->name);
		buf_adds(&sql, " WHERE ");
		buf_ident(&sql, tm->conf->soft_delete_column);
		buf_adds(&sql, " IS NOT NULL)");
	} else {
		buf_adds(&sql, "0");
	}
	rc = query_run(app->master, buf_str(&sql), NULL, 0, 0, &res, &err);
	buf_free(&sql);
	if (rc == NR_OK)
		rc = changes_head(app->master, tm->name, &head, NULL, &err);
	if (rc == NR_OK)
		rc = peers_last_arrival(app->master, tm->name, &last, &err);
	if (rc == NR_OK)
		rc = synclog_first(app->master, tm->name, &first, &err);
	if (rc == NR_OK && want_sum != NULL && strcmp(want_sum, "1") == 0)
		rc = verify_sum(app->master, tm, &sum, &err);
	if (rc == NR_OK && node != NULL)
		rc = peers_token(app->master, node, tm->name, &peer_token,
				 &err);
	if (rc != NR_OK) {
		qres_free(res);
		free(last);
		free(first);
		free(peer_token);
		api_db_error(req, &err);
		return;
	}
	m = json_object_new_object();
	json_object_object_add(
	    m, "total_records",
	    json_object_new_int64(atoll(qres_at(res, 0, 0)->p)));
	json_object_object_add(
	    m, "deleted_records",
	    json_object_new_int64(atoll(qres_at(res, 0, 1)->p)));
	json_object_object_add(m, "last_sync", api_str(last));
	json_object_object_add(m, "first_sync", api_str(first));
	json_object_object_add(m, "changelog_head",
			       json_object_new_int64((int64_t)head));
	if (want_sum != NULL && strcmp(want_sum, "1") == 0) {
		json_object_object_add(m, "checksum",
				       json_object_new_string(sum.sum));
		json_object_object_add(
		    m, "checksum_rows",
		    json_object_new_int64((int64_t)sum.rows));
	}
	if (node != NULL)
		json_object_object_add(m, "peer_cursor", api_str(peer_token));
	free(peer_token);
	free(last);
	free(first);
	qres_free(res);
	metadata_reply(req, tm, m);
}
