/*
 * How the writer thread rests after a pass: go on at once, nap, or sleep until woken.
 *
 * While lines keep coming it naps ALOG__NAP_NS after a short pass (lines pile up, batches
 * grow, and it stays off the cache lines producers are filling). After ALOG__DEEP_AFTER_NS
 * with nothing to do it sleeps until a producer wakes it, looking again every
 * ALOG__DEEP_SLEEP_NS: an idle logger's writer wakes 1e9 / ALOG__DEEP_SLEEP_NS times a
 * second. A pure function of the times it is given, so that tests drive it with their own
 * clock (test_alog_rest.c); alog_writer.c does the sleeping.
 */
#ifndef ALOG_REST_H
#define ALOG_REST_H

#include <stdint.h>

#define ALOG__NAP_NS        1000000LL     /* a nap between short passes: 1 ms */
#define ALOG__DEEP_AFTER_NS 20000000LL    /* idle this long: sleep until woken */
#define ALOG__DEEP_SLEEP_NS 100000000LL   /* ...but look again after 100 ms (10 wakes/s) */
#define ALOG__SHORT_PASS    (64u * 1024u) /* lane bytes below which a pass counts as short */

typedef enum alog__rest {
    ALOG__REST_GO_ON, /* another pass at once */
    ALOG__REST_NAP,   /* wait ALOG__NAP_NS, or less if woken */
    ALOG__REST_DEEP,  /* announce it and wait ALOG__DEEP_SLEEP_NS, or less if woken */
} alog__rest;

/* After a pass at monotonic time `now` that consumed `progress` lane bytes: how to rest.
 * `*idle_since` is the time of the last pass that found lines (updated here).
 * `flush_pending`: an alog_flush call waits to be taken; `flushing`: one is being served. */
static inline alog__rest alog__rest_after_pass(int64_t *idle_since, int64_t now, uint64_t progress,
                                               int flush_pending, int flushing)
{
    if (progress != 0)
        *idle_since = now;
    if (progress >= ALOG__SHORT_PASS || flush_pending)
        return ALOG__REST_GO_ON;
    /* A short pass means the writer is chasing the producers: it would read the very cache
     * lines they are filling. Letting lines pile up for a moment keeps the write path free
     * of those misses and makes the batches larger. */
    if (now - *idle_since < ALOG__DEEP_AFTER_NS || flushing)
        return ALOG__REST_NAP;
    return ALOG__REST_DEEP;
}

#endif
