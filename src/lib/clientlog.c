/* The client change records. */
#include <stdio.h>

#include "clientlog.h"
#include "query.h"

int
clientlog_purge(struct db *db, unsigned long limit, unsigned long long *n,
		struct nr_err *err)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "DELETE FROM _nunez_client_changes WHERE "
				   "created_at < UTC_TIMESTAMP() - INTERVAL %d "
				   "DAY LIMIT %lu",
		 CLIENTLOG_DAYS, limit);
	return query_exec(db, sql, NULL, 0, n, err);
}
