/* The integration harness from C, over harness.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct harness {
	char dir[256];
	char script[512];
	char **kv;	/* "KEY=value" lines of harness.env */
	size_t n;
};

static const char *
script_path(char *buf, size_t size)
{
	const char *src = getenv("NR_SRCDIR");

	snprintf(buf, size, "%s/tests/it/harness.sh", src ? src : ".");
	return buf;
}

static int
read_env(struct harness *h)
{
	char path[300], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/harness.env", h->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		h->kv = realloc(h->kv, (h->n + 1) * sizeof(char *));
		h->kv[h->n++] = strdup(line);
	}
	fclose(f);
	return 0;
}

struct harness *
harness_up(int nenv, const char *extra)
{
	struct harness *h = calloc(1, sizeof(*h));
	char cmd[1024];
	const char *tmp = getenv("TMPDIR");

	snprintf(h->dir, sizeof(h->dir), "%s/nunez-itc.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (mkdtemp(h->dir) == NULL) {
		perror("mkdtemp");
		free(h);
		return NULL;
	}
	script_path(h->script, sizeof(h->script));
	snprintf(cmd, sizeof(cmd), "bash '%s' up '%s' %d %s", h->script,
		 h->dir, nenv, extra ? extra : "");
	if (system(cmd) != 0 || read_env(h) != 0) {
		fprintf(stderr, "harness: '%s' failed\n", cmd);
		harness_down(h);
		return NULL;
	}
	return h;
}

const char *
harness_get(const struct harness *h, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < h->n; i++)
		if (strncmp(h->kv[i], key, n) == 0 && h->kv[i][n] == '=')
			return h->kv[i] + n + 1;
	return NULL;
}

int
harness_down(struct harness *h)
{
	char cmd[1024];
	size_t i;
	int rc;

	if (h == NULL)
		return 0;
	snprintf(cmd, sizeof(cmd), "bash '%s' down '%s' && rm -rf '%s'",
		 h->script, h->dir, h->dir);
	rc = system(cmd);
	for (i = 0; i < h->n; i++)
		free(h->kv[i]);
	free(h->kv);
	free(h);
	return rc == 0 ? 0 : -1;
}
