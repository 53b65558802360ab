/* Setup and the writer's side of the ring; the producers' side is inline in alog_queue.h. */
#include "alog_queue.h"

#include <errno.h>
#include <sys/mman.h>

#define MIN_CAP   ((uint64_t)4096)
#define MAX_CAP   ((uint64_t)1 << 31) /* record sizes are 32-bit */
#define HUGE_PAGE ((size_t)2 << 20)

/*
 * The ring's memory, every page faulted in now so no page fault ever lands on a write call.
 * Rings of 2 MiB and more ask for transparent huge pages: the producers walk the whole ring,
 * and with 4 KiB pages every 30-odd lines would start with a TLB miss (a page walk, which
 * costs most under virtualisation). Without huge pages it still works, a little slower.
 */
static void *map_ring(size_t cap)
{
    if (cap < HUGE_PAGE) {
        void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    size_t len = cap + HUGE_PAGE;
    unsigned char *raw =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    /* Keep a 2 MiB aligned window of cap bytes; give the slack around it back. */
    uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    unsigned char *ring = (unsigned char *)start;
    size_t before = (size_t)(ring - raw);
    if (before != 0)
        munmap(raw, before);
    if (len - before - cap != 0)
        munmap(ring + cap, len - before - cap);
    (void)madvise(ring, cap, MADV_HUGEPAGE);
    memset(ring, 0, cap);
    return ring;
}

int alog__queue_init(alog__queue *q, size_t bytes)
{
    uint64_t cap = MIN_CAP;
    while (cap < bytes && cap < MAX_CAP)
        cap <<= 1;
    if (cap < bytes) {
        errno = EINVAL;
        return -1;
    }
    void *p = map_ring((size_t)cap);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->tail_seen, 0);
    q->buf = p;
    q->cap = cap;
    q->mask = cap - 1;
    /* A record of at most half the ring always fits in the drained ring, padding included. */
    q->max_len = (size_t)(cap / 2 - ALOG__Q_HEADER - 8);
    return 0;
}

void alog__queue_destroy(alog__queue *q)
{
    if (q->buf != NULL)
        munmap(q->buf, (size_t)q->cap);
    q->buf = NULL;
}

uint64_t alog__queue_close(alog__queue *q)
{
    uint64_t h = atomic_fetch_or_explicit(&q->head, ALOG__Q_CLOSED, memory_order_acq_rel);
    return h & ~ALOG__Q_CLOSED;
}

void alog__queue_release(alog__queue *q, uint64_t upto)
{
    uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    while (t < upto) {
        uint64_t idx = t & q->mask;
        uint64_t n = upto - t;
        if (n > q->cap - idx)
            n = q->cap - idx;
        /* Stale bytes must read as "not committed" when a new record header lands on them. */
        memset(q->buf + idx, 0, (size_t)n);
        t += n;
    }
    atomic_store_explicit(&q->tail, upto, memory_order_release);
}
