/* The shared head cache. The head is stored before its time, and read
 * after it, so a reader never takes an older head for a newer one. */
#include <sys/mman.h>
#include <time.h>

#include "headcache.h"

struct headcache {
	uint64_t head;
	int64_t read_ns; /* when the query that read head started */
};

struct headcache *
headcache_new(void)
{
	void *p = mmap(NULL, sizeof(struct headcache), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int64_t
headcache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool
headcache_get(struct headcache *c, int max_ms, uint64_t *head)
{
	int64_t at;

	if (c == NULL || max_ms <= 0)
		return false;
	at = __atomic_load_n(&c->read_ns, __ATOMIC_ACQUIRE);
	if (at == 0 || headcache_now() - at > (int64_t)max_ms * 1000000)
		return false;
	*head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
	return true;
}

void
headcache_put(struct headcache *c, uint64_t head, int64_t started_ns)
{
	if (c == NULL ||
	    __atomic_load_n(&c->read_ns, __ATOMIC_ACQUIRE) > started_ns)
		return;
	__atomic_store_n(&c->head, head, __ATOMIC_RELEASE);
	__atomic_store_n(&c->read_ns, started_ns, __ATOMIC_RELEASE);
}
