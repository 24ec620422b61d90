/* The nonce store. */
#include <stdio.h>

#include "nonces.h"
#include "query.h"

int
nonces_remember(struct db *db, const char *nonce, int ttl, struct nr_err *err)
{
	char secs[16];
	struct qval p[2];
	int rc;

	snprintf(secs, sizeof(secs), "%d", ttl);
	p[0] = qv_str(nonce);
	p[1] = qv_str(secs);
	rc = query_exec(db,
			"INSERT INTO _nunez_nonces (nonce, expires_at) "
			"VALUES (?, UTC_TIMESTAMP() + INTERVAL ? SECOND)",
			p, 2, NULL, err);
	if (rc == NR_EDB && err->sqlerr == DB_ER_DUP_ENTRY)
		return err_set(err, NR_EEXIST, "nonce %s was used before",
			       nonce);
	return rc;
}

int
nonces_purge(struct db *db, unsigned long limit, unsigned long long *n,
	     struct nr_err *err)
{
	/* Expired: past expires_at. */
	return query_purge(db, "_nunez_nonces", "expires_at", 0, limit, n, err);
}
