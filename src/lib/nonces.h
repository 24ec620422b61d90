/* The store of signed requests' nonces (_nunez_nonces): a nonce is
 * accepted once while it may still be replayed. */
#ifndef NR_NONCES_H
#define NR_NONCES_H

#include "db.h"
#include "nr.h"

/* Records nonce for ttl seconds; NR_EEXIST when it was seen before. */
int nonces_remember(struct db *db, const char *nonce, int ttl,
		    struct nr_err *err) NR_WUR;

/* Forgets up to limit expired nonces; *n gets how many. */
int nonces_purge(struct db *db, unsigned long limit, unsigned long long *n,
		 struct nr_err *err) NR_WUR;

#endif
