/* The changelog head as last read by any worker, in memory shared by
 * all of them, so that pulls standing at the head within
 * api.headCacheMilliseconds of each other ask the database once. */
#ifndef NR_HEADCACHE_H
#define NR_HEADCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct headcache;

/* A new cache in shared memory: call before the workers fork. NULL when
 * it cannot be mapped (every lookup then misses). Never freed. */
struct headcache *headcache_new(void);

/* The monotonic clock in ns, for stamping a read before it starts. */
int64_t headcache_now(void);

/* True, with *head, when a head was read at most max_ms ago. */
bool headcache_get(struct headcache *c, int max_ms, uint64_t *head);

/* Records head as read by a query that started at started_ns. */
void headcache_put(struct headcache *c, uint64_t head, int64_t started_ns);

#endif
