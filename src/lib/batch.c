/* Batches of changes. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "util.h"

void
batch_init(struct batch *b, const struct tmeta *tm)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->table = util_strdup(tm->name);
	b->ncols = tm->ncols;
	b->cols = util_calloc(tm->ncols, sizeof(char *));
	b->binary = util_calloc(tm->ncols, sizeof(bool));
	for (i = 0; i < tm->ncols; i++) {
		b->cols[i] = util_strdup(tm->cols[i].name);
		b->binary[i] = tm->cols[i].binary;
	}
}

struct change *
batch_add(struct batch *b, char op, const char *pk, const char *origin,
	  const char *ts)
{
	struct change *c;

	b->v = util_realloc(b->v, (b->n + 1) * sizeof(*b->v));
	c = &b->v[b->n++];
	c->op = op;
	c->pk = util_strdup(pk);
	c->origin = util_strdup(origin);
	c->ts = util_strdup(ts);
	c->vals = NULL;
	c->given = NULL;
	c->conflict = false;
	return c;
}

void
batch_set_row(const struct batch *b, struct change *c, const struct qval *row)
{
	size_t i;

	c->vals = util_calloc(b->ncols, sizeof(*c->vals));
	for (i = 0; i < b->ncols; i++) {
		char *p = NULL;

		c->vals[i] = row[i];
		if (!row[i].null) {
			p = util_calloc(1, row[i].len + 1);
			memcpy(p, row[i].p, row[i].len);
		}
		c->vals[i].p = p;
		c->vals[i].binary = b->binary[i];
	}
}

void
batch_free(struct batch *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		struct change *c = &b->v[i];

		free(c->pk);
		free(c->origin);
		free(c->ts);
		for (j = 0; c->vals != NULL && j < b->ncols; j++)
			free((char *)c->vals[j].p);
		free(c->vals);
		free(c->given);
	}
	free(b->v);
	util_strv_free(b->cols, b->ncols);
	free(b->binary);
	free(b->table);
	free(b->range_lo);
	free(b->range_hi);
	free(b->dropped);
	memset(b, 0, sizeof(*b));
}

void
batch_note_dropped(struct batch *b, const char *col)
{
	size_t n = strlen(col), len = b->dropped ? strlen(b->dropped) : 0;
	const char *p = b->dropped;

	/* Names are identifiers (no comma): the list splits on ", ". */
	while (p != NULL && *p != '\0') {
		const char *end = strstr(p, ", ");
		size_t k = end != NULL ? (size_t)(end - p) : strlen(p);

		if (k == n && strncmp(p, col, n) == 0)
			return;
		p = end != NULL ? end + 2 : NULL;
	}
	b->dropped = util_realloc(b->dropped, len + n + 3);
	if (len > 0) {
		memcpy(b->dropped + len, ", ", 2);
		len += 2;
	}
	memcpy(b->dropped + len, col, n + 1);
}

int
batch_project(const struct batch *in, const struct tmeta *tm, struct batch *out,
	      struct nr_err *err)
{
	long *from = util_calloc(tm->ncols + 1, sizeof(*from));
	size_t i, j;
	int rc = NR_OK;

	batch_init(out, tm);
	for (j = 0; j < tm->ncols; j++) {
		from[j] = -1;
		for (i = 0; i < in->ncols; i++)
			if (strcmp(in->cols[i], tm->cols[j].name) == 0)
				from[j] = (long)i;
		if (from[j] < 0 && schema_is_key(tm, j))
			rc = err_set(err, NR_ECONFIG,
				     "table %s: key column %s is not in "
				     "the source's rows",
				     tm->name, tm->cols[j].name);
		else if (from[j] >= 0 &&
			 in->binary[from[j]] != tm->cols[j].binary)
			rc = err_set(err, NR_ECONFIG,
				     "table %s: column %s is %s here and %s "
				     "at the source; change its type "
				     "everywhere",
				     tm->name, tm->cols[j].name,
				     tm->cols[j].binary ? "binary" : "text",
				     tm->cols[j].binary ? "text" : "binary");
		if (rc != NR_OK)
			goto out;
	}
	for (i = 0; i < in->ncols; i++) {
		for (j = 0; j < tm->ncols && from[j] != (long)i; j++)
			;
		if (j == tm->ncols)
			batch_note_dropped(out, in->cols[i]);
	}
	out->snapshot = in->snapshot;
	out->resync = in->resync;
	out->range_lo = util_strdup(in->range_lo);
	out->range_hi = util_strdup(in->range_hi);
	out->has_more = in->has_more;
	for (i = 0; i < in->n; i++) {
		const struct change *a = &in->v[i];
		struct change *c = batch_add(out, a->op, a->pk, a->origin,
					     a->ts);

		c->conflict = a->conflict;
		if (a->vals == NULL)
			continue;
		c->vals = util_calloc(tm->ncols, sizeof(*c->vals));
		c->given = util_calloc(tm->ncols, sizeof(*c->given));
		for (j = 0; j < tm->ncols; j++) {
			const struct qval *v;

			c->given[j] = from[j] >= 0 &&
				      (a->given == NULL || a->given[from[j]]);
			c->vals[j].binary = tm->cols[j].binary;
			if (!c->given[j]) {
				c->vals[j].null = true;
				continue;
			}
			v = &a->vals[from[j]];
			c->vals[j].len = v->len;
			c->vals[j].null = v->null;
			if (!v->null) {
				char *p = util_calloc(1, v->len + 1);

				memcpy(p, v->p, v->len);
				c->vals[j].p = p;
			}
		}
		for (j = 0; j < tm->ncols && c->given[j]; j++)
			;
		if (j == tm->ncols) {
			free(c->given);
			c->given = NULL;
		}
	}
out:
	free(from);
	if (rc != NR_OK)
		batch_free(out);
	return rc;
}

bool
batch_matches(const struct batch *b, const struct tmeta *tm)
{
	size_t i;

	if (b->ncols != tm->ncols)
		return false;
	for (i = 0; i < b->ncols; i++)
		if (strcmp(b->cols[i], tm->cols[i].name) != 0)
			return false;
	return true;
}
