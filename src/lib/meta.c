/* Named values. */
#include "meta.h"
#include "query.h"

int
meta_get(struct db *db, const char *name, char **value, struct nr_err *err)
{
	struct qval p = qv_str(name);

	return query_text(db, "SELECT value FROM _nunez_meta WHERE name = ?",
			  &p, 1, value, err);
}

int
meta_set(struct db *db, const char *name, const char *value, struct nr_err *err)
{
	struct qval p[2] = {qv_str(name), qv_str(value)};

	return query_exec(db,
			  "INSERT INTO _nunez_meta (name, value) VALUES "
			  "(?, ?) ON DUPLICATE KEY UPDATE value = "
			  "VALUES(value)",
			  p, 2, NULL, err);
}
