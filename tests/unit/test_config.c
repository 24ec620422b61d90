/* Unit tests of config.c: the original example loads unchanged, every
 * problem is reported with its JSON path, secrets come from env and
 * files, and defaults are what the README says. */
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* A valid config into which a test splices one part. */
#define BASE_DB                                                                \
	"\"databases\": {\"master\": {\"host\": \"127.0.0.1\", \"port\": "     \
	"3306, \"user\": \"u\", \"password\": \"p\", \"database\": \"m\"}}"
#define BASE_TABLES                                                            \
	"\"replication\": {\"tables\": [{\"name\": \"users\", "                \
	"\"primaryKey\": \"id\"}]}"

static struct config_diag diag;

/* Parses text; returns the config or NULL, with diag filled. */
static struct config *
parse(const char *text)
{
	struct config *cfg = NULL;

	config_diag_free(&diag);
	if (config_parse(text, NULL, &cfg, &diag) != NR_OK)
		ck_assert_ptr_null(cfg);
	return cfg;
}

/* All diagnostic lines joined by newlines (static buffer). */
static const char *
diag_text(void)
{
	static char buf[8192];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < diag.n && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s\n",
				 diag.v[i].text);
	return buf;
}

START_TEST(original_example_loads_unchanged)
{
	struct config *cfg = NULL;
	int rc;

	config_diag_free(&diag);
	rc = config_load(TOP_SRCDIR "/examples/config.example.json", &cfg,
			 &diag);
	ck_assert_msg(rc == NR_OK, "rejected: %s", diag_text());
	/* Legacy keys pass silently; the one note is the short key. */
	ck_assert_uint_eq(diag.nerrors, 0);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert(diag.v[0].warning);
	ck_assert_str_eq(diag.v[0].text,
			 "api.keys[1]: key is shorter than 16 characters; use "
			 "\"nunezctl gen-key\" for a strong one");
	ck_assert_int_eq(cfg->mode, MODE_MASTER_SLAVE);
	ck_assert_uint_eq(cfg->nkeys, 2);
	ck_assert_str_eq(cfg->keys[0].secret, "your-api-key-here");
	ck_assert_uint_eq(cfg->keys[0].scopes,
			  SCOPE_READ | SCOPE_PULL | SCOPE_PUSH);
	ck_assert_uint_eq(cfg->nremotes, 2);
	ck_assert_ptr_nonnull(config_remote_find(cfg, "production"));
	ck_assert_int_eq(config_remote_find(cfg, "staging")->sync_mode,
			 SYNC_PULL);
	ck_assert_int_eq(config_remote_find(cfg, "production")->sync_mode,
			 SYNC_BIDIRECTIONAL);
	ck_assert_str_eq(config_remote_find(cfg, "production")->url,
			 "https://prod-server.example.com");
	ck_assert_uint_eq(cfg->ntables, 2);
	ck_assert_str_eq(cfg->tables[0].name, "users");
	ck_assert_uint_eq(cfg->tables[0].ignore.n, 2);
	ck_assert_str_eq(cfg->tables[0].ignore.v[1], "internal_notes");
	ck_assert_str_eq(cfg->tables[0].pk.v[0], "id");
	ck_assert_str_eq(cfg->tables[0].timestamp_column, "updated_at");
	ck_assert_int_eq(cfg->tables[0].strategy, STRATEGY_LAST_WRITE_WINS);
	ck_assert(cfg->has_slave);
	ck_assert_int_eq(cfg->slave.port, 3307);
	ck_assert_str_eq(cfg->master.database, "master_db");
	/* No node section: an id from host name and database. */
	ck_assert_ptr_nonnull(cfg->node_id);
	ck_assert_ptr_nonnull(strstr(cfg->node_id, "master_db"));
	ck_assert_str_eq(cfg->path, TOP_SRCDIR "/examples/config.example.json");
	config_free(cfg);
}
END_TEST

START_TEST(full_example_loads)
{
	struct config *cfg = NULL;
	int rc;

	setenv("NUNEZ_EXAMPLE_PEER_KEY", "peer-key-from-environment", 1);
	setenv("NUNEZ_EXAMPLE_SIGNING_SECRET",
	       "signing-secret-from-environment", 1);
	config_diag_free(&diag);
	rc = config_load(TOP_SRCDIR "/examples/config.full.json", &cfg, &diag);
	ck_assert_msg(rc == NR_OK, "rejected: %s", diag_text());
	ck_assert_uint_eq(diag.n, 0);
	ck_assert_int_eq(cfg->mode, MODE_MASTER_MASTER);
	ck_assert_str_eq(cfg->node_id, "hq");
	config_free(cfg);
}
END_TEST

START_TEST(defaults)
{
	struct config *cfg = parse("{" BASE_DB ", " BASE_TABLES "}");

	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert_int_eq(cfg->mode, MODE_MASTER_SLAVE);
	ck_assert(!cfg->has_slave);
	ck_assert_int_eq(cfg->node_priority, 100);
	ck_assert_int_eq(cfg->sync.batch_size, 1000);
	ck_assert_int_eq(cfg->sync.breaker_failures, 5);
	ck_assert_int_eq(cfg->sync.breaker_cooldown, 300);
	ck_assert_int_eq(cfg->sync.legacy_cursor_grace, 604800);
	ck_assert_int_eq(cfg->api.max_body, 16777216);
	ck_assert_int_eq(cfg->api.max_client_body, 4194304);
	ck_assert_int_eq(cfg->api.max_inflate_ratio, 100);
	ck_assert_int_eq(cfg->api.max_json_containers, 100000);
	ck_assert_int_eq(cfg->api.max_json_values, 1000000);
	ck_assert_int_eq(cfg->api.worker_as_mb, 1024);
	ck_assert_int_eq(cfg->sync.max_response, 33554432);
	ck_assert_int_eq(cfg->sync.max_empty_batches, 1000);
	ck_assert_int_eq(cfg->api.signature_window, 300);
	ck_assert_int_eq(cfg->api.client_skew, 300);
	ck_assert_int_eq(cfg->master.connect_timeout, 5);
	ck_assert_int_eq(cfg->tables[0].capture, CAPTURE_TRIGGER);
	ck_assert_ptr_null(cfg->tables[0].timestamp_column);
	ck_assert_uint_eq(cfg->nkeys, 0);
	config_free(cfg);
}
END_TEST

START_TEST(worker_memory_fits_the_bodies_or_is_unlimited)
{
	struct config *cfg;

	cfg = parse("{" BASE_DB ", " BASE_TABLES
		    ", \"api\": {\"maxBodyBytes\": "
		    "1073741824, \"workerAddressSpaceMB\": 0}}");
	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert_int_eq(cfg->api.worker_as_mb, 0);
	config_free(cfg);
	/* 128 MiB and four times the larger body, rounded up. */
	cfg = parse("{" BASE_DB ", " BASE_TABLES
		    ", \"api\": {\"maxBodyBytes\": "
		    "1024, \"maxClientBodyBytes\": 1048577, "
		    "\"workerAddressSpaceMB\": 133}}");
	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	config_free(cfg);
	cfg = parse("{" BASE_DB ", " BASE_TABLES
		    ", \"api\": {\"maxBodyBytes\": "
		    "1024, \"maxClientBodyBytes\": 1048577, "
		    "\"workerAddressSpaceMB\": 132}}");
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(diag_text(), "give at least 133") != NULL, "%s",
		      diag_text());
}
END_TEST

START_TEST(composite_key_and_options)
{
	struct config *cfg = parse(
	    "{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": "
	    "\"order_items\", \"primaryKey\": [\"order_id\", \"line\"], "
	    "\"conflictStrategy\": \"manual\", \"capture\": \"timestamp\","
	    " \"timestampColumn\": \"changed\", \"tenantColumn\": "
	    "\"tenant_id\", \"softDeleteColumn\": \"deleted\"}]}, "
	    "\"remoteEnvironments\": {\"dr\": {\"url\": "
	    "\"https://dr.example.com/\", \"apiKey\": \"k\", \"syncMode\": "
	    "\"push\", \"priority\": 1, \"verifyTls\": false}, \"b\": "
	    "{\"url\": \"https://b.example.com/nunez/api/\", \"apiKey\": "
	    "\"k\"}}}");

	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert_uint_eq(cfg->tables[0].pk.n, 2);
	ck_assert_str_eq(cfg->tables[0].pk.v[1], "line");
	ck_assert_int_eq(cfg->tables[0].strategy, STRATEGY_MANUAL);
	ck_assert_int_eq(cfg->tables[0].capture, CAPTURE_TIMESTAMP);
	ck_assert_str_eq(cfg->tables[0].tenant_column, "tenant_id");
	ck_assert_str_eq(config_remote_find(cfg, "dr")->url,
			 "https://dr.example.com");
	/* As /.well-known/nunez-instance publishes it: the same base. */
	ck_assert_str_eq(config_remote_find(cfg, "b")->url,
			 "https://b.example.com/nunez");
	ck_assert_int_eq(config_remote_find(cfg, "dr")->sync_mode, SYNC_PUSH);
	ck_assert(!config_remote_find(cfg, "dr")->verify_tls);
	ck_assert(config_remote_find(cfg, "dr")->sign_requests);
	config_free(cfg);
}
END_TEST

START_TEST(keys_bound_to_nodes)
{
	struct config *cfg = parse(
	    "{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": ["
	    "\"original-form-key-1\", {\"key\": \"branch-key-0123456\", "
	    "\"node\": \"branch\"}, {\"key\": \"ring-key-0123456789\", "
	    "\"node\": \"ring-b\", \"forwarder\": true}]}}");

	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert_uint_eq(diag.n, 0);
	/* The original form is bound to no node. */
	ck_assert_ptr_null(cfg->keys[0].node);
	ck_assert(!cfg->keys[0].forwarder);
	ck_assert_str_eq(cfg->keys[1].node, "branch");
	ck_assert(!cfg->keys[1].forwarder);
	ck_assert_str_eq(cfg->keys[2].node, "ring-b");
	ck_assert(cfg->keys[2].forwarder);
	ck_assert(config_own_origin(cfg, cfg->node_id));
	ck_assert(!config_own_origin(cfg, "branch"));
	config_free(cfg);
}
END_TEST

/* http:// only to loopback, or when allowed in so many words; signing
 * with a secret that is not the key, the old scheme only when asked. */
START_TEST(remote_transport_and_signing)
{
	static const char *const loopback[] = {"http://127.0.0.1:8080/nunez",
					       "http://localhost",
					       "http://LocalHost:81/",
					       "http://[::1]:8080/api",
					       "http://[::1]",
					       "http://127.255.0.9",
					       "http://user:pw@127.0.0.1/x",
					       "https://db.example.com"};
	char text[1024];
	struct config *cfg;
	size_t i;

	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		snprintf(text, sizeof(text),
			 "{" BASE_DB ", " BASE_TABLES
			 ", \"remoteEnvironments\": {\"p\": {\"url\": "
			 "\"%s\", \"apiKey\": \"k\"}}}",
			 loopback[i]);
		cfg = parse(text);
		ck_assert_msg(cfg != NULL, "%s rejected: %s", loopback[i],
			      diag_text());
		ck_assert(!cfg->remotes[0].allow_insecure);
		ck_assert_ptr_null(cfg->remotes[0].signing_secret);
		ck_assert(!cfg->remotes[0].legacy_signing);
		ck_assert(cfg->remotes[0].sign_requests);
		config_free(cfg);
	}
	cfg = parse("{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": "
		    "{\"p\": {\"url\": \"http://db.example.com\", \"apiKey\": "
		    "\"k\", \"allowInsecure\": true, \"signingSecret\": "
		    "\"signing-secret-0123456\"}, \"q\": {\"url\": "
		    "\"https://q\", \"apiKey\": \"k\", \"signRequests\": true, "
		    "\"legacySigning\": true}}, \"api\": {\"keys\": [{\"key\": "
		    "\"abcdefghijklmnopq\", \"requireSignature\": true, "
		    "\"signingSecret\": \"signing-secret-0123456\"}, {\"key\": "
		    "\"bcdefghijklmnopqr\", \"legacySigning\": true}]}}");
	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert(config_remote_find(cfg, "p")->allow_insecure);
	ck_assert_str_eq(config_remote_find(cfg, "p")->signing_secret,
			 "signing-secret-0123456");
	ck_assert(config_remote_find(cfg, "q")->legacy_signing);
	ck_assert_str_eq(cfg->keys[0].signing_secret, "signing-secret-0123456");
	ck_assert(!cfg->keys[0].legacy_signing);
	ck_assert(cfg->keys[1].legacy_signing);
	/* The old scheme is taken, and said to be weak. */
	ck_assert_uint_eq(diag.nerrors, 0);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert(diag.v[0].warning);
	ck_assert_msg(strstr(diag.v[0].text, "api.keys[1].legacySigning: "
					     "signatures keyed with the "
					     "SHA-256 of the key") != NULL,
		      "%s", diag.v[0].text);
	config_free(cfg);
}
END_TEST

START_TEST(secret_from_env_and_file)
{
	char dir[] = "/tmp/nunez-test-XXXXXX", path[128];
	struct config *cfg = NULL;
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/db.secret", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("from-a-file\n", f);
	fclose(f);
	setenv("NUNEZ_TEST_KEY", "from-the-environment-123", 1);
	config_diag_free(&diag);
	rc = config_parse(
	    "{\"databases\": {\"master\": {\"user\": \"u\", \"password\": "
	    "{\"file\": \"db.secret\"}, \"database\": \"m\"}}, " BASE_TABLES
	    ", \"api\": {\"keys\": [{\"key\": {\"env\": \"NUNEZ_TEST_KEY\"}"
	    "}]}}",
	    dir, &cfg, &diag);
	ck_assert_msg(rc == NR_OK, "rejected: %s", diag_text());
	ck_assert_str_eq(cfg->master.password, "from-a-file");
	ck_assert_str_eq(cfg->keys[0].secret, "from-the-environment-123");
	config_free(cfg);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(hashed_key_is_normalised)
{
	struct config *cfg = parse(
	    "{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
	    "\"sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789\", \"scopes\": [\"read\", \"admin\"]}]}}");

	ck_assert_msg(cfg != NULL, "rejected: %s", diag_text());
	ck_assert(cfg->keys[0].hashed);
	ck_assert_str_eq(
	    cfg->keys[0].secret,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789");
	ck_assert_uint_eq(cfg->keys[0].scopes, SCOPE_READ | SCOPE_ADMIN);
	config_free(cfg);
}
END_TEST

START_TEST(unknown_key_is_a_warning)
{
	struct config *cfg = parse("{" BASE_DB ", " BASE_TABLES
				   ", \"sync\": {\"batchSise\": 10}}");

	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(diag.nerrors, 0);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert(diag.v[0].warning);
	ck_assert_str_eq(diag.v[0].text,
			 "sync.batchSise: unknown key, ignored");
	config_free(cfg);
}
END_TEST

START_TEST(tenant_column_without_triggers_is_a_warning)
{
	struct config *cfg = parse(
	    "{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": "
	    "\"a\", \"primaryKey\": \"id\", \"capture\": \"timestamp\", "
	    "\"timestampColumn\": \"t\", \"tenantColumn\": \"tenant\"}]}}");

	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(diag.nerrors, 0);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert(diag.v[0].warning);
	ck_assert_str_eq(diag.v[0].text,
			 "replication.tables[0].tenantColumn: "
			 "offline clients (/sync) reach only tables with "
			 "capture \"trigger\"; this one is left out of /sync");
	config_free(cfg);
}
END_TEST

/* One bad config and a line its diagnostics must hold. */
struct bad {
	const char *json;
	const char *want;
};

static const struct bad bad[] = {
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"a\", "
     "\"primaryKey\": \"id\"}, {\"name\": \"b\", \"primaryKey\": 5}]}}",
     "replication.tables[1].primaryKey: expected a string or an array of "
     "strings, got an integer"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"prod\": "
     "{\"url\": \"https://p\", \"apiKey\": \"k\", \"syncMode\": "
     "\"both\"}}}",
     "remoteEnvironments.prod.syncMode: expected one of push, pull, "
     "bidirectional; got \"both\""},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"users; "
     "DROP TABLE x\", \"primaryKey\": \"id\"}]}}",
     "replication.tables[0].name: \"users; DROP TABLE x\" is not a valid "
     "identifier"},
    {"{\"mode\": \"master-master\", " BASE_DB ", " BASE_TABLES "}",
     "mode: \"master-master\" needs databases.slave"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"scopes\": [\"read\", \"root\"]}]}}",
     "api.keys[0].scopes[1]: unknown scope \"root\""},
    {"{" BASE_TABLES "}", "databases: required key is missing"},
    {"{" BASE_DB "}", "replication: required key is missing"},
    {"{\"databases\": {\"master\": {\"user\": \"u\", \"database\": \"m\", "
     "\"port\": 70000}}, " BASE_TABLES "}",
     "databases.master.port: expected an integer from 1 to 65535, got "
     "70000"},
    {"{\"databases\": {\"master\": {\"user\": \"u\"}}, " BASE_TABLES "}",
     "databases.master.database: required key is missing"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"prod\": "
     "{\"url\": \"ftp://p\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.prod.url: expected an http:// or https:// URL"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"prod\": "
     "{\"url\": \"https://p\"}}}",
     "remoteEnvironments.prod.apiKey: required key is missing"},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"a\", "
     "\"primaryKey\": \"id\", \"ignoreColumns\": [\"id\"]}]}}",
     "replication.tables[0].ignoreColumns: primary key column \"id\" "
     "cannot be ignored"},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"a\", "
     "\"primaryKey\": \"id\"}, {\"name\": \"a\", \"primaryKey\": "
     "\"id\"}]}}",
     "replication.tables[1].name: table \"a\" is configured twice"},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"a\", "
     "\"primaryKey\": \"id\", \"capture\": \"timestamp\"}]}}",
     "replication.tables[0].timestampColumn: required when capture is "
     "\"timestamp\""},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"scopes\": [\"client\"]}]}}",
     "api.keys[0]: a key with scope \"client\" needs a tenant"},
    /* A key bound to a tenant with a scope whose routes ignore the
     * tenant reaches every tenant: refused, by the key's path. */
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"scopes\": [\"client\"], \"tenant\": \"t1\"}, "
     "{\"key\": \"bcdefghijklmnopqr\", \"scopes\": [\"client\", \"read\"], "
     "\"tenant\": \"t1\"}]}}",
     "api.keys[1].scopes: a key bound to a tenant (api.keys[1].tenant) may "
     "have only the scope \"client\"; with \"read\" it would reach every "
     "tenant's rows"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"scopes\": [\"push\", \"client\", \"pull\"], "
     "\"tenant\": \"t1\"}]}}",
     "api.keys[0].scopes: a key bound to a tenant (api.keys[0].tenant) may "
     "have only the scope \"client\"; with \"pull\" and \"push\" it would "
     "reach every tenant's rows"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"scopes\": [\"client\", \"admin\", \"read\", "
     "\"pull\"], \"tenant\": \"t1\"}]}}",
     "api.keys[0].scopes: a key bound to a tenant (api.keys[0].tenant) may "
     "have only the scope \"client\"; with \"read\", \"pull\" and \"admin\" "
     "it would reach every tenant's rows"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"clientClockSkewSeconds\": "
     "-1}}",
     "api.clientClockSkewSeconds: expected an integer from 0 to 86400, got "
     "-1"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [\"sha256:"
     "1234\"]}}",
     "api.keys[0]: a stored key hash must be \"sha256:\" and 64 hex "
     "digits"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": {"
     "\"env\": \"NUNEZ_SURELY_UNSET_VARIABLE\"}}]}}",
     "api.keys[0].key: environment variable NUNEZ_SURELY_UNSET_VARIABLE "
     "is not set"},
    {"{\"databases\": {\"master\": {\"user\": \"u\", \"database\": \"m\", "
     "\"password\": {\"file\": \"/nonexistent/secret\"}}}, " BASE_TABLES "}",
     "databases.master.password: cannot open /nonexistent/secret"},
    {"{" BASE_DB ", " BASE_TABLES ", \"sync\": {\"batchSize\": \"500\"}}",
     "sync.batchSize: expected an integer, got a string"},
    {"{" BASE_DB ", " BASE_TABLES ", \"sync\": {\"batchSize\": 10001}}",
     "sync.batchSize: expected an integer from 1 to 10000"},
    {"{" BASE_DB ", " BASE_TABLES ", \"sync\": {\"batchSize\": 0}}",
     "sync.batchSize: expected an integer from 1 to 10000, got 0"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"tables\": [\"orders\"]}]}}",
     "api.keys[0].tables[0]: \"orders\" is not a replicated table"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [\"same-key-"
     "123456789\", \"same-key-123456789\"]}}",
     "api.keys[1]: the same key as api.keys[0]"},
    {"{" BASE_DB ", \"replication\": {\"tables\": {\"name\": \"a\"}}}",
     "replication.tables: expected an array, got an object"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"bad name\":"
     " {\"url\": \"https://p\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.bad name: is not a valid environment name"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"https://p\", \"apiKey\": \"sha256:0123456789abcdef0123"
     "456789abcdef0123456789abcdef0123456789abcdef\"}}}",
     "remoteEnvironments.p.apiKey: a stored hash cannot be sent"},
    {"{" BASE_DB ", " BASE_TABLES ", \"node\": {\"id\": \"a/b\"}}",
     "node.id: \"a/b\" is not a valid name"},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": "
     "\"_nunez_changelog\", \"primaryKey\": \"seq\"}]}}",
     "replication.tables[0].name: names starting with _nunez_ are "
     "reserved"},
    {"{" BASE_DB ", \"replication\": {\"tables\": [{\"name\": \"a\", "
     "\"primaryKey\": []}]}}",
     "replication.tables[0].primaryKey: must name at least one column"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"https://p\", \"apiKey\": \"k\", \"verifyTls\": "
     "\"no\"}}}",
     "remoteEnvironments.p.verifyTls: expected true or false, got a "
     "string"},
    {"{\"databases\": {\"master\": {\"user\": \"u\", \"database\": \"m\"}, "
     "\"slave\": {\"user\": \"u\", \"database\": \"m\"}}, " BASE_TABLES "}",
     "databases.slave: is the same database as databases.master"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"forwarder\": true}]}}",
     "api.keys[0].forwarder: only a key bound to a node (\"node\") "
     "forwards changes"},
    {"{" BASE_DB ", " BASE_TABLES ", \"node\": {\"id\": \"hq\"}, \"api\": "
     "{\"keys\": [{\"key\": \"abcdefghijklmnopq\", \"node\": \"hq\"}]}}",
     "api.keys[0].node: \"hq\" is this node's own id"},
    {"{" BASE_DB ", " BASE_TABLES ", \"node\": {\"id\": \"hq\"}, \"api\": "
     "{\"keys\": [{\"key\": \"abcdefghijklmnopq\", \"node\": "
     "\"hq.slave\"}]}}",
     "api.keys[0].node: \"hq.slave\" is this node's own id"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"node\": \"a b\"}]}}",
     "api.keys[0].node: \"a b\" is not a valid name"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"http://db.example.com:8080/nunez\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.p.url: http:// sends the API key and every row in "
     "the clear; use https://, a loopback host (localhost, 127.0.0.0/8, "
     "[::1]), or set allowInsecure: true"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"http://127.0.0.1.example.com/\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.p.url: http:// sends the API key"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"http://localhost.example.com\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.p.url: http:// sends the API key"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"http://127.0.0.1@evil.example.com\", \"apiKey\": "
     "\"k\"}}}",
     "remoteEnvironments.p.url: http:// sends the API key"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"http://[::2]:80\", \"apiKey\": \"k\"}}}",
     "remoteEnvironments.p.url: http:// sends the API key"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"https://p\", \"apiKey\": \"k\", \"signRequests\": "
     "true}}}",
     "remoteEnvironments.p.signRequests: signing needs signingSecret"},
    {"{" BASE_DB ", " BASE_TABLES ", \"remoteEnvironments\": {\"p\": "
     "{\"url\": \"https://p\", \"apiKey\": \"same-0123456789abcdef\", "
     "\"signingSecret\": \"same-0123456789abcdef\"}}}",
     "remoteEnvironments.p.signingSecret: must differ from apiKey"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"same-0123456789abcdef\", \"signingSecret\": "
     "\"same-0123456789abcdef\"}]}}",
     "api.keys[0].signingSecret: must differ from the key"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"keys\": [{\"key\": "
     "\"abcdefghijklmnopq\", \"requireSignature\": true}]}}",
     "api.keys[0].requireSignature: needs signingSecret (or legacySigning: "
     "true for clients of the old scheme)"},
    {"{" BASE_DB ", " BASE_TABLES ", \"sync\": {\"legacyCursorGraceSeconds\": "
     "-1}}",
     "sync.legacyCursorGraceSeconds: expected an integer from 0 to "
     "31536000, got -1"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"maxBodyBytes\": "
     "104857600, \"workerAddressSpaceMB\": 512}}",
     "api.workerAddressSpaceMB: 512 MiB is too little for bodies of "
     "104857600 bytes (api.maxBodyBytes, api.maxClientBodyBytes): give at "
     "least 528, or 0 for no limit"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"maxClientBodyBytes\": "
     "268435456, \"workerAddressSpaceMB\": 1024}}",
     "api.workerAddressSpaceMB: 1024 MiB is too little for bodies of "
     "268435456 bytes"},
    {"{" BASE_DB ", " BASE_TABLES ", \"api\": {\"maxInflateRatio\": 0}}",
     "api.maxInflateRatio: expected an integer from 1 to 100000, got 0"},
    {"{" BASE_DB ", " BASE_TABLES ", \"sync\": {\"maxResponseBytes\": "
     "1000}}",
     "sync.maxResponseBytes: expected an integer from 1048576 to "
     "1073741824, got 1000"},
    {"{" BASE_DB ", " BASE_TABLES ", } ", "invalid JSON at line 1"},
    {"[1, 2]", "expected a JSON object at the top, got an array"},
    {"{" BASE_DB ", " BASE_TABLES "} trailing",
     "invalid JSON at line 1, column 179: unexpected character"},
};

START_TEST(bad_config_is_reported_with_its_path)
{
	const struct bad *b = &bad[_i];
	struct config *cfg = parse(b->json);

	ck_assert_msg(cfg == NULL, "accepted bad config %d: %s", _i, b->json);
	ck_assert_uint_ge(diag.nerrors, 1);
	ck_assert_msg(strstr(diag_text(), b->want) != NULL,
		      "config %d: want '%s' in:\n%s", _i, b->want, diag_text());
}
END_TEST

START_TEST(all_problems_are_reported_at_once)
{
	struct config *cfg = parse(
	    "{\"mode\": \"ring\", \"databases\": {\"master\": {\"port\": "
	    "\"x\"}}, \"replication\": {\"tables\": [{\"name\": 1}]}}");

	ck_assert_ptr_null(cfg);
	ck_assert_uint_ge(diag.nerrors, 5);
	ck_assert_ptr_nonnull(strstr(diag_text(), "mode: expected one of"));
	ck_assert_ptr_nonnull(
	    strstr(diag_text(), "databases.master.port: expected an integer"));
	ck_assert_ptr_nonnull(strstr(diag_text(), "databases.master.user: "
						  "required key is missing"));
	ck_assert_ptr_nonnull(strstr(diag_text(), "replication.tables[0].name:"
						  " expected a string"));
	ck_assert_ptr_nonnull(strstr(diag_text(), "replication.tables[0]."
						  "primaryKey: required key"));
}
END_TEST

START_TEST(load_reports_missing_and_empty_files)
{
	struct config *cfg = NULL;
	char path[] = "/tmp/nunez-empty-XXXXXX";
	int fd;

	config_diag_free(&diag);
	ck_assert_int_eq(config_load("/nonexistent/config.json", &cfg, &diag),
			 NR_ECONFIG);
	ck_assert_ptr_nonnull(strstr(diag_text(), "cannot open"));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	config_diag_free(&diag);
	ck_assert_int_eq(config_load(path, &cfg, &diag), NR_ECONFIG);
	ck_assert_ptr_nonnull(strstr(diag_text(), "the file is empty"));
	unlink(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, original_example_loads_unchanged);
	tcase_add_test(tc, full_example_loads);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, composite_key_and_options);
	tcase_add_test(tc, keys_bound_to_nodes);
	tcase_add_test(tc, remote_transport_and_signing);
	tcase_add_test(tc, secret_from_env_and_file);
	tcase_add_test(tc, hashed_key_is_normalised);
	tcase_add_test(tc, unknown_key_is_a_warning);
	tcase_add_test(tc, tenant_column_without_triggers_is_a_warning);
	tcase_add_test(tc, worker_memory_fits_the_bodies_or_is_unlimited);
	tcase_add_loop_test(tc, bad_config_is_reported_with_its_path, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, all_problems_are_reported_at_once);
	tcase_add_test(tc, load_reports_missing_and_empty_files);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
