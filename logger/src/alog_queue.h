/*
 * The queue of alog: a bounded lock-free multi-producer, single-consumer byte ring.
 *
 * Producers reserve a record with one compare-and-swap on `head`, copy their line in and
 * commit it with a release store of its size; the writer thread reads committed records
 * from `tail` in order, copies them out and hands the space back by zeroing it and
 * advancing `tail`. Positions grow without wrapping (64 bits); the index in the buffer is
 * position & mask. A record never wraps: a padding record fills the end of the buffer.
 * The top bit of `head` closes the queue: no reservation succeeds after it is set, so
 * every accepted record lies below the position at which it was closed.
 */
#ifndef ALOG_QUEUE_H
#define ALOG_QUEUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alog.h"

#define ALOG__Q_CLOSED  (1ULL << 63)
#define ALOG__Q_HEADER  16u        /* sizeof(alog__rec) */
#define ALOG__REC_PAD   UINT32_MAX /* len of a padding record */
#define ALOG__REC_NS    (1u << 31) /* flag in len: the stamp is ns (alog_write_at), not raw */
#define ALOG__REC_LEN   (ALOG__REC_NS - 1u) /* mask of the line length in len */
#define ALOG__CACHELINE 64
#define ALOG__PREFETCH                                                                             \
    1024 /* bytes ahead of the head prefetched for writing: far                                    \
            enough that a miss is over before the line is used */

typedef struct alog__rec {
    _Atomic uint32_t size; /* bytes of the whole record (multiple of 8); 0 until committed */
    uint32_t len;          /* line length without its '\n' (| ALOG__REC_NS), or ALOG__REC_PAD */
    int64_t stamp;         /* the clock's ns, or a raw default-clock reading (alog_clock.h) */
} alog__rec;

typedef struct alog__queue {
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t head; /* next free position | ALOG__Q_CLOSED */
    _Atomic uint64_t tail_seen; /* a recent tail, on the producers' line: reading the real
                                   tail, which the writer keeps writing, costs a miss */
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t tail; /* first position not yet released */
    _Alignas(ALOG__CACHELINE) unsigned char *buf;    /* cap bytes, pre-faulted */
    uint64_t cap;                                    /* a power of two */
    uint64_t mask;                                   /* cap - 1 */
    size_t max_len;                                  /* longest line accepted */
} alog__queue;

/* Map and pre-fault the ring: `bytes` rounded up to a power of two (at least 4 KiB).
 * Returns 0, or -1 with errno (EINVAL: too large, ENOMEM). */
int alog__queue_init(alog__queue *q, size_t bytes);

/* Unmap the ring. The writer and every producer must be finished with it. */
void alog__queue_destroy(alog__queue *q);

/* Close the queue to producers; returns the position below which every accepted record
 * lies. Idempotent: later calls return the same position. Any thread. */
uint64_t alog__queue_close(alog__queue *q);

/* Writer side: the committed record at `pos`, or NULL if its producer has not committed it
 * yet. `pos` must be below the head. */
static inline const alog__rec *alog__queue_peek(const alog__queue *q, uint64_t pos)
{
    const alog__rec *r = (const alog__rec *)(const void *)(q->buf + (pos & q->mask));
    if (atomic_load_explicit(&((alog__rec *)(uintptr_t)r)->size, memory_order_acquire) == 0)
        return NULL;
    return r;
}

/* Writer side: zero [tail, upto) for its next producers and hand it back. */
void alog__queue_release(alog__queue *q, uint64_t upto);

/* Total bytes a line of `len` bytes takes in the ring, header and '\n' included. */
static inline uint64_t alog__rec_size(size_t len)
{
    return ALOG__Q_HEADER + (((uint64_t)len + 1u + 7u) & ~(uint64_t)7u);
}

/*
 * Producer side: reserve room for a line of `len` bytes stamped `stamp` (`flags`: 0 or
 * ALOG__REC_NS). On ALOG_OK, *rec
 * is the record, whose payload (len bytes, then one spare byte) the caller fills before
 * alog__queue_commit. Returns ALOG_EFULL when the ring has no room now and ALOG_ESTOPPED
 * when it is closed. Lock-free; no system call.
 */
static inline int alog__queue_reserve(alog__queue *q, size_t len, int64_t stamp, uint32_t flags,
                                      alog__rec **rec)
{
    uint64_t size = alog__rec_size(len);
    uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        if (h & ALOG__Q_CLOSED)
            return ALOG_ESTOPPED;
        uint64_t idx = h & q->mask;
        uint64_t pad = idx + size > q->cap ? q->cap - idx : 0;
        /* Acquire: the writer zeroed this space before it released it. Compared as sums:
         * with a stale h the writer may already be past it (t > h), and then the CAS below
         * fails and retries rather than reporting a full ring. */
        uint64_t t = atomic_load_explicit(&q->tail_seen, memory_order_acquire);
        if (h + pad + size > t + q->cap) {
            t = atomic_load_explicit(&q->tail, memory_order_acquire);
            if (h + pad + size > t + q->cap)
                return ALOG_EFULL;
            atomic_store_explicit(&q->tail_seen, t, memory_order_release);
        }
        if (atomic_compare_exchange_weak_explicit(&q->head, &h, h + pad + size,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            if (pad != 0) {
                alog__rec *p = (alog__rec *)(void *)(q->buf + idx);
                p->len = ALOG__REC_PAD;
                atomic_store_explicit(&p->size, (uint32_t)pad, memory_order_release);
                idx = 0;
            }
            alog__rec *r = (alog__rec *)(void *)(q->buf + idx);
            /* Own the lines the next records will take before they are needed: the writer
             * zeroed them on its core, and fetching them on demand costs a miss per call.
             * Two lines per call cover the ring as fast as records of up to 128 bytes use it. */
            __builtin_prefetch(q->buf + ((idx + ALOG__PREFETCH) & q->mask), 1, 3);
            __builtin_prefetch(q->buf + ((idx + ALOG__PREFETCH + 64) & q->mask), 1, 3);
            r->len = (uint32_t)len | flags;
            r->stamp = stamp;
            *rec = r;
            return ALOG_OK;
        }
    }
}

/* The payload of a reserved record: len bytes for the line, then one for its '\n'. */
static inline unsigned char *alog__rec_payload(alog__rec *r)
{
    return (unsigned char *)(r + 1);
}

/* Producer side: publish a reserved record whose payload is filled. */
static inline void alog__queue_commit(alog__rec *r)
{
    uint32_t len = r->len & ALOG__REC_LEN;
    alog__rec_payload(r)[len] = '\n';
    atomic_store_explicit(&r->size, (uint32_t)alog__rec_size(len), memory_order_release);
}

#endif
