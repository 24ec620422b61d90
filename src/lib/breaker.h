/* The circuit breaker of a remote: after sync.circuitBreakerFailures
 * failed runs in a row, the remote is skipped until the cooldown has
 * passed; then one run tries it again. State in _nunez_meta, so it holds
 * across runs and hosts. */
#ifndef NR_BREAKER_H
#define NR_BREAKER_H

#include <stdbool.h>

#include "config.h"
#include "db.h"

struct breaker {
	int failures;	     /* failed runs in a row */
	long long opened_at; /* unix time it opened, 0 when closed */
};

/* Reads b from its stored text "<failures> <opened_at>" (NULL or
 * malformed: closed, no failures). */
void breaker_parse(const char *text, struct breaker *b);

/* Moves b by one run's outcome at time now: a success closes it, a
 * failure counts, and at the threshold (or a failed retry after the
 * cooldown) opens it at now. */
void breaker_step(struct breaker *b, bool ok, const struct config *cfg,
		  long long now);

int breaker_load(struct db *db, const char *remote, struct breaker *b,
		 struct nr_err *err) NR_WUR;

/* Seconds the breaker stays open from now; 0 when the remote may be
 * tried. */
long long breaker_wait(const struct breaker *b, const struct config *cfg,
		       long long now);

/* Records a run's outcome; opens the breaker at the threshold. */
int breaker_record(struct db *db, const char *remote, bool ok,
		   const struct config *cfg, struct breaker *b,
		   struct nr_err *err) NR_WUR;

#endif
