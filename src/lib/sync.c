/* The sync loop of one table and direction: batches go from a source
 * (this database's changelog, or a remote's pull) to a sink (a local
 * apply, or a remote's push), each delivered with the position it starts
 * at and the one it ends at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "changes.h"
#include "remote.h"
#include "retention.h"
#include "resolve.h"
#include "log.h"
#include "meta.h"
#include "peers.h"
#include "query.h"
#include "sync.h"
#include "util.h"

/* A batch whose start no longer matches the stored position is read
 * again from the stored one, this many times in one run at most. */
#define MOVED_RETRIES 5

/* Copies again after an expired position, in one run at most: a source
 * that keeps saying so is failing. */
#define MAX_RESYNCS 3

/* A source that says it has more but answers the position it was asked
 * for makes no progress: this many times in a row is a failure. */
#define STALL_ROUNDS 3

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

/* Where batches come from. */
struct source {
	struct sync_side *local; /* CHANGELOG: the database read */
	struct remote *rm;	 /* else a remote, pulled */
	const char *id;		 /* the source's node id */
	struct changes_opts co;
	struct batch b;		 /* the last batch read ... */
	struct remote_page page; /* ... or pulled */
	char *seen;		 /* how far the source has read the destination:
				  * a token, or NULL */
};

/* Where batches go. */
struct sink {
	struct sync_side *local; /* the database applied to */
	struct remote *rm;	 /* else a remote, pushed to */
	const char *id;		 /* the sink's node id */
	const char *verb;	 /* for the log */
};

/* The token of the position db holds for peer's table, as stored (the
 * peer's seal kept), or NULL when it holds none yet. */
static int
load_token(struct db *db, const char *peer, const char *table, char **token,
	   struct nr_err *err)
{
	return peers_token(db, peer, table, token, err);
}

/* Parses a token of this node's changelog: checked against its seal
 * when it came from a remote (outside), only parsed when this node
 * stored it itself (the local pair; such a token may predate sealing).
 * NR_EREWOUND when it is of an earlier epoch. */
static int
own_token(const struct sync_opts *o, bool from_remote, const char *token,
	  struct cursor *c, struct nr_err *err)
{
	int rc;

	if (!from_remote) {
		rc = cursor_parse(token, c, err);
		return rc == NR_OK ? cursor_epoch_ok(c, o->ckey, err) : rc;
	}
	rc = cursor_open(token, o->ckey, (int64_t)time(NULL), c, err);
	if (rc == NR_EREWOUND)
		return rc;
	if (rc != NR_OK) {
		struct nr_err e = *err;

		rc = err_set(
		    err, rc,
		    "the remote handed back a position of this "
		    "node's changelog that this node did not give: "
		    "%s (resync the table on the remote if this node's "
		    "cursor key was lost)",
		    e.msg);
	}
	return rc;
}

/* Asks the sink where it stands for the source (*from, NULL: nothing
 * yet) and, reading a changelog, how far the source has read the sink. */
static int
locate(struct source *s, const struct sink *k, const char *table, char **from,
       struct nr_err *err)
{
	int rc;

	free(*from);
	*from = NULL;
	if (k->local != NULL)
		rc = load_token(k->local->db, s->id, table, from, err);
	else
		rc = remote_metadata(k->rm, table, from, NULL, NULL, err);
	if (rc != NR_OK || s->local == NULL)
		return rc;
	free(s->seen);
	return load_token(s->local->db, k->id, table, &s->seen, err);
}

/* Why a run copies a table again: the position the sink holds expired. */
enum again {
	AGAIN_NO,
	AGAIN_PURGED,  /* the log was purged past it: deletes were lost */
	AGAIN_REWOUND, /* the log went back (a restore) */
};

/* Reads the batch after from, or with again the first of a copy that
 * replaces from: *b and *more (the source's), *to (owned) where it
 * ends. */
static int
source_read(struct source *s, const struct sink *k, const struct sync_opts *o,
	    const struct tmeta *tm, const char *from, enum again again,
	    struct batch **b, char **to, bool *more, struct nr_err *err)
{
	struct cursor cur = {0};
	bool same = true;
	int rc;

	if (s->local == NULL) {
		/* The remote knows why: it says whether the copy carries
		 * the deletes it purged. */
		rc = remote_pull(s->rm, tm, from, again != AGAIN_NO,
				 (size_t)o->cfg->sync.batch_size, &s->page,
				 err);
		if (rc != NR_OK)
			return rc;
		*b = &s->page.batch;
		*to = util_strdup(s->page.next_cursor);
		*more = s->page.has_more;
		free(s->seen);
		s->seen = s->page.seen != NULL ? util_strdup(s->page.seen)
					       : NULL;
		return NR_OK;
	}
	/* A remote sink said where it stands: it held our token. */
	rc = own_token(o, k->rm != NULL, again != AGAIN_NO ? NULL : from, &cur,
		       err);
	cur.resync = cur.resync || again == AGAIN_PURGED;
	/* Where the sink stands is what it still needs of this log. */
	if (rc == NR_OK && !o->dry_run && tm->conf->capture == CAPTURE_TRIGGER)
		rc = retention_ack(s->local->db, k->id, tm->name, &cur, err);
	if (rc == NR_OK)
		rc = schema_current(s->local->db, tm, &same, err);
	if (rc == NR_OK && !same)
		rc = err_set(err, NR_ECONFIG,
			     "table %s: its columns changed during this run; "
			     "the next run reads it with the new ones",
			     tm->name);
	if (rc == NR_OK)
		rc = changes_read(s->local->db, tm, &cur, &s->co, &s->b, err);
	if (rc == NR_OK)
		rc = resolve_mark_open(s->local->db, tm, s->co.peer, &s->b,
				       err);
	if (rc == NR_OK) {
		*b = &s->b;
		*to = cursor_seal(&cur, o->ckey);
		*more = s->b.has_more;
	}
	cursor_clear(&cur);
	return rc;
}

static void
source_release(struct source *s)
{
	if (s->local != NULL)
		batch_free(&s->b);
	else
		remote_page_free(&s->page);
}

/* A batch id from what identifies the batch: sender, table, its start
 * and end in the sender's changelog, and this run. Retries within a run
 * send the same id; a later run starts where the receiver says it is, so
 * it never needs an earlier run's ids, and after a resync the same
 * positions are applied again rather than answered from memory. */
static void
batch_id(const char *self, const char *table, const char *from, const char *to,
	 char out[41])
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

/* Delivers b, read from from to to: applied with to as the new position
 * if the stored one is still from, or pushed with a batch id. */
static int
sink_deliver(const struct sink *k, const struct source *s,
	     const struct sync_opts *o, const struct batch *b, const char *from,
	     const char *to, struct sync_stats *st, struct nr_err *err)
{
	struct cursor seen = {0};
	struct apply_opts ao;
	char id[41];
	int rc;

	if (k->local == NULL) {
		batch_id(s->id, s->local->tm->name, from, to, id);
		return o->dry_run ? NR_OK
				  : remote_push(k->rm, b, s->seen, from, to, id,
						&st->a, err);
	}
	/* A remote source's seen is our token it held: what it still
	 * needs of this node's log. */
	rc = own_token(o, s->rm != NULL, s->seen, &seen, err);
	/* Of an earlier log here: the source has seen nothing of this one. */
	if (rc == NR_EREWOUND) {
		cursor_clear(&seen);
		rc = NR_OK;
	}
	if (rc == NR_OK && s->rm != NULL && s->seen != NULL && !o->dry_run &&
	    s->local == NULL && k->local->tm->conf->capture == CAPTURE_TRIGGER)
		rc = retention_ack(k->local->db, s->id, k->local->tm->name,
				   &seen, err);
	apply_opts_init(&ao, o->cfg, s->id, &seen);
	ao.detect = o->detect;
	ao.mirror = o->mirror;
	ao.dry_run = o->dry_run;
	/* A dry run stores nothing, so its next batch starts where the
	 * stored position is not. */
	ao.cas = !o->dry_run;
	ao.cursor_token = to;
	ao.cursor_from = from;
	if (rc == NR_OK)
		rc = apply_batch(k->local->db, k->local->tm, b, &ao, &st->a,
				 err);
	cursor_clear(&seen);
	return rc;
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

/* Says that a batch was rolled back because its position moved, and
 * whether the run reads again (true) or gives up. */
static bool
read_again(const struct log_ctx *lc, int rc, int *moved)
{
	if (rc != NR_EMOVED || ++*moved > MOVED_RETRIES)
		return false;
	log_msg(LOG_INFO, lc,
		"the stored position moved (another sync "
		"applied a batch); reading again from it");
	return true;
}

/* How the loop moves: a source must not keep it turning for nothing. */
struct progress {
	int stalls;  /* batches in a row that ended where they started */
	int empties; /* batches in a row without a change */
};

/* Checks that a batch of n changes read from from to to, the source
 * saying more, moved on: the same position STALL_ROUNDS times in a row,
 * or more than sync.maxEmptyBatches empty batches in a row (a remote
 * leaving out this node's own changes may send some), is a failure. */
static int
check_progress(struct progress *pg, const struct sync_opts *o,
	       const char *source, const char *from, const char *to, size_t n,
	       bool more, struct nr_err *err)
{
	struct cursor a = {0}, b = {0};
	bool same;

	if (!more) {
		pg->stalls = pg->empties = 0;
		return NR_OK;
	}
	same = cursor_parse(from, &a, NULL) == NR_OK &&
	       cursor_parse(to, &b, NULL) == NR_OK && cursor_same(&a, &b);
	cursor_clear(&a);
	cursor_clear(&b);
	pg->stalls = same ? pg->stalls + 1 : 0;
	pg->empties = n == 0 ? pg->empties + 1 : 0;
	if (pg->stalls >= STALL_ROUNDS)
		return err_set(err, NR_EINVAL,
			       "%s answered %d times in a row with the "
			       "position it was asked for while saying it has "
			       "more: it makes no progress",
			       source, pg->stalls);
	if (pg->empties > o->cfg->sync.max_empty_batches)
		return err_set(err, NR_EINVAL,
			       "%s sent %d batches in a row without a change "
			       "while saying it has more (sync.maxEmptyBatches "
			       "is %d)",
			       source, pg->empties,
			       o->cfg->sync.max_empty_batches);
	return NR_OK;
}

/* The loop: from where the sink stands, read a batch, deliver it, move
 * on, until the source has no more or a batch fails. */
static int
run(struct source *s, const struct sink *k, const struct tmeta *tm,
    const struct sync_opts *o, struct sync_stats *st, struct nr_err *err)
{
	struct log_ctx lc = {k->rm != NULL ? k->id : s->id, tm->name, 0};
	struct progress pg = {0, 0};
	struct batch *b = NULL;
	char *from = NULL, *to = NULL, source[160];
	bool more = false, done, warned = false;
	/* The position the sink holds expired: read a copy from the start,
	 * delivered from where the sink stands. */
	enum again again = AGAIN_NO;
	int rc, moved = 0;

	snprintf(source, sizeof(source), "%s %.64s (table %.64s)",
		 s->local != NULL ? "changelog of" : "remote", s->id, tm->name);
	changes_opts_init(&s->co, o->cfg, s->id, k->id,
			  (size_t)o->cfg->sync.batch_size);
	rc = locate(s, k, tm->name, &from, err);
	while (rc == NR_OK) {
		rc = source_read(s, k, o, tm, from, again, &b, &to, &more, err);
		if ((rc == NR_EEXPIRED || rc == NR_EREWOUND) &&
		    again == AGAIN_NO && st->resyncs < MAX_RESYNCS) {
			log_msg(LOG_WARN, &lc, "%s; copying the table again",
				err->msg);
			source_release(s);
			st->resyncs++;
			again = rc == NR_EEXPIRED ? AGAIN_PURGED
						  : AGAIN_REWOUND;
			rc = NR_OK;
			continue;
		}
		if (rc == NR_OK)
			rc = check_progress(&pg, o, source,
					    again != AGAIN_NO ? NULL : from, to,
					    b->n, more, err);
		if (rc != NR_OK) {
			source_release(s);
			break;
		}
		lc.batch = ++st->batches;
		if (b->dropped != NULL && !warned) {
			log_msg(LOG_WARN, &lc,
				"columns %s are not in this table: dropped "
				"from the rows until they are added here",
				b->dropped);
			warned = true;
		}
		rc = sink_deliver(k, s, o, b, from, to, st, err);
		if (rc == NR_OK) {
			st->rows += b->n;
			free(from);
			from = to;
			to = NULL;
			again = AGAIN_NO;
			log_msg(LOG_DEBUG, &lc, "%s %zu changes%s", k->verb,
				b->n, b->snapshot ? " (copy)" : "");
		} else if (read_again(&lc, rc, &moved)) {
			source_release(s);
			free(to);
			to = NULL;
			again = AGAIN_NO;
			rc = locate(s, k, tm->name, &from, err);
			continue;
		}
		done = batch_done(o, st, rc, more);
		source_release(s);
		if (done)
			break;
	}
	free(from);
	free(to);
	free(s->seen);
	return rc;
}

int
sync_table(struct sync_side *src, struct sync_side *dst,
	   const struct sync_opts *o, struct sync_stats *st, struct nr_err *err)
{
	struct source s = {.local = src, .id = src->id};
	struct sink k = {.local = dst, .id = dst->id, .verb = "applied"};

	return run(&s, &k, src->tm, o, st, err);
}

int
sync_pull_remote(struct remote *rm, const char *remote_id,
		 struct sync_side *local, const struct sync_opts *o,
		 struct sync_stats *st, struct nr_err *err)
{
	struct source s = {.rm = rm, .id = remote_id};
	struct sink k = {.local = local, .id = local->id, .verb = "pulled"};

	return run(&s, &k, local->tm, o, st, err);
}

int
sync_push_remote(struct remote *rm, const char *remote_id,
		 struct sync_side *local, const struct sync_opts *o,
		 struct sync_stats *st, struct nr_err *err)
{
	struct source s = {.local = local, .id = local->id};
	struct sink k = {.rm = rm, .id = remote_id, .verb = "pushed"};

	return run(&s, &k, local->tm, o, st, err);
}
