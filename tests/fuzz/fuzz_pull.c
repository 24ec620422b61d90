/* remote_page_parse on any answer of GET /api/pull, against each of
 * fuzz.h's tables: a page that parses has a next_cursor and a batch of
 * the table's columns, and is freed whole; one that does not is empty. */
#include "fuzz.h"
#include "remote.h"

#define NTABLES 4

static struct tmeta *tables[NTABLES];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct remote_page page;
	struct nr_err err;
	size_t t, i;

	for (t = 0; t < NTABLES; t++) {
		if (tables[t] == NULL)
			tables[t] = fuzz_table((unsigned)t);
		if (remote_page_parse((const char *)data, size, tables[t],
				      &page, &err) != NR_OK) {
			/* NR_EINVAL: a next_cursor that is not one. */
			FUZZ_CHECK(
			    (err.code == NR_EIO || err.code == NR_EINVAL) &&
			    err.msg[0] != '\0');
			FUZZ_CHECK(page.next_cursor == NULL &&
				   page.batch.n == 0 && page.batch.v == NULL);
			continue;
		}
		FUZZ_CHECK(page.next_cursor != NULL);
		FUZZ_CHECK(batch_matches(&page.batch, tables[t]));
		for (i = 0; i < page.batch.n; i++)
			FUZZ_CHECK(page.batch.v[i].pk != NULL);
		remote_page_free(&page);
	}
	return 0;
}
