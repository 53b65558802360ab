/* Making and freeing lanes; the producer's and writer's sides are inline in alog_lane.h. */
#include "alog_lane.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

/*
 * The ring's memory, every page faulted in now so no page fault ever lands on a write call.
 * Rings of 2 MiB and more ask for transparent huge pages: the producer walks the whole ring,
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

alog__lane *alog__lane_new(uint64_t cap, uint64_t id)
{
    alog__lane *ln = aligned_alloc(ALOG__CACHELINE, sizeof *ln);
    if (ln == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memset(ln, 0, sizeof *ln);
    ln->buf = map_ring((size_t)cap);
    if (ln->buf == NULL) {
        free(ln);
        errno = ENOMEM;
        return NULL;
    }
    ln->cap = cap;
    ln->mask = cap - 1;
    ln->logger_id = id;
    atomic_init(&ln->head, 0);
    atomic_init(&ln->tail, 0);
    atomic_init(&ln->in_write, 0);
    atomic_init(&ln->state, 0);
    return ln;
}

void alog__lane_unmap(alog__lane *ln)
{
    if (ln->buf != NULL)
        munmap(ln->buf, (size_t)ln->cap);
    ln->buf = NULL;
}

void alog__lane_free(alog__lane *ln)
{
    free(ln);
}
