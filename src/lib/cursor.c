/* Cursors: gap bookkeeping and the token form. The token is base64url of
 * {"v":1,"s":snapshot,"d":tombs,"r":resync,"k":after_pk,"t":after_ts,"m":mark_ts,
 *  "h":high, "e":epoch,
 *  "g":[[lo,hi,seen],...]}, then, sealed, "." and the base64url
 * HMAC-SHA256 of what precedes the dot, keyed with the node's cursor key
 * (tokens written before sealing have no dot). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cursor.h"
#include "util.h"

#define TOKEN_MAX 65536
#define MAC_CHARS 43 /* base64url of 32 bytes, unpadded */
/* The MAC covers this, then the body: the key seals nothing else. */
#define MAC_CONTEXT "nunez-cursor-v1\n"

/* a - b, held at the ends of int64_t instead of overflowing: a forged
 * or corrupt time must not wrap into a small age. */
static int64_t
sat_sub(int64_t a, int64_t b)
{
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	return a - b;
}

void
cursor_clear(struct cursor *c)
{
	free(c->after_pk);
	free(c->gaps);
	free(c->after_ts);
	free(c->mark_ts);
	free(c->epoch);
	memset(c, 0, sizeof(*c));
}

void
cursor_copy(struct cursor *dst, const struct cursor *src)
{
	cursor_clear(dst);
	*dst = *src;
	dst->after_pk = util_strdup(src->after_pk);
	dst->after_ts = util_strdup(src->after_ts);
	dst->mark_ts = util_strdup(src->mark_ts);
	dst->epoch = util_strdup(src->epoch);
	dst->gaps = util_calloc(src->ngaps, sizeof(*dst->gaps));
	if (src->ngaps > 0)
		memcpy(dst->gaps, src->gaps, src->ngaps * sizeof(*src->gaps));
}

static bool
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

bool
cursor_same(const struct cursor *a, const struct cursor *b)
{
	size_t i;

	if (a->started != b->started || a->snapshot != b->snapshot ||
	    a->tombs != b->tombs || a->resync != b->resync ||
	    a->high != b->high || a->ngaps != b->ngaps ||
	    !same_str(a->after_pk, b->after_pk) ||
	    !same_str(a->after_ts, b->after_ts) ||
	    !same_str(a->mark_ts, b->mark_ts) || !same_str(a->epoch, b->epoch))
		return false;
	for (i = 0; i < a->ngaps; i++)
		if (a->gaps[i].lo != b->gaps[i].lo ||
		    a->gaps[i].hi != b->gaps[i].hi ||
		    a->gaps[i].seen != b->gaps[i].seen)
			return false;
	return true;
}

bool
cursor_covers(const struct cursor *c, uint64_t seq)
{
	size_t i;

	if (!c->started || c->snapshot || c->tombs || seq > c->high)
		return false;
	for (i = 0; i < c->ngaps; i++)
		if (seq >= c->gaps[i].lo && seq <= c->gaps[i].hi)
			return false;
	return true;
}

/* Merges the two neighbouring gaps with the smallest distance. */
static void
merge_closest(struct cursor *c)
{
	size_t i, best = 0;
	uint64_t dist, bestd = UINT64_MAX;

	for (i = 0; i + 1 < c->ngaps; i++) {
		dist = c->gaps[i + 1].lo - c->gaps[i].hi;
		if (dist < bestd) {
			bestd = dist;
			best = i;
		}
	}
	c->gaps[best].hi = c->gaps[best + 1].hi;
	if (c->gaps[best + 1].seen < c->gaps[best].seen)
		c->gaps[best].seen = c->gaps[best + 1].seen;
	memmove(&c->gaps[best + 1], &c->gaps[best + 2],
		(c->ngaps - best - 2) * sizeof(*c->gaps));
	c->ngaps--;
}

void
cursor_add_gap(struct cursor *c, uint64_t lo, uint64_t hi, int64_t seen)
{
	if (lo > hi)
		return;
	c->gaps = util_realloc(c->gaps, (c->ngaps + 1) * sizeof(*c->gaps));
	c->gaps[c->ngaps].lo = lo;
	c->gaps[c->ngaps].hi = hi;
	c->gaps[c->ngaps].seen = seen;
	c->ngaps++;
	while (c->ngaps > CURSOR_MAX_GAPS)
		merge_closest(c);
}

void
cursor_found(struct cursor *c, uint64_t seq)
{
	size_t i;

	for (i = 0; i < c->ngaps; i++) {
		struct gap *g = &c->gaps[i];

		if (seq < g->lo || seq > g->hi)
			continue;
		if (g->lo == g->hi) {
			memmove(g, g + 1, (c->ngaps - i - 1) * sizeof(*g));
			c->ngaps--;
		} else if (seq == g->lo) {
			g->lo++;
		} else if (seq == g->hi) {
			g->hi--;
		} else {
			c->gaps = util_realloc(c->gaps, (c->ngaps + 1) *
							    sizeof(*c->gaps));
			g = &c->gaps[i];
			memmove(g + 1, g, (c->ngaps - i) * sizeof(*g));
			c->ngaps++;
			c->gaps[i].hi = seq - 1;
			c->gaps[i + 1].lo = seq + 1;
			while (c->ngaps > CURSOR_MAX_GAPS)
				merge_closest(c);
		}
		return;
	}
}

size_t
cursor_drop_dead(struct cursor *c, bool trx_known, int64_t oldest_open,
		 int64_t now, int64_t timeout_us)
{
	size_t i, kept = 0, n = c->ngaps;

	for (i = 0; i < c->ngaps; i++) {
		const struct gap *g = &c->gaps[i];
		int64_t age = sat_sub(now, g->seen);
		bool dead = age > CURSOR_GAP_SETTLE_US &&
			    (trx_known ? g->seen < oldest_open
				       : age > timeout_us);

		if (!dead)
			c->gaps[kept++] = *g;
	}
	c->ngaps = kept;
	return n - kept;
}

char *
cursor_encode(const struct cursor *c)
{
	json_object *o = json_object_new_object(), *g = json_object_new_array();
	const char *text;
	char *token;
	size_t i;

	json_object_object_add(o, "v", json_object_new_int(1));
	if (c->snapshot)
		json_object_object_add(o, "s", json_object_new_boolean(1));
	if (c->tombs)
		json_object_object_add(o, "d", json_object_new_boolean(1));
	if (c->resync)
		json_object_object_add(o, "r", json_object_new_boolean(1));
	if (c->after_pk != NULL)
		json_object_object_add(o, "k",
				       json_object_new_string(c->after_pk));
	if (c->after_ts != NULL)
		json_object_object_add(o, "t",
				       json_object_new_string(c->after_ts));
	if (c->mark_ts != NULL)
		json_object_object_add(o, "m",
				       json_object_new_string(c->mark_ts));
	json_object_object_add(o, "h", json_object_new_uint64(c->high));
	if (c->epoch != NULL)
		json_object_object_add(o, "e",
				       json_object_new_string(c->epoch));
	for (i = 0; i < c->ngaps; i++) {
		json_object *e = json_object_new_array();

		json_object_array_add(e, json_object_new_uint64(c->gaps[i].lo));
		json_object_array_add(e, json_object_new_uint64(c->gaps[i].hi));
		json_object_array_add(e,
				      json_object_new_int64(c->gaps[i].seen));
		json_object_array_add(g, e);
	}
	json_object_object_add(o, "g", g);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	token = util_b64_encode(text, strlen(text), true);
	json_object_put(o);
	return token;
}

static bool
get_u64(json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return json_object_get_int64(v) >= 0;
}

static int
parse_gaps(json_object *g, struct cursor *c)
{
	size_t i, n = json_object_array_length(g);
	uint64_t prev = 0;

	if (n > CURSOR_MAX_GAPS)
		return -1;
	c->gaps = util_calloc(n, sizeof(*c->gaps));
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(g, i);
		struct gap *gp = &c->gaps[i];

		if (!json_object_is_type(e, json_type_array) ||
		    json_object_array_length(e) != 3 ||
		    !get_u64(json_object_array_get_idx(e, 0), &gp->lo) ||
		    !get_u64(json_object_array_get_idx(e, 1), &gp->hi) ||
		    !json_object_is_type(json_object_array_get_idx(e, 2),
					 json_type_int))
			return -1;
		gp->seen = json_object_get_int64(
		    json_object_array_get_idx(e, 2));
		/* A time is us since the epoch, never before it. */
		if (gp->lo > gp->hi || gp->hi > c->high ||
		    (i > 0 && gp->lo <= prev) || gp->seen < 0)
			return -1;
		prev = gp->hi;
		c->ngaps++;
	}
	return 0;
}

/* Reads the optional string key into *out; false when not a string. */
static bool
opt_string(json_object *o, const char *key, char **out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) > 64)
		return false;
	*out = util_strdup(json_object_get_string(v));
	return true;
}

/* The MAC of a token's body (n bytes) under key, base64url. */
static void
mac_of(const struct cursor_key *key, const char *body, size_t n,
       char out[MAC_CHARS + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t cl = strlen(MAC_CONTEXT);
	char *text = util_calloc(1, cl + n + 1), *b64;

	memcpy(text, MAC_CONTEXT, cl);
	memcpy(text + cl, body, n);
	HMAC(EVP_sha256(), key->k, CURSOR_KEY_BYTES, (unsigned char *)text,
	     cl + n, md, &mdlen);
	free(text);
	b64 = util_b64_encode(md, mdlen, true);
	snprintf(out, MAC_CHARS + 1, "%s", b64);
	free(b64);
}

/* The body of a token and its length; *mac is the seal after the dot,
 * NULL when unsealed. False when the seal is not MAC_CHARS long. */
static bool
split(const char *token, size_t *body_len, const char **mac)
{
	const char *dot = strchr(token, '.');

	*mac = NULL;
	*body_len = strlen(token);
	if (dot == NULL)
		return true;
	*body_len = (size_t)(dot - token);
	*mac = dot + 1;
	return strlen(*mac) == MAC_CHARS;
}

int
cursor_parse(const char *token, struct cursor *c, struct nr_err *err)
{
	json_object *o = NULL, *v, *g;
	const char *mac;
	char *text = NULL;
	size_t len, n;
	int rc = NR_OK;

	memset(c, 0, sizeof(*c));
	if (token == NULL || token[0] == '\0')
		return NR_OK;
	if (strlen(token) > TOKEN_MAX)
		return err_set(err, NR_EINVAL, "cursor is too long");
	if (!split(token, &n, &mac))
		return err_set(err, NR_EINVAL, "malformed cursor seal");
	text = util_b64_decode(token, n, &len);
	if (text != NULL)
		o = json_tokener_parse(text);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "v", &v) ||
	    json_object_get_int(v) != 1 ||
	    !json_object_object_get_ex(o, "h", &v) || !get_u64(v, &c->high) ||
	    !json_object_object_get_ex(o, "g", &g) ||
	    !json_object_is_type(g, json_type_array)) {
		rc = err_set(err, NR_EINVAL, "malformed cursor");
		goto out;
	}
	c->started = true;
	if (json_object_object_get_ex(o, "s", &v))
		c->snapshot = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "d", &v))
		c->tombs = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "r", &v))
		c->resync = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "k", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			rc = err_set(err, NR_EINVAL, "malformed cursor");
			goto out;
		}
		c->after_pk = util_strdup(json_object_get_string(v));
	}
	if (!opt_string(o, "t", &c->after_ts) ||
	    !opt_string(o, "m", &c->mark_ts) ||
	    !opt_string(o, "e", &c->epoch)) {
		rc = err_set(err, NR_EINVAL, "malformed cursor");
		goto out;
	}
	if (parse_gaps(g, c) != 0)
		rc = err_set(err, NR_EINVAL, "malformed cursor gaps");
out:
	if (rc != NR_OK)
		cursor_clear(c);
	json_object_put(o);
	free(text);
	return rc;
}

/* True when the unsealed cursor c is a position key's node may have
 * handed out before it sealed its tokens, and the time to take such
 * tokens (now, unix seconds) has not run out. */
static bool
legacy_ok(const struct cursor_key *key, const struct cursor *c, int64_t now)
{
	size_t i;

	if (now >= key->legacy_until || c->high > key->legacy_high)
		return false;
	for (i = 0; i < c->ngaps; i++)
		if (c->gaps[i].seen > key->legacy_seen)
			return false;
	return true;
}

int
cursor_open(const char *token, const struct cursor_key *key, int64_t now,
	    struct cursor *c, struct nr_err *err)
{
	char want[MAC_CHARS + 1];
	const char *mac;
	size_t n;
	int rc;

	rc = cursor_parse(token, c, err);
	if (rc != NR_OK || !c->started)
		return rc;
	split(token, &n, &mac);
	if (mac != NULL)
		mac_of(key, token, n, want);
	if ((mac == NULL && legacy_ok(key, c, now)) ||
	    (mac != NULL && CRYPTO_memcmp(want, mac, MAC_CHARS) == 0)) {
		rc = cursor_epoch_ok(c, key, err);
		if (rc != NR_OK)
			cursor_clear(c);
		return rc;
	}
	cursor_clear(c);
	return err_set(err, NR_EINVAL,
		       mac == NULL ? "the cursor is not sealed by this node"
				   : "the cursor's seal does not match: it "
				     "was altered, or another node gave it");
}

int
cursor_epoch_ok(const struct cursor *c, const struct cursor_key *key,
		struct nr_err *err)
{
	if (!c->started || c->epoch == NULL || key->epoch[0] == '\0' ||
	    strcmp(c->epoch, key->epoch) == 0)
		return NR_OK;
	return err_set(err, NR_EREWOUND,
		       "the cursor is a position in an earlier changelog of "
		       "this node (epoch %.32s, now %s: the database was "
		       "restored or its changelog made again)",
		       c->epoch, key->epoch);
}

char *
cursor_seal(const struct cursor *c, const struct cursor_key *key)
{
	struct cursor t = *c;
	char *body, mac[MAC_CHARS + 1], *token;
	size_t n;

	/* Stamped with the epoch of the log it is a position in. */
	t.epoch = key->epoch[0] != '\0' ? (char *)key->epoch : c->epoch;
	body = cursor_encode(&t);
	n = strlen(body);

	mac_of(key, body, n, mac);
	token = util_calloc(1, n + MAC_CHARS + 2);
	memcpy(token, body, n);
	token[n] = '.';
	memcpy(token + n + 1, mac, MAC_CHARS + 1);
	free(body);
	return token;
}
