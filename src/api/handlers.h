/* The endpoint handlers. Each answers with exactly one reply and never
 * exits the process. */
#ifndef NR_HANDLERS_H
#define NR_HANDLERS_H

#include "api.h"
#include "http.h"

typedef void handler_fn(struct api *app, struct http_req *req);

/* health.c */
handler_fn health_get;

/* status.c */
handler_fn status_get;

#endif
