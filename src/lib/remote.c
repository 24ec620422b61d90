/* The client of a remote nunez-api. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <zlib.h>

#include "auth.h"
#include "buf.h"
#include "codec.h"
#include "cursor.h"
#include "jparse.h"
#include "log.h"
#include "remote.h"
#include "sign.h"
#include "util.h"

#define MAX_CHANGES NR_MAX_BATCH
/* A body gzip shrinks more than this is sent plain: a receiver refuses
 * gzip that inflates past api.maxInflateRatio (100 by default), and long
 * runs of one byte in the rows can reach that. */
#define GZIP_MAX_RATIO 50

/* What an answer may make json-c build: a pull of NR_MAX_BATCH changes
 * takes four containers a change (the change, its key, its row, and the
 * row again in "data"), and rows take more than 6 bytes a value, keys
 * counted ("a":1, is two values in 6). With the default
 * sync.maxResponseBytes that is about 650 MB at worst (jparse.h), where
 * 32 MiB of "{}," would make 9 GB. */
#define ANSWER_CONTAINERS (10 * NR_MAX_BATCH)
#define ANSWER_BYTES_PER_VALUE 6

struct remote {
	const struct config *cfg;
	const struct config_remote *r;
	CURL *curl;
	const char *sign_key; /* NULL: requests go unsigned */
	char key_hash[65];
	char prefix[512]; /* the path part of the remote's URL */
};

struct remote *
remote_new(const struct config *cfg, const struct config_remote *r)
{
	struct remote *rm = util_calloc(1, sizeof(*rm));
	const char *p = strstr(r->url, "://");

	rm->cfg = cfg;
	rm->r = r;
	rm->sign_key = sign_client_key(r, rm->key_hash);
	p = p != NULL ? strchr(p + 3, '/') : NULL;
	snprintf(rm->prefix, sizeof(rm->prefix), "%s", p ? p : "");
	rm->curl = curl_easy_init();
	return rm;
}

void
remote_free(struct remote *rm)
{
	if (rm == NULL)
		return;
	if (rm->curl != NULL)
		curl_easy_cleanup(rm->curl);
	free(rm);
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_add(b, data, size * n) != NR_OK)
		return 0;
	return size * n;
}

/* Gzips n bytes of p into out. */
static int
gzip_body(const char *p, size_t n, struct buf *out)
{
	z_stream z;
	char chunk[65536];
	int zr;

	memset(&z, 0, sizeof(z));
	/* Level 1: most of the saving for a fraction of the time. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return NR_EIO;
	z.next_in = (unsigned char *)p;
	z.avail_in = (unsigned)n;
	do {
		z.next_out = (unsigned char *)chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (zr == Z_OK);
	deflateEnd(&z);
	return zr == Z_STREAM_END ? NR_OK : NR_EIO;
}

static struct curl_slist *
sign_headers(struct remote *rm, const char *method, const char *path,
	     const char *query, const char *body, size_t len,
	     struct curl_slist *h)
{
	char line[160], ts[24], nonce[44], sig[65];

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if (auth_new_key(nonce) != NR_OK)
		snprintf(nonce, sizeof(nonce), "n%lld%d", (long long)time(NULL),
			 (int)getpid());
	sign_request(rm->sign_key, method, path, query, ts, nonce, body, len,
		     sig);
	snprintf(line, sizeof(line), "X-Nunez-Timestamp: %s", ts);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Nunez-Nonce: %s", nonce);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Nunez-Signature: %s", sig);
	return curl_slist_append(h, line);
}

/* One HTTP exchange. NR_EIO for what may pass (network, 5xx), NR_EINVAL
 * for a refusal (4xx); *out is the JSON answer on NR_OK. */
static int
exchange(struct remote *rm, const char *method, const char *path,
	 const char *query, const char *body, size_t len, json_object **out,
	 struct nr_err *err)
{
	const struct config_remote *r = rm->r;
	struct curl_slist *h = NULL;
	struct buf resp, url, gz;
	char line[256], cerr[CURL_ERROR_SIZE] = "";
	const struct jparse_opts jo = {
	    .depth = 32,
	    .containers = ANSWER_CONTAINERS,
	    .values = (size_t)rm->cfg->sync.max_response /
		      ANSWER_BYTES_PER_VALUE,
	    .values_name = "one per 6 bytes of sync.maxResponseBytes",
	};
	json_object *o = NULL, *e;
	long status = 0;
	struct nr_err perr;
	CURLcode cc;
	int rc = NR_OK, prc;

	buf_init(&resp, (size_t)rm->cfg->sync.max_response);
	buf_init(&url, 0);
	buf_init(&gz, 0);
	buf_printf(&url, "%s%s%s%s", r->url, path + strlen(rm->prefix),
		   query[0] ? "?" : "", query);
	snprintf(line, sizeof(line), "X-API-Key: %s", r->api_key);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (rm->sign_key != NULL)
		h = sign_headers(rm, method, path, query, body, len, h);
	curl_easy_reset(rm->curl);
	curl_easy_setopt(rm->curl, CURLOPT_URL, buf_str(&url));
	curl_easy_setopt(rm->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(rm->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(rm->curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(rm->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(rm->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(rm->curl, CURLOPT_CONNECTTIMEOUT,
			 (long)r->connect_timeout);
	curl_easy_setopt(rm->curl, CURLOPT_TIMEOUT, (long)r->timeout);
	/* An answer that says it is too big is refused before it comes. */
	curl_easy_setopt(rm->curl, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)rm->cfg->sync.max_response);
	curl_easy_setopt(rm->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rm->curl, CURLOPT_SSL_VERIFYPEER,
			 r->verify_tls ? 1L : 0L);
	curl_easy_setopt(rm->curl, CURLOPT_SSL_VERIFYHOST,
			 r->verify_tls ? 2L : 0L);
	if (r->ca_file != NULL)
		curl_easy_setopt(rm->curl, CURLOPT_CAINFO, r->ca_file);
	if (strcmp(method, "POST") == 0) {
		if (len > 1024 && gzip_body(body, len, &gz) == NR_OK &&
		    gz.len * GZIP_MAX_RATIO >= len) {
			h = curl_slist_append(h, "Content-Encoding: gzip");
			curl_easy_setopt(rm->curl, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(rm->curl, CURLOPT_POSTFIELDS, gz.p);
			curl_easy_setopt(rm->curl, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)gz.len);
		} else {
			curl_easy_setopt(rm->curl, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(rm->curl, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)len);
		}
	}
	cc = curl_easy_perform(rm->curl);
	/* Too big is no failure that may pass: not retried. */
	if (cc == CURLE_FILESIZE_EXCEEDED || resp.toobig) {
		rc = err_set(err, NR_ETOOBIG,
			     "remote %s: the answer to %s %s is larger than "
			     "sync.maxResponseBytes (%d bytes)",
			     r->name, method, path, rm->cfg->sync.max_response);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = err_set(err, NR_EIO, "%s %s: %s", method, buf_str(&url),
			     cerr[0] ? cerr : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(rm->curl, CURLINFO_RESPONSE_CODE, &status);
	prc = jparse_parse(resp.p != NULL ? resp.p : "", resp.len, &jo, &o,
			   &perr);
	if (prc == NR_ETOOBIG || prc == NR_ENOMEM) {
		rc = err_set(err, prc, "remote %s: the answer to %s %s: %s",
			     r->name, method, path, perr.msg);
		goto out;
	}
	if (status != 200) {
		const char *msg = "no JSON error", *code = "";

		if (o != NULL && json_object_object_get_ex(o, "error", &e)) {
			code = codec_string(e, "code", NULL);
			msg = codec_string(e, "message", NULL);
			code = code != NULL ? code : "";
			msg = msg != NULL ? msg : "no message";
		}
		rc = status >= 500 ? NR_EIO : NR_EINVAL;
		if (status == 409 && strcmp(code, "position_moved") == 0)
			rc = NR_EMOVED;
		if (status == 409 && strcmp(code, "cursor_expired") == 0)
			rc = NR_EEXPIRED;
		rc = err_set(err, rc, "%s %s: HTTP %ld: %s", method, path,
			     status, msg);
		goto out;
	}
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		rc = err_set(err, NR_EIO, "%s %s: the answer is not JSON",
			     method, path);
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_object_put(o);
	curl_slist_free_all(h);
	buf_free(&resp);
	buf_free(&url);
	buf_free(&gz);
	return rc;
}

/* exchange, again with backoff while the failure may pass. */
static int
request(struct remote *rm, const char *method, const char *path,
	const char *query, const char *body, size_t len, json_object **out,
	struct nr_err *err)
{
	struct log_ctx lc = {rm->r->name, NULL, 0};
	long wait = rm->cfg->sync.retry_backoff_ms;
	int i, rc;

	*out = NULL;
	for (i = 0;; i++) {
		rc = exchange(rm, method, path, query, body, len, out, err);
		if (rc != NR_EIO || i >= rm->cfg->sync.retries)
			return rc;
		log_msg(LOG_WARN, &lc, "%s; retrying in %ld ms", err->msg,
			wait);
		usleep((useconds_t)wait * 1000);
		wait = wait * 2 > 30000 ? 30000 : wait * 2;
	}
}

/* A next_cursor is stored as this node's position in the remote: it
 * must be one, or the next pull and every later run would fail on it;
 * and a position, never "" (from the start again). */
static int
valid_cursor(const char *remote, const struct tmeta *tm, const char *token,
	     struct nr_err *err)
{
	struct cursor c = {0};
	struct nr_err e;
	int rc = cursor_parse(token, &c, &e);
	bool started = c.started;

	cursor_clear(&c);
	if (rc != NR_OK)
		return err_set(err, NR_EINVAL,
			       "remote %s: pull of %s: next_cursor is not a "
			       "cursor (%s)",
			       remote, tm->name, e.msg);
	if (!started)
		return err_set(err, NR_EINVAL,
			       "remote %s: pull of %s: next_cursor is empty",
			       remote, tm->name);
	return NR_OK;
}

/* Reads the answer o of remote's pull of tm into page (emptied first;
 * on failure empty again). */
static int
page_read(json_object *o, const char *remote, const struct tmeta *tm,
	  struct remote_page *page, struct nr_err *err)
{
	json_object *changes = NULL, *more = NULL;
	int rc;

	memset(page, 0, sizeof(*page));
	json_object_object_get_ex(o, "changes", &changes);
	json_object_object_get_ex(o, "has_more", &more);
	if (codec_string(o, "next_cursor", NULL) == NULL)
		return err_set(err, NR_EIO,
			       "pull of %s: no next_cursor in the "
			       "answer",
			       tm->name);
	rc = valid_cursor(remote, tm, codec_string(o, "next_cursor", NULL),
			  err);
	if (rc != NR_OK)
		return rc;
	rc = codec_changes_parse(changes, tm, MAX_CHANGES, &page->batch, err);
	if (rc != NR_OK) {
		struct nr_err e = *err;

		remote_page_free(page);
		return err_set(err, NR_EIO, "pull of %s: %s", tm->name, e.msg);
	}
	rc = codec_resync_parse(o, &page->batch, err);
	if (rc != NR_OK) {
		struct nr_err e = *err;

		remote_page_free(page);
		return err_set(err, NR_EIO, "pull of %s: %s", tm->name, e.msg);
	}
	page->next_cursor = util_strdup(codec_string(o, "next_cursor", NULL));
	page->seen = util_strdup(codec_string(o, "seen", NULL));
	page->has_more = json_object_get_boolean(more);
	return NR_OK;
}

int
remote_pull(struct remote *rm, const struct tmeta *tm, const char *cursor,
	    bool resync, size_t limit, struct remote_page *page,
	    struct nr_err *err)
{
	json_object *o = NULL;
	struct buf query;
	char path[600];
	char *esc;
	int rc;

	memset(page, 0, sizeof(*page));
	/* A cursor with many gaps makes a long query: nginx takes request
	 * lines up to 64 KiB (nginx/), the largest token a server gives. */
	buf_init(&query, 0);
	esc = curl_easy_escape(rm->curl, cursor ? cursor : "", 0);
	snprintf(path, sizeof(path), "%s/api/pull", rm->prefix);
	buf_printf(&query, "table=%s&limit=%zu&node=%s&cursor=%s%s", tm->name,
		   limit, rm->cfg->node_id, esc ? esc : "",
		   resync ? "&resync=1" : "");
	curl_free(esc);
	rc = request(rm, "GET", path, buf_str(&query), NULL, 0, &o, err);
	buf_free(&query);
	if (rc != NR_OK)
		return rc;
	rc = page_read(o, rm->r->name, tm, page, err);
	json_object_put(o);
	return rc;
}

int
remote_page_parse(const char *body, size_t len, const struct tmeta *tm,
		  struct remote_page *page, struct nr_err *err)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	int rc;

	memset(page, 0, sizeof(*page));
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		json_tokener_free(tok);
		return err_set(err, NR_EIO,
			       "pull of %s: the answer is not JSON", tm->name);
	}
	json_tokener_free(tok);
	rc = page_read(o, "(answer)", tm, page, err);
	json_object_put(o);
	return rc;
}

void
remote_page_free(struct remote_page *page)
{
	batch_free(&page->batch);
	free(page->next_cursor);
	free(page->seen);
	memset(page, 0, sizeof(*page));
}

static unsigned long long
count(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v)
		   ? (unsigned long long)json_object_get_int64(v)
		   : 0;
}

int
remote_push(struct remote *rm, const struct batch *b, const char *seen,
	    const char *from, const char *cursor, const char *batch_id,
	    struct apply_stats *st, struct nr_err *err)
{
	json_object *body = json_object_new_object(), *o = NULL, *r;
	char path[600];
	const char *text;
	size_t len;
	int rc;

	json_object_object_add(body, "table", json_object_new_string(b->table));
	json_object_object_add(body, "node",
			       json_object_new_string(rm->cfg->node_id));
	json_object_object_add(body, "batch_id",
			       json_object_new_string(batch_id));
	json_object_object_add(body, "seen",
			       seen ? json_object_new_string(seen) : NULL);
	json_object_object_add(body, "from",
			       json_object_new_string(from ? from : ""));
	json_object_object_add(body, "cursor",
			       cursor ? json_object_new_string(cursor) : NULL);
	json_object_object_add(body, "changes", codec_changes(b));
	codec_resync(b, body);
	text = json_object_to_json_string_length(
	    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &len);
	snprintf(path, sizeof(path), "%s/api/push", rm->prefix);
	rc = request(rm, "POST", path, "", text, len, &o, err);
	if (rc == NR_OK && json_object_object_get_ex(o, "result", &r)) {
		st->inserted += count(r, "inserted");
		st->updated += count(r, "updated");
		st->deleted += count(r, "deleted");
		st->unchanged += count(r, "unchanged");
		st->conflicts += count(r, "conflicts");
	}
	json_object_put(o);
	json_object_put(body);
	return rc;
}

int
remote_metadata(struct remote *rm, const char *table, char **cursor,
		unsigned long long *rows, char sum[24], struct nr_err *err)
{
	json_object *o = NULL, *m;
	char path[600], query[256];
	const char *s;
	int rc;

	*cursor = NULL;
	snprintf(path, sizeof(path), "%s/api/metadata", rm->prefix);
	snprintf(query, sizeof(query), "table=%s&node=%s%s", table,
		 rm->cfg->node_id, sum != NULL ? "&checksum=1" : "&brief=1");
	rc = request(rm, "GET", path, query, NULL, 0, &o, err);
	if (rc != NR_OK)
		return rc;
	if (!json_object_object_get_ex(o, "metadata", &m)) {
		rc = err_set(err, NR_EIO, "metadata of %s: no metadata", table);
		goto out;
	}
	*cursor = util_strdup(codec_string(m, "peer_cursor", NULL));
	if (sum != NULL) {
		s = codec_string(m, "checksum", NULL);
		snprintf(sum, 24, "%s", s ? s : "");
		*rows = count(m, "checksum_rows");
	}
out:
	json_object_put(o);
	return rc;
}

int
remote_rows(struct remote *rm, const char *table, unsigned long long *rows,
	    struct nr_err *err)
{
	json_object *o = NULL, *m;
	char path[600], query[256];
	int rc;

	*rows = 0;
	snprintf(path, sizeof(path), "%s/api/metadata", rm->prefix);
	snprintf(query, sizeof(query), "table=%s", table);
	rc = request(rm, "GET", path, query, NULL, 0, &o, err);
	if (rc == NR_OK && json_object_object_get_ex(o, "metadata", &m))
		*rows = count(m, "total_records");
	json_object_put(o);
	return rc;
}
