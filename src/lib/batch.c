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
	memset(b, 0, sizeof(*b));
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
