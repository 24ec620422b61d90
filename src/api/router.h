/* Routes a request to its handler after checking its key. */
#ifndef NR_ROUTER_H
#define NR_ROUTER_H

#include <fcgiapp.h>

#include "api.h"

/* Names the routes for the metrics; once, before the workers fork. */
void router_init(void);

/* Answers the request in fcgi (borrowed) with exactly one reply. */
void router_handle(struct api *app, FCGX_Request *fcgi);

#endif
