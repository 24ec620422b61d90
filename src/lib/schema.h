/* What the engine knows of one replicated table: its columns (those it
 * replicates), its key, and the SQL pieces built from them. */
#ifndef NR_SCHEMA_H
#define NR_SCHEMA_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "query.h"

struct tcol {
	char *name;
	char *type;  /* DATA_TYPE: int, varchar, blob, ... */
	bool binary; /* bytes: *binary, *blob, bit */
	bool text;   /* compared as bytes in triggers: strings, json */
};

struct tmeta {
	const struct config_table *conf; /* borrowed */
	char *name;
	struct tcol *cols; /* replicated columns, in table order */
	size_t ncols;
	size_t *pk; /* indexes into cols, in key order */
	size_t npk;
	int ts;	    /* index of the timestamp column, or -1 */
	int tenant; /* index of the tenant column, or -1 */
	char *all;  /* every column of the table when loaded, "a,b,..." */
};

/* Reads table number idx of cfg from db's catalogue and checks it against
 * the config. Problems name the config path, e.g.
 * "replication.tables[2].primaryKey: column 'uid' does not exist in
 * table 'users'". On NR_OK *out is the caller's (schema_free). */
int schema_load(struct db *db, const struct config *cfg, size_t idx,
		struct tmeta **out, struct nr_err *err) NR_WUR;

void schema_free(struct tmeta *tm);

/* Sets *same to whether db's table still has the columns tm was loaded
 * with (by name, in order): one cheap statement that reads no row.
 * When not, load it again before reading or writing rows. */
int schema_current(struct db *db, const struct tmeta *tm, bool *same,
		   struct nr_err *err) NR_WUR;

/* Appends the canonical key of a row, a JSON array of the key values as
 * text (binary ones in hex); prefix ("NEW.", "t.", "") qualifies them. */
void schema_pkexpr(const struct tmeta *tm, const char *prefix, struct buf *b);

/* Appends `a`,`b`,... of every replicated column. */
void schema_collist(const struct tmeta *tm, const char *prefix, struct buf *b);

/* Appends "`k1` = ? AND `k2` = ?" for one key. */
void schema_key_eq(const struct tmeta *tm, struct buf *b);

/* True when column col is part of tm's primary key. */
bool schema_is_key(const struct tmeta *tm, size_t col);

/* Appends "INSERT INTO t (cols) VALUES (?, ...), ... ON DUPLICATE KEY
 * UPDATE" every non-key column, for nrows rows; with given (NULL: every
 * column), only the columns given (the key among them), so a new row
 * gets the table's defaults for the others and an existing one keeps
 * them. */
void schema_upsert_sql(const struct tmeta *tm, size_t nrows, const bool *given,
		       struct buf *sql);

/* Appends "(`k1` = ? AND ...) OR (...)" matching the n canonical keys
 * pks ("FALSE" when n is 0) and sets *params to their n * npk values,
 * which the caller frees with schema_key_values_free(*params, n * npk).
 * NR_EINVAL for a malformed key (*params is then NULL). */
int schema_keys_match(const struct tmeta *tm, char *const *pks, size_t n,
		      struct buf *b, struct qval **params,
		      struct nr_err *err) NR_WUR;

/* Appends the key columns for ORDER BY: `k1`,`k2`. */
void schema_key_order(const struct tmeta *tm, struct buf *b);

/* Appends the condition "key > (?,...)" (or ">=", "<=") written out
 * column by column so the range optimiser uses the primary key. */
void schema_key_cmp(const struct tmeta *tm, const char *op, struct buf *b);

/* The number of parameters schema_key_cmp binds. */
size_t schema_key_cmp_nparams(const struct tmeta *tm);

/* Decodes a canonical key into its values (npk of them, owned by the
 * caller: free each p, then the array). */
int schema_key_decode(const struct tmeta *tm, const char *pk, struct qval **out,
		      struct nr_err *err) NR_WUR;

/* Binds key values for schema_key_cmp: fills npk*(npk+1)/2 params. */
void schema_key_cmp_params(const struct tmeta *tm, const struct qval *key,
			   struct qval *params);

void schema_key_values_free(struct qval *key, size_t n);

/* The canonical key of the key values (npk of them, text; binary ones as
 * bytes), exactly as schema_pkexpr makes the server write it. A new
 * string the caller frees. */
char *schema_pk_canonical(const struct tmeta *tm, const struct qval *key);

/* The key values of a row of tm's columns (borrowed from row), in key
 * order, into key (npk entries). */
void schema_row_key(const struct tmeta *tm, const struct qval *row,
		    struct qval *key);

#endif
