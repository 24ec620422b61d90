/* POST /api/push: a batch of changes (the sync protocol) or of plain rows
 * (the original API), applied to the master in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "batches.h"
#include "codec.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "query.h"
#include "retention.h"
#include "util.h"

#define MAX_CHANGES NR_MAX_BATCH
/* Distinct writers in one pushed batch: a batch of a ring or a mesh
 * carries a few nodes' changes, not thousands. */
#define MAX_ORIGINS 64

static json_object *
result_json(const struct apply_stats *st, size_t total)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "inserted",
			       json_object_new_int64((int64_t)st->inserted));
	json_object_object_add(r, "updated",
			       json_object_new_int64((int64_t)st->updated));
	json_object_object_add(r, "deleted",
			       json_object_new_int64((int64_t)st->deleted));
	json_object_object_add(r, "unchanged",
			       json_object_new_int64((int64_t)st->unchanged));
	json_object_object_add(r, "conflicts",
			       json_object_new_int64((int64_t)st->conflicts));
	json_object_object_add(r, "total",
			       json_object_new_int64((int64_t)total));
	return r;
}

static void
reply_result(struct http_req *req, const struct apply_stats *st, size_t total,
	     const char *batch_id, bool replayed)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "success", json_object_new_boolean(1));
	json_object_object_add(body, "result", result_json(st, total));
	if (batch_id != NULL) {
		json_object_object_add(body, "batch_id",
				       json_object_new_string(batch_id));
		json_object_object_add(body, "replayed",
				       json_object_new_boolean(replayed));
	}
	http_reply(req, 200, body);
}

/* Answers a batch id seen before from its recorded counts; false when
 * it was not seen (or could not be looked up: *rc says). */
static bool
replay(struct api *app, struct http_req *req, const char *batch_id,
       const char *table, int *rc, struct nr_err *err)
{
	struct batches_rec r;

	*rc = batches_find(app->master, batch_id, table, &r, err);
	if (*rc != NR_OK) {
		if (*rc == NR_ENOTFOUND)
			*rc = NR_OK;
		return false;
	}
	if (r.other_table)
		http_error(req, 409, "batch_id_reused",
			   "batch id %s was used "
			   "for another table",
			   batch_id);
	else
		reply_result(req, &r.st, r.total, batch_id, true);
	return true;
}

/* Reads an optional cursor token field; false after replying 400. With
 * app, the token is this node's and must carry its seal (seen: how far
 * the sender has read this node's changelog); without, it is the
 * sender's own, stored and compared, which only the sender can check. */
static bool
token_field(struct api *app, struct http_req *req, json_object *body,
	    const char *key, const char **token, struct cursor *cur)
{
	struct nr_err err;
	bool bad;

	*token = codec_string(body, key, &bad);
	if (!bad && app != NULL)
		return api_open_cursor(app, req, key, *token, cur);
	if (bad || cursor_parse(*token, cur, &err) != NR_OK) {
		http_error(req, 400, "bad_cursor",
			   "%s must be a cursor token "
			   "or null",
			   key);
		return false;
	}
	return true;
}

/* True when name, or the node it is the slave of, is a node this
 * environment knows: itself, a remote, or the node of a key. */
static bool
names_node(const struct config *cfg, const char *name)
{
	char node[80];
	size_t i, n = strlen(name);

	snprintf(node, sizeof(node), "%s", name);
	if (n > 6 && n < sizeof(node) && strcmp(node + n - 6, ".slave") == 0)
		node[n - 6] = '\0';
	if (strcmp(node, cfg->node_id) == 0 ||
	    config_remote_find(cfg, node) != NULL)
		return true;
	for (i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].node != NULL &&
		    strcmp(cfg->keys[i].node, node) == 0)
			return true;
	return false;
}

/* True when a key bound to node may send a change written by origin
 * without being a forwarder: its node, its node's slave, this node (an
 * echo, skipped when applied), or a writer its API took changes from
 * that is no node (an offline client "client:ID", an original-API push
 * "api-KEY") and names none known here. */
static bool
own_change(const struct config *cfg, const char *node, const char *origin)
{
	size_t n = strlen(node);

	if (strncmp(origin, node, n) == 0 &&
	    (origin[n] == '\0' || strcmp(origin + n, ".slave") == 0))
		return true;
	if (config_own_origin(cfg, origin))
		return true;
	return (strncmp(origin, "client:", 7) == 0 ||
		strncmp(origin, "api-", 4) == 0) &&
	       !names_node(cfg, origin);
}

/* Checks who wrote the batch's changes; false after replying. A key
 * speaks for its node: changes other nodes wrote come only from a
 * forwarder, and a batch names at most MAX_ORIGINS writers. */
static bool
origins_ok(struct api *app, struct http_req *req, const struct batch *b)
{
	const char *seen[MAX_ORIGINS];
	const struct config_key *k = req->key;
	size_t i, j, n = 0;

	for (i = 0; i < b->n; i++) {
		const char *o = b->v[i].origin;

		if (!k->forwarder && !own_change(app->cfg, k->node, o)) {
			http_error(req, 403, "origin_forbidden",
				   "changes[%zu]: origin %s is not node %s; "
				   "only a key with \"forwarder\": true may "
				   "push changes other nodes wrote",
				   i, o, k->node);
			return false;
		}
		for (j = 0; j < n; j++)
			if (strcmp(seen[j], o) == 0)
				break;
		if (j < n)
			continue;
		if (n == MAX_ORIGINS) {
			http_error(req, 400, "too_many_origins",
				   "a batch may carry the changes of at most "
				   "%d writers (origins)",
				   MAX_ORIGINS);
			return false;
		}
		seen[n++] = o;
	}
	return true;
}

static void
push_changes(struct api *app, struct http_req *req, json_object *body,
	     const struct tmeta *tm, json_object *changes)
{
	struct cursor seen = {0}, next = {0}, from = {0};
	struct apply_opts ao = {0};
	struct apply_stats st = {0};
	const char *node, *batch_id, *seen_token, *token, *from_token;
	struct nr_err err;
	struct batch b = {0};
	bool bad;
	int rc;

	node = codec_string(body, "node", &bad);
	if (bad) {
		http_error(req, 400, "bad_node", "node must be a string");
		goto out;
	}
	node = api_caller_node(req, node, &bad);
	if (bad)
		goto out;
	if (node == NULL) {
		http_error(req, 400, "missing_node",
			   "node (the sender's node "
			   "id) is required with changes");
		goto out;
	}
	batch_id = codec_string(body, "batch_id", &bad);
	if (bad || (batch_id != NULL && !util_is_token(batch_id, 64, ".:-"))) {
		http_error(req, 400, "bad_batch_id",
			   "batch_id must be 1-64 of "
			   "[A-Za-z0-9_.:-]");
		goto out;
	}
	if (!token_field(app, req, body, "seen", &seen_token, &seen) ||
	    !token_field(NULL, req, body, "cursor", &token, &next) ||
	    !token_field(NULL, req, body, "from", &from_token, &from))
		goto out;
	/* The position moves only from where the batch began (the stored
	 * one may also be moved by this node's pull of the sender). */
	if (token != NULL && !json_object_object_get_ex(body, "from", NULL)) {
		http_error(req, 400, "missing_from",
			   "from (the cursor the "
			   "batch starts at, \"\" for none) is required with "
			   "cursor");
		goto out;
	}
	rc = codec_changes_parse(changes, tm, MAX_CHANGES, &b, &err);
	if (rc == NR_OK)
		rc = codec_resync_parse(body, &b, &err);
	if (rc != NR_OK) {
		api_bad_request(req, &err);
		goto out;
	}
	/* The position a peer stored of this node's changelog. */
	if (seen_token != NULL && tm->conf->capture == CAPTURE_TRIGGER &&
	    retention_ack(app->master, node, tm->name, &seen, &err) != NR_OK) {
		api_db_error(req, &err);
		goto out;
	}
	if (!origins_ok(app, req, &b))
		goto out;
	if (b.dropped != NULL)
		log_warn("push from %s: table %s: columns %s are not in this "
			 "table: dropped from the rows until they are added "
			 "here",
			 node, tm->name, b.dropped);
	apply_opts_init(&ao, app->cfg, node, &seen);
	ao.skip_own = true;
	ao.cursor_token = token;
	ao.cas = true;
	ao.cursor_from = from_token;
	ao.batch_id = batch_id;
	/* A batch id seen before is found when it is recorded, at the end
	 * of the batch's transaction, which then rolls back: a retry costs
	 * the work again, every first sending saves a query. */
	rc = apply_batch(app->master, tm, &b, &ao, &st, &err);
	/* A batch sent again after it was applied finds the position it
	 * moved: answered from memory like any other repeat. */
	if (rc == NR_EMOVED && batch_id != NULL) {
		struct nr_err e2;
		int rc2;

		if (replay(app, req, batch_id, tm->name, &rc2, &e2))
			goto out;
	}
	if (rc == NR_EEXIST) {
		if (replay(app, req, batch_id, tm->name, &rc, &err))
			goto out;
		if (rc == NR_OK)
			rc = err_set(&err, NR_EDB,
				     "batch %s: recorded, then "
				     "not found",
				     batch_id);
	}
	if (rc == NR_EMOVED) {
		http_error(req, 409, "position_moved", "%s", err.msg);
		goto out;
	}
	if (rc != NR_OK) {
		api_db_error(req, &err);
		goto out;
	}
	metrics_rows(app->metrics, b.n, 0, st.conflicts);
	reply_result(req, &st, b.n, batch_id, false);
out:
	batch_free(&b);
	cursor_clear(&seen);
	cursor_clear(&next);
	cursor_clear(&from);
}

/* The original API: {"table", "data": [rows]}, upserts where the row's
 * timestamp is not older than the local one. */
static void
push_rows(struct api *app, struct http_req *req, const struct tmeta *tm,
	  json_object *data)
{
	struct apply_opts ao = {0};
	struct apply_stats st = {0};
	struct nr_err err;
	struct batch b = {0};
	char origin[80];
	int rc;

	snprintf(origin, sizeof(origin), "api-%s", req->key->name);
	rc = codec_rows_parse(data, tm, MAX_CHANGES, origin, &b, &err);
	if (rc != NR_OK) {
		api_bad_request(req, &err);
		goto out;
	}
	apply_opts_init(&ao, app->cfg, origin, NULL);
	ao.detect = false;
	ao.newer_only = true;
	rc = apply_batch(app->master, tm, &b, &ao, &st, &err);
	if (rc != NR_OK) {
		api_db_error(req, &err);
		goto out;
	}
	metrics_rows(app->metrics, b.n, 0, 0);
	reply_result(req, &st, b.n, NULL, false);
out:
	batch_free(&b);
}

void
push_post(struct api *app, struct http_req *req)
{
	json_object *body = api_json_body(app, req), *changes = NULL,
		    *data = NULL;
	const struct tmeta *tm;
	const char *table;
	bool bad;

	if (body == NULL)
		return;
	table = codec_string(body, "table", &bad);
	if (bad) {
		http_error(req, 400, "bad_table", "table must be a string");
		goto out;
	}
	/* Rows are written: with the table's columns as they are now. */
	tm = api_table_rows(app, req, table);
	if (tm == NULL)
		goto out;
	json_object_object_get_ex(body, "changes", &changes);
	json_object_object_get_ex(body, "data", &data);
	if ((changes == NULL) == (data == NULL))
		http_error(req, 400, "bad_request",
			   "give either changes (the "
			   "sync protocol) or data (rows)");
	else if (changes != NULL)
		push_changes(app, req, body, tm, changes);
	else
		push_rows(app, req, tm, data);
out:
	json_object_put(body);
}
