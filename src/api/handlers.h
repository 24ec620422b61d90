/* The endpoint handlers. Each answers with exactly one reply and never
 * exits the process. */
#ifndef NR_HANDLERS_H
#define NR_HANDLERS_H

#include "api.h"
#include "http.h"

typedef void handler_fn(struct api *app, struct http_req *req);

/* health.c */
handler_fn health_get;
handler_fn instance_get;

/* status.c */
handler_fn status_get;
handler_fn config_get;

/* push.c */
handler_fn push_post;

/* pull.c */
handler_fn pull_get;
handler_fn metadata_get;

/* ops.c */
handler_fn ops_peers;
handler_fn ops_lag;
handler_fn ops_log;
handler_fn ops_tables;
handler_fn ops_conflicts;
handler_fn ops_conflict;
handler_fn ops_resolve;
handler_fn ops_pause;
handler_fn ops_resume;
handler_fn ops_resync;

/* clients.c */
handler_fn clients_changes_post;
handler_fn clients_changes_get;
handler_fn clients_initial_get;

/* metrics.c */
handler_fn metrics_get;

#endif
