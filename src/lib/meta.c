/* Named values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

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

/* Decodes 2 * n hex digits into out; false when s is not that. */
static bool
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	if (s == NULL || strlen(s) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

/* Makes a key and offers it; of several programs making one at once,
 * the first stored wins and all read that one. */
static int
make_key(struct db *db, struct nr_err *err)
{
	unsigned char raw[CURSOR_KEY_BYTES];
	char hex[2 * CURSOR_KEY_BYTES + 1];
	struct qval p;
	size_t i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return err_set(err, NR_EIO,
			       "no random bytes for the cursor key");
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	p = qv_str(hex);
	return query_exec(db,
			  "INSERT IGNORE INTO _nunez_meta (name, value) "
			  "VALUES ('cursor_key', ?)",
			  &p, 1, NULL, err);
}

int
meta_cursor_key(struct db *db, const struct config *cfg, struct cursor_key *key,
		struct nr_err *err)
{
	char *hex = NULL, *legacy = NULL;
	long long since = 0;
	unsigned long long head = 0;
	int rc;

	memset(key, 0, sizeof(*key));
	rc = meta_get(db, "cursor_key", &hex, err);
	if (rc == NR_OK && hex == NULL) {
		rc = make_key(db, err);
		if (rc == NR_OK)
			rc = meta_get(db, "cursor_key", &hex, err);
	}
	if (rc == NR_OK && !unhex(hex, key->k, sizeof(key->k)))
		rc = err_set(err, NR_EDB,
			     "_nunez_meta holds no usable cursor_key "
			     "(64 hex digits)");
	if (rc == NR_OK)
		rc = meta_get(db, "cursor_legacy", &legacy, err);
	if (rc == NR_OK && legacy != NULL &&
	    sscanf(legacy, "%lld %llu", &since, &head) == 2 && since > 0) {
		key->legacy_until = since + cfg->sync.legacy_cursor_grace;
		key->legacy_high = head;
		key->legacy_seen = since * 1000000;
	}
	free(hex);
	free(legacy);
	return rc;
}
