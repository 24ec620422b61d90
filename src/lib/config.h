/* The configuration: one JSON file, loaded and checked once. A config is
 * either loaded whole and valid, or not at all. */
#ifndef NR_CONFIG_H
#define NR_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "nr.h"

enum config_mode { MODE_MASTER_SLAVE, MODE_MASTER_MASTER };

/* A bit set: bidirectional is push | pull. */
enum sync_mode { SYNC_PUSH = 1, SYNC_PULL = 2, SYNC_BIDIRECTIONAL = 3 };

enum conflict_strategy {
	STRATEGY_LAST_WRITE_WINS,
	STRATEGY_PRIMARY_WINS,
	STRATEGY_MANUAL
};

enum capture { CAPTURE_TRIGGER, CAPTURE_TIMESTAMP };

enum scope {
	SCOPE_READ = 1,
	SCOPE_PULL = 2,
	SCOPE_PUSH = 4,
	SCOPE_ADMIN = 8,
	SCOPE_CLIENT = 16
};

/* A counted list of strings, owned by the struct it is in. */
struct strv {
	char **v;
	size_t n;
};

struct config_db {
	char *host;
	int port;
	char *socket; /* unix socket path, or NULL */
	char *user;
	char *password;
	char *database;
	int connect_timeout; /* seconds */
	int read_timeout;
	int write_timeout;
};

struct config_table {
	char *name;
	struct strv pk;		/* primary key columns, in key order */
	char *timestamp_column; /* NULL when not configured */
	struct strv ignore;	/* columns never replicated */
	int strategy;		/* enum conflict_strategy */
	int capture;		/* enum capture */
	char *tenant_column;
	char *soft_delete_column;
};

struct config_remote {
	char *name;
	char *url; /* base URL, no trailing slash */
	char *api_key;
	int sync_mode; /* enum sync_mode */
	int timeout;   /* seconds, whole request */
	int connect_timeout;
	int priority; /* 1 is the primary */
	char *ca_file;
	bool verify_tls;
	bool sign_requests;   /* sign when there is a key to sign with */
	char *signing_secret; /* the HMAC key of signatures; never sent */
	bool legacy_signing;  /* without one, sign with the hex SHA-256 of
			       * api_key (the old scheme) */
	bool allow_insecure;  /* http:// to a host not on loopback */
	bool enabled;
};

struct config_key {
	char *name;
	char *secret; /* the key, or its SHA-256 in hex if hashed */
	bool hashed;
	char hash[65];	    /* its SHA-256 in hex once auth_hash_keys
			     * ran, else empty */
	unsigned scopes;    /* enum scope bits */
	char *tenant;	    /* NULL unless bound to a tenant */
	struct strv tables; /* empty: every configured table */
	bool require_signature;
	char *node;	      /* the node the key's holder is; NULL: the key
			       * cannot act as a node (push changes, pull or
			       * read positions with node=) */
	bool forwarder;	      /* may push changes others wrote (rings,
			       * chains, meshes) */
	char *signing_secret; /* checks signatures; never sent */
	bool legacy_signing;  /* also takes signatures keyed with the hex
			       * SHA-256 of the key (the old scheme) */
};

struct config {
	char *path;
	int mode; /* enum config_mode */
	char *node_id;
	bool node_id_derived; /* node.id not given: host-database */
	int node_priority;
	struct config_db master;
	struct config_db slave;
	bool has_slave;
	struct config_table *tables;
	size_t ntables;
	struct config_remote *remotes;
	size_t nremotes;
	struct config_key *keys;
	size_t nkeys;
	struct {
		int max_body;	     /* bytes, /api and the rest */
		int max_client_body; /* bytes, /sync */
		int max_inflate_ratio;
		int max_json_containers;
		int max_json_values;
		int worker_as_mb; /* RLIMIT_AS of a worker; 0: none */
		int head_cache_ms;
		int workers;
		bool read_from_slave;
		int max_slave_lag;
		int signature_window;
		int client_skew; /* seconds a /sync change's updated_at
				  * may be ahead of the server's clock */
	} api;
	struct {
		int batch_size;
		int retries;
		int retry_backoff_ms;
		int breaker_failures;
		int breaker_cooldown;
		int follow_interval;
		int gap_timeout;
		int ts_overlap;
		int legacy_cursor_grace; /* seconds after the upgrade that
					  * sealed cursor tokens */
		int max_response;	 /* bytes of a remote's answer */
		int max_empty_batches;	 /* in a row, with more to come */
	} sync;
	struct {
		int peer_days;	  /* a peer not heard from for longer no
				   * longer holds the changelog back */
		int min_hours;	  /* changelog entries younger are kept */
		int history_days; /* sync log and decided conflicts */
		int chunk;	  /* entries one purge statement removes */
		int pause_ms;	  /* between two such statements */
	} retention;
	struct {
		int level;  /* enum log_level */
		int format; /* 0 text, 1 json */
	} log;
};

/* What a load found wrong (errors) or worth saying (warnings). Each line
 * starts with the JSON path it concerns. */
struct config_diag {
	struct config_diag_line {
		bool warning;
		char *text;
	} * v;
	size_t n;
	size_t nerrors;
};

/* Loads and checks the file at path. On NR_OK *out is a new config the
 * caller frees with config_free; otherwise *out is NULL and diag (caller
 * owned, zeroed before the first use) holds one line per problem. */
int config_load(const char *path, struct config **out,
		struct config_diag *diag) NR_WUR;

/* As config_load, from text; base_dir resolves relative {"file": ...}
 * secrets and may be NULL for the working directory. */
int config_parse(const char *text, const char *base_dir, struct config **out,
		 struct config_diag *diag) NR_WUR;

void config_free(struct config *cfg);

/* Prints every line as "name: line" to f, errors and warnings alike. */
void config_diag_print(const struct config_diag *diag, const char *name,
		       FILE *f);

void config_diag_free(struct config_diag *diag);

/* Lookups; NULL when absent. The result is borrowed from cfg. */
const struct config_table *config_table_find(const struct config *cfg,
					     const char *name);
const struct config_remote *config_remote_find(const struct config *cfg,
					       const char *name);

/* Names as written in the file. */
const char *config_mode_name(int mode);
const char *config_sync_mode_name(int mode);
const char *config_strategy_name(int strategy);
const char *config_capture_name(int capture);

/* True when origin is this node or its slave ("<node id>.slave"). */
bool config_own_origin(const struct config *cfg, const char *origin);

/* Parses a scope name; 0 when unknown. */
unsigned config_scope_parse(const char *s);

#endif
