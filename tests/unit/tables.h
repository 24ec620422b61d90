/* Tables as schema_load would describe them, built by hand for the unit
 * tests of the modules that read rows and keys (no database). */
#ifndef NR_TEST_TABLES_H
#define NR_TEST_TABLES_H

#include <stdbool.h>
#include <string.h>

#include "schema.h"
#include "util.h"

struct col_spec {
	const char *name;
	const char *type;
	bool binary;
};

/* A table of conf's name with ncols columns cols, the key pk (npk
 * indexes) and the timestamp column ts (-1: none); schema_free frees
 * it. */
static inline struct tmeta *
unit_table(const struct config_table *conf, const struct col_spec *cols,
	   size_t ncols, const size_t *pk, size_t npk, int ts)
{
	struct tmeta *tm = util_calloc(1, sizeof(*tm));
	size_t i;

	tm->conf = conf;
	tm->name = util_strdup(conf->name);
	tm->cols = util_calloc(ncols, sizeof(*tm->cols));
	for (i = 0; i < ncols; i++) {
		tm->cols[i].name = util_strdup(cols[i].name);
		tm->cols[i].type = util_strdup(cols[i].type);
		tm->cols[i].binary = cols[i].binary;
		tm->cols[i].text = !cols[i].binary;
	}
	tm->ncols = ncols;
	tm->pk = util_calloc(npk, sizeof(*tm->pk));
	memcpy(tm->pk, pk, npk * sizeof(*pk));
	tm->npk = npk;
	tm->ts = ts;
	tm->tenant = -1;
	return tm;
}

#endif
