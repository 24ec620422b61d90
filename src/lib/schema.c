/* Replicated tables as the server's catalogue describes them, checked
 * against the config, and the SQL built from them. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jparse.h"
#include "schema.h"
#include "util.h"

static const char *const binary_types[] = {"binary", "varbinary",  "tinyblob",
					   "blob",   "mediumblob", "longblob",
					   "bit",    NULL};
static const char *const text_types[] = {
    "char",	"varchar", "tinytext", "text", "mediumtext",
    "longtext", "enum",	   "set",      "json", NULL};
static const char *const spatial_types[] = {
    "geometry",	  "point",	     "linestring",   "polygon",
    "multipoint", "multilinestring", "multipolygon", "geometrycollection",
    NULL};

static bool
listed(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool
strv_has(const struct strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static int
find_col(const struct tmeta *tm, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < tm->ncols; i++)
		if (strcmp(tm->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Checks the configured key is the table's primary key. */
static int
check_pk(struct tmeta *tm, struct db *db, const char *path, struct nr_err *err)
{
	const struct config_table *t = tm->conf;
	struct qres *res = NULL;
	struct qval p = qv_str(t->name);
	struct buf have;
	size_t i;
	int rc;

	rc = query_run(db,
		       "SELECT COLUMN_NAME FROM information_schema.STATISTICS "
		       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? "
		       "AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
		       &p, 1, 0, &res, err);
	if (rc != NR_OK)
		return rc;
	buf_init(&have, 4096);
	for (i = 0; i < res->nrows; i++)
		buf_printf(&have, "%s%s", i ? ", " : "", qres_at(res, i, 0)->p);
	if (res->nrows == 0) {
		rc = err_set(err, NR_ECONFIG,
			     "%s.name: table '%s' has no "
			     "primary key; replicated tables need one",
			     path, t->name);
		goto out;
	}
	for (i = 0; i < res->nrows; i++)
		if (!strv_has(&t->pk, qres_at(res, i, 0)->p))
			break;
	if (res->nrows != t->pk.n || i < res->nrows) {
		rc = err_set(err, NR_ECONFIG,
			     "%s.primaryKey: does not match "
			     "the primary key of table '%s' (%s)",
			     path, t->name, buf_str(&have));
		goto out;
	}
	tm->npk = t->pk.n;
	tm->pk = util_calloc(tm->npk, sizeof(*tm->pk));
	for (i = 0; i < t->pk.n; i++)
		tm->pk[i] = (size_t)find_col(tm, t->pk.v[i]);
out:
	buf_free(&have);
	qres_free(res);
	return rc;
}

/* Refuses a table with a tenant column and a UNIQUE index besides the
 * primary key that does not hold that column whole: the upsert (INSERT
 * ... ON DUPLICATE KEY UPDATE) of a /sync client whose row collides on
 * it would update the colliding row, of whatever tenant, and the tenant
 * check sees only the rows of the changes' primary keys. */
static int
check_unique(const struct tmeta *tm, struct db *db, const char *path,
	     struct nr_err *err)
{
	const struct config_table *t = tm->conf;
	struct qres *res = NULL;
	struct qval p[2] = {qv_str(t->name), qv_str(t->tenant_column)};
	int rc;

	rc = query_run(db,
		       "SELECT INDEX_NAME, GROUP_CONCAT(COALESCE(COLUMN_NAME, "
		       "'(an expression)') ORDER BY SEQ_IN_INDEX SEPARATOR "
		       "', ') FROM information_schema.STATISTICS WHERE "
		       "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND "
		       "NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' GROUP BY "
		       "INDEX_NAME HAVING SUM(COLUMN_NAME <=> ? AND SUB_PART "
		       "IS NULL) = 0 ORDER BY INDEX_NAME LIMIT 1",
		       p, 2, 0, &res, err);
	if (rc == NR_OK && res->nrows > 0)
		rc = err_set(err, NR_ECONFIG,
			     "%s.tenantColumn: table '%s' has the UNIQUE "
			     "index '%s' (%s) without its tenant column "
			     "'%s': a /sync client's upsert colliding on it "
			     "would overwrite another tenant's row; drop "
			     "the index, add '%s' to it, or remove "
			     "tenantColumn",
			     path, t->name, qres_at(res, 0, 0)->p,
			     qres_at(res, 0, 1)->p, t->tenant_column,
			     t->tenant_column);
	qres_free(res);
	return rc;
}

/* The names of every column of res (column 0), "a,b,...". */
static char *
all_columns(const struct qres *res)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < res->nrows; i++)
		buf_printf(&b, "%s%s", i ? "," : "", qres_at(res, i, 0)->p);
	return buf_take(&b);
}

int
schema_load(struct db *db, const struct config *cfg, size_t idx,
	    struct tmeta **out, struct nr_err *err)
{
	const struct config_table *t = &cfg->tables[idx];
	struct tmeta *tm = util_calloc(1, sizeof(*tm));
	struct qres *res = NULL;
	struct qval p = qv_str(t->name);
	char path[64];
	size_t i, n = 0;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "replication.tables[%zu]", idx);
	tm->conf = t;
	tm->name = util_strdup(t->name);
	rc = query_run(
	    db,
	    "SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM "
	    "information_schema.COLUMNS WHERE TABLE_SCHEMA = "
	    "DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
	    &p, 1, 0, &res, err);
	if (rc != NR_OK)
		goto out;
	if (res->nrows == 0) {
		rc = err_set(err, NR_ECONFIG,
			     "%s.name: table '%s' does not "
			     "exist in the %s database",
			     path, t->name, db_label(db));
		goto out;
	}
	tm->cols = util_calloc(res->nrows, sizeof(*tm->cols));
	tm->all = all_columns(res);
	for (i = 0; i < res->nrows; i++) {
		const char *name = qres_at(res, i, 0)->p;
		const char *type = qres_at(res, i, 1)->p;
		const char *extra = qres_at(res, i, 2)->p;

		if (strv_has(&t->ignore, name) || strstr(extra, "GENERATED"))
			continue;
		if (listed(spatial_types, type)) {
			rc = err_set(err, NR_ECONFIG,
				     "%s.ignoreColumns: column "
				     "'%s' of table '%s' is of type %s, which "
				     "is not replicated; list it here",
				     path, name, t->name, type);
			goto out;
		}
		tm->cols[n].name = util_strdup(name);
		tm->cols[n].type = util_strdup(type);
		tm->cols[n].binary = listed(binary_types, type);
		tm->cols[n].text = listed(text_types, type);
		n++;
	}
	tm->ncols = n;
	for (i = 0; i < t->pk.n; i++)
		if (find_col(tm, t->pk.v[i]) < 0) {
			rc = err_set(err, NR_ECONFIG,
				     "%s.primaryKey: column "
				     "'%s' does not exist in table '%s'",
				     path, t->pk.v[i], t->name);
			goto out;
		}
	tm->ts = find_col(tm, t->timestamp_column);
	if (t->timestamp_column != NULL && tm->ts < 0) {
		rc = err_set(err, NR_ECONFIG,
			     "%s.timestampColumn: column '%s' "
			     "does not exist in table '%s'",
			     path, t->timestamp_column, t->name);
		goto out;
	}
	tm->tenant = find_col(tm, t->tenant_column);
	if (t->tenant_column != NULL && tm->tenant < 0) {
		rc = err_set(err, NR_ECONFIG,
			     "%s.tenantColumn: column '%s' "
			     "does not exist in table '%s'",
			     path, t->tenant_column, t->name);
		goto out;
	}
	rc = check_pk(tm, db, path, err);
	if (rc == NR_OK && tm->tenant >= 0)
		rc = check_unique(tm, db, path, err);
	if (rc != NR_OK)
		goto out;
	*out = tm;
	tm = NULL;
out:
	qres_free(res);
	schema_free(tm);
	return rc;
}

void
schema_free(struct tmeta *tm)
{
	size_t i;

	if (tm == NULL)
		return;
	for (i = 0; i < tm->ncols; i++) {
		free(tm->cols[i].name);
		free(tm->cols[i].type);
	}
	free(tm->cols);
	free(tm->pk);
	free(tm->name);
	free(tm->all);
	free(tm);
}

int
schema_current(struct db *db, const struct tmeta *tm, bool *same,
	       struct nr_err *err)
{
	struct qres *res = NULL;
	struct buf sql, now;
	size_t i;
	int rc;

	buf_init(&sql, 0);
	buf_init(&now, 0);
	buf_adds(&sql, "SELECT * FROM ");
	buf_ident(&sql, tm->name);
	buf_adds(&sql, " LIMIT 0");
	rc = query_run(db, buf_str(&sql), NULL, 0, 0, &res, err);
	for (i = 0; rc == NR_OK && i < res->ncols; i++)
		buf_printf(&now, "%s%s", i ? "," : "", res->cols[i].name);
	*same = rc == NR_OK && strcmp(buf_str(&now), tm->all) == 0;
	qres_free(res);
	buf_free(&sql);
	buf_free(&now);
	return rc;
}

void
schema_pkexpr(const struct tmeta *tm, const char *prefix, struct buf *b)
{
	size_t i;

	buf_adds(b, "JSON_ARRAY(");
	for (i = 0; i < tm->npk; i++) {
		const struct tcol *c = &tm->cols[tm->pk[i]];

		buf_adds(b, i ? ", " : "");
		buf_adds(b, c->binary ? "HEX(" : "CAST(");
		buf_adds(b, prefix);
		buf_ident(b, c->name);
		buf_adds(b, c->binary ? ")" : " AS CHAR)");
	}
	buf_adds(b, ")");
}

void
schema_collist(const struct tmeta *tm, const char *prefix, struct buf *b)
{
	size_t i;

	for (i = 0; i < tm->ncols; i++) {
		buf_adds(b, i ? ", " : "");
		buf_adds(b, prefix);
		buf_ident(b, tm->cols[i].name);
	}
}

void
schema_key_eq(const struct tmeta *tm, struct buf *b)
{
	size_t i;

	for (i = 0; i < tm->npk; i++) {
		buf_adds(b, i ? " AND " : "");
		buf_ident(b, tm->cols[tm->pk[i]].name);
		buf_adds(b, " = ?");
	}
}

void
schema_key_order(const struct tmeta *tm, struct buf *b)
{
	size_t i;

	for (i = 0; i < tm->npk; i++) {
		buf_adds(b, i ? ", " : "");
		buf_ident(b, tm->cols[tm->pk[i]].name);
	}
}

void
schema_key_cmp(const struct tmeta *tm, const char *op, struct buf *b)
{
	char strict[2] = {op[0], '\0'};
	size_t i, j;

	buf_adds(b, "(");
	for (i = 0; i < tm->npk; i++) {
		buf_adds(b, i ? " OR (" : "(");
		for (j = 0; j < i; j++) {
			buf_ident(b, tm->cols[tm->pk[j]].name);
			buf_adds(b, " = ? AND ");
		}
		buf_ident(b, tm->cols[tm->pk[i]].name);
		buf_printf(b, " %s ?)", i + 1 == tm->npk ? op : strict);
	}
	buf_adds(b, ")");
}

size_t
schema_key_cmp_nparams(const struct tmeta *tm)
{
	return tm->npk * (tm->npk + 1) / 2;
}

void
schema_key_cmp_params(const struct tmeta *tm, const struct qval *key,
		      struct qval *params)
{
	size_t i, j, n = 0;

	for (i = 0; i < tm->npk; i++)
		for (j = 0; j <= i; j++)
			params[n++] = key[j];
}

/* Parses text as one strict JSON value with nothing after it; NULL when
 * it is not. Keys are written by the triggers' JSON_ARRAY: strict JSON,
 * one spelling each. */
static json_object *
parse_strict(const char *text)
{
	/* A key is one array of at most a few dozen values; a key text
	 * can come from a request, so nothing larger is built. */
	static const struct jparse_opts o = {
	    .depth = 4,
	    .flags = JSON_TOKENER_STRICT,
	    .containers = 4,
	    .values = 256,
	};
	size_t len = strlen(text);
	json_object *v = NULL;
	struct nr_err err;

	if (jparse_parse(text, len, &o, &v, &err) != NR_OK)
		return NULL;
	return v;
}

static int
unhex(const char *s, size_t len, char **out, size_t *outlen)
{
	char *p;
	size_t i;

	if (len % 2 != 0)
		return -1;
	p = util_calloc(1, len / 2 + 1);
	for (i = 0; i < len; i += 2) {
		int hi = util_hex_digit(s[i]), lo = util_hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0) {
			free(p);
			return -1;
		}
		p[i / 2] = (char)(hi << 4 | lo);
	}
	*out = p;
	*outlen = len / 2;
	return 0;
}

int
schema_key_decode(const struct tmeta *tm, const char *pk, struct qval **out,
		  struct nr_err *err)
{
	json_object *a = parse_strict(pk);
	struct qval *key = NULL;
	size_t i;
	int rc = NR_OK;

	*out = NULL;
	if (a == NULL || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != tm->npk) {
		rc = err_set(err, NR_EINVAL, "table %s: malformed key %.200s",
			     tm->name, pk);
		goto out;
	}
	key = util_calloc(tm->npk, sizeof(*key));
	for (i = 0; i < tm->npk; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s = json_object_get_string(e);
		size_t len = (size_t)json_object_get_string_len(e);
		char *p = NULL;

		if (!json_object_is_type(e, json_type_string)) {
			rc = err_set(err, NR_EINVAL,
				     "table %s: key value %zu "
				     "is not a string in %.200s",
				     tm->name, i, pk);
			goto out;
		}
		if (tm->cols[tm->pk[i]].binary) {
			if (unhex(s, len, &p, &key[i].len) != 0) {
				rc = err_set(err, NR_EINVAL,
					     "table %s: bad hex "
					     "in key %.200s",
					     tm->name, pk);
				goto out;
			}
			key[i].binary = true;
		} else {
			p = util_calloc(1, len + 1);
			memcpy(p, s, len);
			key[i].len = len;
		}
		key[i].p = p;
	}
	*out = key;
	key = NULL;
out:
	schema_key_values_free(key, tm->npk);
	json_object_put(a);
	return rc;
}

int
schema_keys_match(const struct tmeta *tm, char *const *pks, size_t n,
		  struct buf *b, struct qval **params, struct nr_err *err)
{
	struct qval *v = util_calloc(n * tm->npk + 1, sizeof(*v)), *key;
	size_t i;
	int rc = NR_OK;

	for (i = 0; i < n && rc == NR_OK; i++) {
		rc = schema_key_decode(tm, pks[i], &key, err);
		if (rc != NR_OK)
			break;
		memcpy(&v[i * tm->npk], key, tm->npk * sizeof(*v));
		free(key); /* its values now belong to v */
		buf_adds(b, i ? " OR (" : "(");
		schema_key_eq(tm, b);
		buf_adds(b, ")");
	}
	if (n == 0)
		buf_adds(b, "FALSE");
	if (rc != NR_OK) {
		schema_key_values_free(v, n * tm->npk);
		v = NULL;
	}
	*params = v;
	return rc;
}

bool
schema_is_key(const struct tmeta *tm, size_t col)
{
	size_t i;

	for (i = 0; i < tm->npk; i++)
		if (tm->pk[i] == col)
			return true;
	return false;
}

void
schema_upsert_sql(const struct tmeta *tm, size_t nrows, const bool *given,
		  struct buf *sql)
{
	size_t i, j, n = 0, ncols = 0;

	buf_adds(sql, "INSERT INTO ");
	buf_ident(sql, tm->name);
	buf_adds(sql, " (");
	for (j = 0; j < tm->ncols; j++) {
		if (given != NULL && !given[j])
			continue;
		buf_adds(sql, ncols++ ? ", " : "");
		buf_ident(sql, tm->cols[j].name);
	}
	buf_adds(sql, ") VALUES ");
	for (i = 0; i < nrows; i++) {
		buf_adds(sql, i ? ", (" : "(");
		for (j = 0; j < ncols; j++)
			buf_adds(sql, j ? ", ?" : "?");
		buf_adds(sql, ")");
	}
	buf_adds(sql, " ON DUPLICATE KEY UPDATE ");
	for (j = 0; j < tm->ncols; j++) {
		if (schema_is_key(tm, j) || (given != NULL && !given[j]))
			continue;
		buf_adds(sql, n++ ? ", " : "");
		buf_ident(sql, tm->cols[j].name);
		buf_adds(sql, " = VALUES(");
		buf_ident(sql, tm->cols[j].name);
		buf_adds(sql, ")");
	}
	if (n == 0) {
		buf_ident(sql, tm->cols[tm->pk[0]].name);
		buf_adds(sql, " = ");
		buf_ident(sql, tm->cols[tm->pk[0]].name);
	}
}

void
schema_key_values_free(struct qval *key, size_t n)
{
	size_t i;

	if (key == NULL)
		return;
	for (i = 0; i < n; i++)
		free((char *)key[i].p);
	free(key);
}

/* MariaDB's JSON_ARRAY string escaping: the short escapes, \u00XX with
 * upper-case digits for other control characters, nothing else. */
static void
json_escape(struct buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		switch (c) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\b':
			buf_adds(b, "\\b");
			break;
		case '\f':
			buf_adds(b, "\\f");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\u%04X", c);
			else
				buf_add(b, &p[i], 1);
		}
	}
}

char *
schema_pk_canonical(const struct tmeta *tm, const struct qval *key)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	size_t i, j;

	buf_init(&b, 0);
	buf_adds(&b, "[");
	for (i = 0; i < tm->npk; i++) {
		buf_adds(&b, i ? ", \"" : "\"");
		if (tm->cols[tm->pk[i]].binary) {
			for (j = 0; j < key[i].len; j++) {
				unsigned char c = (unsigned char)key[i].p[j];

				buf_add(&b, &hex[c >> 4], 1);
				buf_add(&b, &hex[c & 15], 1);
			}
		} else {
			json_escape(&b, key[i].p, key[i].len);
		}
		buf_adds(&b, "\"");
	}
	buf_adds(&b, "]");
	return buf_take(&b);
}

void
schema_row_key(const struct tmeta *tm, const struct qval *row, struct qval *key)
{
	size_t i;

	for (i = 0; i < tm->npk; i++)
		key[i] = row[tm->pk[i]];
}
