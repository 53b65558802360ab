/* The public API: open, the write path (lanes), flush, stop, stats, close. */
#include <errno.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alog_clock.h"
#include "alog_internal.h"

#define DEFAULT_QUEUE_BYTES ((size_t)4 << 20)
#define MIN_LANE_BYTES      ((uint64_t)4096)
#define MAX_LANE_BYTES      ((uint64_t)1 << 31) /* record sizes are 32-bit */
#define ROOM_WAIT_NS        5000000L /* a blocked producer looks again at least every 5 ms */
#define PRINTF_STACK_BYTES  512      /* longer printf lines are formatted into the lane */
#define DEFAULT_LEVEL       3        /* zstd's own default level */

/* The lanes of the calling thread, all loggers together. `lane` is the one used last, so a
 * thread writing to one logger finds its lane with one TLS load and one compare. */
typedef struct thread_lanes {
    uint64_t id;       /* the logger `lane` belongs to; 0: none */
    alog__lane *lane;  /* the lane used last */
    alog__lane *owned; /* every lane this thread owns, through thread_next */
    int registered;    /* the exit hook is armed */
} thread_lanes;

static _Thread_local thread_lanes tls;
static _Atomic uint64_t next_logger_id = 1;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_err;

/* At thread exit: give every lane back, or free it when its logger is already closed. */
static void release_thread_lanes(void *unused)
{
    (void)unused;
    alog__lane *next;
    for (alog__lane *ln = tls.owned; ln != NULL; ln = next) {
        next = ln->thread_next;
        unsigned st = atomic_load_explicit(&ln->state, memory_order_acquire);
        for (;;) {
            if (st & ALOG__LANE_LOGGER_GONE) {
                alog__lane_free(ln);
                break;
            }
            /* Release: the next owner continues from this thread's last record. */
            if (atomic_compare_exchange_weak_explicit(&ln->state, &st, 0u, memory_order_acq_rel,
                                                      memory_order_acquire))
                break;
        }
    }
    tls = (thread_lanes){0};
}

static void make_exit_key(void)
{
    exit_key_err = pthread_key_create(&exit_key, release_thread_lanes);
}

/* Arm release_thread_lanes for the calling thread. Returns 0 or an errno. */
static int register_thread(void)
{
    if (tls.registered)
        return 0;
    pthread_once(&exit_key_once, make_exit_key);
    if (exit_key_err != 0)
        return exit_key_err;
    int err = pthread_setspecific(exit_key, &tls);
    if (err == 0)
        tls.registered = 1;
    return err;
}

/* The ring size of each lane for these options into *cap: 0, or EINVAL for bad options. */
static int lane_bytes_for(const alog_options *opt, uint64_t *cap)
{
    if (opt == NULL || opt->dir == NULL || opt->dir[0] == '\0' ||
        (opt->rollover != ALOG_ROLL_DAILY && opt->rollover != ALOG_ROLL_5SEC) ||
        (opt->compress != ALOG_COMPRESS_NONE && opt->compress != ALOG_COMPRESS_ZSTD) ||
        opt->compress_level < 0 || opt->compress_level > 19)
        return EINVAL;
    uint64_t want = opt->queue_bytes ? opt->queue_bytes : DEFAULT_QUEUE_BYTES;
    *cap = MIN_LANE_BYTES;
    while (*cap < want && *cap < MAX_LANE_BYTES)
        *cap <<= 1;
    return *cap < want ? EINVAL : 0;
}

/* The writer's locks and condition (on the monotonic clock): 0, or an errno value with none
 * of them left initialised. */
static int sync_init(alog *lg)
{
    int err = pthread_mutex_init(&lg->lock, NULL);
    if (err != 0)
        return err;
    if ((err = pthread_mutex_init(&lg->lanes_lock, NULL)) != 0)
        goto no_lanes_lock;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    err = pthread_cond_init(&lg->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (err == 0)
        return 0;
    pthread_mutex_destroy(&lg->lanes_lock);
no_lanes_lock:
    pthread_mutex_destroy(&lg->lock);
    return err;
}

static void sync_destroy(alog *lg)
{
    pthread_cond_destroy(&lg->cond);
    pthread_mutex_destroy(&lg->lanes_lock);
    pthread_mutex_destroy(&lg->lock);
}

/* The writer thread, started with every signal blocked: SIGXFSZ and SIGPIPE become errno
 * values and no signal meant for the application is ever delivered to it. 0 or an errno. */
static int writer_start(alog *lg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&lg->writer, NULL, alog__writer_main, lg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err == 0)
        pthread_setname_np(lg->writer, "alog-writer");
    return err;
}

alog *alog_open(const alog_options *opt)
{
    uint64_t cap;
    int err = lane_bytes_for(opt, &cap);
    if (err != 0) {
        errno = err;
        return NULL;
    }
    size_t size = (sizeof(alog) + ALOG__CACHELINE - 1) & ~(size_t)(ALOG__CACHELINE - 1);
    alog *lg = aligned_alloc(ALOG__CACHELINE, size);
    if (lg == NULL)
        return NULL;
    memset(lg, 0, sizeof *lg);
    lg->id = atomic_fetch_add(&next_logger_id, 1);
    lg->lane_bytes = cap;
    /* A record of at most half the ring always fits in the drained ring, padding included. */
    lg->max_len = (size_t)(cap / 2 - ALOG__REC_HEADER - 8);
    lg->clock = opt->clock;
    lg->clock_ctx = opt->clock_ctx;
    lg->block_when_full = opt->block_when_full;
    lg->on_error = opt->on_error;
    lg->error_ctx = opt->error_ctx;
    if (lg->clock == NULL)
        alog__clock_init();
    /* The writer and alog_stop make producers' stores visible with membarrier, so the write
     * path needs no fence of its own; without it (old kernel, seccomp) producers fence. */
    lg->fence = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0;
    unsigned attn = lg->fence ? ALOG__ATTN_FENCE : 0u;
    if (lg->clock != NULL || !atomic_load(&alog__clock_tsc) || !ALOG__INLINE_TSC)
        attn |= ALOG__ATTN_CLOCK;
    atomic_init(&lg->attn, attn);

    err = ENOMEM;
    int zstd = opt->compress == ALOG_COMPRESS_ZSTD;
    if (zstd && alog__zc_init(&lg->zc, opt->compress_level ? opt->compress_level : DEFAULT_LEVEL,
                              ALOG__BATCH_BYTES) != 0)
        goto no_files;
    if (alog__files_init(&lg->files, opt->dir, opt->rollover, opt->utc != 0,
                         zstd ? &lg->zc : NULL) != 0)
        goto no_files;
    lg->files.checksum = opt->checksum != 0;
    lg->batch = malloc(ALOG__BATCH_BYTES);
    if (lg->batch == NULL)
        goto no_batch;
    if ((err = sync_init(lg)) != 0)
        goto no_batch;
    if ((err = writer_start(lg)) != 0)
        goto no_writer;
    return lg;

no_writer:
    sync_destroy(lg);
no_batch:
    free(lg->batch);
    alog__files_destroy(&lg->files);
no_files:
    alog__zc_destroy(&lg->zc);
    free(lg);
    errno = err;
    return NULL;
}

void alog__barrier_all(alog *lg)
{
    if (!lg->fence)
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    /* This thread's own full barrier: a seq_cst read-modify-write (a fence, on x86),
     * written so that ThreadSanitizer, which does not model fences, follows it too. */
    atomic_fetch_add(&lg->wake, 0);
}

/* A lane of this thread for `lg`, owned from now on: one this thread already has, one that
 * an exited thread gave back, or a new one (the only allocation of the write path: once per
 * thread and logger). NULL with *rc ALOG_ESTOPPED or ALOG_EFULL (no memory). */
static __attribute__((noinline, cold)) alog__lane *lane_slow(alog *lg, int *rc)
{
    alog__lane **link = &tls.owned;
    while (*link != NULL) {
        alog__lane *ln = *link;
        if (atomic_load_explicit(&ln->state, memory_order_acquire) & ALOG__LANE_LOGGER_GONE) {
            *link = ln->thread_next; /* its logger was closed: only this thread has it */
            alog__lane_free(ln);
            continue;
        }
        if (ln->logger_id == lg->id) {
            tls.id = lg->id;
            tls.lane = ln;
            return ln;
        }
        link = &ln->thread_next;
    }
    *rc = ALOG_EFULL;
    if (register_thread() != 0)
        return NULL;
    alog__lane *ln = NULL;
    pthread_mutex_lock(&lg->lanes_lock);
    if (atomic_load(&lg->attn) & ALOG__ATTN_STOPPED) {
        *rc = ALOG_ESTOPPED;
    } else {
        for (alog__lane *l = atomic_load(&lg->lanes); l != NULL && ln == NULL; l = l->next) {
            unsigned free_state = 0;
            if (atomic_compare_exchange_strong_explicit(&l->state, &free_state, ALOG__LANE_OWNED,
                                                        memory_order_acq_rel, memory_order_relaxed))
                ln = l;
        }
        if (ln == NULL && (ln = alog__lane_new(lg->lane_bytes, lg->id)) != NULL) {
            atomic_store_explicit(&ln->state, ALOG__LANE_OWNED, memory_order_relaxed);
            ln->next = atomic_load_explicit(&lg->lanes, memory_order_relaxed);
            atomic_store_explicit(&lg->lanes, ln, memory_order_release);
        }
    }
    pthread_mutex_unlock(&lg->lanes_lock);
    if (ln == NULL)
        return NULL;
    ln->thread_next = tls.owned;
    tls.owned = ln;
    tls.id = lg->id;
    tls.lane = ln;
    return ln;
}

/* block_when_full: wait until the writer frees some room, or the logger stops. */
static void wait_for_room(alog *lg)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += ROOM_WAIT_NS;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lg->lock);
    atomic_fetch_add(&lg->space_waiters, 1);
    if (!(atomic_load(&lg->attn) & ALOG__ATTN_STOPPED))
        pthread_cond_timedwait(&lg->cond, &lg->lock, &until);
    atomic_fetch_sub(&lg->space_waiters, 1);
    pthread_mutex_unlock(&lg->lock);
}

static __attribute__((noinline, cold)) int refused(alog *lg, int rc)
{
    atomic_fetch_add_explicit(rc == ALOG_EFULL ? &lg->dropped_full : &lg->dropped_stopped, 1,
                              memory_order_relaxed);
    return rc;
}

/*
 * Enter a write on lane `ln`: announce it, then read the flags into *attn. alog_stop sets
 * ALOG__ATTN_STOPPED and then runs a barrier on every thread (membarrier), so either this
 * load sees it or the stopping side sees in_write and waits for the record: every ALOG_OK
 * line is in a lane the writer drains. The sleeping writer does the same with
 * ALOG__ATTN_SLEEPING. Only a compiler barrier here; a fence without membarrier.
 */
static inline int enter(alog *lg, alog__lane *ln, unsigned *attn)
{
    if (lg->fence) {
        atomic_exchange(&ln->in_write, 1); /* a full barrier of its own */
    } else {
        atomic_store_explicit(&ln->in_write, 1, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    }
    *attn = atomic_load_explicit(&lg->attn, memory_order_relaxed);
    if (*attn & ALOG__ATTN_STOPPED) {
        atomic_store_explicit(&ln->in_write, 0, memory_order_release);
        return refused(lg, ALOG_ESTOPPED);
    }
    return ALOG_OK;
}

/* The writer sleeps until woken: wake it, once. Out of line: a system call, and rare (only
 * after the logger was idle for a while). */
static __attribute__((noinline, cold)) int wake_writer(alog *lg)
{
    if (atomic_fetch_and_explicit(&lg->attn, ~ALOG__ATTN_SLEEPING, memory_order_relaxed) &
        ALOG__ATTN_SLEEPING)
        alog__writer_wake(lg);
    return ALOG_OK;
}

/* Leave a write, the record published: the writer may now treat the lane as quiet. `attn`
 * as enter() read it: wake the writer if it sleeps. Returns ALOG_OK, so that callers end
 * with `return leave(...)` and the wake is a tail call. */
static inline int leave(alog *lg, alog__lane *ln, unsigned attn)
{
    atomic_store_explicit(&ln->in_write, 0, memory_order_release);
    if (__builtin_expect(attn & ALOG__ATTN_SLEEPING, 0))
        return wake_writer(lg);
    return ALOG_OK;
}

/* Reserve a record of `len` bytes in this thread's lane for `lg` whatever it takes: finding
 * or making the lane, and waiting for room when the lane is full and block_when_full. On
 * ALOG_OK the caller is inside enter(): it fills the record, commits it and calls leave()
 * with *attn. */
static __attribute__((noinline)) int reserve_any(alog *lg, size_t len, int64_t stamp,
                                                 uint32_t flags, alog__lane **lnp, alog__rec **rp,
                                                 unsigned *attn)
{
    int rc;
    alog__lane *ln = tls.id == lg->id ? tls.lane : NULL;
    if (ln == NULL && (ln = lane_slow(lg, &rc)) == NULL)
        return refused(lg, rc);
    if ((rc = enter(lg, ln, attn)) != ALOG_OK)
        return rc;
    alog__rec *r;
    while ((r = alog__lane_reserve(ln, len, stamp, flags)) == NULL) {
        /* Out of the write while waiting, so a stop never waits for this thread. A writer
         * seen asleep is woken first: the room may be all it waits for. */
        leave(lg, ln, *attn);
        if (!lg->block_when_full)
            return refused(lg, ALOG_EFULL);
        wait_for_room(lg);
        if ((rc = enter(lg, ln, attn)) != ALOG_OK)
            return rc;
    }
    *lnp = ln;
    *rp = r;
    return ALOG_OK;
}

/* With the default clock the stamp is a raw reading that the writer converts to ns: the
 * write path then costs one rdtsc, not a calibrated clock read. */
static inline int64_t stamp_now(alog *lg)
{
    return lg->clock != NULL ? lg->clock(lg->clock_ctx) : (int64_t)alog__clock_ticks();
}

/* A write the fast path of put() does not do: a line longer than ALOG__SHORT_LINE, no lane
 * for `lg` on this thread yet, a lane full or at its end, a flag in attn (stopped, writer
 * asleep, no membarrier, a stamp that is not an inline rdtsc). */
static __attribute__((noinline, cold)) int put_slow(alog *lg, int64_t stamp, uint32_t flags,
                                                    const char *line, size_t len)
{
    if (len > lg->max_len)
        return ALOG_EINVAL;
    if (flags == 0 && (atomic_load_explicit(&lg->attn, memory_order_relaxed) & ALOG__ATTN_CLOCK))
        stamp = stamp_now(lg);
    alog__lane *ln;
    alog__rec *r;
    unsigned attn;
    int rc = reserve_any(lg, len, stamp, flags, &ln, &r, &attn);
    if (rc != ALOG_OK)
        return rc;
    if (len <= ALOG__SHORT_LINE)
        alog__copy_short(alog__rec_payload(r), line, len);
    else
        memcpy(alog__rec_payload(r), line, len);
    alog__lane_commit(ln, r, len);
    return leave(lg, ln, attn);
}

/* Every lane holds a record of ALOG__SHORT_LINE bytes: the fast path need not check max_len. */
_Static_assert(ALOG__SHORT_LINE <= MIN_LANE_BYTES / 2 - ALOG__REC_HEADER - 8,
               "short lines must be under the smallest max_len");

/*
 * The write path: `attn_off`, the flags that send this call to put_slow. It is enter(), the
 * reservation, the copy, the commit and leave() with every rare case left to put_slow, as a
 * tail call before anything is published: so the path makes no call, keeps no register
 * across one, and reads the flags (ALOG__ATTN_*) with one load after announcing itself.
 */
static inline int put(alog *lg, int64_t stamp, uint32_t flags, unsigned attn_off, const char *line,
                      size_t len)
{
    if (__builtin_expect(tls.id != lg->id || len > ALOG__SHORT_LINE, 0))
        return put_slow(lg, stamp, flags, line, len);
    alog__lane *ln = tls.lane;
    atomic_store_explicit(&ln->in_write, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    uint64_t next;
    alog__rec *r = alog__lane_reserve_fast(ln, len, stamp, flags, &next);
    if (__builtin_expect(
            r == NULL || (atomic_load_explicit(&lg->attn, memory_order_relaxed) & attn_off), 0)) {
        atomic_store_explicit(&ln->in_write, 0, memory_order_release);
        return put_slow(lg, stamp, flags, line, len);
    }
    alog__copy_short(alog__rec_payload(r), line, len);
    alog__lane_publish(ln, r, len, next);
    atomic_store_explicit(&ln->in_write, 0, memory_order_release);
    return ALOG_OK;
}

int alog_write(alog *lg, const char *line, size_t len)
{
    if (lg == NULL || line == NULL)
        return ALOG_EINVAL;
    return put(lg, alog__stamp_inline(), 0, ~0u, line, len);
}

int alog_write_at(alog *lg, int64_t stamp_ns, const char *line, size_t len)
{
    if (lg == NULL || line == NULL)
        return ALOG_EINVAL;
    return put(lg, stamp_ns, ALOG__REC_NS, ~ALOG__ATTN_CLOCK, line, len);
}

int alog_printf(alog *lg, const char *fmt, ...)
{
    if (lg == NULL || fmt == NULL)
        return ALOG_EINVAL;
    char small[PRINTF_STACK_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ALOG_EINVAL;
    if ((size_t)n < sizeof small)
        return alog_write(lg, small, (size_t)n);
    if ((size_t)n > lg->max_len)
        return ALOG_EINVAL;
    /* Too long for the stack buffer: format again, straight into the reserved record. Its
     * terminating NUL lands on the byte that the commit turns into '\n'. */
    alog__lane *ln = NULL; /* set on ALOG_OK (the compiler cannot see it) */
    alog__rec *r = NULL;
    unsigned attn = 0;
    int rc = reserve_any(lg, (size_t)n, stamp_now(lg), 0, &ln, &r, &attn);
    if (rc != ALOG_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)alog__rec_payload(r), (size_t)n + 1, fmt, ap);
    va_end(ap);
    alog__lane_commit(ln, r, (size_t)n);
    return leave(lg, ln, attn);
}

int alog_stop(alog *lg, alog_stop_mode mode)
{
    if (lg == NULL)
        return -1;
    if (mode == ALOG_STOP_NOW)
        atomic_store(&lg->discard, 1);
    /* Refuse new writes, then make sure every producer either saw that or is seen in its
     * write (enter() above); only then may the writer treat quiet lanes as final. */
    atomic_fetch_or(&lg->attn, ALOG__ATTN_STOPPED);
    alog__barrier_all(lg);
    int first = atomic_exchange(&lg->stop_requested, 1) == 0;
    alog__writer_wake(lg);
    pthread_mutex_lock(&lg->lock);
    pthread_cond_broadcast(&lg->cond); /* producers waiting for room: the answer is "stopped" */
    if (first) {
        while (!lg->writer_done)
            pthread_cond_wait(&lg->cond, &lg->lock);
    }
    pthread_mutex_unlock(&lg->lock);
    return first ? 0 : -1;
}

/* The answer of alog_flush on a logger whose writer has finished. Under lock. */
static int flush_after_stop(alog *lg)
{
    if (atomic_load(&lg->discarded) != 0)
        return ECANCELED;
    return atomic_load(&lg->lost_io) != 0 ? EIO : 0;
}

int alog_flush(alog *lg)
{
    if (lg == NULL) {
        errno = EINVAL;
        return -1;
    }
    alog__flusher me = {0};
    pthread_mutex_lock(&lg->lock);
    if (lg->writer_done) {
        me.err = flush_after_stop(lg);
        me.done = 1;
    } else {
        /* The writer reads every lane's head after it takes this call off the list: each
         * line accepted before the call is below it by then. */
        me.next = lg->flushers;
        lg->flushers = &me;
        atomic_store(&lg->flush_pending, 1);
    }
    pthread_mutex_unlock(&lg->lock);
    if (!me.done) {
        alog__writer_wake(lg);
        pthread_mutex_lock(&lg->lock);
        while (!me.done)
            pthread_cond_wait(&lg->cond, &lg->lock);
        pthread_mutex_unlock(&lg->lock);
    }
    if (me.err != 0) {
        errno = me.err;
        return -1;
    }
    return 0;
}

void alog_get_stats(alog *lg, alog_stats *out)
{
    if (lg == NULL || out == NULL)
        return;
    out->accepted = atomic_load(&lg->taken);
    out->written = atomic_load(&lg->written);
    out->dropped_full = atomic_load(&lg->dropped_full);
    out->dropped_stopped = atomic_load(&lg->dropped_stopped);
    out->discarded = atomic_load(&lg->discarded);
    out->lost_io = atomic_load(&lg->lost_io);
    out->files_opened = atomic_load(&lg->files_opened);
    out->io_errors = atomic_load(&lg->io_errors);
    out->bytes_in = atomic_load(&lg->bytes_in);
    out->bytes_out = atomic_load(&lg->bytes_out);
}

void alog_close(alog *lg)
{
    if (lg == NULL)
        return;
    alog_stop(lg, ALOG_STOP_FLUSH);
    pthread_join(lg->writer, NULL);
    /* A lane still owned by a live thread is freed by that thread (at its exit, or when it
     * next looks for a lane); only its ring goes now: nobody writes to a closed logger. */
    alog__lane *next;
    for (alog__lane *ln = atomic_load(&lg->lanes); ln != NULL; ln = next) {
        next = ln->next;
        alog__lane_unmap(ln);
        if (atomic_fetch_or(&ln->state, ALOG__LANE_LOGGER_GONE) == 0)
            alog__lane_free(ln);
    }
    if (tls.id == lg->id)
        tls.id = 0;
    pthread_cond_destroy(&lg->cond);
    pthread_mutex_destroy(&lg->lanes_lock);
    pthread_mutex_destroy(&lg->lock);
    free(lg->batch);
    alog__files_destroy(&lg->files);
    alog__zc_destroy(&lg->zc);
    free(lg);
}
