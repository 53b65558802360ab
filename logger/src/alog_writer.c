/*
 * The writer thread: takes committed lines off the ring in order, groups consecutive lines
 * of one file into a batch, hands the ring space back before the I/O and writes each batch
 * with one write(). It also re-syncs the default clock, notices removed files and reports
 * errors, rate-limited. All signals are blocked on it (alog_open creates it so).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alog_clock.h"
#include "alog_internal.h"

#define BATCH_LINES       4096
#define DRAIN_BYTES       (1024u * 1024u) /* ring bytes taken per pass before releasing them */
#define IDLE_WAIT_NS      1000000L        /* an idle writer looks again after 1 ms */
#define RELEASE_BYTES     (32u * 1024u)   /* ring bytes zeroed and released at once */
#define WRITER_SHORT_PASS (64u * 1024u)   /* ring bytes below which a pass counts as short */
#define MAINTENANCE_NS    1000000000LL    /* clock re-sync and removed-file check: every 1 s */
#define REPORT_EVERY_NS   1000000000LL    /* at most one on_error call per second */
#define IDLE_FILE_TICKS   100000          /* a file unused for this many lines is closed */

typedef struct writer {
    alog *lg;
    unsigned char *buf;         /* the batch: lines for one file */
    size_t len;                 /* bytes in buf */
    uint32_t ends[BATCH_LINES]; /* end offset of each line in buf */
    size_t n;                   /* lines in buf */
    int slot;                   /* file slot the batch is for */
    int64_t now;                /* monotonic ns, refreshed each pass */
    int64_t last_report;        /* monotonic ns of the last on_error call */
    uint64_t unreported;        /* errors since then */
    uint64_t bytes_in;          /* line bytes taken this pass, for lg->bytes_in */
    alog__flusher *flushing;    /* alog_flush calls being served */
    uint64_t flush_target;      /* the highest of their targets */
    uint64_t lost_seen;         /* lost_io when the last flush was answered */
    int flush_err;              /* errno of a write lost since then */
} writer;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void add(_Atomic uint64_t *counter, uint64_t n)
{
    /* Only this thread writes the counters: a plain load and store is enough. */
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static void report(writer *w, int err, const char *action, const char *name)
{
    alog *lg = w->lg;
    add(&lg->io_errors, 1);
    if (lg->on_error == NULL)
        return;
    if (w->last_report != 0 && w->now - w->last_report < REPORT_EVERY_NS) {
        w->unreported++;
        return;
    }
    char what[PATH_MAX + 128];
    if (w->unreported != 0)
        snprintf(what, sizeof what, "%s %s/%s (and %llu more errors in the last second)", action,
                 lg->files.dir, name, (unsigned long long)w->unreported);
    else
        snprintf(what, sizeof what, "%s %s/%s", action, lg->files.dir, name);
    w->unreported = 0;
    w->last_report = w->now;
    lg->on_error(lg->error_ctx, err, what);
}

static void flush_batch(writer *w)
{
    alog *lg = w->lg;
    if (w->n == 0)
        return;
    size_t whole = alog__files_append(&lg->files, w->slot, w->buf, w->len, w->ends, w->n);
    add(&lg->written, whole);
    add(&lg->bytes_out, whole == w->n ? w->len : (whole == 0 ? 0 : w->ends[whole - 1]));
    if (whole < w->n) {
        int err = errno;
        w->flush_err = err;
        add(&lg->lost_io, w->n - whole);
        report(w, err, "write", lg->files.slot[w->slot].period.name);
    }
    w->len = 0;
    w->n = 0;
}

static void discard_batch(writer *w)
{
    add(&w->lg->discarded, w->n);
    w->len = 0;
    w->n = 0;
}

static int batch_is_for(const writer *w, int64_t stamp)
{
    const alog_period *p = &w->lg->files.slot[w->slot].period;
    return stamp >= p->start_ns && stamp < p->end_ns;
}

/* One accepted line: into the batch of its file, or counted lost when that file can't open. */
static void take_line(writer *w, const alog__rec *r)
{
    alog *lg = w->lg;
    int64_t stamp = (r->len & ALOG__REC_NS) || lg->clock != NULL
                        ? r->stamp
                        : alog__clock_ticks_to_ns((uint64_t)r->stamp);
    size_t bytes = (size_t)(r->len & ALOG__REC_LEN) + 1;
    w->bytes_in += bytes;
    const unsigned char *line = (const unsigned char *)(r + 1);

    /* The common case: one more line for the file the batch is already for. */
    if (w->n != 0 && w->n < BATCH_LINES && w->len + bytes <= ALOG__BATCH_BYTES &&
        batch_is_for(w, stamp)) {
        memcpy(w->buf + w->len, line, bytes);
        w->len += bytes;
        w->ends[w->n++] = (uint32_t)w->len;
        return;
    }
    /* Flush before a lookup that may close the batch's file to make room for another. */
    if (w->n != 0 && !batch_is_for(w, stamp))
        flush_batch(w);
    uint64_t opened_before = lg->files.opened;
    int slot = alog__files_get(&lg->files, stamp, w->now);
    add(&lg->files_opened, lg->files.opened - opened_before);
    if (slot < 0) {
        add(&lg->lost_io, 1);
        w->flush_err = errno;
        if (slot == -1)
            report(w, errno, "open", lg->files.failed.name);
        return;
    }
    if (slot != w->slot || w->len + bytes > ALOG__BATCH_BYTES || w->n == BATCH_LINES)
        flush_batch(w);
    w->slot = slot;
    if (bytes > ALOG__BATCH_BYTES) {
        /* Longer than a batch: written straight from the ring, before it is released. */
        uint32_t end = (uint32_t)bytes;
        size_t whole = alog__files_append(&lg->files, slot, line, bytes, &end, 1);
        if (whole == 1) {
            add(&lg->written, 1);
            add(&lg->bytes_out, bytes);
        } else {
            w->flush_err = errno;
            add(&lg->lost_io, 1);
            report(w, errno, "write", lg->files.slot[slot].period.name);
        }
        return;
    }
    memcpy(w->buf + w->len, line, bytes);
    w->len += bytes;
    w->ends[w->n++] = (uint32_t)w->len;
}

/* Take the committed records at the tail, below `limit`, release their space, write them.
 * Returns the number of ring bytes consumed (0: nothing committed yet). */
static uint64_t drain(writer *w, int discard, uint64_t limit)
{
    alog__queue *q = &w->lg->q;
    uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire) & ~ALOG__Q_CLOSED;
    if (head > limit)
        head = limit;
    uint64_t pos = tail;
    uint64_t taken = 0, discarded = 0;
    while (pos < head && pos - tail < DRAIN_BYTES) {
        const alog__rec *r = alog__queue_peek(q, pos);
        if (r == NULL)
            break; /* its producer is still copying: the next pass takes it */
        if (r->len != ALOG__REC_PAD) {
            taken++;
            /* Looked at per line: ALOG_STOP_NOW may come while this pass waits on the disk. */
            discard = discard || atomic_load_explicit(&w->lg->discard, memory_order_relaxed);
            if (discard)
                discarded++;
            else
                take_line(w, r);
        }
        pos += atomic_load_explicit(&((alog__rec *)(uintptr_t)r)->size, memory_order_relaxed);
        /* Zeroed and handed back while still in this core's cache. */
        if (pos - atomic_load_explicit(&q->tail, memory_order_relaxed) >= RELEASE_BYTES)
            alog__queue_release(q, pos);
    }
    add(&w->lg->taken, taken);
    add(&w->lg->discarded, discarded);
    add(&w->lg->bytes_in, w->bytes_in);
    w->bytes_in = 0;
    if (pos == tail)
        return 0;
    alog__queue_release(q, pos);
    if (atomic_load_explicit(&w->lg->space_waiters, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&w->lg->lock);
        pthread_cond_broadcast(&w->lg->cond);
        pthread_mutex_unlock(&w->lg->lock);
    }
    if (discard)
        discard_batch(w);
    else
        flush_batch(w);
    return pos - tail;
}

static void idle_wait(alog *lg, uint32_t seen)
{
    struct timespec ts = {0, IDLE_WAIT_NS};
    syscall(SYS_futex, &lg->wake, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

void alog__writer_wake(alog *lg)
{
    atomic_fetch_add_explicit(&lg->wake, 1, memory_order_release);
    syscall(SYS_futex, &lg->wake, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Take the waiting alog_flush calls, if any and none is being served. */
static void take_flushers(writer *w)
{
    alog *lg = w->lg;
    if (w->flushing != NULL || !atomic_load_explicit(&lg->flush_pending, memory_order_acquire))
        return;
    pthread_mutex_lock(&lg->lock);
    w->flushing = lg->flushers;
    lg->flushers = NULL;
    atomic_store_explicit(&lg->flush_pending, 0, memory_order_relaxed);
    pthread_mutex_unlock(&lg->lock);
    w->flush_target = 0;
    for (alog__flusher *f = w->flushing; f != NULL; f = f->next)
        w->flush_target = f->target > w->flush_target ? f->target : w->flush_target;
}

/* Answer a list of flushers with `err`. Under lock. */
static void answer_flushers(alog__flusher *list, int err)
{
    for (alog__flusher *f = list; f != NULL; f = f->next) {
        f->err = err;
        f->done = 1;
    }
}

/* Once the lines of the flushers being served are all written: sync, then answer them. */
static void finish_flush(writer *w)
{
    alog *lg = w->lg;
    if (w->flushing == NULL ||
        atomic_load_explicit(&lg->q.tail, memory_order_relaxed) < w->flush_target)
        return;
    int err = alog__files_sync(&lg->files);
    if (err != 0)
        report(w, err, "fsync", "files");
    uint64_t lost = atomic_load_explicit(&lg->lost_io, memory_order_relaxed);
    if (err == 0 && lost != w->lost_seen)
        err = w->flush_err != 0 ? w->flush_err : EIO;
    if (atomic_load_explicit(&lg->discarded, memory_order_relaxed) != 0)
        err = ECANCELED; /* ALOG_STOP_NOW came while they waited */
    w->lost_seen = lost;
    w->flush_err = 0;
    pthread_mutex_lock(&lg->lock);
    answer_flushers(w->flushing, err);
    w->flushing = NULL;
    pthread_cond_broadcast(&lg->cond);
    pthread_mutex_unlock(&lg->lock);
}

void *alog__writer_main(void *arg)
{
    alog *lg = arg;
    static writer zero;
    writer w = zero;
    w.lg = lg;
    w.buf = lg->batch;
    int64_t last_maintenance = mono_ns();
    int discard = 0;

    for (;;) {
        uint32_t seen = atomic_load_explicit(&lg->wake, memory_order_acquire);
        int stopping = atomic_load_explicit(&lg->stop_requested, memory_order_acquire);
        discard = atomic_load_explicit(&lg->discard, memory_order_acquire);
        w.now = mono_ns();
        take_flushers(&w);
        uint64_t progress = drain(&w, discard, w.flushing != NULL ? w.flush_target : UINT64_MAX);
        finish_flush(&w);
        if (w.now - last_maintenance >= MAINTENANCE_NS) {
            last_maintenance = w.now;
            if (lg->clock == NULL)
                alog__clock_resync();
            uint64_t tick = lg->files.tick;
            alog__files_check(&lg->files, tick > IDLE_FILE_TICKS ? tick - IDLE_FILE_TICKS : 0);
        }
        if (stopping) {
            /* The queue is closed: everything accepted lies below its head. */
            uint64_t end =
                atomic_load_explicit(&lg->q.head, memory_order_acquire) & ~ALOG__Q_CLOSED;
            if (atomic_load_explicit(&lg->q.tail, memory_order_relaxed) == end)
                break;
            if (progress == 0)
                sched_yield(); /* a producer is between reserving and committing */
            continue;
        }
        /* A short pass means the writer is chasing the producers: it would read and write
         * the very cache lines they are filling. Letting lines pile up for a moment keeps
         * the write path free of those misses and makes the batches larger. */
        if (progress < WRITER_SHORT_PASS &&
            !atomic_load_explicit(&lg->flush_pending, memory_order_relaxed))
            idle_wait(lg, seen);
    }

    discard = atomic_load_explicit(&lg->discard, memory_order_acquire);
    int err = alog__files_close_all(&lg->files, !discard);
    if (err != 0)
        report(&w, err, "fsync", "files");
    /* Flushers still waiting: their lines were all written and synced, or discarded. */
    uint64_t lost = atomic_load_explicit(&lg->lost_io, memory_order_relaxed);
    if (err == 0 && lost != w.lost_seen)
        err = w.flush_err != 0 ? w.flush_err : EIO;
    if (discard && atomic_load_explicit(&lg->discarded, memory_order_relaxed) != 0)
        err = ECANCELED;
    pthread_mutex_lock(&lg->lock);
    answer_flushers(w.flushing, err);
    answer_flushers(lg->flushers, err);
    lg->flushers = NULL;
    lg->writer_done = 1;
    pthread_cond_broadcast(&lg->cond);
    pthread_mutex_unlock(&lg->lock);
    return NULL;
}
