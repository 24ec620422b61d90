/* The batch ids store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batches.h"
#include "query.h"

int
batches_record(struct db *db, const char *id, const char *peer,
	       const char *table, const struct apply_stats *st,
	       unsigned long long total, struct nr_err *err)
{
	char n[6][24];
	struct qval p[9];
	int i, rc;

	snprintf(n[0], 24, "%llu", st->inserted);
	snprintf(n[1], 24, "%llu", st->updated);
	snprintf(n[2], 24, "%llu", st->deleted);
	snprintf(n[3], 24, "%llu", st->unchanged);
	snprintf(n[4], 24, "%llu", st->conflicts);
	snprintf(n[5], 24, "%llu", total);
	p[0] = qv_str(id);
	p[1] = qv_str(peer);
	p[2] = qv_str(table);
	for (i = 0; i < 6; i++)
		p[3 + i] = qv_str(n[i]);
	rc = query_exec(db,
			"INSERT INTO _nunez_batches (batch_id, peer, tbl, "
			"inserted, updated, deleted, unchanged, conflicts, "
			"total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
			"?, UTC_TIMESTAMP(6))",
			p, 9, NULL, err);
	if (rc == NR_EDB && err->sqlerr == DB_ER_DUP_ENTRY)
		rc = err_set(err, NR_EEXIST, "batch %s was applied before", id);
	return rc;
}

static unsigned long long
count(const struct qres *res, size_t c)
{
	return strtoull(qres_at(res, 0, c)->p, NULL, 10);
}

int
batches_find(struct db *db, const char *id, const char *table,
	     struct batches_rec *out, struct nr_err *err)
{
	struct qval p[2] = {qv_str(table), qv_str(id)};
	struct qres *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = query_run(db,
		       "SELECT inserted, updated, deleted, unchanged, "
		       "conflicts, total, tbl = ? FROM _nunez_batches "
		       "WHERE batch_id = ?",
		       p, 2, 0, &res, err);
	if (rc == NR_OK && res->nrows == 0)
		rc = err_set(err, NR_ENOTFOUND, "batch %s: not recorded", id);
	if (rc == NR_OK) {
		out->st.inserted = count(res, 0);
		out->st.updated = count(res, 1);
		out->st.deleted = count(res, 2);
		out->st.unchanged = count(res, 3);
		out->st.conflicts = count(res, 4);
		out->total = count(res, 5);
		out->other_table = strcmp(qres_at(res, 0, 6)->p, "1") != 0;
	}
	qres_free(res);
	return rc;
}

int
batches_purge(struct db *db, unsigned long limit, unsigned long long *n,
	      struct nr_err *err)
{
	return query_purge(db, "_nunez_batches", "created_at", 1, limit, n,
			   err);
}
