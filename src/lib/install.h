/* Installing the engine into a database: the engine tables (versioned
 * migrations from sql/engine) and the capture triggers. */
#ifndef NR_INSTALL_H
#define NR_INSTALL_H

#include "db.h"
#include "schema.h"

/* NR_OK when the engine's tables are in db, else NR_ECONFIG saying to
 * run nunezctl init. */
int install_check(struct db *db, struct nr_err *err) NR_WUR;

/* Applies every migration newer than the database's schema version, in
 * order, under a named lock. Idempotent. *version (may be NULL) gets the
 * version the database is at afterwards. */

int install_migrate(struct db *db, int *version, struct nr_err *err) NR_WUR;

/* Creates or replaces the AFTER INSERT/UPDATE/DELETE triggers of tm on
 * db; changes log origin @nunez_origin, else origin (a checked name). */
int install_triggers(struct db *db, const struct tmeta *tm, const char *origin,
		     struct nr_err *err) NR_WUR;

/* Drops the capture triggers of tm (tables captured by timestamp). */
int install_drop_triggers(struct db *db, const struct tmeta *tm,
			  struct nr_err *err) NR_WUR;

/* Drops every engine trigger of the database and, when tables is true,
 * the engine tables. */
int install_remove(struct db *db, bool tables, struct nr_err *err) NR_WUR;

#endif
