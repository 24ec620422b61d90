/* A MariaDB connection that connects on first use and again after it
 * was lost. */
#ifndef NR_DB_H
#define NR_DB_H

#include <stdbool.h>

#include <mysql.h>

#include "config.h"
#include "nr.h"

struct db;

/* Server error numbers the engine acts on. */
#define DB_ER_DUP_ENTRY 1062	 /* a duplicate key */
#define DB_ER_LOCK_DEADLOCK 1213 /* chosen as a deadlock's victim */
/* Times a transaction that was a deadlock's victim is run again. */
#define DB_DEADLOCK_RETRIES 5
/* A foreign key refused a change: rows refer to the row deleted (1451;
 * 1217 in older servers), a row refers to one missing (1452; 1216). */
#define DB_ER_ROW_IS_REFERENCED 1451
#define DB_ER_ROW_IS_REFERENCED_OLD 1217
#define DB_ER_NO_REFERENCED_ROW 1452
#define DB_ER_NO_REFERENCED_ROW_OLD 1216

/* Returns a new handle for conf (borrowed: it must outlive the handle);
 * label names it in messages ("master", "slave"). Connects nothing. */
struct db *db_new(const struct config_db *conf, const char *label);

/* Closes the connection and frees db; NULL is a no-op. */
void db_free(struct db *db);

/* Connects when not connected. NR_EDBGONE when the server cannot be
 * reached. */
int db_connect(struct db *db, struct nr_err *err) NR_WUR;

/* Drops the connection; the next call connects again. */
void db_disconnect(struct db *db);

/* Checks the server answers a query, reconnecting once when the
 * connection was lost. */
int db_ping(struct db *db, struct nr_err *err) NR_WUR;

/* Runs one statement that returns no rows. A lost connection gives
 * NR_EDBGONE and is dropped; other failures NR_EDB. */
int db_exec(struct db *db, const char *sql, struct nr_err *err) NR_WUR;

/* Runs a clean-up statement (ROLLBACK, ...) whose failure changes
 * nothing for the caller; a lost connection is dropped. */
void db_try(struct db *db, const char *sql);

/* Prepared statements kept per connection, by their SQL text (the last
 * 32 used): db_stmt_get gives one back (borrowed) or NULL; db_stmt_put
 * hands one over; db_stmt_drop closes one that failed. A reconnect
 * closes them all. */
MYSQL_STMT *db_stmt_get(struct db *db, const char *sql);
void db_stmt_put(struct db *db, const char *sql, MYSQL_STMT *st);
void db_stmt_drop(struct db *db, MYSQL_STMT *st);

/* The connected handle (borrowed), or NULL when not connected. */
MYSQL *db_handle(struct db *db);

/* Classifies the last error of db and fills err; drops the connection
 * when it was lost. Returns NR_EDBGONE or NR_EDB. */
int db_fail(struct db *db, const char *what, struct nr_err *err);

/* As db_fail, for an error number and message the caller has (from a
 * prepared statement); what says which statement. */
int db_error(struct db *db, unsigned no, const char *msg, const char *what,
	     struct nr_err *err);

/* The label given to db_new. */
const char *db_label(const struct db *db);

#endif
