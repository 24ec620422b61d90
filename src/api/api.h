/* What one nunez-api worker holds, and the helpers its handlers share. */
#ifndef NR_API_H
#define NR_API_H

#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "cursor.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "schema.h"

struct headcache;
struct metrics;

struct api {
	struct config *cfg;	 /* owned by main */
	struct db *master;	 /* owned by the worker */
	struct db *slave;	 /* NULL without a slave */
	struct tmeta **tms;	 /* per configured table, loaded on use
				  * and again when its columns change */
	struct metrics *metrics; /* shared by every worker */
	struct headcache *heads; /* shared by every worker */
	time_t slave_checked;	 /* when the slave's lag was last read */
	bool slave_fresh;	 /* ... and whether it was within the bound */
	struct cursor_key ckey;	 /* seals this node's cursor tokens ... */
	bool ckey_loaded;	 /* ... once read */
};

/* As api_table, for a handler about to read or write rows: a table
 * whose columns changed since it was read (a schema change, noticed
 * without a reload) is read again first. name must not be the returned
 * metadata's own (it may be freed). */
const struct tmeta *api_table_rows(struct api *app, struct http_req *req,
				   const char *name);

/* The metadata of the table a request names, checked: configured (else
 * 400), allowed to the request's key (else 403), readable (else 503).
 * Replies and returns NULL on failure. Borrowed from app. */
const struct tmeta *api_table(struct api *app, struct http_req *req,
			      const char *name);

/* The key that seals this node's cursor tokens, read once per worker
 * (meta_cursor_key). Replies 5xx and returns NULL when it cannot be
 * read. Borrowed from app. */
const struct cursor_key *api_cursor_key(struct api *app, struct http_req *req);

/* Opens a cursor token from the request (cursor_open, now): true, or
 * false after replying 400 bad_cursor naming what (e.g. "cursor"), or
 * 409 cursor_expired (api_expired). */
/* Replies 409 cursor_expired with err's reason: the position needs
 * what this node's changelog no longer holds. */
void api_expired(struct http_req *req, const struct nr_err *err);

bool api_open_cursor(struct api *app, struct http_req *req, const char *what,
		     const char *token, struct cursor *c);

/* Replies to a database failure: 503 when it is unreachable, 500
 * otherwise (the message is logged, not sent). */
void api_db_error(struct http_req *req, const struct nr_err *err);

/* As api_db_error, for a write to table (NULL: unknown). A foreign key
 * refusal is answered without the server's text, naming table: 409
 * foreign_key when rows refer to a row deleted, 400 foreign_key when a
 * row refers to one that does not exist. */
void api_db_error_in(struct http_req *req, const struct nr_err *err,
		     const char *table);

/* Replies to a bad request from err: 413 when too big or when it needs
 * more memory than the worker may have, 400 otherwise. */
void api_bad_request(struct http_req *req, const struct nr_err *err);

/* Reads and parses the JSON body, replying 400 or 413 (over a byte
 * cap, a JSON budget, or memory) on failure. */
json_object *api_json_body(struct api *app, struct http_req *req);

/* The node id of the caller: ?node= or the body's "node", checked; NULL
 * when not given. Replies 400 and sets *bad when malformed, 403 when the
 * key is not bound to that node (api.keys[].node): a key speaks for its
 * own node only. */
const char *api_caller_node(struct http_req *req, const char *given, bool *bad);

/* ?limit=, 1..max, dflt when absent; -1 after replying 400. */
long api_limit(struct http_req *req, long dflt, long max);

/* {"peer" (with_peer), "table", "rowsApplied", "lastSync", "lagSeconds"}
 * of row r of a result whose columns are peer, table, rows applied,
 * last sync and lag in seconds. A new object the caller puts. */
json_object *api_arrival(const struct qres *res, size_t r, bool with_peer);

/* A JSON string, or null for NULL. */
json_object *api_str(const char *s);

/* The database plain reads may use: the slave when api.readFromSlave is
 * set and its lag is within api.maxSlaveLagSeconds (a native replica's
 * Seconds_Behind_Master, or the age of its last sync from the master),
 * checked at most once a second; else the master. Borrowed. */
struct db *api_read_db(struct api *app);

/* Frees what the worker's app holds (not cfg). */
void api_free(struct api *app);

#endif
