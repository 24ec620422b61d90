/* The sync loop of one table and direction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "changes.h"
#include "remote.h"
#include "log.h"
#include "meta.h"
#include "peers.h"
#include "query.h"
#include "sync.h"
#include "util.h"

bool
sync_paused(struct db *db)
{
	struct nr_err err;
	char *v = NULL;
	bool p;

	p = meta_get(db, "paused", &v, &err) == NR_OK && v != NULL &&
	    strcmp(v, "1") == 0;
	free(v);
	return p;
}

int
sync_set_paused(struct db *db, bool paused, struct nr_err *err)
{
	return meta_set(db, "paused", paused ? "1" : "0", err);
}

/* Reports progress after a batch; true when the loop ends (a failure or
 * nothing more). */
static bool
batch_done(const struct sync_opts *o, const struct sync_stats *st, int rc,
	   bool has_more)
{
	bool done = rc != NR_OK || !has_more;

	if (o->progress != NULL)
		o->progress(o->progress_arg, st->rows, done);
	return done;
}

/* A batch whose start no longer matches the stored position is read
 * again from the stored one, this many times in one run at most. */
#define MOVED_RETRIES 5

/* The token of c as stored, or NULL for a position not yet started. */
static char *
start_token(const struct cursor *c)
{
	return c->started ? cursor_encode(c) : NULL;
}

/* Says that a batch was rolled back because its position moved, and
 * whether the run reads again (true) or gives up. */
static bool
read_again(const struct log_ctx *lc, int rc, int *moved)
{
	if (rc != NR_EMOVED || ++*moved > MOVED_RETRIES)
		return false;
	log_msg(LOG_INFO, lc, "the stored position moved (another sync "
		"applied a batch); reading again from it");
	return true;
}

int
sync_table(struct sync_side *src, struct sync_side *dst,
	   const struct sync_opts *o, struct sync_stats *st,
	   struct nr_err *err)
{
	struct cursor cur = {0}, next = {0}, seen = {0};
	struct changes_opts co = {0};
	struct apply_opts ao;
	struct batch b;
	struct log_ctx lc = {src->id, src->tm->name, 0};
	char *token = NULL, *from = NULL;
	int rc, moved = 0;
	bool done;

	rc = peers_load(dst->db, src->id, src->tm->name, &cur, err);
	if (rc == NR_OK && o->detect)
		rc = peers_load(src->db, dst->id, src->tm->name, &seen, err);
	if (rc != NR_OK)
		goto out;
	changes_opts_init(&co, o->cfg, src->id, dst->id,
			  (size_t)o->cfg->sync.batch_size);
	apply_opts_init(&ao, o->cfg, src->id, &seen);
	ao.detect = o->detect;
	ao.mirror = o->mirror;
	ao.dry_run = o->dry_run;
	ao.cas = true;
	for (;;) {
		cursor_copy(&next, &cur);
		rc = changes_read(src->db, src->tm, &next, &co, &b, err);
		if (rc != NR_OK) {
			batch_free(&b);
			break;
		}
		free(token);
		free(from);
		token = cursor_encode(&next);
		from = start_token(&cur);
		ao.cursor_token = token;
		ao.cursor_from = from;
		lc.batch = ++st->batches;
		rc = apply_batch(dst->db, dst->tm, &b, &ao, &st->a, err);
		if (rc == NR_OK) {
			st->rows += b.n;
			cursor_copy(&cur, &next);
			log_msg(LOG_DEBUG, &lc, "%zu changes%s", b.n,
				b.snapshot ? " (copy)" : "");
		} else if (read_again(&lc, rc, &moved)) {
			batch_free(&b);
			cursor_clear(&cur);
			rc = peers_load(dst->db, src->id, src->tm->name,
					&cur, err);
			if (rc == NR_OK)
				continue;
			break;
		}
		done = batch_done(o, st, rc, b.has_more);
		batch_free(&b);
		if (done)
			break;
	}
out:
	free(token);
	free(from);
	cursor_clear(&cur);
	cursor_clear(&next);
	cursor_clear(&seen);
	return rc;
}

/* The token of the cursor db holds for peer's table, or NULL. */
static int
load_token(struct db *db, const char *peer, const char *table, char **token,
	   struct nr_err *err)
{
	struct cursor c = {0};
	int rc = peers_load(db, peer, table, &c, err);

	*token = rc == NR_OK ? start_token(&c) : NULL;
	cursor_clear(&c);
	return rc;
}

int
sync_pull_remote(struct remote *rm, const char *remote_id,
		 struct sync_side *local, const struct sync_opts *o,
		 struct sync_stats *st, struct nr_err *err)
{
	struct remote_page page = {0};
	struct cursor seen = {0};
	struct apply_opts ao;
	struct log_ctx lc = {remote_id, local->tm->name, 0};
	char *token = NULL;
	int rc, moved = 0;
	bool done;

	rc = load_token(local->db, remote_id, local->tm->name, &token, err);
	apply_opts_init(&ao, o->cfg, remote_id, &seen);
	ao.dry_run = o->dry_run;
	ao.cas = true;
	while (rc == NR_OK) {
		rc = remote_pull(rm, local->tm, token, (size_t)o->cfg->sync.batch_size,
				 &page, err);
		if (rc != NR_OK)
			break;
		cursor_clear(&seen);
		rc = cursor_parse(page.seen, &seen, err);
		ao.cursor_token = page.next_cursor;
		ao.cursor_from = token;
		lc.batch = ++st->batches;
		if (rc == NR_OK)
			rc = apply_batch(local->db, local->tm, &page.batch, &ao,
					 &st->a, err);
		if (rc == NR_OK) {
			st->rows += page.batch.n;
			free(token);
			token = util_strdup(page.next_cursor);
			log_msg(LOG_DEBUG, &lc, "pulled %zu changes",
				page.batch.n);
		} else if (read_again(&lc, rc, &moved)) {
			remote_page_free(&page);
			free(token);
			rc = load_token(local->db, remote_id, local->tm->name,
					&token, err);
			continue;
		}
		done = batch_done(o, st, rc, page.has_more);
		remote_page_free(&page);
		if (done)
			break;
	}
	free(token);
	cursor_clear(&seen);
	return rc;
}

/* A batch id from what identifies the batch: sender, table, its start
 * and end in the sender's changelog, and this run. Retries within a run
 * send the same id; a later run starts where the receiver says it is, so
 * it never needs an earlier run's ids, and after a resync the same
 * positions are applied again rather than answered from memory. */
static void
batch_id(const char *self, const char *table, const char *from,
	 const char *to, char out[41])
{
	static char run[44];
	struct buf b;
	char hex[65];

	if (run[0] == '\0' && auth_new_key(run) != NR_OK)
		snprintf(run, sizeof(run), "%ld-%d", (long)time(NULL),
			 (int)getpid());
	buf_init(&b, 0);
	buf_printf(&b, "%s|%s|%s|%s|%s", self, table, from ? from : "", to,
		   run);
	auth_sha256_hex(b.p, b.len, hex);
	memcpy(out, hex, 40);
	out[40] = '\0';
	buf_free(&b);
}

/* Pushes from the position the remote holds until done or failed. */
static int
push_pass(struct remote *rm, const char *remote_id, struct sync_side *local,
	  const struct sync_opts *o, struct sync_stats *st,
	  struct nr_err *err)
{
	struct cursor cur = {0}, next = {0};
	struct changes_opts co = {0};
	struct log_ctx lc = {remote_id, local->tm->name, 0};
	char *start = NULL, *seen = NULL, *token = NULL, id[41];
	struct batch b;
	bool done;
	int rc;

	rc = remote_metadata(rm, local->tm->name, &start, NULL, NULL, err);
	if (rc == NR_OK)
		rc = cursor_parse(start, &cur, err);
	if (rc == NR_OK)
		rc = load_token(local->db, remote_id, local->tm->name, &seen,
				err);
	changes_opts_init(&co, o->cfg, local->id, remote_id,
			  (size_t)o->cfg->sync.batch_size);
	while (rc == NR_OK) {
		cursor_copy(&next, &cur);
		rc = changes_read(local->db, local->tm, &next, &co, &b, err);
		if (rc != NR_OK) {
			batch_free(&b);
			break;
		}
		free(token);
		token = cursor_encode(&next);
		batch_id(local->id, local->tm->name, start, token, id);
		lc.batch = ++st->batches;
		if (!o->dry_run)
			rc = remote_push(rm, &b, seen, start, token, id,
					 &st->a, err);
		if (rc == NR_OK) {
			st->rows += b.n;
			cursor_copy(&cur, &next);
			free(start);
			start = util_strdup(token);
			log_msg(LOG_DEBUG, &lc, "pushed %zu changes", b.n);
		}
		done = batch_done(o, st, rc, b.has_more);
		batch_free(&b);
		if (done)
			break;
	}
	free(start);
	free(seen);
	free(token);
	cursor_clear(&cur);
	cursor_clear(&next);
	return rc;
}

int
sync_push_remote(struct remote *rm, const char *remote_id,
		 struct sync_side *local, const struct sync_opts *o,
		 struct sync_stats *st, struct nr_err *err)
{
	struct log_ctx lc = {remote_id, local->tm->name, 0};
	int rc, moved = 0;

	do
		rc = push_pass(rm, remote_id, local, o, st, err);
	while (read_again(&lc, rc, &moved));
	return rc;
}
