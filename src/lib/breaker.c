/* Circuit breakers in _nunez_meta as "breaker:<remote>" =
 * "<failures> <opened_at>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breaker.h"
#include "meta.h"

static void
key(const char *remote, char *out, size_t size)
{
	snprintf(out, size, "breaker:%s", remote);
}

void
breaker_parse(const char *text, struct breaker *b)
{
	memset(b, 0, sizeof(*b));
	if (text != NULL &&
	    sscanf(text, "%d %lld", &b->failures, &b->opened_at) != 2)
		memset(b, 0, sizeof(*b));
}

void
breaker_step(struct breaker *b, bool ok, const struct config *cfg,
	     long long now)
{
	if (ok) {
		b->failures = 0;
		b->opened_at = 0;
		return;
	}
	b->failures++;
	/* At the threshold it opens; a failed retry after the cooldown
	 * opens it again. */
	if (b->failures >= cfg->sync.breaker_failures)
		b->opened_at = now;
}

int
breaker_load(struct db *db, const char *remote, struct breaker *b,
	     struct nr_err *err)
{
	char name[96], *value = NULL;
	int rc;

	key(remote, name, sizeof(name));
	rc = meta_get(db, name, &value, err);
	breaker_parse(rc == NR_OK ? value : NULL, b);
	free(value);
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

	breaker_step(b, ok, cfg, (long long)time(NULL));
	key(remote, name, sizeof(name));
	snprintf(value, sizeof(value), "%d %lld", b->failures, b->opened_at);
	return meta_set(db, name, value, err);
}
