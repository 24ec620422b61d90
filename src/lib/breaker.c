/* Circuit breakers in _nunez_meta as "breaker:<remote>" =
 * "<failures> <opened_at>". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "breaker.h"
#include "query.h"

static void
key(const char *remote, char *out, size_t size)
{
	snprintf(out, size, "breaker:%s", remote);
}

int
breaker_load(struct db *db, const char *remote, struct breaker *b,
	     struct nr_err *err)
{
	struct qres *res = NULL;
	char name[96];
	struct qval p;
	int rc;

	memset(b, 0, sizeof(*b));
	key(remote, name, sizeof(name));
	p = qv_str(name);
	rc = query_run(db, "SELECT value FROM _nunez_meta WHERE name = ?", &p,
		       1, 0, &res, err);
	if (rc == NR_OK && res->nrows == 1 &&
	    sscanf(qres_at(res, 0, 0)->p, "%d %lld", &b->failures,
		   &b->opened_at) != 2)
		memset(b, 0, sizeof(*b));
	qres_free(res);
	return rc;
}

long long
breaker_wait(const struct breaker *b, const struct config *cfg, long long now)
{
	long long until;

	if (b->opened_at == 0)
		return 0;
	until = b->opened_at + cfg->sync.breaker_cooldown;
	return until > now ? until - now : 0;
}

int
breaker_record(struct db *db, const char *remote, bool ok,
	       const struct config *cfg, struct breaker *b, struct nr_err *err)
{
	char name[96], value[64];
	struct qval p[2];

	if (ok) {
		b->failures = 0;
		b->opened_at = 0;
	} else {
		b->failures++;
		/* At the threshold it opens; a failed retry after the
		 * cooldown opens it again. */
		if (b->failures >= cfg->sync.breaker_failures)
			b->opened_at = (long long)time(NULL);
	}
	key(remote, name, sizeof(name));
	snprintf(value, sizeof(value), "%d %lld", b->failures, b->opened_at);
	p[0] = qv_str(name);
	p[1] = qv_str(value);
	return query_exec(db, "INSERT INTO _nunez_meta (name, value) VALUES "
			      "(?, ?) ON DUPLICATE KEY UPDATE value = "
			      "VALUES(value)",
			  p, 2, NULL, err);
}
