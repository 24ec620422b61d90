/* Configuration loading: a table of keys per object with type, range and
 * default, walked once; then one block of cross-checks. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define SECRET_MAX_BYTES (64 * 1024)
#define JSON_MAX_DEPTH 32
#define NAME_CHARS                                                             \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

enum ftype {
	F_STR,	  /* any non-empty string */
	F_IDENT,  /* SQL identifier */
	F_NAME,	  /* node, remote or key name */
	F_SECRET, /* string, {"env": NAME} or {"file": PATH} */
	F_INT,
	F_BOOL,
	F_ENUM,	   /* string out of choices, stored as its index */
	F_IDENTS,  /* array of identifiers */
	F_KEYCOLS, /* one identifier or an array of them */
	F_SCOPES,  /* array of scope names, stored as bits */
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	bool required;
	long min, max, def; /* F_INT range and default; F_BOOL, F_ENUM def */
	const char *sdef;   /* default of string kinds */
	const char *const *choices;
};

/* The state of one load. */
struct ctx {
	struct config_diag *diag;
	const char *base_dir;
};

static const char *const mode_names[] = {"master-slave", "master-master", NULL};
static const char *const strategy_names[] = {"last_write_wins", "primary_wins",
					     "manual", NULL};
static const char *const capture_names[] = {"trigger", "timestamp", NULL};
/* Indexed by enum sync_mode; 0 is unused. */
static const char *const sync_mode_names[] = {"", "push", "pull",
					      "bidirectional", NULL};
static const char *const level_names[] = {"debug", "info", "warn", "error",
					  NULL};
static const char *const format_names[] = {"text", "json", NULL};
static const char *const scope_names[] = {"read",  "pull",   "push",
					  "admin", "client", NULL};

static void diag_add(struct ctx *cx, bool warning, const char *path,
		     const char *fmt, ...) NR_PRINTF(4, 5);

static void
diag_add(struct ctx *cx, bool warning, const char *path, const char *fmt, ...)
{
	struct config_diag *d = cx->diag;
	char msg[768];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->v = util_realloc(d->v, (d->n + 1) * sizeof(*d->v));
	len = strlen(path) + strlen(msg) + 3;
	d->v[d->n].warning = warning;
	d->v[d->n].text = util_calloc(1, len);
	if (path[0] == '\0')
		snprintf(d->v[d->n].text, len, "%s", msg);
	else
		snprintf(d->v[d->n].text, len, "%s: %s", path, msg);
	d->n++;
	if (!warning)
		d->nerrors++;
}

#define problem(cx, path, ...) diag_add(cx, false, path, __VA_ARGS__)
#define warning(cx, path, ...) diag_add(cx, true, path, __VA_ARGS__)

static void
join_path(char *buf, size_t size, const char *path, const char *key)
{
	if (path[0] == '\0')
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", path, key);
}

static void
index_path(char *buf, size_t size, const char *path, size_t i)
{
	snprintf(buf, size, "%s[%zu]", path, i);
}

static int
choice_index(const char *const *choices, const char *s)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (choices[i][0] != '\0' && strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

static void
choices_text(const char *const *choices, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; choices[i] != NULL; i++) {
		if (choices[i][0] == '\0')
			continue;
		used += snprintf(buf + used, size - used, "%s%s",
				 used ? ", " : "", choices[i]);
		if (used >= size)
			break;
	}
}

static const char *
type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "something else";
}

/* Reads a secret given inline or as {"env": NAME} or {"file": PATH}.
 * Returns a new string or NULL after recording the problem. */
static char *
secret_value(struct ctx *cx, const char *path, json_object *v)
{
	json_object *env, *file;
	char *text = NULL, fpath[PATH_MAX];
	const char *name;
	struct nr_err err;
	size_t len;

	if (json_object_is_type(v, json_type_string)) {
		if (json_object_get_string_len(v) == 0) {
			problem(cx, path, "must not be empty");
			return NULL;
		}
		return util_strdup(json_object_get_string(v));
	}
	if (!json_object_is_type(v, json_type_object) ||
	    json_object_object_length(v) != 1)
		goto bad;
	if (json_object_object_get_ex(v, "env", &env) &&
	    json_object_is_type(env, json_type_string)) {
		name = json_object_get_string(env);
		if (getenv(name) == NULL || getenv(name)[0] == '\0') {
			problem(cx, path, "environment variable %s is not set",
				name);
			return NULL;
		}
		return util_strdup(getenv(name));
	}
	if (json_object_object_get_ex(v, "file", &file) &&
	    json_object_is_type(file, json_type_string)) {
		name = json_object_get_string(file);
		if (name[0] != '/' && cx->base_dir != NULL)
			snprintf(fpath, sizeof(fpath), "%s/%s", cx->base_dir,
				 name);
		else
			snprintf(fpath, sizeof(fpath), "%s", name);
		if (util_read_file(fpath, SECRET_MAX_BYTES, &text, &len,
				   &err) != NR_OK) {
			problem(cx, path, "%s", err.msg);
			return NULL;
		}
		while (len > 0 &&
		       (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		if (len == 0 || strlen(text) != len) {
			problem(cx, path, "file %s holds no usable secret",
				fpath);
			free(text);
			return NULL;
		}
		return text;
	}
bad:
	problem(cx, path,
		"expected a string, {\"env\": NAME} or {\"file\": PATH}, "
		"got %s",
		type_name(v));
	return NULL;
}

/* Checks one string of an identifier-like kind; returns it or NULL. */
static const char *
checked_string(struct ctx *cx, const char *path, json_object *v,
	       enum ftype type)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string)) {
		problem(cx, path, "expected a string, got %s", type_name(v));
		return NULL;
	}
	s = json_object_get_string(v);
	if (type == F_IDENT && !util_is_ident(s)) {
		problem(cx, path,
			"\"%.64s\" is not a valid identifier (letters, digits "
			"and _, not starting with a digit, at most 64)",
			s);
		return NULL;
	}
	if (type == F_NAME && !util_is_name(s)) {
		problem(cx, path,
			"\"%.64s\" is not a valid name (letters, digits, _ . -"
			", at most 64)",
			s);
		return NULL;
	}
	if (s[0] == '\0') {
		problem(cx, path, "must not be empty");
		return NULL;
	}
	return s;
}

static void
idents_value(struct ctx *cx, const char *path, json_object *v, bool one_ok,
	     struct strv *out)
{
	char p[512];
	size_t i, n;

	if (one_ok && json_object_is_type(v, json_type_string)) {
		const char *s = checked_string(cx, path, v, F_IDENT);

		if (s == NULL)
			return;
		out->v = util_calloc(1, sizeof(char *));
		out->v[0] = util_strdup(s);
		out->n = 1;
		return;
	}
	if (!json_object_is_type(v, json_type_array)) {
		problem(cx, path, "expected %s, got %s",
			one_ok ? "a string or an array of strings"
			       : "an array of strings",
			type_name(v));
		return;
	}
	n = json_object_array_length(v);
	if (one_ok && n == 0) {
		problem(cx, path, "must name at least one column");
		return;
	}
	out->v = util_calloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *s;
		size_t j;

		index_path(p, sizeof(p), path, i);
		s = checked_string(cx, p, json_object_array_get_idx(v, i),
				   F_IDENT);
		if (s == NULL)
			continue;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->v[j], s) == 0)
				break;
		if (j < out->n) {
			problem(cx, p, "\"%s\" is listed twice", s);
			continue;
		}
		out->v[out->n++] = util_strdup(s);
	}
}

static void
scopes_value(struct ctx *cx, const char *path, json_object *v, unsigned *out)
{
	char p[512], all[128];
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) == 0) {
		problem(cx, path,
			"expected a non-empty array of scopes, got %s",
			type_name(v));
		return;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		unsigned bit;

		index_path(p, sizeof(p), path, i);
		if (!json_object_is_type(s, json_type_string)) {
			problem(cx, p, "expected a string, got %s",
				type_name(s));
			continue;
		}
		bit = config_scope_parse(json_object_get_string(s));
		if (bit == 0) {
			choices_text(scope_names, all, sizeof(all));
			problem(cx, p,
				"unknown scope \"%.64s\" (expected one "
				"of %s)",
				json_object_get_string(s), all);
			continue;
		}
		*out |= bit;
	}
}

/* Stores the value v (NULL when absent) of field f into base. */
static void
field_value(struct ctx *cx, const char *path, const struct field *f,
	    json_object *v, void *base)
{
	char *at = (char *)base + f->off;
	char all[256];
	const char *s;
	int64_t i;
	int idx;

	if (v == NULL) {
		if (f->required) {
			problem(cx, path, "required key is missing");
			return;
		}
		if (f->type == F_INT || f->type == F_ENUM)
			*(int *)at = (int)f->def;
		else if (f->type == F_BOOL)
			*(bool *)at = f->def != 0;
		else if (f->type == F_STR || f->type == F_IDENT ||
			 f->type == F_NAME)
			*(char **)at = util_strdup(f->sdef);
		else if (f->type == F_SCOPES)
			*(unsigned *)at = (unsigned)f->def;
		return;
	}
	switch (f->type) {
	case F_STR:
	case F_IDENT:
	case F_NAME:
		s = checked_string(cx, path, v, f->type);
		if (s != NULL)
			*(char **)at = util_strdup(s);
		break;
	case F_SECRET:
		*(char **)at = secret_value(cx, path, v);
		break;
	case F_INT:
		if (!json_object_is_type(v, json_type_int)) {
			problem(cx, path, "expected an integer, got %s",
				type_name(v));
			break;
		}
		errno = 0;
		i = json_object_get_int64(v);
		if (errno != 0 || i < f->min || i > f->max) {
			problem(cx, path,
				"expected an integer from %ld to %ld, got %s",
				f->min, f->max, json_object_get_string(v));
			break;
		}
		*(int *)at = (int)i;
		break;
	case F_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			problem(cx, path, "expected true or false, got %s",
				type_name(v));
			break;
		}
		*(bool *)at = json_object_get_boolean(v);
		break;
	case F_ENUM:
		choices_text(f->choices, all, sizeof(all));
		if (!json_object_is_type(v, json_type_string)) {
			problem(cx, path, "expected one of %s; got %s", all,
				type_name(v));
			break;
		}
		idx = choice_index(f->choices, json_object_get_string(v));
		if (idx < 0) {
			problem(cx, path, "expected one of %s; got \"%.64s\"",
				all, json_object_get_string(v));
			break;
		}
		*(int *)at = idx;
		break;
	case F_IDENTS:
	case F_KEYCOLS:
		idents_value(cx, path, v, f->type == F_KEYCOLS,
			     (struct strv *)at);
		break;
	case F_SCOPES:
		scopes_value(cx, path, v, (unsigned *)at);
		break;
	}
}

static bool
is_listed(const char *const *list, const char *key)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/* Walks obj by the field table: stores every field, reports type and
 * range problems and keys nobody knows. Keys in skip are handled by the
 * caller; keys in legacy are accepted and ignored. */
static void
parse_object(struct ctx *cx, const char *path, json_object *obj,
	     const struct field *fields, size_t n, const char *const *skip,
	     const char *const *legacy, void *base)
{
	char p[512];
	size_t i;

	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].key, key) == 0)
				break;
		if (i < n || is_listed(skip, key) || is_listed(legacy, key))
			continue;
		join_path(p, sizeof(p), path, key);
		warning(cx, p, "unknown key, ignored");
	}
	for (i = 0; i < n; i++) {
		json_object *v = NULL;

		join_path(p, sizeof(p), path, fields[i].key);
		json_object_object_get_ex(obj, fields[i].key, &v);
		field_value(cx, p, &fields[i], v, base);
	}
}

/* Returns the object under key, NULL when absent; records a problem and
 * returns NULL when it is there but not an object. */
static json_object *
child_object(struct ctx *cx, const char *path, json_object *obj,
	     const char *key, bool required)
{
	json_object *v = NULL;
	char p[512];

	join_path(p, sizeof(p), path, key);
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required)
			problem(cx, p, "required key is missing");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_object)) {
		problem(cx, p, "expected an object, got %s", type_name(v));
		return NULL;
	}
	return v;
}

#define OFF(type, member) offsetof(type, member)
#define NF(a) (sizeof(a) / sizeof((a)[0]))

static const struct field db_fields[] = {
    {"connectTimeout", F_INT, OFF(struct config_db, connect_timeout), false, 1,
     3600, 5, NULL, NULL},
    {"database", F_IDENT, OFF(struct config_db, database), true, 0, 0, 0, NULL,
     NULL},
    {"host", F_STR, OFF(struct config_db, host), false, 0, 0, 0, "127.0.0.1",
     NULL},
    {"password", F_SECRET, OFF(struct config_db, password), false, 0, 0, 0,
     NULL, NULL},
    {"port", F_INT, OFF(struct config_db, port), false, 1, 65535, 3306, NULL,
     NULL},
    {"readTimeout", F_INT, OFF(struct config_db, read_timeout), false, 1, 86400,
     60, NULL, NULL},
    {"socket", F_STR, OFF(struct config_db, socket), false, 0, 0, 0, NULL,
     NULL},
    {"user", F_STR, OFF(struct config_db, user), true, 0, 0, 0, NULL, NULL},
    {"writeTimeout", F_INT, OFF(struct config_db, write_timeout), false, 1,
     86400, 60, NULL, NULL},
};

static const struct field table_fields[] = {
    {"capture", F_ENUM, OFF(struct config_table, capture), false, 0, 0,
     CAPTURE_TRIGGER, NULL, capture_names},
    {"conflictStrategy", F_ENUM, OFF(struct config_table, strategy), false, 0,
     0, STRATEGY_LAST_WRITE_WINS, NULL, strategy_names},
    {"ignoreColumns", F_IDENTS, OFF(struct config_table, ignore), false, 0, 0,
     0, NULL, NULL},
    {"name", F_IDENT, OFF(struct config_table, name), true, 0, 0, 0, NULL,
     NULL},
    {"primaryKey", F_KEYCOLS, OFF(struct config_table, pk), true, 0, 0, 0, NULL,
     NULL},
    {"softDeleteColumn", F_IDENT, OFF(struct config_table, soft_delete_column),
     false, 0, 0, 0, NULL, NULL},
    {"tenantColumn", F_IDENT, OFF(struct config_table, tenant_column), false, 0,
     0, 0, NULL, NULL},
    {"timestampColumn", F_IDENT, OFF(struct config_table, timestamp_column),
     false, 0, 0, 0, NULL, NULL},
};

static const struct field remote_fields[] = {
    {"allowInsecure", F_BOOL, OFF(struct config_remote, allow_insecure), false,
     0, 0, 0, NULL, NULL},
    {"apiKey", F_SECRET, OFF(struct config_remote, api_key), true, 0, 0, 0,
     NULL, NULL},
    {"caFile", F_STR, OFF(struct config_remote, ca_file), false, 0, 0, 0, NULL,
     NULL},
    {"connectTimeout", F_INT, OFF(struct config_remote, connect_timeout), false,
     1, 3600, 10, NULL, NULL},
    {"enabled", F_BOOL, OFF(struct config_remote, enabled), false, 0, 0, 1,
     NULL, NULL},
    {"legacySigning", F_BOOL, OFF(struct config_remote, legacy_signing), false,
     0, 0, 0, NULL, NULL},
    {"priority", F_INT, OFF(struct config_remote, priority), false, 1, 1000000,
     100, NULL, NULL},
    {"signRequests", F_BOOL, OFF(struct config_remote, sign_requests), false, 0,
     0, 1, NULL, NULL},
    {"signingSecret", F_SECRET, OFF(struct config_remote, signing_secret),
     false, 0, 0, 0, NULL, NULL},
    {"syncMode", F_ENUM, OFF(struct config_remote, sync_mode), false, 0, 0,
     SYNC_BIDIRECTIONAL, NULL, sync_mode_names},
    {"timeout", F_INT, OFF(struct config_remote, timeout), false, 1, 86400, 30,
     NULL, NULL},
    {"url", F_STR, OFF(struct config_remote, url), true, 0, 0, 0, NULL, NULL},
    {"verifyTls", F_BOOL, OFF(struct config_remote, verify_tls), false, 0, 0, 1,
     NULL, NULL},
};

static const struct field key_fields[] = {
    {"forwarder", F_BOOL, OFF(struct config_key, forwarder), false, 0, 0, 0,
     NULL, NULL},
    {"key", F_SECRET, OFF(struct config_key, secret), true, 0, 0, 0, NULL,
     NULL},
    {"legacySigning", F_BOOL, OFF(struct config_key, legacy_signing), false, 0,
     0, 0, NULL, NULL},
    {"name", F_NAME, OFF(struct config_key, name), false, 0, 0, 0, NULL, NULL},
    {"node", F_NAME, OFF(struct config_key, node), false, 0, 0, 0, NULL, NULL},
    {"requireSignature", F_BOOL, OFF(struct config_key, require_signature),
     false, 0, 0, 0, NULL, NULL},
    {"scopes", F_SCOPES, OFF(struct config_key, scopes), false, 0, 0,
     SCOPE_READ | SCOPE_PULL | SCOPE_PUSH, NULL, NULL},
    {"signingSecret", F_SECRET, OFF(struct config_key, signing_secret), false,
     0, 0, 0, NULL, NULL},
    {"tables", F_IDENTS, OFF(struct config_key, tables), false, 0, 0, 0, NULL,
     NULL},
    {"tenant", F_STR, OFF(struct config_key, tenant), false, 0, 0, 0, NULL,
     NULL},
};

static const struct field api_fields[] = {
    {"clientClockSkewSeconds", F_INT, OFF(struct config, api.client_skew),
     false, 0, 86400, 300, NULL, NULL},
    {"headCacheMilliseconds", F_INT, OFF(struct config, api.head_cache_ms),
     false, 0, 1000, 20, NULL, NULL},
    {"maxBodyBytes", F_INT, OFF(struct config, api.max_body), false, 1024,
     1073741824, 16777216, NULL, NULL},
    {"maxClientBodyBytes", F_INT, OFF(struct config, api.max_client_body),
     false, 1024, 1073741824, 4194304, NULL, NULL},
    {"maxInflateRatio", F_INT, OFF(struct config, api.max_inflate_ratio), false,
     1, 100000, 100, NULL, NULL},
    {"maxJsonContainers", F_INT, OFF(struct config, api.max_json_containers),
     false, 1, 100000000, 100000, NULL, NULL},
    {"maxJsonValues", F_INT, OFF(struct config, api.max_json_values), false, 1,
     100000000, 1000000, NULL, NULL},
    {"maxSlaveLagSeconds", F_INT, OFF(struct config, api.max_slave_lag), false,
     0, 86400, 5, NULL, NULL},
    {"readFromSlave", F_BOOL, OFF(struct config, api.read_from_slave), false, 0,
     0, 0, NULL, NULL},
    {"signatureWindowSeconds", F_INT, OFF(struct config, api.signature_window),
     false, 1, 3600, 300, NULL, NULL},
    {"workerAddressSpaceMB", F_INT, OFF(struct config, api.worker_as_mb), false,
     0, 1048576, 1024, NULL, NULL},
    {"workers", F_INT, OFF(struct config, api.workers), false, 1, 256, 4, NULL,
     NULL},
};

static const struct field node_fields[] = {
    {"id", F_NAME, OFF(struct config, node_id), false, 0, 0, 0, NULL, NULL},
    {"priority", F_INT, OFF(struct config, node_priority), false, 1, 1000000,
     100, NULL, NULL},
};

static const struct field sync_fields[] = {
    {"batchSize", F_INT, OFF(struct config, sync.batch_size), false, 1,
     NR_MAX_BATCH, 1000, NULL, NULL},
    {"circuitBreakerCooldownSeconds", F_INT,
     OFF(struct config, sync.breaker_cooldown), false, 1, 86400, 300, NULL,
     NULL},
    {"circuitBreakerFailures", F_INT, OFF(struct config, sync.breaker_failures),
     false, 1, 1000, 5, NULL, NULL},
    {"followIntervalSeconds", F_INT, OFF(struct config, sync.follow_interval),
     false, 1, 86400, 2, NULL, NULL},
    {"gapTimeoutSeconds", F_INT, OFF(struct config, sync.gap_timeout), false, 1,
     604800, 600, NULL, NULL},
    {"legacyCursorGraceSeconds", F_INT,
     OFF(struct config, sync.legacy_cursor_grace), false, 0, 31536000, 604800,
     NULL, NULL},
    {"maxEmptyBatches", F_INT, OFF(struct config, sync.max_empty_batches),
     false, 1, 1000000, 1000, NULL, NULL},
    {"maxResponseBytes", F_INT, OFF(struct config, sync.max_response), false,
     1048576, 1073741824, 33554432, NULL, NULL},
    {"retries", F_INT, OFF(struct config, sync.retries), false, 0, 100, 3, NULL,
     NULL},
    {"retryBackoffMs", F_INT, OFF(struct config, sync.retry_backoff_ms), false,
     0, 600000, 500, NULL, NULL},
    {"timestampOverlapSeconds", F_INT, OFF(struct config, sync.ts_overlap),
     false, 0, 86400, 60, NULL, NULL},
};

static const struct field retention_fields[] = {
    {"historyDays", F_INT, OFF(struct config, retention.history_days), false, 1,
     36500, 30, NULL, NULL},
    {"minHours", F_INT, OFF(struct config, retention.min_hours), false, 0,
     87600, 24, NULL, NULL},
    {"pauseMs", F_INT, OFF(struct config, retention.pause_ms), false, 0, 60000,
     50, NULL, NULL},
    {"peerDays", F_INT, OFF(struct config, retention.peer_days), false, 1, 3650,
     7, NULL, NULL},
    {"purgeChunk", F_INT, OFF(struct config, retention.chunk), false, 100,
     1000000, 10000, NULL, NULL},
};

static const struct field log_fields[] = {
    {"format", F_ENUM, OFF(struct config, log.format), false, 0, 0, 0, NULL,
     format_names},
    {"level", F_ENUM, OFF(struct config, log.level), false, 0, 0, LOG_INFO,
     NULL, level_names},
};

static const struct field top_fields[] = {
    {"mode", F_ENUM, OFF(struct config, mode), false, 0, 0, MODE_MASTER_SLAVE,
     NULL, mode_names},
};

/* Keys of the original NunezReplication config that we accept and do
 * not use: cron decides the interval, nginx the port. */
static const char *const top_legacy[] = {"syncInterval", "port", "demoMode",
					 NULL};
static const char *const top_objects[] = {
    "api",	   "databases", "log",	"node", "remoteEnvironments",
    "replication", "retention", "sync", NULL};
static const char *const db_legacy[] = {"stats", NULL};
static const char *const db_objects[] = {"master", "slave", NULL};
static const char *const repl_objects[] = {"tables", NULL};
static const char *const api_objects[] = {"keys", NULL};

static void
parse_db(struct ctx *cx, json_object *dbs, const char *name,
	 struct config_db *db, bool *present)
{
	json_object *o;
	char p[64];

	snprintf(p, sizeof(p), "databases.%s", name);
	o = child_object(cx, "databases", dbs, name, present == NULL);
	if (o == NULL)
		return;
	if (present != NULL)
		*present = true;
	parse_object(cx, p, o, db_fields, NF(db_fields), NULL, NULL, db);
	if (db->password == NULL)
		db->password = util_strdup("");
}

static void
parse_tables(struct ctx *cx, json_object *repl, struct config *cfg)
{
	json_object *arr = NULL;
	char p[512];
	size_t i, n;

	if (!json_object_object_get_ex(repl, "tables", &arr)) {
		problem(cx, "replication.tables", "required key is missing");
		return;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		problem(cx, "replication.tables", "expected an array, got %s",
			type_name(arr));
		return;
	}
	n = json_object_array_length(arr);
	cfg->tables = util_calloc(n, sizeof(*cfg->tables));
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(arr, i);

		index_path(p, sizeof(p), "replication.tables", i);
		if (!json_object_is_type(t, json_type_object)) {
			problem(cx, p, "expected an object, got %s",
				type_name(t));
			continue;
		}
		parse_object(cx, p, t, table_fields, NF(table_fields), NULL,
			     NULL, &cfg->tables[cfg->ntables++]);
	}
}

static void
parse_remotes(struct ctx *cx, json_object *top, struct config *cfg)
{
	json_object *o = child_object(cx, "", top, "remoteEnvironments", false);
	char p[512], q[600];
	size_t n;

	if (o == NULL)
		return;
	n = (size_t)json_object_object_length(o);
	cfg->remotes = util_calloc(n, sizeof(*cfg->remotes));
	json_object_object_foreach(o, name, val)
	{
		struct config_remote *r = &cfg->remotes[cfg->nremotes++];

		join_path(p, sizeof(p), "remoteEnvironments", name);
		r->name = util_strdup(name);
		if (!util_is_name(name))
			problem(cx, p,
				"is not a valid environment name "
				"(letters, digits, _ . -, at most 64)");
		if (!json_object_is_type(val, json_type_object)) {
			problem(cx, p, "expected an object, got %s",
				type_name(val));
			continue;
		}
		parse_object(cx, p, val, remote_fields, NF(remote_fields), NULL,
			     NULL, r);
		/* Asked for in so many words, signing needs a key to sign
		 * with; by default a remote without one goes unsigned. */
		if (json_object_object_get_ex(val, "signRequests", NULL) &&
		    r->sign_requests && r->signing_secret == NULL &&
		    !r->legacy_signing) {
			join_path(q, sizeof(q), p, "signRequests");
			problem(cx, q,
				"signing needs signingSecret (the one the "
				"remote's api.keys[] entry holds), or "
				"legacySigning: true for a remote that only "
				"knows the old scheme");
		}
	}
}

/* api.keys: plain strings (the original form: read, pull and push) or
 * objects with scopes, tenant and tables. */
static void
parse_keys(struct ctx *cx, json_object *api, struct config *cfg)
{
	json_object *arr = NULL;
	char p[512], name[32];
	size_t i, n;

	if (api == NULL || !json_object_object_get_ex(api, "keys", &arr))
		return;
	if (!json_object_is_type(arr, json_type_array)) {
		problem(cx, "api.keys", "expected an array, got %s",
			type_name(arr));
		return;
	}
	n = json_object_array_length(arr);
	cfg->keys = util_calloc(n, sizeof(*cfg->keys));
	for (i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(arr, i);
		struct config_key *key = &cfg->keys[cfg->nkeys++];

		index_path(p, sizeof(p), "api.keys", i);
		if (json_object_is_type(k, json_type_object)) {
			parse_object(cx, p, k, key_fields, NF(key_fields), NULL,
				     NULL, key);
		} else if (json_object_is_type(k, json_type_string)) {
			key->secret = secret_value(cx, p, k);
			key->scopes = SCOPE_READ | SCOPE_PULL | SCOPE_PUSH;
		} else {
			problem(cx, p, "expected a string or an object, got %s",
				type_name(k));
		}
		if (key->name == NULL) {
			snprintf(name, sizeof(name), "key%zu", i);
			key->name = util_strdup(name);
		}
	}
}

static bool
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return s[64] == '\0';
}

static bool
strv_has(const struct strv *v, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static void
check_table(struct ctx *cx, struct config *cfg, size_t i)
{
	struct config_table *t = &cfg->tables[i];
	const char *cols[] = {t->timestamp_column, t->tenant_column,
			      t->soft_delete_column};
	const char *keys[] = {"timestampColumn", "tenantColumn",
			      "softDeleteColumn"};
	char p[512], q[512];
	size_t j;

	index_path(p, sizeof(p), "replication.tables", i);
	if (t->name == NULL)
		return;
	if (strncmp(t->name, "_nunez_", 7) == 0) {
		join_path(q, sizeof(q), p, "name");
		problem(cx, q,
			"names starting with _nunez_ are reserved for "
			"the engine");
	}
	for (j = 0; j < i; j++)
		if (cfg->tables[j].name != NULL &&
		    strcmp(cfg->tables[j].name, t->name) == 0) {
			join_path(q, sizeof(q), p, "name");
			problem(cx, q,
				"table \"%s\" is configured twice "
				"(first at replication.tables[%zu])",
				t->name, j);
		}
	for (j = 0; j < t->pk.n; j++)
		if (strv_has(&t->ignore, t->pk.v[j])) {
			join_path(q, sizeof(q), p, "ignoreColumns");
			problem(cx, q,
				"primary key column \"%s\" cannot be "
				"ignored",
				t->pk.v[j]);
		}
	for (j = 0; j < NF(cols); j++)
		if (strv_has(&t->ignore, cols[j])) {
			join_path(q, sizeof(q), p, "ignoreColumns");
			problem(cx, q, "\"%s\" is the %s and cannot be ignored",
				cols[j], keys[j]);
		}
	if (t->capture == CAPTURE_TIMESTAMP && t->timestamp_column == NULL) {
		join_path(q, sizeof(q), p, "timestampColumn");
		problem(cx, q, "required when capture is \"timestamp\"");
	}
	if (t->capture == CAPTURE_TIMESTAMP && t->tenant_column != NULL) {
		join_path(q, sizeof(q), p, "tenantColumn");
		warning(cx, q,
			"offline clients (/sync) reach only tables with "
			"capture \"trigger\"; this one is left out of /sync");
	}
}

/* True when the URL (after "http://") names a loopback host:
 * localhost, 127.0.0.0/8 or [::1]. */
static bool
loopback_url(const char *rest)
{
	size_t n = strcspn(rest, "/?#"), hl, i;
	const char *at, *host = rest;
	unsigned part = 0, parts = 2; /* "127" and the one after it */
	char h[256];

	for (at = rest; at < rest + n; at++)
		if (*at == '@')
			host = at + 1;
	n -= (size_t)(host - rest);
	if (n > 0 && host[0] == '[')
		return n >= 5 && strncmp(host, "[::1]", 5) == 0 &&
		       (n == 5 || host[5] == ':');
	hl = strcspn(host, ":/?#");
	if (hl > n || hl == 0 || hl >= sizeof(h))
		return false;
	memcpy(h, host, hl);
	h[hl] = '\0';
	if (strcasecmp(h, "localhost") == 0)
		return true;
	if (strncmp(h, "127.", 4) != 0)
		return false;
	for (i = 4; h[i] != '\0'; i++) {
		if (h[i] == '.') {
			if (h[i - 1] == '.')
				return false;
			parts++;
			part = 0;
		} else if (h[i] >= '0' && h[i] <= '9') {
			part = part * 10 + (unsigned)(h[i] - '0');
			if (part > 255)
				return false;
		} else {
			return false;
		}
	}
	return parts == 4 && h[i - 1] != '.';
}

static void
check_remote(struct ctx *cx, struct config *cfg, size_t i)
{
	struct config_remote *r = &cfg->remotes[i];
	char p[512], q[512];
	size_t len;

	join_path(p, sizeof(p), "remoteEnvironments", r->name);
	if (r->url != NULL) {
		join_path(q, sizeof(q), p, "url");
		if (strncmp(r->url, "http://", 7) != 0 &&
		    strncmp(r->url, "https://", 8) != 0)
			problem(cx, q,
				"expected an http:// or https:// URL, "
				"got \"%.128s\"",
				r->url);
		len = strlen(r->url);
		while (len > 0 && r->url[len - 1] == '/')
			r->url[--len] = '\0';
		/* The form /.well-known/nunez-instance publishes ("api":
		 * ".../api") means the same base. */
		if (len >= 4 && strcmp(r->url + len - 4, "/api") == 0)
			r->url[len - 4] = '\0';
		if (strncmp(r->url, "http://", 7) == 0 &&
		    !loopback_url(r->url + 7) && !r->allow_insecure)
			problem(cx, q,
				"http:// sends the API key and every row in "
				"the clear; use https://, a loopback host "
				"(localhost, 127.0.0.0/8, [::1]), or set "
				"allowInsecure: true");
	}
	if (r->api_key != NULL && strncmp(r->api_key, "sha256:", 7) == 0) {
		join_path(q, sizeof(q), p, "apiKey");
		problem(cx, q,
			"a stored hash cannot be sent to a remote; give "
			"the key itself");
	}
	if (r->signing_secret != NULL && r->api_key != NULL &&
	    strcmp(r->signing_secret, r->api_key) == 0) {
		join_path(q, sizeof(q), p, "signingSecret");
		problem(cx, q,
			"must differ from apiKey: the key is sent with "
			"every request, the signing secret never");
	}
	if (cfg->node_id != NULL && strcmp(r->name, cfg->node_id) == 0)
		problem(cx, p, "a remote cannot have this node's own id");
}

/* The names of the scope bits in scopes, quoted and joined: "read",
 * "pull" and "push". */
static const char *
scope_list(unsigned scopes, char *buf, size_t size)
{
	size_t i, n = 0, k = 0, used = 0;

	for (i = 0; scope_names[i] != NULL; i++)
		n += (scopes >> i) & 1;
	buf[0] = '\0';
	for (i = 0; scope_names[i] != NULL && used < size; i++) {
		if (!((scopes >> i) & 1))
			continue;
		k++;
		used += (size_t)snprintf(buf + used, size - used, "%s\"%s\"",
					 k == 1	  ? ""
					 : k == n ? " and "
						  : ", ",
					 scope_names[i]);
	}
	return buf;
}

/* The node a key is bound to, and how its signatures are checked. */
static void
check_key_peer(struct ctx *cx, const struct config *cfg,
	       const struct config_key *k, const char *p)
{
	char q[600];

	if (k->node != NULL && config_own_origin(cfg, k->node)) {
		join_path(q, sizeof(q), p, "node");
		problem(cx, q,
			"\"%s\" is this node's own id; a key names the "
			"peer that holds it",
			k->node);
	}
	if (k->forwarder && k->node == NULL) {
		join_path(q, sizeof(q), p, "forwarder");
		problem(cx, q,
			"only a key bound to a node (\"node\") forwards "
			"changes");
	}
	if (k->signing_secret != NULL && !k->hashed &&
	    strcmp(k->signing_secret, k->secret) == 0) {
		join_path(q, sizeof(q), p, "signingSecret");
		problem(cx, q,
			"must differ from the key: the key is sent with "
			"every request, the signing secret never");
	} else if (k->signing_secret != NULL &&
		   strlen(k->signing_secret) < 16) {
		join_path(q, sizeof(q), p, "signingSecret");
		warning(cx, q,
			"shorter than 16 characters; use \"nunezctl "
			"gen-key\" for a strong one");
	}
	if (k->require_signature && k->signing_secret == NULL &&
	    !k->legacy_signing) {
		join_path(q, sizeof(q), p, "requireSignature");
		problem(cx, q,
			"needs signingSecret (or legacySigning: true for "
			"clients of the old scheme)");
	}
	if (k->legacy_signing) {
		join_path(q, sizeof(q), p, "legacySigning");
		warning(cx, q,
			"signatures keyed with the SHA-256 of the key are "
			"taken: anyone who saw one request can sign others; "
			"give the client signingSecret and drop this");
	}
}

static void
check_api_key(struct ctx *cx, struct config *cfg, size_t i)
{
	struct config_key *k = &cfg->keys[i];
	char p[512], q[512], sc[128];
	size_t j;

	index_path(p, sizeof(p), "api.keys", i);
	if (k->secret == NULL)
		return;
	if (strncmp(k->secret, "sha256:", 7) == 0) {
		if (!is_hex64(k->secret + 7)) {
			problem(cx, p,
				"a stored key hash must be \"sha256:\" "
				"and 64 hex digits");
		} else {
			char *hex = util_strdup(k->secret + 7);

			for (j = 0; hex[j]; j++)
				if (hex[j] >= 'A' && hex[j] <= 'F')
					hex[j] = (char)(hex[j] - 'A' + 'a');
			free(k->secret);
			k->secret = hex;
			k->hashed = true;
		}
	} else if (strlen(k->secret) < 16) {
		warning(cx, p,
			"key is shorter than 16 characters; use "
			"\"nunezctl gen-key\" for a strong one");
	}
	for (j = 0; j < i; j++) {
		struct config_key *o = &cfg->keys[j];

		if (o->secret != NULL && o->hashed == k->hashed &&
		    strcmp(o->secret, k->secret) == 0)
			problem(cx, p, "the same key as api.keys[%zu]", j);
		if (strcmp(o->name, k->name) == 0) {
			join_path(q, sizeof(q), p, "name");
			problem(cx, q, "name \"%s\" is used by api.keys[%zu]",
				k->name, j);
		}
	}
	if ((k->scopes & SCOPE_CLIENT) && k->tenant == NULL)
		problem(cx, p, "a key with scope \"client\" needs a tenant");
	if (k->tenant != NULL && !(k->scopes & SCOPE_CLIENT)) {
		join_path(q, sizeof(q), p, "tenant");
		problem(cx, q,
			"only keys with scope \"client\" are bound to a "
			"tenant");
	} else if (k->tenant != NULL && (k->scopes & ~SCOPE_CLIENT) != 0) {
		/* The other routes do not look at the tenant: such a key
		 * would reach every tenant's rows through them. */
		join_path(q, sizeof(q), p, "scopes");
		problem(cx, q,
			"a key bound to a tenant (%s.tenant) may have only "
			"the scope \"client\"; with %s it would reach "
			"every tenant's rows (only /sync looks at the "
			"tenant): give those scopes to another key",
			p,
			scope_list(k->scopes & ~SCOPE_CLIENT, sc, sizeof(sc)));
	}
	for (j = 0; j < k->tables.n; j++)
		if (config_table_find(cfg, k->tables.v[j]) == NULL) {
			snprintf(q, sizeof(q), "%s.tables[%zu]", p, j);
			problem(cx, q, "\"%s\" is not a replicated table",
				k->tables.v[j]);
		}
	check_key_peer(cx, cfg, k, p);
}

/* A worker's address space must hold what one request may take: its
 * body as read, again inflated (in a buffer up to twice that), and the
 * parsed tree; the margin is the worker's own (libraries, connections,
 * table metadata). A cap under that would turn legitimate requests into
 * allocation failures. */
#define WORKER_BASE_MB 128

static void
check_worker_memory(struct ctx *cx, struct config *cfg)
{
	long long body = cfg->api.max_body, need;

	if (cfg->api.max_client_body > body)
		body = cfg->api.max_client_body;
	need = WORKER_BASE_MB + (4 * body + (1 << 20) - 1) / (1 << 20);
	if (cfg->api.worker_as_mb == 0 || cfg->api.worker_as_mb >= need)
		return;
	problem(cx, "api.workerAddressSpaceMB",
		"%d MiB is too little for bodies of %lld bytes "
		"(api.maxBodyBytes, api.maxClientBodyBytes): give at least "
		"%lld, or 0 for no limit",
		cfg->api.worker_as_mb, body, need);
}

/* The checks that span several keys. */
static void
cross_check(struct ctx *cx, struct config *cfg)
{
	size_t i;

	check_worker_memory(cx, cfg);

	if (cfg->mode == MODE_MASTER_MASTER && !cfg->has_slave)
		problem(cx, "mode", "\"master-master\" needs databases.slave");
	if (cfg->has_slave && cfg->master.database != NULL &&
	    cfg->slave.database != NULL && cfg->master.host != NULL &&
	    cfg->slave.host != NULL &&
	    strcmp(cfg->master.host, cfg->slave.host) == 0 &&
	    cfg->master.port == cfg->slave.port &&
	    strcmp(cfg->master.database, cfg->slave.database) == 0 &&
	    cfg->master.socket == NULL && cfg->slave.socket == NULL)
		problem(cx, "databases.slave",
			"is the same database as "
			"databases.master");
	if (cfg->ntables == 0 && cx->diag->nerrors == 0)
		warning(cx, "replication.tables", "no table is replicated");
	for (i = 0; i < cfg->ntables; i++)
		check_table(cx, cfg, i);
	for (i = 0; i < cfg->nremotes; i++)
		check_remote(cx, cfg, i);
	for (i = 0; i < cfg->nkeys; i++)
		check_api_key(cx, cfg, i);
}

/* A node id when the file gives none: host name and master database,
 * stable across runs and distinct between environments on one host. */
static char *
default_node_id(const struct config *cfg)
{
	char host[256] = "localhost", id[128];
	size_t i;

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(id, sizeof(id), "%.48s-%.64s", host,
		 cfg->master.database ? cfg->master.database : "db");
	for (i = 0; id[i]; i++)
		if (strchr(NAME_CHARS, id[i]) == NULL)
			id[i] = '_';
	return util_strdup(id);
}

/* Parses the section top.name by its field table; an absent section
 * gets every default. Returns the section, NULL when absent or wrong. */
static json_object *
section(struct ctx *cx, json_object *top, const char *name,
	const struct field *fields, size_t n, const char *const *skip,
	const char *const *legacy, void *base)
{
	json_object *o = child_object(cx, "", top, name, false);
	json_object *empty;

	if (o != NULL) {
		parse_object(cx, name, o, fields, n, skip, legacy, base);
		return o;
	}
	empty = json_object_new_object();
	parse_object(cx, name, empty, fields, n, NULL, NULL, base);
	json_object_put(empty);
	return NULL;
}

static void
parse_top(struct ctx *cx, json_object *top, struct config *cfg)
{
	json_object *o;

	parse_object(cx, "", top, top_fields, NF(top_fields), top_objects,
		     top_legacy, cfg);
	section(cx, top, "node", node_fields, NF(node_fields), NULL, NULL, cfg);
	section(cx, top, "sync", sync_fields, NF(sync_fields), NULL, NULL, cfg);
	section(cx, top, "log", log_fields, NF(log_fields), NULL, NULL, cfg);
	section(cx, top, "retention", retention_fields, NF(retention_fields),
		NULL, NULL, cfg);
	o = section(cx, top, "api", api_fields, NF(api_fields), api_objects,
		    NULL, cfg);
	parse_keys(cx, o, cfg);

	o = child_object(cx, "", top, "databases", true);
	if (o != NULL) {
		parse_object(cx, "databases", o, NULL, 0, db_objects, db_legacy,
			     cfg);
		parse_db(cx, o, "master", &cfg->master, NULL);
		parse_db(cx, o, "slave", &cfg->slave, &cfg->has_slave);
	}
	o = child_object(cx, "", top, "replication", true);
	if (o != NULL) {
		parse_object(cx, "replication", o, NULL, 0, repl_objects, NULL,
			     cfg);
		parse_tables(cx, o, cfg);
	}
	parse_remotes(cx, top, cfg);
}

static void
json_error_position(const char *text, size_t offset, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int
config_parse(const char *text, const char *base_dir, struct config **out,
	     struct config_diag *diag)
{
	struct ctx cx = {diag, base_dir};
	struct json_tokener *tok = NULL;
	json_object *top = NULL;
	struct config *cfg = NULL;
	size_t len = strlen(text);
	int line, col, rc = NR_ECONFIG;

	*out = NULL;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (tok == NULL)
		goto out;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	top = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    top == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			e = json_tokener_error_parse_eof;
		json_error_position(text, json_tokener_get_parse_end(tok),
				    &line, &col);
		problem(&cx, "", "invalid JSON at line %d, column %d: %s", line,
			col, json_tokener_error_desc(e));
		goto out;
	}
	if (!json_object_is_type(top, json_type_object)) {
		problem(&cx, "",
			"expected a JSON object at the top, got "
			"%s",
			type_name(top));
		goto out;
	}
	cfg = util_calloc(1, sizeof(*cfg));
	parse_top(&cx, top, cfg);
	if (cfg->node_id == NULL) {
		cfg->node_id = default_node_id(cfg);
		cfg->node_id_derived = true;
	}
	cross_check(&cx, cfg);
	if (diag->nerrors == 0) {
		*out = cfg;
		cfg = NULL;
		rc = NR_OK;
	}
out:
	config_free(cfg);
	json_object_put(top);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

int
config_load(const char *path, struct config **out, struct config_diag *diag)
{
	struct ctx cx = {diag, NULL};
	char *text = NULL, *dir = NULL, *slash;
	struct nr_err err;
	int rc;

	*out = NULL;
	rc = util_read_file(path, CONFIG_MAX_BYTES, &text, NULL, &err);
	if (rc != NR_OK) {
		problem(&cx, "", "%s", err.msg);
		rc = NR_ECONFIG;
		goto out;
	}
	if (strlen(text) == 0) {
		problem(&cx, "", "the file is empty");
		rc = NR_ECONFIG;
		goto out;
	}
	dir = util_strdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	rc = config_parse(text, slash != NULL ? dir : NULL, out, diag);
	if (rc == NR_OK)
		(*out)->path = util_strdup(path);
out:
	free(text);
	free(dir);
	return rc;
}

static void
config_db_free(struct config_db *db)
{
	free(db->host);
	free(db->socket);
	free(db->user);
	free(db->password);
	free(db->database);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->node_id);
	config_db_free(&cfg->master);
	config_db_free(&cfg->slave);
	for (i = 0; i < cfg->ntables; i++) {
		struct config_table *t = &cfg->tables[i];

		free(t->name);
		util_strv_free(t->pk.v, t->pk.n);
		util_strv_free(t->ignore.v, t->ignore.n);
		free(t->timestamp_column);
		free(t->tenant_column);
		free(t->soft_delete_column);
	}
	free(cfg->tables);
	for (i = 0; i < cfg->nremotes; i++) {
		struct config_remote *r = &cfg->remotes[i];

		free(r->name);
		free(r->url);
		free(r->api_key);
		free(r->ca_file);
		free(r->signing_secret);
	}
	free(cfg->remotes);
	for (i = 0; i < cfg->nkeys; i++) {
		struct config_key *k = &cfg->keys[i];

		free(k->name);
		free(k->secret);
		free(k->tenant);
		free(k->node);
		free(k->signing_secret);
		util_strv_free(k->tables.v, k->tables.n);
	}
	free(cfg->keys);
	free(cfg);
}

void
config_diag_print(const struct config_diag *diag, const char *name, FILE *f)
{
	size_t i;

	for (i = 0; i < diag->n; i++)
		fprintf(f, "%s: %s%s\n", name,
			diag->v[i].warning ? "warning: " : "", diag->v[i].text);
}

void
config_diag_free(struct config_diag *diag)
{
	size_t i;

	if (diag == NULL)
		return;
	for (i = 0; i < diag->n; i++)
		free(diag->v[i].text);
	free(diag->v);
	diag->v = NULL;
	diag->n = 0;
	diag->nerrors = 0;
}

const struct config_table *
config_table_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntables; i++)
		if (cfg->tables[i].name != NULL &&
		    strcmp(cfg->tables[i].name, name) == 0)
			return &cfg->tables[i];
	return NULL;
}

const struct config_remote *
config_remote_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nremotes; i++)
		if (strcmp(cfg->remotes[i].name, name) == 0)
			return &cfg->remotes[i];
	return NULL;
}

const char *
config_mode_name(int mode)
{
	return mode_names[mode == MODE_MASTER_MASTER];
}

const char *
config_sync_mode_name(int mode)
{
	return mode >= SYNC_PUSH && mode <= SYNC_BIDIRECTIONAL
		   ? sync_mode_names[mode]
		   : "none";
}

const char *
config_strategy_name(int strategy)
{
	return strategy >= 0 && strategy <= STRATEGY_MANUAL
		   ? strategy_names[strategy]
		   : "unknown";
}

const char *
config_capture_name(int capture)
{
	return capture_names[capture == CAPTURE_TIMESTAMP];
}

bool
config_own_origin(const struct config *cfg, const char *origin)
{
	size_t n = strlen(cfg->node_id);

	return strncmp(origin, cfg->node_id, n) == 0 &&
	       (origin[n] == '\0' || strcmp(origin + n, ".slave") == 0);
}

unsigned
config_scope_parse(const char *s)
{
	int i = choice_index(scope_names, s);

	return i < 0 ? 0 : 1u << i;
}
