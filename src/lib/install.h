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

/* NR_OK when definer is "USER@HOST" with nothing in either part that
 * would need quoting; else NR_EINVAL saying what is expected. */
int install_definer_check(const char *definer, struct nr_err *err) NR_WUR;

/* Creates or replaces the AFTER INSERT/UPDATE/DELETE triggers of tm on
 * db; changes log origin @nunez_origin, else origin (a checked name).
 * The triggers run as definer (checked by install_definer_check), or as
 * the connected account when NULL. A server that refuses for lack of
 * SUPER under binary logging (1419), or of SET USER for a definer
 * (1227), is answered with what to do. */
int install_triggers(struct db *db, const struct tmeta *tm, const char *origin,
		     const char *definer, struct nr_err *err) NR_WUR;

/* Drops the capture triggers of tm (tables captured by timestamp). */
int install_drop_triggers(struct db *db, const struct tmeta *tm,
			  struct nr_err *err) NR_WUR;

/* Drops every engine trigger of the database and, when tables is true,
 * the engine tables. */
int install_remove(struct db *db, bool tables, struct nr_err *err) NR_WUR;

#endif
