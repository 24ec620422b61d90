/* Small named values of this node (_nunez_meta): the paused flag and
 * the circuit breakers' state. The one module that reads and writes that
 * table. */
#ifndef NR_META_H
#define NR_META_H

#include "db.h"
#include "nr.h"

/* The value of name: a new string the caller frees, NULL when unset. */
int meta_get(struct db *db, const char *name, char **value,
	     struct nr_err *err) NR_WUR;

/* Sets name to value. */
int meta_set(struct db *db, const char *name, const char *value,
	     struct nr_err *err) NR_WUR;

#endif
