/* A reader's position in a peer's changelog for one table. Not one
 * number: seqs become visible at commit, not in order, so a cursor is
 * {high, gaps}: every seq <= high was delivered except those in gaps,
 * which were missing when read and are read again until they appear or
 * are known dead. A cursor may also be in the middle of the first copy
 * of the table (snapshot). Opaque to clients: a base64url token, sealed
 * with a MAC by the node whose changelog it reads, which checks the MAC
 * when the token comes back from outside. */
#ifndef NR_CURSOR_H
#define NR_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "nr.h"

#define CURSOR_MAX_GAPS 512

struct gap {
	uint64_t lo, hi; /* missing seqs lo..hi */
	int64_t seen;	 /* server time (us since the epoch) first seen */
};

struct cursor {
	bool started;	/* false: nothing read yet */
	bool snapshot;	/* copying the table, after after_pk */
	bool tombs;	/* after the copy: deletes at or below high
			 * of keys the table lacks, after after_pk */
	bool resync;	/* the copy replaces a position that expired:
			 * its pages say so (batch.resync) */
	char *after_pk; /* last key copied; NULL before the first */
	uint64_t high;
	struct gap *gaps; /* sorted, disjoint */
	size_t ngaps;
	/* Tables captured by timestamp: the position (after_ts, after_pk)
	 * and the latest time seen, from which each run steps back by the
	 * overlap window. */
	char *after_ts;
	char *mark_ts;
	/* The epoch of the changelog the position is in (see
	 * cursor_key); NULL in tokens made before epochs. */
	char *epoch;
};

#define CURSOR_KEY_BYTES 32

/* What seals a node's tokens, and which unsealed tokens (written before
 * tokens were sealed) it still takes from outside. */
struct cursor_key {
	unsigned char k[CURSOR_KEY_BYTES];
	/* The epoch of this node's changelog: a random id made when the
	 * changelog was made, and again after a restore. Sealed tokens
	 * carry it; a position of another epoch is in another log. */
	char epoch[33];
	/* An unsealed token is taken before legacy_until (unix seconds; 0:
	 * never) if its high is at most legacy_high and its gaps were seen
	 * at or before legacy_seen (us): a position from before the
	 * upgrade that sealed tokens. */
	int64_t legacy_until;
	uint64_t legacy_high;
	int64_t legacy_seen;
};

/* Parses a token's structure; NULL or "" gives a fresh cursor. A seal is
 * allowed and not checked: for tokens this node stored itself, and for
 * positions it keeps for a peer and only compares or hands back. On
 * failure c is fresh and err says why. c's contents are the caller's
 * (cursor_clear). */
int cursor_parse(const char *token, struct cursor *c,
		 struct nr_err *err) NR_WUR;

/* Parses a token that came from outside (a peer, a client, a remote's
 * answer) to read key's node's changelog with: it must be sealed with
 * key, or be an unsealed token key's legacy rule takes at now (unix
 * seconds). NULL or "" gives a fresh cursor. NR_EINVAL when forged,
 * altered, another node's or malformed; NR_EREWOUND when of another
 * epoch (cursor_epoch_ok); c as cursor_parse. */
int cursor_open(const char *token, const struct cursor_key *key, int64_t now,
		struct cursor *c, struct nr_err *err) NR_WUR;

/* NR_OK when c is a position in key's current changelog: fresh, or of
 * its epoch, or from before epochs; else NR_EREWOUND saying so. */
int cursor_epoch_ok(const struct cursor *c, const struct cursor_key *key,
		    struct nr_err *err) NR_WUR;

/* The unsealed token of c; a new string the caller frees. */
char *cursor_encode(const struct cursor *c);

/* The token of c sealed with key: cursor_encode's text with key's
 * epoch, ".", and the base64url HMAC-SHA256 of that text. A new string
 * the caller frees. */
char *cursor_seal(const struct cursor *c, const struct cursor_key *key);

/* Frees what c holds and makes it fresh. */
void cursor_clear(struct cursor *c);

/* Makes dst (cleared first) a deep copy of src. */
void cursor_copy(struct cursor *dst, const struct cursor *src);

/* True when a and b are the same position. */
bool cursor_same(const struct cursor *a, const struct cursor *b);

/* True when seq was delivered: seq <= high and in no gap. */
bool cursor_covers(const struct cursor *c, uint64_t seq);

/* Records lo..hi (above every gap) as missing, first seen at seen. Past
 * CURSOR_MAX_GAPS the closest gaps merge: re-reading delivered seqs is
 * harmless, losing one is not. */
void cursor_add_gap(struct cursor *c, uint64_t lo, uint64_t hi, int64_t seen);

/* Removes seq, now read, from the gaps. */
void cursor_found(struct cursor *c, uint64_t seq);

/* A gap younger than this (us) at now is never dead: a margin for the
 * view of open transactions (information_schema.INNODB_TRX, a cache in
 * InnoDB) and for a transaction that took a seq a moment before its
 * row was written. */
#define CURSOR_GAP_SETTLE_US 500000

/* Drops the gaps that can no longer fill: those first seen before the
 * oldest transaction still open began (oldest_open: us, INT64_MAX when
 * none is open) or, when open transactions cannot be known (trx_known
 * false), those older than timeout_us before now; never one younger
 * than CURSOR_GAP_SETTLE_US. now is the server's time when the open
 * transactions were looked at. The caller must have read every seq of
 * the gaps in a snapshot opened after that look (DESIGN: gaps). Returns
 * how many. */
size_t cursor_drop_dead(struct cursor *c, bool trx_known, int64_t oldest_open,
			int64_t now, int64_t timeout_us);

#endif
