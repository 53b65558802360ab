#include "ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAD UINT32_MAX /* a header that says: skip to the start of the buffer */

struct ring {
    char *buf;
    size_t cap;           /* a power of two */
    _Atomic size_t head;  /* bytes ever put (the producer's) */
    _Atomic size_t tail;  /* bytes ever taken (the consumer's) */
    _Atomic size_t count; /* records held */
    _Atomic int waiting;  /* the consumer sleeps (or is about to) */
    _Atomic int woken;    /* ring_wake was called */
    pthread_mutex_t lock; /* only around the consumer's sleep */
    pthread_cond_t cond;
};

/* Each record: a 4-byte length, the bytes, padding to 8. */
static size_t entry_size(size_t len)
{
    return (4 + len + 7) & ~(size_t)7;
}

ring *ring_create(size_t bytes)
{
    size_t cap = 4096;
    while (cap < bytes) {
        if (cap > SIZE_MAX / 2) {
            errno = EINVAL;
            return NULL;
        }
        cap *= 2;
    }
    ring *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->buf = malloc(cap);
    if (r->buf == NULL) {
        free(r);
        return NULL;
    }
    memset(r->buf, 0, cap); /* touched now: no page fault on the producer's path later */
    r->cap = cap;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    return r;
}

void ring_destroy(ring *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r->buf);
    free(r);
}

int ring_put(ring *r, const char *data, size_t len)
{
    if (len == 0 || len >= PAD)
        return -1;
    size_t need = entry_size(len);
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t pos = h & (r->cap - 1);
    size_t to_end = r->cap - pos;
    size_t total = need > to_end ? to_end + need : need;
    if (need > r->cap / 2 || total > r->cap - (h - t))
        return -1;
    if (need > to_end) {
        uint32_t pad = PAD;
        memcpy(r->buf + pos, &pad, 4);
        h += to_end;
        pos = 0;
    }
    uint32_t n = (uint32_t)len;
    memcpy(r->buf + pos, &n, 4);
    memcpy(r->buf + pos + 4, data, len);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
    atomic_store_explicit(&r->head, h + need, memory_order_seq_cst);
    /* Either the consumer sees the new head before it sleeps, or we see it waiting. */
    if (atomic_load_explicit(&r->waiting, memory_order_seq_cst)) {
        pthread_mutex_lock(&r->lock);
        pthread_cond_signal(&r->cond);
        pthread_mutex_unlock(&r->lock);
    }
    return 0;
}

size_t ring_peek(ring *r, const char **data)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    if (t == h)
        return 0;
    size_t pos = t & (r->cap - 1);
    uint32_t n;
    memcpy(&n, r->buf + pos, 4);
    if (n == PAD) {
        t += r->cap - pos;
        atomic_store_explicit(&r->tail, t, memory_order_release);
        pos = 0;
        memcpy(&n, r->buf, 4);
    }
    *data = r->buf + pos + 4;
    return n;
}

void ring_pop(ring *r)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t n;
    memcpy(&n, r->buf + (t & (r->cap - 1)), 4);
    atomic_fetch_sub_explicit(&r->count, 1, memory_order_relaxed);
    atomic_store_explicit(&r->tail, t + entry_size(n), memory_order_release);
}

void ring_wait(ring *r, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    atomic_store_explicit(&r->waiting, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&r->head, memory_order_seq_cst) ==
               atomic_load_explicit(&r->tail, memory_order_relaxed) &&
           !atomic_exchange(&r->woken, 0)) {
        if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
            break;
    }
    atomic_store_explicit(&r->waiting, 0, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
}

void ring_wake(ring *r)
{
    pthread_mutex_lock(&r->lock);
    atomic_store(&r->woken, 1);
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

size_t ring_count(const ring *r)
{
    return atomic_load_explicit(&r->count, memory_order_relaxed);
}

size_t ring_capacity(const ring *r)
{
    return r->cap;
}
