/* What one nunez-api worker holds: the config and its connections. */
#ifndef NR_API_H
#define NR_API_H

#include "config.h"
#include "db.h"

struct api {
	struct config *cfg;	/* owned by main */
	struct db *master;	/* owned by the worker */
	struct db *slave;	/* NULL without a slave */
};

#endif
