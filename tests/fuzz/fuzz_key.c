/* schema_key_decode on any text, against each of fuzz.h's tables (text,
 * binary and mixed keys). A key that decodes has a canonical form
 * (schema_pk_canonical) that decodes to the same values and is its own
 * canonical form. */
#include "fuzz.h"

#define NTABLES 4

static struct tmeta *tables[NTABLES];

static void
check(const struct tmeta *tm, const char *text)
{
	struct qval *key = NULL, *again = NULL;
	struct nr_err err;
	char *canon, *canon2;
	size_t i;

	if (schema_key_decode(tm, text, &key, &err) != NR_OK) {
		FUZZ_CHECK(key == NULL && err.code == NR_EINVAL);
		return;
	}
	canon = schema_pk_canonical(tm, key);
	FUZZ_CHECK(schema_key_decode(tm, canon, &again, &err) == NR_OK);
	for (i = 0; i < tm->npk; i++) {
		FUZZ_CHECK(!key[i].null && !again[i].null);
		FUZZ_CHECK(key[i].binary == tm->cols[tm->pk[i]].binary);
		FUZZ_CHECK(key[i].len == again[i].len);
		FUZZ_CHECK(key[i].len == 0 ||
			   memcmp(key[i].p, again[i].p, key[i].len) == 0);
	}
	canon2 = schema_pk_canonical(tm, again);
	FUZZ_CHECK(strcmp(canon, canon2) == 0);
	free(canon);
	free(canon2);
	schema_key_values_free(key, tm->npk);
	schema_key_values_free(again, tm->npk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	size_t t;

	for (t = 0; t < NTABLES; t++) {
		if (tables[t] == NULL)
			tables[t] = fuzz_table((unsigned)t);
		check(tables[t], text);
	}
	free(text);
	return 0;
}
