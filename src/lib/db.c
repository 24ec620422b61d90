/* MariaDB connections through Connector/C. */
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>

#include "db.h"
#include "util.h"

#define STMT_CACHE 32

struct db {
	const struct config_db *conf;
	const char *label;
	MYSQL *my;
	struct {
		char *sql;
		MYSQL_STMT *st;
		unsigned long used;
	} cache[STMT_CACHE];
	unsigned long tick;
};

struct db *
db_new(const struct config_db *conf, const char *label)
{
	struct db *db = util_calloc(1, sizeof(*db));

	db->conf = conf;
	db->label = label;
	return db;
}

void
db_disconnect(struct db *db)
{
	size_t i;

	for (i = 0; i < STMT_CACHE; i++) {
		if (db->cache[i].st != NULL)
			mysql_stmt_close(db->cache[i].st);
		free(db->cache[i].sql);
		db->cache[i].st = NULL;
		db->cache[i].sql = NULL;
	}
	if (db->my != NULL)
		mysql_close(db->my);
	db->my = NULL;
}

MYSQL_STMT *
db_stmt_get(struct db *db, const char *sql)
{
	size_t i;

	for (i = 0; i < STMT_CACHE; i++)
		if (db->cache[i].sql != NULL &&
		    strcmp(db->cache[i].sql, sql) == 0) {
			db->cache[i].used = ++db->tick;
			return db->cache[i].st;
		}
	return NULL;
}

void
db_stmt_put(struct db *db, const char *sql, MYSQL_STMT *st)
{
	size_t i, old = 0;

	for (i = 0; i < STMT_CACHE; i++) {
		if (db->cache[i].sql == NULL) {
			old = i;
			break;
		}
		if (db->cache[i].used < db->cache[old].used)
			old = i;
	}
	if (db->cache[old].st != NULL)
		mysql_stmt_close(db->cache[old].st);
	free(db->cache[old].sql);
	db->cache[old].sql = util_strdup(sql);
	db->cache[old].st = st;
	db->cache[old].used = ++db->tick;
}

void
db_stmt_drop(struct db *db, MYSQL_STMT *st)
{
	size_t i;

	for (i = 0; i < STMT_CACHE; i++)
		if (db->cache[i].st == st) {
			free(db->cache[i].sql);
			db->cache[i].sql = NULL;
			db->cache[i].st = NULL;
		}
	mysql_stmt_close(st);
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

static bool
is_gone(unsigned no)
{
	return no == CR_SERVER_GONE_ERROR || no == CR_SERVER_LOST ||
	       no == CR_CONNECTION_ERROR || no == CR_CONN_HOST_ERROR ||
	       no == CR_SERVER_LOST_EXTENDED || no == 1927 /* killed */ ||
	       no == 1053 /* shutdown in progress */;
}

int
db_error(struct db *db, unsigned no, const char *msg, const char *what,
	 struct nr_err *err)
{
	int rc = is_gone(no) ? NR_EDBGONE : NR_EDB;

	err_set(err, rc, "%s database: %s (%u) in: %.160s", db->label, msg, no,
		what);
	if (err != NULL)
		err->sqlerr = no;
	if (rc == NR_EDBGONE)
		db_disconnect(db);
	return rc;
}

int
db_fail(struct db *db, const char *what, struct nr_err *err)
{
	unsigned no = db->my != NULL ? mysql_errno(db->my) : CR_SERVER_LOST;
	const char *msg = db->my != NULL ? mysql_error(db->my)
					 : "not connected";

	return db_error(db, no, msg, what, err);
}

const char *
db_label(const struct db *db)
{
	return db->label;
}

int
db_connect(struct db *db, struct nr_err *err)
{
	const struct config_db *c = db->conf;
	unsigned int ct = (unsigned)c->connect_timeout;
	unsigned int rt = (unsigned)c->read_timeout;
	unsigned int wt = (unsigned)c->write_timeout;
	int rc;

	if (db->my != NULL)
		return NR_OK;
	db->my = mysql_init(NULL);
	if (db->my == NULL)
		return err_set(err, NR_ENOMEM, "mysql_init failed");
	mysql_optionsv(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_optionsv(db->my, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_optionsv(db->my, MYSQL_OPT_WRITE_TIMEOUT, &wt);
	mysql_optionsv(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(db->my, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (mysql_real_connect(db->my, c->host, c->user, c->password,
			       c->database, (unsigned)c->port, c->socket,
			       0) == NULL) {
		rc = err_set(err, NR_EDBGONE, "%s database %s@%s:%d/%s: %s",
			     db->label, c->user,
			     c->socket ? c->socket : c->host, c->port,
			     c->database, mysql_error(db->my));
		db_disconnect(db);
		return rc;
	}
	return NR_OK;
}

static int
run(struct db *db, const char *sql, struct nr_err *err)
{
	MYSQL_RES *res;
	int rc;

	rc = db_connect(db, err);
	if (rc != NR_OK)
		return rc;
	if (mysql_query(db->my, sql) != 0)
		return db_fail(db, sql, err);
	res = mysql_store_result(db->my);
	if (res == NULL && mysql_field_count(db->my) != 0)
		return db_fail(db, sql, err);
	mysql_free_result(res);
	return NR_OK;
}

int
db_ping(struct db *db, struct nr_err *err)
{
	int rc = run(db, "SELECT 1", err);

	if (rc == NR_EDBGONE)
		rc = run(db, "SELECT 1", err);
	return rc;
}

int
db_exec(struct db *db, const char *sql, struct nr_err *err)
{
	return run(db, sql, err);
}

void
db_try(struct db *db, const char *sql)
{
	if (db->my != NULL && mysql_query(db->my, sql) == 0)
		mysql_free_result(mysql_store_result(db->my));
	else if (db->my != NULL && is_gone(mysql_errno(db->my)))
		db_disconnect(db);
}

MYSQL *
db_handle(struct db *db)
{
	return db->my;
}
