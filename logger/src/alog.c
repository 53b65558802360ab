/* The public API: open, the write path, stop, stats, close. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alog_clock.h"
#include "alog_internal.h"

#define DEFAULT_QUEUE_BYTES ((size_t)4 << 20)
#define ROOM_WAIT_NS        5000000L /* a blocked producer looks again at least every 5 ms */
#define PRINTF_STACK_BYTES  512      /* longer printf lines are formatted into the ring */

alog *alog_open(const alog_options *opt)
{
    if (opt == NULL || opt->dir == NULL || opt->dir[0] == '\0' ||
        (opt->rollover != ALOG_ROLL_DAILY && opt->rollover != ALOG_ROLL_5SEC) ||
        opt->compress != ALOG_COMPRESS_NONE || opt->compress_level < 0 ||
        opt->compress_level > 19) {
        /* ALOG_COMPRESS_ZSTD is part of the API but not implemented yet: refused here. */
        errno = EINVAL;
        return NULL;
    }
    size_t size = (sizeof(alog) + ALOG__CACHELINE - 1) & ~(size_t)(ALOG__CACHELINE - 1);
    alog *lg = aligned_alloc(ALOG__CACHELINE, size);
    if (lg == NULL)
        return NULL;
    memset(lg, 0, sizeof *lg);
    int err = ENOMEM;
    int have_files = 0, have_lock = 0, have_cond = 0;

    if (alog__queue_init(&lg->q, opt->queue_bytes ? opt->queue_bytes : DEFAULT_QUEUE_BYTES)) {
        err = errno;
        goto fail;
    }
    if (alog__files_init(&lg->files, opt->dir, opt->rollover, opt->utc != 0) != 0)
        goto fail;
    have_files = 1;
    lg->batch = malloc(ALOG__BATCH_BYTES);
    if (lg->batch == NULL)
        goto fail;
    if ((err = pthread_mutex_init(&lg->lock, NULL)) != 0)
        goto fail;
    have_lock = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    err = pthread_cond_init(&lg->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (err != 0)
        goto fail;
    have_cond = 1;

    lg->clock = opt->clock;
    lg->clock_ctx = opt->clock_ctx;
    lg->block_when_full = opt->block_when_full;
    lg->on_error = opt->on_error;
    lg->error_ctx = opt->error_ctx;
    if (lg->clock == NULL)
        alog__clock_init();

    /* The writer starts with every signal blocked: SIGXFSZ and SIGPIPE become errno values
     * and no signal meant for the application is ever delivered to it. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&lg->writer, NULL, alog__writer_main, lg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0)
        goto fail;
    return lg;

fail:
    if (have_cond)
        pthread_cond_destroy(&lg->cond);
    if (have_lock)
        pthread_mutex_destroy(&lg->lock);
    free(lg->batch);
    if (have_files)
        alog__files_destroy(&lg->files);
    alog__queue_destroy(&lg->q);
    free(lg);
    errno = err;
    return NULL;
}

/* With the default clock the stamp is a raw reading that the writer converts to ns: the
 * write path then costs one rdtsc, not a calibrated clock read. */
static int64_t stamp_now(alog *lg)
{
    return lg->clock != NULL ? lg->clock(lg->clock_ctx) : (int64_t)alog__clock_ticks();
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
    if (!atomic_load(&lg->stop_requested))
        pthread_cond_timedwait(&lg->cond, &lg->lock, &until);
    atomic_fetch_sub(&lg->space_waiters, 1);
    pthread_mutex_unlock(&lg->lock);
}

/* Reserve a record, counting the refusals. */
static int reserve(alog *lg, size_t len, int64_t stamp, uint32_t flags, alog__rec **r)
{
    for (;;) {
        int rc = alog__queue_reserve(&lg->q, len, stamp, flags, r);
        if (rc == ALOG_OK)
            return rc;
        if (rc == ALOG_EFULL && lg->block_when_full) {
            wait_for_room(lg);
            continue;
        }
        atomic_fetch_add_explicit(rc == ALOG_EFULL ? &lg->dropped_full : &lg->dropped_stopped, 1,
                                  memory_order_relaxed);
        return rc;
    }
}

int alog_write(alog *lg, const char *line, size_t len)
{
    if (lg == NULL || line == NULL || len > lg->q.max_len)
        return ALOG_EINVAL;
    alog__rec *r;
    int rc = reserve(lg, len, stamp_now(lg), 0, &r);
    if (rc != ALOG_OK)
        return rc;
    memcpy(alog__rec_payload(r), line, len);
    alog__queue_commit(r);
    return ALOG_OK;
}

int alog_write_at(alog *lg, int64_t stamp_ns, const char *line, size_t len)
{
    if (lg == NULL || line == NULL || len > lg->q.max_len)
        return ALOG_EINVAL;
    alog__rec *r;
    int rc = reserve(lg, len, stamp_ns, ALOG__REC_NS, &r);
    if (rc != ALOG_OK)
        return rc;
    memcpy(alog__rec_payload(r), line, len);
    alog__queue_commit(r);
    return ALOG_OK;
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
    if ((size_t)n > lg->q.max_len)
        return ALOG_EINVAL;
    /* Too long for the stack buffer: format again, straight into the reserved record. Its
     * terminating NUL lands on the byte that the commit turns into '\n'. */
    alog__rec *r;
    int rc = reserve(lg, (size_t)n, stamp_now(lg), 0, &r);
    if (rc != ALOG_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)alog__rec_payload(r), (size_t)n + 1, fmt, ap);
    va_end(ap);
    alog__queue_commit(r);
    return ALOG_OK;
}

int alog_stop(alog *lg, alog_stop_mode mode)
{
    if (lg == NULL)
        return -1;
    if (mode == ALOG_STOP_NOW)
        atomic_store(&lg->discard, 1);
    alog__queue_close(&lg->q);
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
        /* Every line accepted before this call lies below the head read now. */
        me.target = atomic_load(&lg->q.head) & ~ALOG__Q_CLOSED;
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
    pthread_cond_destroy(&lg->cond);
    pthread_mutex_destroy(&lg->lock);
    free(lg->batch);
    alog__files_destroy(&lg->files);
    alog__queue_destroy(&lg->q);
    free(lg);
}
