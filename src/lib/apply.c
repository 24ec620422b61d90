/* The applier. Rows are written with @nunez_origin set to the change's
 * origin and @nunez_via to the source, so the destination's triggers log
 * who wrote them and the change is never sent back where it came from;
 * identical rows are skipped, so re-applying a batch changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "apply.h"
#include "batches.h"
#include "changes.h"
#include "codec.h"
#include "conflict.h"
#include "peers.h"
#include "query.h"
#include "resolve.h"
#include "rowidx.h"
#include "util.h"

#define MAX_PARAMS 60000
/* Rows per statement when @nunez_ts carries their times: the triggers
 * read that JSON once a row. */
#define CHUNK_ROWS 200

/* What a batch leaves behind in the session, cleared at its end. */
#define RESET_VARS                                                             \
	"SET @nunez_origin = NULL, @nunez_via = NULL, @nunez_ts = NULL, "      \
	"@nunez_bulk = NULL"

enum action { SKIP, WRITE };

struct ctx {
	struct db *db;
	const struct tmeta *tm;
	const struct batch *b;
	const struct apply_opts *o;
	struct apply_stats *st;
	struct qres *rows; /* locked local rows: key, then columns */
	struct row_ref *ridx;
	struct qres *unseen; /* key, op, origin, time of the latest change
			      * the peer has not seen */
	struct row_ref *uidx;
	struct qres *latest; /* key, op, origin, time of the latest change */
	struct row_ref *lidx;
	enum action *act;
	bool *fresh;   /* a WRITE of a key with no row here */
	bool *foreign; /* a key whose row here is another tenant's */
	bool *held;    /* a key with an open conflict with the peer here,
			* before the batch or recorded by it */
};

static bool
same_row(const struct qres *rows, long r, const struct change *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct qval *a = qres_at(rows, (size_t)r, i + 1);
		const struct qval *v = &c->vals[i];

		if (c->given != NULL && !c->given[i])
			continue;
		if (a->null != v->null)
			return false;
		if (!a->null &&
		    (a->len != v->len || memcmp(a->p, v->p, a->len) != 0))
			return false;
	}
	return true;
}

/* The batch's keys, borrowed from it. */
static char **
batch_keys(const struct batch *b)
{
	char **pks = util_calloc(b->n + 1, sizeof(char *));
	size_t i;

	for (i = 0; i < b->n; i++)
		pks[i] = b->v[i].pk;
	return pks;
}

/* Locks and reads the destination's rows of the batch's keys and, when
 * it captures, its latest change of each key: of all, and of those the
 * peer has not seen and did not make itself. */
static int
read_local(struct ctx *x, struct nr_err *err)
{
	char **pks = batch_keys(x->b);
	int rc;

	rc = changes_rows(x->db, x->tm, pks, x->b->n, true, &x->rows, err);
	if (rc == NR_OK && x->o->detect && x->b->n > 0)
		rc = changes_latest(x->db, x->tm, pks, x->b->n, x->o->peer,
				    x->o->seen, &x->unseen, err);
	if (rc == NR_OK && x->o->detect && x->b->n > 0)
		rc = changes_latest(x->db, x->tm, pks, x->b->n, NULL, NULL,
				    &x->latest, err);
	free(pks);
	x->ridx = x->rows != NULL ? rowidx_build(x->rows) : NULL;
	x->uidx = x->unseen != NULL ? rowidx_build(x->unseen) : NULL;
	x->lidx = x->latest != NULL ? rowidx_build(x->latest) : NULL;
	return rc;
}

/* Records a delete the destination had no row for, at its origin's
 * time, so an older upsert arriving later by another path loses to it.
 * A client's is its tenant's: its tenant's feed carries it. */
static int
record_tombstone(struct ctx *x, const struct change *c, struct nr_err *err)
{
	struct changes_entry e = {c->pk,      'D',   c->origin,
				  x->o->peer, c->ts, {0}};

	e.tenant = qv_str(x->tm->tenant >= 0 ? x->o->tenant : NULL);
	return changes_log(x->db, x->tm->name, &e, 1, err);
}

static json_object *
local_json(const struct ctx *x, long r)
{
	if (r < 0)
		return NULL;
	return codec_row(x->b->cols, x->b->binary,
			 qres_at(x->rows, (size_t)r, 1), x->b->ncols);
}

static const char *
json_text(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)
		 : NULL;
}

static int
record_conflict(struct ctx *x, const struct change *c, long row,
		const struct version *local, const char *winner, bool open,
		struct nr_err *err)
{
	json_object *lj = local_json(x, row), *rj = NULL;
	struct resolve_entry e;
	int rc;

	if (c->op == 'U')
		rj = codec_row(x->b->cols, x->b->binary, c->vals, x->b->ncols);
	e.table = x->tm->name;
	e.pk = c->pk;
	e.peer = x->o->peer;
	e.strategy = config_strategy_name(x->tm->conf->strategy);
	e.winner = winner;
	e.open = open;
	e.local_origin = local->origin;
	e.remote_origin = c->origin;
	e.local_ts = local->ts;
	e.remote_ts = c->ts;
	e.local_row = json_text(lj);
	e.remote_row = json_text(rj);
	rc = resolve_record(x->db, &e, err);
	json_object_put(lj);
	json_object_put(rj);
	return rc;
}

static void
outcome(struct ctx *x, size_t i, enum apply_outcome what)
{
	if (x->o->outcome != NULL)
		x->o->outcome[i] = what;
}

/* Marks the changes whose key's local row belongs to another tenant
 * (or to none). */
static void
find_foreign(struct ctx *x)
{
	size_t i;

	for (i = 0; i < x->b->n; i++) {
		long r = rowidx_find(x->ridx, x->rows->nrows, x->b->v[i].pk);
		const struct qval *v;

		if (r < 0)
			continue;
		v = qres_at(x->rows, (size_t)r, (size_t)x->tm->tenant + 1);
		x->foreign[i] = v->null || strcmp(v->p, x->o->tenant) != 0;
	}
}

/* One side of a conflict from row r of a changelog read (key, op,
 * origin, time). */
static struct version
logged_version(const struct config *cfg, const struct qres *log, long r)
{
	struct version v;

	v.origin = qres_at(log, (size_t)r, 2)->p;
	v.ts = qres_at(log, (size_t)r, 3)->p;
	v.priority = conflict_priority(cfg, v.origin);
	return v;
}

/* Gathers what the destination knows of change i's key, has the
 * conflict policy judge it, and counts and records the verdict. */
static int
decide(struct ctx *x, size_t i, struct nr_err *err)
{
	const struct change *c = &x->b->v[i];
	const struct config *cfg = x->o->cfg;
	struct conflict_case k = {0};
	struct version unseen, known;
	const char *row_ts = NULL;
	long row, u = -1, lt = -1;

	x->act[i] = SKIP;
	if (x->foreign[i]) {
		/* As though the key had no row: a delete finds nothing to
		 * do, an upsert loses (as to a later delete); nothing is
		 * written or recorded, nothing of the row told. */
		x->st->unchanged++;
		outcome(x, i, c->op == 'D' ? APPLY_SAME : APPLY_LOST);
		return NR_OK;
	}
	if (x->o->skip_own && config_own_origin(cfg, c->origin)) {
		x->st->unchanged++;
		outcome(x, i, APPLY_SAME);
		return NR_OK;
	}
	row = rowidx_find(x->ridx, x->rows->nrows, c->pk);
	if (row >= 0 && x->tm->ts >= 0 &&
	    !qres_at(x->rows, (size_t)row, x->tm->ts + 1)->null)
		row_ts = qres_at(x->rows, (size_t)row, x->tm->ts + 1)->p;
	k.strategy = x->tm->conf->strategy;
	k.op = c->op;
	k.change.origin = c->origin;
	k.change.ts = c->ts;
	k.change.priority = conflict_priority(cfg, c->origin);
	k.same = c->op == 'U'
		     ? row >= 0 && same_row(x->rows, row, c, x->b->ncols)
		     : row < 0;
	k.logged = x->latest != NULL;
	if (x->unseen != NULL)
		u = rowidx_find(x->uidx, x->unseen->nrows, c->pk);
	if (u >= 0) {
		/* The row's own time, where it keeps one, is the change's. */
		unseen = logged_version(cfg, x->unseen, u);
		if (row_ts != NULL)
			unseen.ts = row_ts;
		k.unseen = &unseen;
	}
	if (x->latest != NULL)
		lt = rowidx_find(x->lidx, x->latest->nrows, c->pk);
	if (lt >= 0)
		known = logged_version(cfg, x->latest, lt);
	else
		known = (struct version){NULL, NULL, 0};
	if (row_ts != NULL)
		known.ts = row_ts;
	if (known.ts != NULL)
		k.known = &known;
	/* The original API's push: a row that gives its time loses to a
	 * later one here; one that does not is written. */
	if (x->tm->conf->capture == CAPTURE_TIMESTAMP ||
	    (x->o->newer_only && c->ts != NULL))
		k.row_ts = row_ts;

	switch (conflict_judge(&k)) {
	case VERDICT_SAME:
		x->st->unchanged++;
		outcome(x, i, APPLY_SAME);
		return NR_OK;
	case VERDICT_TOMBSTONE:
		x->st->unchanged++;
		outcome(x, i, APPLY_SAME);
		return record_tombstone(x, c, err);
	case VERDICT_OLDER:
		x->st->unchanged++;
		outcome(x, i, APPLY_LOST);
		return NR_OK;
	case VERDICT_LOST:
		x->st->unchanged++;
		x->st->conflicts++;
		outcome(x, i, APPLY_LOST);
		return record_conflict(x, c, row, k.unseen, "local", false,
				       err);
	case VERDICT_OPEN:
		x->st->unchanged++;
		x->st->conflicts++;
		x->st->open++;
		outcome(x, i, APPLY_OPEN);
		return record_conflict(x, c, row, k.unseen, "none", true, err);
	case VERDICT_WRITE_OVER:
		x->st->conflicts++;
		if (record_conflict(x, c, row, k.unseen, "remote", false,
				    err) != NR_OK)
			return err->code;
		break;
	case VERDICT_WRITE:
		/* The sender found a manual conflict and kept its version:
		 * this side takes it too and records the conflict open, so
		 * both show it and either can resolve it. */
		if (c->conflict && k.strategy == STRATEGY_MANUAL &&
		    !x->held[i]) {
			struct version here = {x->o->cfg->node_id, row_ts, 0};

			x->held[i] = true;
			x->st->conflicts++;
			x->st->open++;
			if (record_conflict(x, c, row,
					    k.known ? k.known : &here, "none",
					    true, err) != NR_OK)
				return err->code;
		}
		break;
	}
	x->act[i] = WRITE;
	x->fresh[i] = c->op == 'U' && row < 0;
	outcome(x, i, APPLY_WRITTEN);
	if (c->op == 'D')
		x->st->deleted++;
	else if (row >= 0)
		x->st->updated++;
	else
		x->st->inserted++;
	return NR_OK;
}

static int
set_origin(struct ctx *x, const char *origin, struct nr_err *err)
{
	struct qval p[2] = {qv_str(origin), qv_str(x->o->peer)};

	return query_exec(x->db, "SET @nunez_origin = ?, @nunez_via = ?", p, 2,
			  NULL, err);
}

/* Sets @nunez_ts to the write times of changes v[0..n) (NULL when
 * none has one), so the triggers log each at its origin's time. */
static int
set_times(struct ctx *x, const struct change *const *v, size_t n,
	  struct nr_err *err)
{
	json_object *map = json_object_new_object();
	char md5[EVP_MAX_MD_SIZE], key[40];
	unsigned int len;
	struct qval p;
	size_t i, j, set = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (v[i]->ts == NULL)
			continue;
		EVP_Digest(v[i]->pk, strlen(v[i]->pk), (unsigned char *)md5,
			   &len, EVP_md5(), NULL);
		key[0] = 'k';
		for (j = 0; j < 16; j++)
			snprintf(key + 1 + 2 * j, 3, "%02x",
				 (unsigned char)md5[j]);
		json_object_object_add(map, key,
				       json_object_new_string(v[i]->ts));
		set++;
	}
	p = qv_str(
	    set ? json_object_to_json_string_ext(map, JSON_C_TO_STRING_PLAIN)
		: NULL);
	rc = query_exec(x->db, "SET @nunez_ts = ?", &p, 1, NULL, err);
	json_object_put(map);
	return rc;
}

/* Deletes the rows of the n keys pks; adds how many to *gone (may be
 * NULL). */
static int
delete_keys(struct ctx *x, char *const *pks, size_t n, unsigned long long *gone,
	    struct nr_err *err)
{
	unsigned long long k = 0;
	struct qval *params = NULL;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "DELETE FROM ");
	buf_ident(&sql, x->tm->name);
	buf_adds(&sql, " WHERE ");
	rc = schema_keys_match(x->tm, pks, n, &sql, &params, err);
	if (rc == NR_OK)
		rc = query_exec(x->db, buf_str(&sql), params, n * x->tm->npk,
				&k, err);
	if (gone != NULL)
		*gone += k;
	schema_key_values_free(params, n * x->tm->npk);
	buf_free(&sql);
	return rc;
}

/* Deletes the rows of the WRITE deletes of origin, in statements of at
 * most MAX_PARAMS parameters. */
static int
write_deletes(struct ctx *x, const char *origin, struct nr_err *err)
{
	size_t per = CHUNK_ROWS, i, k;
	char **pks = util_calloc(per + 1, sizeof(char *));
	const struct change **chg = util_calloc(per + 1, sizeof(*chg));
	int rc = NR_OK;

	for (i = 0, k = 0; i <= x->b->n && rc == NR_OK; i++) {
		const struct change *c = i < x->b->n ? &x->b->v[i] : NULL;

		if (c != NULL && (x->act[i] != WRITE || c->op != 'D' ||
				  strcmp(c->origin, origin) != 0))
			continue;
		if (c != NULL) {
			chg[k] = c;
			pks[k++] = c->pk;
		}
		if (k == 0 || (c != NULL && k < per))
			continue;
		rc = set_times(x, chg, k, err);
		if (rc != NR_OK)
			break;
		rc = delete_keys(x, pks, k, NULL, err);
		k = 0;
	}
	free(pks);
	free(chg);
	return rc;
}

/* Logs the rows of v[0..n) new here in one statement, as the insert
 * trigger would have one by one (it stands aside while @nunez_bulk is
 * set): the key, the origin, the sender, the time and the tenant. */
static int
log_fresh(struct ctx *x, const struct change *const *v, size_t n,
	  const char *origin, bool times, struct nr_err *err)
{
	struct changes_entry *e = util_calloc(n + 1, sizeof(*e));
	size_t i, k = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (!x->fresh[v[i] - x->b->v])
			continue;
		e[k].pk = v[i]->pk;
		e[k].op = 'U';
		e[k].origin = origin;
		e[k].via = x->o->peer;
		e[k].ts = times ? v[i]->ts : NULL;
		e[k].tenant = x->tm->tenant >= 0 ? v[i]->vals[x->tm->tenant]
						 : qv_str(NULL);
		k++;
	}
	rc = changes_log(x->db, x->tm->name, e, k, err);
	free(e);
	return rc;
}

static int
write_upserts(struct ctx *x, const char *origin, struct nr_err *err)
{
	size_t per = MAX_PARAMS / x->tm->ncols, i, k = 0, nc = x->tm->ncols;
	struct qval *params;
	const struct change **chg;
	bool times = x->tm->ts < 0; /* else the row carries its time */
	struct buf sql;
	int rc = NR_OK;

	if (times && per > CHUNK_ROWS)
		per = CHUNK_ROWS;
	params = util_calloc(per * nc + 1, sizeof(*params));
	chg = util_calloc(per + 1, sizeof(*chg));
	buf_init(&sql, 0);
	for (i = 0; i <= x->b->n && rc == NR_OK; i++) {
		const struct change *c = i < x->b->n ? &x->b->v[i] : NULL;

		if (c != NULL &&
		    (x->act[i] != WRITE || c->op != 'U' || c->given != NULL ||
		     strcmp(c->origin, origin) != 0))
			continue;
		if (c != NULL) {
			chg[k] = c;
			memcpy(&params[k++ * nc], c->vals,
			       nc * sizeof(*params));
		}
		if (k == 0 || (c != NULL && k < per))
			continue;
		if (times)
			rc = set_times(x, chg, k, err);
		if (rc != NR_OK)
			break;
		buf_reset(&sql);
		schema_upsert_sql(x->tm, k, NULL, &sql);
		rc = query_exec(x->db, buf_str(&sql), params, k * nc, NULL,
				err);
		if (rc == NR_OK && x->o->detect)
			rc = log_fresh(x, chg, k, origin, times, err);
		k = 0;
	}
	free(params);
	free(chg);
	buf_free(&sql);
	return rc;
}

/* Appends "UPDATE t SET `c` = ?, ... WHERE key" for the non-key
 * columns c gives, and their values then the key's to params; returns
 * how many, or 0 when c gives no column to set. */
static size_t
update_sql(const struct tmeta *tm, const struct change *c, struct buf *sql,
	   struct qval *params)
{
	size_t j, n = 0;

	buf_adds(sql, "UPDATE ");
	buf_ident(sql, tm->name);
	buf_adds(sql, " SET ");
	for (j = 0; j < tm->ncols; j++) {
		if (!c->given[j] || schema_is_key(tm, j))
			continue;
		buf_adds(sql, n ? ", " : "");
		buf_ident(sql, tm->cols[j].name);
		buf_adds(sql, " = ?");
		params[n++] = c->vals[j];
	}
	if (n == 0)
		return 0;
	buf_adds(sql, " WHERE ");
	schema_key_eq(tm, sql);
	for (j = 0; j < tm->npk; j++)
		params[n++] = c->vals[tm->pk[j]];
	return n;
}

/* Updates existing row c in the columns it gives. */
static int
update_one(struct ctx *x, const struct change *c, bool times,
	   struct qval *params, struct buf *sql, struct nr_err *err)
{
	size_t n;
	int rc;

	buf_reset(sql);
	n = update_sql(x->tm, c, sql, params);
	if (n == 0)
		return NR_OK;
	rc = times ? set_times(x, &c, 1, err) : NR_OK;
	if (rc == NR_OK)
		rc = query_exec(x->db, buf_str(sql), params, n, NULL, err);
	return rc;
}

/* Inserts the k new rows chg, which all give the same columns, in one
 * statement: the table's defaults for the others. */
static int
insert_fresh(struct ctx *x, const struct change **chg, size_t k,
	     const char *origin, bool times, struct qval *params,
	     struct buf *sql, struct nr_err *err)
{
	size_t i, j, n = 0;
	int rc;

	for (i = 0; i < k; i++)
		for (j = 0; j < x->tm->ncols; j++)
			if (chg[0]->given[j])
				params[n++] = chg[i]->vals[j];
	buf_reset(sql);
	schema_upsert_sql(x->tm, k, chg[0]->given, sql);
	rc = times ? set_times(x, chg, k, err) : NR_OK;
	if (rc == NR_OK)
		rc = query_exec(x->db, buf_str(sql), params, n, NULL, err);
	if (rc == NR_OK && x->o->detect)
		rc = log_fresh(x, chg, k, origin, times, err);
	return rc;
}

/* Writes the partial rows of origin, each with the columns it gives
 * (the original API's push): an existing row is updated in those
 * columns only; new rows are inserted, those giving the same columns
 * together, with the table's defaults for the others. */
static int
write_partial(struct ctx *x, const char *origin, struct nr_err *err)
{
	size_t nc = x->tm->ncols, per = MAX_PARAMS / nc, i, k = 0;
	bool times = x->tm->ts < 0;
	const struct change **chg;
	struct qval *params;
	struct buf sql;
	int rc = NR_OK;

	if (times && per > CHUNK_ROWS)
		per = CHUNK_ROWS;
	params = util_calloc(per * nc + x->tm->npk + 1, sizeof(*params));
	chg = util_calloc(per + 1, sizeof(*chg));
	buf_init(&sql, 0);
	for (i = 0; i <= x->b->n && rc == NR_OK; i++) {
		const struct change *c = i < x->b->n ? &x->b->v[i] : NULL;

		if (c != NULL &&
		    (x->act[i] != WRITE || c->op != 'U' || c->given == NULL ||
		     strcmp(c->origin, origin) != 0))
			continue;
		if (c != NULL && !x->fresh[i]) {
			rc = update_one(x, c, times, params, &sql, err);
			continue;
		}
		if (k > 0 && (c == NULL || k == per ||
			      memcmp(chg[0]->given, c->given,
				     nc * sizeof(*c->given)) != 0)) {
			rc = insert_fresh(x, chg, k, origin, times, params,
					  &sql, err);
			k = 0;
		}
		if (c != NULL)
			chg[k++] = c;
	}
	free(params);
	free(chg);
	buf_free(&sql);
	return rc;
}

/* Appends " WHERE" and the condition of the rows here in the key range
 * of snapshot page b that the page does not hold, with its params at
 * params (2 * key columns + b->n of them); *np gets how many. The key
 * bounds are decoded into *lo and *hi (freed by the caller with
 * schema_key_values_free). */
static int
range_rest(const struct ctx *x, struct buf *sql, char **pks,
	   struct qval *params, size_t *np, struct qval **lo, struct qval **hi,
	   struct nr_err *err)
{
	const struct batch *b = x->b;
	size_t nk = schema_key_cmp_nparams(x->tm);
	int rc;

	*np = 0;
	buf_adds(sql, " WHERE TRUE");
	if (b->range_lo != NULL) {
		rc = schema_key_decode(x->tm, b->range_lo, lo, err);
		if (rc != NR_OK)
			return rc;
		buf_adds(sql, " AND ");
		schema_key_cmp(x->tm, ">", sql);
		schema_key_cmp_params(x->tm, *lo, params + *np);
		*np += nk;
	}
	if (b->range_hi != NULL) {
		rc = schema_key_decode(x->tm, b->range_hi, hi, err);
		if (rc != NR_OK)
			return rc;
		buf_adds(sql, " AND ");
		schema_key_cmp(x->tm, "<=", sql);
		schema_key_cmp_params(x->tm, *hi, params + *np);
		*np += nk;
	}
	if (b->n > 0) {
		buf_adds(sql, " AND ");
		schema_pkexpr(x->tm, "", sql);
		buf_adds(sql, " NOT IN ");
		*np += query_in_list(sql, pks, b->n, params + *np);
	}
	return NR_OK;
}

/* Deletes the rows here of the keys in res (column 0) that keep
 * (column 0; NULL: none) lacks, as the peer's deletes made now, in
 * statements of at most CHUNK_ROWS keys; counts them. */
static int
delete_rest(struct ctx *x, const struct qres *res, const struct qres *keep,
	    struct nr_err *err)
{
	char **pks = util_calloc(res->nrows + 1, sizeof(char *));
	struct row_ref *kidx = keep != NULL ? rowidx_build(keep) : NULL;
	unsigned long long gone = 0;
	size_t i, n = 0, k;
	int rc;

	for (i = 0; i < res->nrows; i++) {
		const char *pk = qres_at(res, i, 0)->p;

		if (keep == NULL || rowidx_find(kidx, keep->nrows, pk) < 0)
			pks[n++] = (char *)pk;
	}
	rc = set_origin(x, x->o->peer, err);
	if (rc == NR_OK)
		rc = db_exec(x->db, "SET @nunez_ts = NULL", err);
	for (i = 0; rc == NR_OK && i < n; i += k) {
		k = n - i < CHUNK_ROWS ? n - i : CHUNK_ROWS;
		rc = delete_keys(x, pks + i, k, &gone, err);
	}
	x->st->deleted += gone;
	free(kidx);
	free(pks);
	return rc;
}

/* True when seen says the peer has read this changelog past a first
 * copy: it has had every row here, so a row it lacks and whose latest
 * change it saw is one it deleted. */
static bool
read_past_copy(const struct cursor *seen)
{
	return seen != NULL && seen->started && !seen->snapshot && !seen->tombs;
}

/* A snapshot page of a mirror: the source has exactly the page's rows in
 * the page's key range, so delete the others there. A page of a resync
 * (the position here in the source's changelog expired, so deletes it
 * purged are not coming): delete the others there too, except those
 * with a change the source has not seen, which go to it; and only when
 * the source has read this side past a first copy, else a row it lacks
 * may be one it never had. */
static int
page_range(struct ctx *x, struct nr_err *err)
{
	const struct batch *b = x->b;
	size_t nk = schema_key_cmp_nparams(x->tm), np = 0;
	char **pks = batch_keys(b);
	struct qval *params = util_calloc(2 * nk + b->n + 1, sizeof(*params));
	struct qval *lo = NULL, *hi = NULL;
	struct qres *rest = NULL, *unseen = NULL;
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT ");
	schema_pkexpr(x->tm, "", &sql);
	buf_adds(&sql, " FROM ");
	buf_ident(&sql, x->tm->name);
	rc = range_rest(x, &sql, pks, params, &np, &lo, &hi, err);
	buf_adds(&sql, " FOR UPDATE");
	if (rc == NR_OK)
		rc = query_run(x->db, buf_str(&sql), params, np, 0, &rest, err);
	if (rc == NR_OK && !x->o->mirror && rest->nrows > 0) {
		char **keys = util_calloc(rest->nrows + 1, sizeof(char *));
		size_t i;

		for (i = 0; i < rest->nrows; i++)
			keys[i] = (char *)qres_at(rest, i, 0)->p;
		rc = changes_latest(x->db, x->tm, keys, rest->nrows, x->o->peer,
				    x->o->seen, &unseen, err);
		free(keys);
	}
	if (rc == NR_OK && rest->nrows > 0)
		rc = delete_rest(x, rest, unseen, err);
	qres_free(unseen);
	qres_free(rest);
	schema_key_values_free(lo, x->tm->npk);
	schema_key_values_free(hi, x->tm->npk);
	free(pks);
	free(params);
	buf_free(&sql);
	return rc;
}

/* The distinct origins of the changes to write, in batch order. */
static size_t
origins(const struct ctx *x, const char **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < x->b->n; i++) {
		if (x->act[i] != WRITE)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(out[j], x->b->v[i].origin) == 0)
				break;
		if (j == n)
			out[n++] = x->b->v[i].origin;
	}
	return n;
}

/* Open conflicts of rows that a later change settled are closed. */
static int
close_superseded(struct ctx *x, struct nr_err *err)
{
	char **pks = util_calloc(x->b->n + 1, sizeof(char *));
	size_t i, n = 0;
	int rc;

	for (i = 0; i < x->b->n; i++)
		if (x->act[i] == WRITE && !x->b->v[i].conflict)
			pks[n++] = x->b->v[i].pk;
	rc = resolve_supersede(x->db, x->tm->name, pks, n, err);
	free(pks);
	return rc;
}

/* Locks the stored position and checks it is still the batch's start:
 * one position, two writers (a pull and the peer's push), each moving
 * it only from where its batch began. */
static int
check_position(struct ctx *x, struct nr_err *err)
{
	struct cursor now = {0}, from = {0};
	int rc;

	rc = peers_lock(x->db, x->o->peer, x->tm->name, &now, err);
	if (rc == NR_OK)
		rc = cursor_parse(x->o->cursor_from, &from, err);
	if (rc == NR_OK && !cursor_same(&now, &from))
		rc = err_set(err, NR_EMOVED,
			     "table %s: the position of %s "
			     "moved since this batch began (another sync "
			     "applied a batch); read again from the stored "
			     "one",
			     x->tm->name, x->o->peer);
	cursor_clear(&now);
	cursor_clear(&from);
	return rc;
}

static int
write_all(struct ctx *x, struct nr_err *err)
{
	const char **orig = util_calloc(x->b->n + 1, sizeof(char *));
	size_t n = origins(x, orig), i;
	int rc = NR_OK;

	/* Deletes first: a key changed only in case or trailing spaces is
	 * a delete of the old spelling and an upsert of the new. */
	for (i = 0; i < n && rc == NR_OK; i++) {
		rc = set_origin(x, orig[i], err);
		if (rc == NR_OK)
			rc = write_deletes(x, orig[i], err);
	}
	if (rc == NR_OK && x->b->snapshot &&
	    (x->o->mirror || (x->b->resync && read_past_copy(x->o->seen))))
		rc = page_range(x, err);
	if (rc == NR_OK && x->o->detect)
		rc = db_exec(x->db, "SET @nunez_bulk = 1", err);
	for (i = 0; i < n && rc == NR_OK; i++) {
		rc = set_origin(x, orig[i], err);
		if (rc == NR_OK)
			rc = write_upserts(x, orig[i], err);
		if (rc == NR_OK)
			rc = write_partial(x, orig[i], err);
	}
	if (rc == NR_OK && x->tm->conf->strategy == STRATEGY_MANUAL)
		rc = close_superseded(x, err);
	free(orig);
	return rc;
}

void
apply_opts_init(struct apply_opts *o, const struct config *cfg,
		const char *peer, const struct cursor *seen)
{
	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	o->peer = peer;
	o->detect = true;
	o->seen = seen;
}

static int
apply_once(struct db *db, const struct tmeta *tm, const struct batch *b,
	   const struct apply_opts *o, struct apply_stats *st,
	   struct nr_err *err)
{
	struct ctx x = {0};
	struct apply_stats mine = {0};
	struct batch mapped = {0};
	size_t i;
	int rc;

	x.db = db;
	x.tm = tm;
	x.b = b;
	x.o = o;
	x.st = &mine;
	/* Columns differ while a schema change rolls out: rows carry the
	 * columns both sides have. */
	if (!batch_matches(b, tm)) {
		rc = batch_project(b, tm, &mapped, err);
		if (rc != NR_OK)
			return rc;
		x.b = &mapped;
	}
	x.act = util_calloc(b->n + 1, sizeof(*x.act));
	x.fresh = util_calloc(b->n + 1, sizeof(*x.fresh));
	x.foreign = util_calloc(b->n + 1, sizeof(*x.foreign));
	x.held = util_calloc(b->n + 1, sizeof(*x.held));
	rc = o->in_trx ? NR_OK : db_exec(db, "START TRANSACTION", err);
	if (rc == NR_OK && o->cas && o->cursor_token != NULL)
		rc = check_position(&x, err);
	if (rc != NR_OK)
		goto out;
	rc = read_local(&x, err);
	if (rc == NR_OK && o->tenant != NULL && tm->tenant >= 0)
		find_foreign(&x);
	if (rc == NR_OK && o->detect)
		rc = resolve_open_keys(db, tm, o->peer, x.b, x.held, err);
	for (i = 0; i < b->n && rc == NR_OK; i++)
		rc = decide(&x, i, err);
	if (rc == NR_OK)
		rc = write_all(&x, err);
	if (rc == NR_OK && o->cursor_token != NULL)
		rc = peers_store(db, o->peer, tm->name, o->cursor_token, b->n,
				 err);
	if (rc == NR_OK && o->batch_id != NULL)
		rc = batches_record(db, o->batch_id, o->peer, tm->name, &mine,
				    b->n, err);
	if (rc == NR_OK)
		rc = db_exec(db, RESET_VARS, err);
	if (rc == NR_OK && !o->in_trx)
		rc = db_exec(db, o->dry_run ? "ROLLBACK" : "COMMIT", err);
out:
	if (rc != NR_OK) {
		/* The connection may be gone; nothing was committed (in the
		 * caller's transaction, the caller rolls back). */
		if (!o->in_trx)
			db_try(db, "ROLLBACK");
		db_try(db, RESET_VARS);
	} else {
		st->inserted += mine.inserted;
		st->updated += mine.updated;
		st->deleted += mine.deleted;
		st->unchanged += mine.unchanged;
		st->conflicts += mine.conflicts;
		st->open += mine.open;
	}
	qres_free(x.rows);
	qres_free(x.unseen);
	qres_free(x.latest);
	free(x.ridx);
	free(x.uidx);
	free(x.lidx);
	free(x.act);
	free(x.fresh);
	free(x.foreign);
	free(x.held);
	if (x.b == &mapped)
		batch_free(&mapped);
	return rc;
}

int
apply_batch(struct db *db, const struct tmeta *tm, const struct batch *b,
	    const struct apply_opts *o, struct apply_stats *st,
	    struct nr_err *err)
{
	int rc, tries = 0;

	/* Two writers of one table can deadlock; MariaDB rolls one back,
	 * which then runs again (in the caller's transaction, the caller
	 * does). */
	do
		rc = apply_once(db, tm, b, o, st, err);
	while (rc == NR_EDB && err->sqlerr == DB_ER_LOCK_DEADLOCK &&
	       !o->in_trx && ++tries < DB_DEADLOCK_RETRIES);
	return rc;
}
