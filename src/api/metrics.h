/* Counters shared by every worker (one anonymous shared mapping made
 * before the workers fork), and GET /metrics in Prometheus text. */
#ifndef NR_METRICS_H
#define NR_METRICS_H

#include "api.h"
#include "http.h"

#define METRICS_ROUTES 32

/* Maps the counters; NULL when the mapping fails (metrics then off). */
struct metrics *metrics_new(void);

/* Counts one answered request of route (an index, METRICS_ROUTES - 1 for
 * unknown paths) with its status. */
void metrics_request(struct metrics *m, int route, int status);

/* Counts rows received by push, sent by pull, and conflicts found. */
void metrics_rows(struct metrics *m, unsigned long long pushed,
		  unsigned long long pulled, unsigned long long conflicts);

/* GET /metrics. */
void metrics_get(struct api *app, struct http_req *req);

/* Names the route indexes for the metrics' labels (borrowed strings). */
void metrics_route_name(int route, const char *name);

#endif
