/*
 * A lane of alog: one producing thread's bounded single-producer, single-consumer byte ring.
 *
 * Each thread that writes to a logger gets a lane of its own, so producers never share a
 * cache line on the write path. The producer appends records and publishes them with a
 * release store of `head`; the writer thread reads records from `tail` to `head` and hands
 * the space back with a release store of `tail`. Positions grow without wrapping (64 bits);
 * the index in the buffer is position & mask. A record never wraps: the end of the buffer
 * is skipped, with a padding record when at least a header fits there.
 *
 * A lane belongs to at most one thread at a time (`state`); a thread that exits gives its
 * lanes back and the next thread to write takes one over, behind what is still queued in it.
 */
#ifndef ALOG_LANE_H
#define ALOG_LANE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alog.h"

#define ALOG__CACHELINE  64
#define ALOG__REC_HEADER 16u                 /* sizeof(alog__rec) */
#define ALOG__REC_PAD    UINT32_MAX          /* len of a padding record */
#define ALOG__REC_NS     (1u << 31)          /* flag in len: the stamp is ns (alog_write_at) */
#define ALOG__REC_LEN    (ALOG__REC_NS - 1u) /* mask of the line length in len */
/* Own a cache line for writing before the store that needs it. On x86-64 that is PREFETCHW
 * (a no-op on the few CPUs without it): the read prefetch __builtin_prefetch emits without
 * -march brings the line shared, and the store still waits for the upgrade. */
#if defined(__x86_64__)
#define ALOG__PREFETCH_W(p) __asm__("prefetchw %0" : : "m"(*(const unsigned char *)(p)))
#else
#define ALOG__PREFETCH_W(p) __builtin_prefetch((p), 1, 3)
#endif
#define ALOG__PREFETCH                                                                             \
    1024 /* bytes ahead of head prefetched for writing: far enough that                            \
            a miss is over before the line is used */

/* Bits of alog__lane.state; 0: free, waiting for a thread to take it over. */
#define ALOG__LANE_OWNED       1u /* a live thread writes into it */
#define ALOG__LANE_LOGGER_GONE 2u /* alog_close ran: the owner frees it when it lets go */

typedef struct alog__rec {
    uint32_t len;  /* line length without its '\n' (| ALOG__REC_NS), or ALOG__REC_PAD */
    uint32_t size; /* bytes of the whole record (a multiple of 8) */
    int64_t stamp; /* the clock's ns, or a raw default-clock reading (alog_clock.h) */
} alog__rec;

typedef struct alog__lane {
    /* The producer's line: written by the owner on every call. */
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t head; /* end of the published records */
    uint64_t tail_seen;                              /* a recent tail: reading the real one,
                                                        which the writer keeps writing, costs
                                                        a miss */
    uint64_t next_head;                              /* head after the reserved record */
    uint64_t fast_end;   /* alog__lane_reserve_fast's records end at or before this position:
                            within the room seen last and before the ring's end (0: none) */
    atomic_int in_write; /* 1 while the owner is in a write call */
    /* Read-only after creation. */
    _Alignas(ALOG__CACHELINE) unsigned char *buf; /* cap bytes, pre-faulted */
    uint64_t cap;                                 /* a power of two */
    uint64_t mask;                                /* cap - 1 */
    uint64_t logger_id;                           /* the logger it belongs to */
    struct alog__lane *next;                      /* the logger's next lane */
    /* The writer's line. */
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t tail; /* first position not yet released */
    uint64_t flush_target;                           /* writer only: head when the flush
                                                        being served began */
    /* Ownership (slow paths only). */
    _Alignas(ALOG__CACHELINE) atomic_uint state; /* ALOG__LANE_* bits */
    struct alog__lane *thread_next;              /* the owner's next lane (owner only) */
} alog__lane;

/* A new lane of `cap` bytes (a power of two) for logger `id`, its ring mapped and every page
 * faulted in. NULL with errno ENOMEM. */
alog__lane *alog__lane_new(uint64_t cap, uint64_t id);

/* Unmap a lane's ring (the struct stays: its owner may still look at `state`). */
void alog__lane_unmap(alog__lane *ln);

/* Free a lane whose ring is unmapped. */
void alog__lane_free(alog__lane *ln);

/* Bytes a line of `len` bytes takes in the ring, header and '\n' included. */
static inline uint64_t alog__rec_size(size_t len)
{
    return ALOG__REC_HEADER + (((uint64_t)len + 1u + 7u) & ~(uint64_t)7u);
}

#define ALOG__SHORT_LINE 128 /* the longest line alog__copy_short takes */

/* Copy a line of at most ALOG__SHORT_LINE bytes with a few overlapping fixed-size moves
 * instead of a call: lines of a logger are mostly short, the compiler turns each memcpy below
 * into loads and stores, and a write path without a call keeps no registers across one. */
static inline void alog__copy_short(unsigned char *d, const char *s, size_t n)
{
    if (n > 64) {
        memcpy(d, s, 64);
        memcpy(d + n - 64, s + n - 64, 64);
    } else if (n > 32) {
        memcpy(d, s, 32);
        memcpy(d + n - 32, s + n - 32, 32);
    } else if (n >= 16) {
        memcpy(d, s, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = (unsigned char)s[i];
    }
}

/*
 * Owner side: room for a line of `len` bytes stamped `stamp` (`flags`: 0 or ALOG__REC_NS).
 * Returns the record, whose payload (len bytes, then one for '\n') the caller fills before
 * alog__lane_commit, or NULL when the lane has no room now. No system call, no lock.
 */
static inline alog__rec *alog__lane_reserve(alog__lane *ln, size_t len, int64_t stamp,
                                            uint32_t flags)
{
    uint64_t size = alog__rec_size(len);
    uint64_t h = atomic_load_explicit(&ln->head, memory_order_relaxed);
    uint64_t idx = h & ln->mask;
    uint64_t pad = idx + size > ln->cap ? ln->cap - idx : 0;
    if (h + pad + size - ln->tail_seen > ln->cap) {
        /* Acquire: the writer is done reading the space it released. */
        ln->tail_seen = atomic_load_explicit(&ln->tail, memory_order_acquire);
        if (h + pad + size - ln->tail_seen > ln->cap)
            return NULL;
    }
    if (pad != 0) {
        if (pad >= ALOG__REC_HEADER) {
            alog__rec *p = (alog__rec *)(void *)(ln->buf + idx);
            p->len = ALOG__REC_PAD;
            p->size = (uint32_t)pad;
        }
        idx = 0;
    }
    alog__rec *r = (alog__rec *)(void *)(ln->buf + idx);
    /* Own the lines the next records take before they are needed: the writer read them
     * last, on its core, and fetching them on demand costs a miss per call. */
    ALOG__PREFETCH_W(ln->buf + ((idx + ALOG__PREFETCH) & ln->mask));
    ALOG__PREFETCH_W(ln->buf + ((idx + ALOG__PREFETCH + 64) & ln->mask));
    r->len = (uint32_t)len | flags;
    r->size = (uint32_t)size;
    r->stamp = stamp;
    uint64_t next = h + pad + size;
    ln->next_head = next;
    uint64_t ring_end = (next & ~ln->mask) + ln->cap;
    uint64_t room_end = ln->tail_seen + ln->cap;
    ln->fast_end = ring_end < room_end ? ring_end : room_end;
    return r;
}

/*
 * Owner side, the common case of alog__lane_reserve in fewer instructions: a record that
 * ends by fast_end, so fits before the end of the ring and in the room seen last (no
 * padding, no look at the writer's tail). NULL when it does not: then alog__lane_reserve
 * does it all, and moves fast_end on. The record is published with alog__lane_publish(ln, r,
 * len, *next); next_head is not kept.
 */
static inline alog__rec *alog__lane_reserve_fast(alog__lane *ln, size_t len, int64_t stamp,
                                                 uint32_t flags, uint64_t *next)
{
    uint64_t h = atomic_load_explicit(&ln->head, memory_order_relaxed);
    uint64_t size = alog__rec_size(len);
    if (__builtin_expect(h + size > ln->fast_end, 0))
        return NULL;
    alog__rec *r = (alog__rec *)(void *)(ln->buf + (h & ln->mask));
    /* As alog__lane_reserve, without the wrap: near the ring's end this prefetches past it
     * (a prefetch never faults), once in cap / ALOG__PREFETCH records. */
    ALOG__PREFETCH_W((unsigned char *)r + ALOG__PREFETCH);
    ALOG__PREFETCH_W((unsigned char *)r + ALOG__PREFETCH + 64);
    r->len = (uint32_t)len | flags;
    r->size = (uint32_t)size;
    r->stamp = stamp;
    *next = h + size;
    return r;
}

/* Owner side: publish a record of alog__lane_reserve_fast, its line copied in. */
static inline void alog__lane_publish(alog__lane *ln, alog__rec *r, size_t len, uint64_t next)
{
    ((unsigned char *)(r + 1))[len] = '\n';
    atomic_store_explicit(&ln->head, next, memory_order_release);
}

/* The payload of a record: len bytes for the line, then one for its '\n'. */
static inline unsigned char *alog__rec_payload(alog__rec *r)
{
    return (unsigned char *)(r + 1);
}

/* Owner side: publish the record reserved last for a line of `len` bytes, its payload
 * filled (`len` passed again: re-reading it from the record would wait for the copy). */
static inline void alog__lane_commit(alog__lane *ln, alog__rec *r, size_t len)
{
    alog__rec_payload(r)[len] = '\n';
    atomic_store_explicit(&ln->head, ln->next_head, memory_order_release);
}

/* Writer side: the record at *pos (padding skipped, *pos advanced past it), or NULL when
 * *pos reaches `end`. `end` must be a published head or a record boundary below it. */
static inline const alog__rec *alog__lane_peek(const alog__lane *ln, uint64_t *pos, uint64_t end)
{
    while (*pos < end) {
        uint64_t idx = *pos & ln->mask;
        uint64_t left = ln->cap - idx;
        const alog__rec *r = (const alog__rec *)(const void *)(ln->buf + idx);
        if (left < ALOG__REC_HEADER || r->len == ALOG__REC_PAD) {
            *pos += left;
            continue;
        }
        return r;
    }
    return NULL;
}

#endif
