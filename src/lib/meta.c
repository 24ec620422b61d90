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

/* Makes n random bytes and stores them in hex as name: offered (of
 * several programs making one at once, the first stored wins and all
 * read that one), or replacing what name held. */
static int
make_random(struct db *db, const char *name, size_t n, bool replace,
	    struct nr_err *err)
{
	unsigned char raw[CURSOR_KEY_BYTES];
	char hex[2 * CURSOR_KEY_BYTES + 1];
	struct qval p[2];
	size_t i;

	if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
		return err_set(err, NR_EIO, "no random bytes for %s", name);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	p[0] = qv_str(name);
	p[1] = qv_str(hex);
	if (replace)
		return meta_set(db, name, hex, err);
	return query_exec(db,
			  "INSERT IGNORE INTO _nunez_meta (name, value) "
			  "VALUES (?, ?)",
			  p, 2, NULL, err);
}

/* The value of name, made of n random bytes on first use. */
static int
get_random(struct db *db, const char *name, size_t n, char **value,
	   struct nr_err *err)
{
	int rc = meta_get(db, name, value, err);

	if (rc == NR_OK && *value == NULL) {
		rc = make_random(db, name, n, false, err);
		if (rc == NR_OK)
			rc = meta_get(db, name, value, err);
	}
	return rc;
}

int
meta_new_epoch(struct db *db, struct nr_err *err)
{
	return make_random(db, "epoch", EPOCH_BYTES, true, err);
}

int
meta_cursor_key(struct db *db, const struct config *cfg, struct cursor_key *key,
		struct nr_err *err)
{
	char *hex = NULL, *legacy = NULL, *epoch = NULL;
	long long since = 0;
	unsigned long long head = 0;
	int rc;

	memset(key, 0, sizeof(*key));
	rc = get_random(db, "cursor_key", CURSOR_KEY_BYTES, &hex, err);
	if (rc == NR_OK && !unhex(hex, key->k, sizeof(key->k)))
		rc = err_set(err, NR_EDB,
			     "_nunez_meta holds no usable cursor_key "
			     "(64 hex digits)");
	if (rc == NR_OK)
		rc = get_random(db, "epoch", EPOCH_BYTES, &epoch, err);
	if (rc == NR_OK && strlen(epoch) != 2 * EPOCH_BYTES)
		rc = err_set(err, NR_EDB,
			     "_nunez_meta holds no usable epoch (%d hex "
			     "digits)",
			     2 * EPOCH_BYTES);
	if (rc == NR_OK)
		memcpy(key->epoch, epoch, 2 * EPOCH_BYTES + 1);
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
	free(epoch);
	return rc;
}
