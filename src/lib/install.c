/* Engine tables and capture triggers. The triggers log only keys; the
 * UPDATE trigger logs only real changes of replicated columns (compared
 * byte for byte where collations would hide a change), so re-applying a
 * row writes nothing and rings go quiet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "install.h"
#include "query.h"
#include "util.h"

extern const char *const migrations[];

/* Runs one migration: statements end with ";" at the end of a line. */
static int
run_script(struct db *db, const char *script, struct nr_err *err)
{
	struct buf stmt;
	const char *p = script, *end;
	int rc = NR_OK;

	buf_init(&stmt, 0);
	while (*p != '\0' && rc == NR_OK) {
		end = strstr(p, ";\n");
		if (end == NULL)
			end = p + strlen(p);
		buf_reset(&stmt);
		buf_add(&stmt, p, (size_t)(end - p));
		if (strspn(buf_str(&stmt), " \n\t") != stmt.len)
			rc = db_exec(db, buf_str(&stmt), err);
		p = *end ? end + 2 : end;
	}
	buf_free(&stmt);
	return rc;
}

static int
current_version(struct db *db, int *version, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	rc = query_run(db,
		       "SELECT COALESCE(MAX(version), 0) FROM "
		       "_nunez_schema_version",
		       NULL, 0, 0, &res, err);
	if (rc == NR_OK)
		*version = atoi(qres_at(res, 0, 0)->p);
	qres_free(res);
	return rc;
}

int
install_check(struct db *db, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc;

	rc = query_run(db,
		       "SELECT COUNT(*) FROM information_schema.TABLES "
		       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
		       "'_nunez_schema_version'",
		       NULL, 0, 0, &res, err);
	if (rc == NR_OK && strcmp(qres_at(res, 0, 0)->p, "0") == 0)
		rc = err_set(err, NR_ECONFIG,
			     "the engine is not installed in "
			     "the %s database: run nunezctl init",
			     db_label(db));
	qres_free(res);
	return rc;
}

int
install_migrate(struct db *db, int *version, struct nr_err *err)
{
	struct qres *res = NULL;
	int rc, v = 0, i;
	char sql[160];

	rc = query_run(db, "SELECT GET_LOCK('nunez_install', 60)", NULL, 0, 0,
		       &res, err);
	if (rc != NR_OK)
		return rc;
	if (qres_at(res, 0, 0)->null || strcmp(qres_at(res, 0, 0)->p, "1")) {
		qres_free(res);
		return err_set(err, NR_EDB,
			       "%s database: another install is "
			       "running",
			       db_label(db));
	}
	qres_free(res);
	rc = db_exec(db,
		     "CREATE TABLE IF NOT EXISTS _nunez_schema_version ("
		     "version INT NOT NULL PRIMARY KEY, applied_at "
		     "DATETIME(6) NOT NULL) ENGINE=InnoDB",
		     err);
	if (rc == NR_OK)
		rc = current_version(db, &v, err);
	for (i = 0; migrations[i] != NULL; i++)
		;
	if (rc == NR_OK && v > i)
		rc = err_set(err, NR_ECONFIG,
			     "%s database: its engine tables "
			     "are version %d, newer than this program's %d",
			     db_label(db), v, i);
	for (i = v; rc == NR_OK && migrations[i] != NULL; i++) {
		rc = run_script(db, migrations[i], err);
		snprintf(sql, sizeof(sql),
			 "INSERT INTO _nunez_schema_version "
			 "VALUES (%d, UTC_TIMESTAMP(6))",
			 i + 1);
		if (rc == NR_OK)
			rc = db_exec(db, sql, err);
		if (rc == NR_OK)
			v = i + 1;
	}
	if (version != NULL)
		*version = v;
	if (db_exec(db, "DO RELEASE_LOCK('nunez_install')", NULL) != NR_OK &&
	    rc == NR_OK)
		rc = NR_EDB;
	return rc;
}

/* Writes the trigger name for table and event ("ins", "upd", "del"):
 * _nunez_<table>_<event>, shortened with a hash past 64 bytes. */
static void
trigger_name(const char *table, const char *event, struct buf *b)
{
	unsigned long h = 5381;
	const char *s;

	if (strlen(table) + 11 <= 64) {
		buf_printf(b, "`_nunez_%s_%s`", table, event);
		return;
	}
	for (s = table; *s; s++)
		h = h * 33 + (unsigned char)*s;
	buf_printf(b, "`_nunez_%.40s_%08lx_%s`", table, h & 0xffffffffUL,
		   event);
}

/* Appends the INSERT of one changelog entry for the row in prefix. */
static void
log_insert(const struct tmeta *tm, const char *prefix, char op,
	   const char *origin, struct buf *b)
{
	buf_printf(b,
		   "INSERT INTO _nunez_changelog (tbl, pk, op, origin, via, "
		   "changed_at, tenant) VALUES ('%s', ",
		   tm->name);
	schema_pkexpr(tm, prefix, b);
	/* An applier gives each row's write time at its origin in
	 * @nunez_ts, a JSON object by MD5 of the key; a local write is
	 * now. */
	buf_printf(b,
		   ", '%c', COALESCE(@nunez_origin, '%s'), @nunez_via, "
		   "IF(@nunez_ts IS NULL, UTC_TIMESTAMP(6), COALESCE("
		   "JSON_VALUE(@nunez_ts, CONCAT('$.k', MD5(",
		   op, origin);
	schema_pkexpr(tm, prefix, b);
	buf_adds(b, "))), UTC_TIMESTAMP(6))), ");
	if (tm->tenant >= 0) {
		buf_printf(b, "CAST(%s", prefix);
		buf_ident(b, tm->cols[tm->tenant].name);
		buf_adds(b, " AS CHAR)");
	} else {
		buf_adds(b, "NULL");
	}
	buf_adds(b, ")");
}

/* Appends "NEW.c <=> OLD.c AND ..." over the columns for which want_pk
 * says whether they are key columns; text compares as bytes. Returns
 * how many columns it wrote. */
static size_t
same_cols(const struct tmeta *tm, bool want_pk, struct buf *b)
{
	size_t i, j, n = 0;

	for (i = 0; i < tm->ncols; i++) {
		const struct tcol *c = &tm->cols[i];
		const char *cast = c->text ? "BINARY " : "";
		bool is_pk = false;

		for (j = 0; j < tm->npk; j++)
			is_pk = is_pk || tm->pk[j] == i;
		if (is_pk != want_pk)
			continue;
		buf_adds(b, n++ ? " AND " : "");
		buf_printf(b, "%sNEW.", cast);
		buf_ident(b, c->name);
		buf_printf(b, " <=> %sOLD.", cast);
		buf_ident(b, c->name);
	}
	return n;
}

/* Appends "EXISTS (SELECT 1 FROM t WHERE <t's row at NEW's key holds
 * NEW's values>)". MariaDB runs AFTER UPDATE triggers for a row that
 * UPDATE IGNORE skipped on a duplicate key; that row was not changed and
 * must not be logged. The key is found by the primary key's index. */
static void
row_is_new(const struct tmeta *tm, struct buf *b)
{
	size_t i, j;

	buf_adds(b, "EXISTS (SELECT 1 FROM ");
	buf_ident(b, tm->name);
	buf_adds(b, " AS _nunez_row WHERE ");
	for (j = 0; j < tm->npk; j++) {
		buf_adds(b, j ? " AND _nunez_row." : "_nunez_row.");
		buf_ident(b, tm->cols[tm->pk[j]].name);
		buf_adds(b, " = NEW.");
		buf_ident(b, tm->cols[tm->pk[j]].name);
	}
	/* As bytes: text byte for byte, and every other type too, for in
	 * this WHERE MariaDB 10.11 finds "c <=> NEW.c" false for a TIMESTAMP
	 * that ON UPDATE CURRENT_TIMESTAMP set. */
	for (i = 0; i < tm->ncols; i++) {
		buf_adds(b, " AND CAST(_nunez_row.");
		buf_ident(b, tm->cols[i].name);
		buf_adds(b, " AS BINARY) <=> CAST(NEW.");
		buf_ident(b, tm->cols[i].name);
		buf_adds(b, " AS BINARY)");
	}
	buf_adds(b, ")");
}

/* The characters a definer's user and host may hold here: enough for
 * account names and host patterns, and nothing that needs quoting. */
static bool
definer_part_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 80)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_.-%:",
			s[i]))
			return false;
	return true;
}

int
install_definer_check(const char *definer, struct nr_err *err)
{
	const char *at = strrchr(definer, '@');

	if (at == NULL || !definer_part_ok(definer, (size_t)(at - definer)) ||
	    !definer_part_ok(at + 1, strlen(at + 1)))
		return err_set(err, NR_EINVAL,
			       "--definer: expected USER@HOST (letters, "
			       "digits and _ . - %% : only), got '%s'",
			       definer);
	return NR_OK;
}

/* Turns the server's refusals of CREATE TRIGGER into what to do; keeps
 * rc and the server's error number. */
static int
explain(struct db *db, const char *definer, int rc, struct nr_err *err)
{
	unsigned no = err != NULL ? err->sqlerr : 0;

	if (no == 1419)
		err_set(err, rc,
			"%s database: binary logging is on, and then creating "
			"triggers needs the SUPER privilege, which this "
			"account lacks (error 1419). Either set "
			"log_bin_trust_function_creators=1 on the server (SET "
			"GLOBAL log_bin_trust_function_creators = 1, and in "
			"its config file so that it holds after a restart), "
			"or run nunezctl init as an account with SUPER (a "
			"config whose databases.%s.user is that account)",
			db_label(db), db_label(db));
	else if (no == 1227 && definer != NULL)
		err_set(err, rc,
			"%s database: --definer %s needs the SET USER (or "
			"SUPER) privilege for the account that runs init "
			"(error 1227)",
			db_label(db), definer);
	if (err != NULL)
		err->sqlerr = no;
	return rc;
}

static int
create(struct db *db, const struct tmeta *tm, const char *definer,
       const char *event, const char *when, struct buf *body,
       struct nr_err *err)
{
	struct buf sql;
	const char *at;
	int rc;

	buf_init(&sql, 0);
	buf_adds(&sql, "CREATE OR REPLACE ");
	if (definer != NULL) {
		/* Checked by install_definer_check: nothing to escape. */
		at = strrchr(definer, '@');
		buf_printf(&sql, "DEFINER = '%.*s'@'%s' ", (int)(at - definer),
			   definer, at + 1);
	}
	buf_adds(&sql, "TRIGGER ");
	trigger_name(tm->name, event, &sql);
	buf_printf(&sql, " AFTER %s ON ", when);
	buf_ident(&sql, tm->name);
	buf_adds(&sql, " FOR EACH ROW ");
	buf_add(&sql, buf_str(body), body->len);
	rc = db_exec(db, buf_str(&sql), err);
	if (rc != NR_OK)
		rc = explain(db, definer, rc, err);
	buf_free(&sql);
	return rc;
}

int
install_triggers(struct db *db, const struct tmeta *tm, const char *origin,
		 const char *definer, struct nr_err *err)
{
	struct buf body;
	int rc;

	/* An applier that logs the rows it inserts in one statement sets
	 * @nunez_bulk meanwhile. */
	buf_init(&body, 0);
	buf_adds(&body, "BEGIN IF @nunez_bulk IS NULL THEN ");
	log_insert(tm, "NEW.", 'U', origin, &body);
	buf_adds(&body, "; END IF; END");
	rc = create(db, tm, definer, "ins", "INSERT", &body, err);
	if (rc != NR_OK)
		goto out;

	buf_reset(&body);
	log_insert(tm, "OLD.", 'D', origin, &body);
	rc = create(db, tm, definer, "del", "DELETE", &body, err);
	if (rc != NR_OK)
		goto out;

	/* A key change is a delete of the old key and an upsert of the new;
	 * otherwise log only when a replicated column really changed, and
	 * only a row the update really wrote (row_is_new). */
	buf_reset(&body);
	buf_adds(&body, "BEGIN IF NOT (");
	same_cols(tm, true, &body);
	buf_adds(&body, ") OR NOT (");
	if (same_cols(tm, false, &body) == 0)
		buf_adds(&body, "TRUE");
	buf_adds(&body, ") THEN IF ");
	row_is_new(tm, &body);
	buf_adds(&body, " THEN IF NOT (");
	same_cols(tm, true, &body);
	buf_adds(&body, ") THEN ");
	log_insert(tm, "OLD.", 'D', origin, &body);
	buf_adds(&body, "; ");
	log_insert(tm, "NEW.", 'U', origin, &body);
	buf_adds(&body, "; ELSEIF NOT (");
	if (same_cols(tm, false, &body) == 0)
		buf_adds(&body, "TRUE");
	buf_adds(&body, ") THEN ");
	log_insert(tm, "NEW.", 'U', origin, &body);
	if (tm->tenant >= 0) {
		/* A row moved to another tenant: the old tenant's clients
		 * must hear of it too (they read it as a delete). */
		buf_adds(&body, "; IF NOT (BINARY NEW.");
		buf_ident(&body, tm->cols[tm->tenant].name);
		buf_adds(&body, " <=> BINARY OLD.");
		buf_ident(&body, tm->cols[tm->tenant].name);
		buf_adds(&body, ") THEN ");
		log_insert(tm, "OLD.", 'U', origin, &body);
		buf_adds(&body, "; END IF");
	}
	buf_adds(&body, "; END IF; END IF; END IF; END");
	rc = create(db, tm, definer, "upd", "UPDATE", &body, err);
out:
	buf_free(&body);
	return rc;
}

int
install_drop_triggers(struct db *db, const struct tmeta *tm, struct nr_err *err)
{
	static const char *const events[] = {"ins", "upd", "del"};
	struct buf sql;
	size_t i;
	int rc = NR_OK;

	buf_init(&sql, 0);
	for (i = 0; i < 3 && rc == NR_OK; i++) {
		buf_reset(&sql);
		buf_adds(&sql, "DROP TRIGGER IF EXISTS ");
		trigger_name(tm->name, events[i], &sql);
		rc = db_exec(db, buf_str(&sql), err);
	}
	buf_free(&sql);
	return rc;
}

int
install_remove(struct db *db, bool tables, struct nr_err *err)
{
	static const char *const engine_tables[] = {
	    "_nunez_changelog", "_nunez_cursors",	 "_nunez_conflicts",
	    "_nunez_sync_log",	"_nunez_meta",		 "_nunez_batches",
	    "_nunez_nonces",	"_nunez_client_changes", "_nunez_acks",
	    "_nunez_purged",	"_nunez_schema_version", NULL};
	struct qres *res = NULL;
	struct buf sql;
	size_t i;
	int rc;

	buf_init(&sql, 0);
	rc = query_run(db,
		       "SELECT TRIGGER_NAME FROM information_schema."
		       "TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND "
		       "TRIGGER_NAME LIKE '\\_nunez\\_%'",
		       NULL, 0, 0, &res, err);
	for (i = 0; rc == NR_OK && i < res->nrows; i++) {
		buf_reset(&sql);
		buf_adds(&sql, "DROP TRIGGER IF EXISTS ");
		buf_ident(&sql, qres_at(res, i, 0)->p);
		rc = db_exec(db, buf_str(&sql), err);
	}
	for (i = 0; rc == NR_OK && tables && engine_tables[i] != NULL; i++) {
		buf_reset(&sql);
		buf_printf(&sql, "DROP TABLE IF EXISTS %s", engine_tables[i]);
		rc = db_exec(db, buf_str(&sql), err);
	}
	qres_free(res);
	buf_free(&sql);
	return rc;
}
