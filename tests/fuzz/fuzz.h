/* What the fuzz targets share: the input as a C string, a check that
 * aborts (a finding) when a property fails, and tables as schema_load
 * would describe them, built by hand. */
#ifndef NR_FUZZ_H
#define NR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: abort, which libFuzzer reports as a crash
 * with the input that broke it. */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/* The n bytes of data as a new NUL-terminated string (the caller frees);
 * the string ends at the first NUL byte, as one from a C caller would. */
static inline char *
fuzz_text(const uint8_t *data, size_t n)
{
	char *s = util_calloc(1, n + 1);

	if (n > 0)
		memcpy(s, data, n);
	return s;
}

struct fuzz_col {
	const char *name;
	const char *type;
	int binary;
};

/* A config with the server's default JSON budgets, for
 * http_json_body. */
static inline const struct config *
fuzz_config(void)
{
	static struct config cfg;

	cfg.api.max_json_containers = 100000;
	cfg.api.max_json_values = 1000000;
	return &cfg;
}

static char fuzz_secret[] = "secret";
static char *fuzz_ignore[] = {fuzz_secret};

/* Table variant v (0-3): the key is text, binary, text and binary, or
 * binary, text and text; every table has a tenant column (shop), a
 * timestamp column (updated_at) and an ignored column (secret). The
 * caller frees it with schema_free. */
static inline struct tmeta *
fuzz_table(unsigned v)
{
	static const struct config_table conf = {.name = "items",
						 .ignore = {fuzz_ignore, 1}};
	static const struct fuzz_col cols[] = {
	    {"shop", "varchar", 0},   {"id", "int", 0},
	    {"code", "varbinary", 1}, {"name", "varchar", 0},
	    {"data", "blob", 1},      {"updated_at", "datetime", 0},
	    {"uuid", "binary", 1},
	};
	static const size_t keys[4][3] = {{1}, {6}, {3, 2}, {2, 0, 1}};
	static const size_t nkeys[4] = {1, 1, 2, 3};
	struct tmeta *tm = util_calloc(1, sizeof(*tm));
	size_t i, n = sizeof(cols) / sizeof(cols[0]);

	v %= 4;
	tm->conf = &conf;
	tm->name = util_strdup(conf.name);
	tm->cols = util_calloc(n, sizeof(*tm->cols));
	for (i = 0; i < n; i++) {
		tm->cols[i].name = util_strdup(cols[i].name);
		tm->cols[i].type = util_strdup(cols[i].type);
		tm->cols[i].binary = cols[i].binary;
		tm->cols[i].text = !cols[i].binary;
	}
	tm->ncols = n;
	tm->npk = nkeys[v];
	tm->pk = util_calloc(tm->npk, sizeof(*tm->pk));
	memcpy(tm->pk, keys[v], tm->npk * sizeof(*tm->pk));
	tm->ts = 5;
	tm->tenant = 0;
	return tm;
}

#endif
