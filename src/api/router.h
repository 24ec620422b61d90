/* Routes a request to its handler after checking the key's scope. */
#ifndef NR_ROUTER_H
#define NR_ROUTER_H

#include <fcgiapp.h>

#include "api.h"

/* Answers the request in fcgi (borrowed) with exactly one reply. */
void router_handle(struct api *app, FCGX_Request *fcgi);

#endif
