/* A remote environment's nunez-api, over libcurl: one kept-alive
 * connection, timeouts, TLS verification, gzip both ways, signed
 * requests, retries with backoff for what may pass. */
#ifndef NR_REMOTE_H
#define NR_REMOTE_H

#include "apply.h"
#include "batch.h"
#include "config.h"
#include "schema.h"

struct remote;

/* A client for r (borrowed, like cfg: both must outlive it). */
struct remote *remote_new(const struct config *cfg,
			  const struct config_remote *r);

void remote_free(struct remote *rm);

/* What a pull answered. */
struct remote_page {
	struct batch batch; /* the changes, for tm */
	char *next_cursor;  /* owned */
	char *seen;	    /* owned; NULL: the remote has none of ours */
	bool has_more;
};

/* GET /api/pull of tm's changes after cursor (NULL: from the start;
 * with resync, a copy that replaces an expired position), leaving out
 * this node's own. NR_EEXPIRED when the remote no longer holds what
 * cursor needs. On NR_OK the caller frees page with remote_page_free. */
int remote_pull(struct remote *rm, const struct tmeta *tm, const char *cursor,
		bool resync, size_t limit, struct remote_page *page,
		struct nr_err *err) NR_WUR;

void remote_page_free(struct remote_page *page);

/* Reads the answer of GET /api/pull (len bytes of JSON text, borrowed)
 * into page, as remote_pull does: its changes for tm, next_cursor, seen
 * and has_more. On NR_OK the caller frees page with remote_page_free; on
 * failure page is empty. */
int remote_page_parse(const char *body, size_t len, const struct tmeta *tm,
		      struct remote_page *page, struct nr_err *err) NR_WUR;

/* POST /api/push of b with the sync protocol; *st gets the remote's
 * counts. The remote stores cursor as this node's position only if it
 * still holds from (NULL: none yet), else NR_EMOVED. seen and cursor
 * may be NULL. A page of a resync copy says so (codec_resync). */
int remote_push(struct remote *rm, const struct batch *b, const char *seen,
		const char *from, const char *cursor, const char *batch_id,
		struct apply_stats *st, struct nr_err *err) NR_WUR;

/* GET /api/metadata: how far the remote has this node's changes of
 * table (*cursor, owned, NULL when none) and, with sum, its row count and
 * checksum. */
int remote_metadata(struct remote *rm, const char *table, char **cursor,
		    unsigned long long *rows, char sum[24],
		    struct nr_err *err) NR_WUR;

/* GET /api/metadata: the remote's row count of table (*rows), counted
 * there: for the progress of a first copy. */
int remote_rows(struct remote *rm, const char *table, unsigned long long *rows,
		struct nr_err *err) NR_WUR;

#endif
