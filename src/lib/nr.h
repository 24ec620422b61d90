/* Return codes, attributes and the error value shared by every module. */
#ifndef NR_H
#define NR_H

#include <stddef.h>

#define NR_WUR __attribute__((warn_unused_result))
#define NR_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum nr_rc {
	NR_OK = 0,
	NR_EINVAL, /* bad input from a caller, a request or a file */
	NR_ENOMEM,
	NR_EIO,	    /* file or socket trouble */
	NR_ECONFIG, /* configuration rejected */
	NR_EDB,	    /* database error */
	NR_EDBGONE, /* database unreachable or connection lost */
	NR_ENOTFOUND,
	NR_ETOOBIG,    /* a hard size cap was hit */
	NR_EEXIST,     /* already done (a batch id seen before) */
	NR_EFORBIDDEN, /* not the caller's to touch (another tenant's row) */
	NR_EMOVED,     /* a stored position moved since a batch's start */
	NR_EEXPIRED,   /* a position in a changelog that was purged past
			* it */
	NR_EREWOUND,   /* a position in a changelog that went back or was
			* made again (a restore) */
};

/* The most changes or rows one batch, push or pull may hold: the
 * config's sync.batchSize and the API's limits agree on it. */
#define NR_MAX_BATCH 10000

/* Filled by a failing function; owned by the caller, usually on the stack. */
struct nr_err {
	int code;
	unsigned sqlerr; /* the server's error number, when one */
	char msg[512];
};

/* Sets err (may be NULL) and returns code, so callers can write
 * "return err_set(err, NR_EINVAL, ...)". */
int err_set(struct nr_err *err, int code, const char *fmt, ...) NR_PRINTF(3, 4);

/* Empties err (may be NULL). */
void err_clear(struct nr_err *err);

#endif
