/* The client change records. */
#include <stdlib.h>

#include "buf.h"
#include "clientlog.h"
#include "util.h"

#define RECORD_CHUNK 200 /* records per INSERT */

int
clientlog_record(struct db *db, const char *tenant, const char *client_id,
		 const struct clientlog_rec *v, size_t n, struct nr_err *err)
{
	struct qval p[RECORD_CHUNK * 6];
	struct buf sql;
	size_t i = 0, k;
	int rc = NR_OK;

	buf_init(&sql, 0);
	while (i < n && rc == NR_OK) {
		buf_reset(&sql);
		buf_adds(&sql, "INSERT INTO _nunez_client_changes (tenant, "
			       "client_change_id, client_id, tbl, pk, status, "
			       "created_at) VALUES ");
		for (k = 0; i < n && k < RECORD_CHUNK; i++, k++) {
			buf_adds(&sql, k ? ", " : "");
			buf_adds(&sql, "(?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))");
			p[k * 6] = qv_str(tenant);
			p[k * 6 + 1] = qv_str(v[i].id);
			p[k * 6 + 2] = qv_str(client_id);
			p[k * 6 + 3] = qv_str(v[i].table);
			p[k * 6 + 4] = qv_str(v[i].pk);
			p[k * 6 + 5] = qv_str(v[i].status);
		}
		rc = query_exec(db, buf_str(&sql), p, k * 6, NULL, err);
	}
	buf_free(&sql);
	return rc;
}

int
clientlog_find(struct db *db, const char *tenant, const char *const *ids,
	       size_t n, struct qres **out, struct nr_err *err)
{
	struct qval *p = util_calloc(n + 1, sizeof(*p));
	struct buf sql;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT client_change_id, status, pk, tbl FROM "
		       "_nunez_client_changes WHERE tenant = ? AND "
		       "client_change_id IN ");
	p[0] = qv_str(tenant);
	query_in_list(&sql, (char *const *)ids, n, p + 1);
	rc = query_run(db, buf_str(&sql), p, n + 1, 0, out, err);
	free(p);
	buf_free(&sql);
	return rc;
}

int
clientlog_purge(struct db *db, unsigned long limit, unsigned long long *n,
		struct nr_err *err)
{
	return query_purge(db, "_nunez_client_changes", "created_at",
			   CLIENTLOG_DAYS, limit, n, err);
}
