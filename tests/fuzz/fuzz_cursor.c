/* cursor_parse on any token; a token that parses encodes to one that
 * parses to the same position. Then the gap bookkeeping (add, found,
 * covers, drop_dead, copy) driven by the input's bytes, its invariants
 * checked after each step: gaps sorted, disjoint, at most
 * CURSOR_MAX_GAPS, none above high, and the cursor still survives its
 * token. The input is the token, then optionally '\n' and the steps; a
 * token that starts with '{' is taken as the JSON inside a token and
 * base64url-encoded here, so that mutations reach the JSON. */
#include "cursor.h"
#include "fuzz.h"

/* cursor.c's longest token: a longer one is refused by design. */
#define TOKEN_MAX 65536

struct steps {
	const uint8_t *p;
	size_t n;
};

static uint64_t
take(struct steps *s, size_t bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0 && s->n > 0) {
		v = v << 8 | *s->p++;
		s->n--;
	}
	return v;
}

static void
check_gaps(const struct cursor *c)
{
	size_t i;

	FUZZ_CHECK(c->ngaps <= CURSOR_MAX_GAPS);
	for (i = 0; i < c->ngaps; i++) {
		FUZZ_CHECK(c->gaps[i].lo <= c->gaps[i].hi);
		FUZZ_CHECK(c->gaps[i].hi <= c->high);
		FUZZ_CHECK(i == 0 || c->gaps[i].lo > c->gaps[i - 1].hi);
		FUZZ_CHECK(!cursor_covers(c, c->gaps[i].lo));
		FUZZ_CHECK(!cursor_covers(c, c->gaps[i].hi));
	}
}

/* c encodes to a token that parses back to c (within the token cap). A
 * fresh cursor is never encoded: its token would be a started one. */
static void
check_token(const struct cursor *c)
{
	struct cursor d;
	struct nr_err err;
	char *token;

	if (!c->started)
		return;
	token = cursor_encode(c);
	if (strlen(token) <= TOKEN_MAX) {
		FUZZ_CHECK(cursor_parse(token, &d, &err) == NR_OK);
		FUZZ_CHECK(cursor_same(c, &d));
		cursor_clear(&d);
	}
	free(token);
}

static void
run_steps(struct cursor *c, struct steps *s)
{
	struct cursor copy = {0};
	size_t k;

	while (s->n > 0) {
		uint8_t op = (uint8_t)take(s, 1);
		uint64_t a = take(s, op & 0x80 ? 8 : 2), b = take(s, 2);
		uint64_t lo, hi;
		int64_t seen = (int64_t)take(s, 4), now;

		switch (op % 6) {
		case 0: /* seqs past high were missing: a gap, then high */
			lo = c->high + 1 + a;
			hi = lo + b;
			if (lo <= c->high || hi < lo || hi + 1 < hi)
				break;
			cursor_add_gap(c, lo, hi, seen);
			c->high = hi + 1;
			c->started = true;
			FUZZ_CHECK(c->ngaps > 0 &&
				   c->gaps[c->ngaps - 1].hi == hi);
			break;
		case 1: /* a seq of a gap was read */
			if (c->ngaps == 0)
				break;
			k = (size_t)(a % c->ngaps);
			lo = c->gaps[k].lo;
			hi = c->gaps[k].hi;
			lo += hi - lo == UINT64_MAX ? b : b % (hi - lo + 1);
			cursor_found(c, lo);
			FUZZ_CHECK(!c->started || c->snapshot || c->tombs ||
				   cursor_covers(c, lo) ||
				   c->ngaps == CURSOR_MAX_GAPS);
			break;
		case 2: /* any seq */
			cursor_found(c, a);
			break;
		case 3:
			now = seen + (int64_t)(b << 12);
			k = cursor_drop_dead(c, op & 1, (int64_t)a, now,
					     (int64_t)b << 8);
			(void)k;
			break;
		case 4:
			cursor_copy(&copy, c);
			FUZZ_CHECK(cursor_same(&copy, c));
			break;
		default:
			check_token(c);
			break;
		}
		check_gaps(c);
	}
	cursor_clear(&copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tlen = nl != NULL ? (size_t)(nl - data) : size;
	char *token = tlen > 0 && data[0] == '{'
			  ? util_b64_encode(data, tlen, true)
			  : fuzz_text(data, tlen);
	struct steps s = {nl != NULL ? nl + 1 : data,
			  nl != NULL ? size - tlen - 1 : size};
	struct cursor c;
	struct nr_err err;

	if (cursor_parse(token, &c, &err) == NR_OK) {
		check_gaps(&c);
		check_token(&c);
	} else {
		FUZZ_CHECK(c.ngaps == 0 && c.gaps == NULL &&
			   c.after_pk == NULL && !c.started);
		FUZZ_CHECK(err.code == NR_EINVAL && err.msg[0] != '\0');
	}
	run_steps(&c, &s);
	cursor_clear(&c);
	free(token);
	return 0;
}
