/*
 * The writer thread: takes the published lines off every lane, merging the lanes by stamp
 * (each lane, so each thread, in its own order), groups consecutive lines of one file into a
 * batch, hands the lane space back before the I/O and writes each batch with one write().
 * It also serves alog_flush, re-syncs the default clock, notices removed files and reports
 * errors, rate-limited. All signals are blocked on it (alog_open creates it so).
 *
 * zstd files: each batch is one zstd frame, compressed here (never on a producer). A frame
 * costs its header and starts with no history, so a batch for a compressed file is not
 * written at the end of every pass but kept, growing across passes, until it is full (256
 * KiB or BATCH_LINES), the next line is for another file, a second has passed (maintenance),
 * an alog_flush is answered, or the logger stops.
 *
 * Sleeping (alog_rest.h says when): the writer announces a deep sleep in
 * ALOG__ATTN_SLEEPING, runs a barrier on every thread and looks at the lanes once more. A
 * producer looks at the flag as it enters a write (after announcing itself in in_write), so
 * either it sees the flag (and wakes the writer, once, after publishing) or the writer sees
 * it in the write, or its line.
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
#include "alog_rest.h"

#define BATCH_LINES     4096
#define DRAIN_BYTES     (1024u * 1024u) /* ring bytes taken per pass before releasing them */
#define RELEASE_BYTES   (32u * 1024u)   /* lane bytes released at once */
#define MERGE_LANES     64              /* lanes merged in one pass; more wait a pass */
#define MAINTENANCE_NS  1000000000LL    /* clock re-sync and removed-file check: every 1 s */
#define REPORT_EVERY_NS 1000000000LL    /* at most one on_error call per second */
#define IDLE_FILE_TICKS 100000          /* a file unused for this many lines is closed */

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
    uint64_t lost_seen;         /* lost_io when the last flush was answered */
    int64_t idle_since;         /* monotonic ns of the last pass that found lines */
    int64_t newest;             /* the latest stamp taken: which periods are over */
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

/* A checksum that could not be written since the last look: reported (not a line lost). */
static void report_checksum(writer *w)
{
    alog__files *fs = &w->lg->files;
    if (fs->checksum_err != 0) {
        report(w, fs->checksum_err, "checksum", fs->checksum_name);
        fs->checksum_err = 0;
    }
}

static void flush_batch(writer *w)
{
    alog *lg = w->lg;
    if (w->n == 0)
        return;
    uint64_t out = 0;
    size_t whole = alog__files_append(&lg->files, w->slot, w->buf, w->len, w->ends, w->n, &out);
    add(&lg->written, whole);
    add(&lg->bytes_out, out);
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

/* A record's stamp in ns since the epoch. */
static int64_t stamp_ns(const alog *lg, const alog__rec *r)
{
    if ((r->len & ALOG__REC_NS) || lg->clock != NULL)
        return r->stamp;
    return alog__clock_ticks_to_ns((uint64_t)r->stamp);
}

/* One accepted line: into the batch of its file, or counted lost when that file can't open. */
static void take_line(writer *w, const alog__rec *r, int64_t stamp)
{
    alog *lg = w->lg;
    size_t bytes = (size_t)(r->len & ALOG__REC_LEN) + 1;
    const unsigned char *line = (const unsigned char *)(r + 1);
    w->bytes_in += bytes;
    if (stamp > w->newest)
        w->newest = stamp;

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
        /* Longer than a batch: written straight from the lane, before it is released. */
        uint32_t end = (uint32_t)bytes;
        uint64_t out = 0;
        size_t whole = alog__files_append(&lg->files, slot, line, bytes, &end, 1, &out);
        add(&lg->bytes_out, out);
        if (whole == 1) {
            add(&lg->written, 1);
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

/* Where the merge stands in one lane during a pass. */
typedef struct cursor {
    alog__lane *ln;
    uint64_t pos;         /* the next record */
    uint64_t end;         /* the head read at the start of the pass */
    uint64_t released;    /* tail as last stored */
    const alog__rec *rec; /* the record at pos */
    int64_t ns;           /* its stamp */
} cursor;

static void release(cursor *c)
{
    atomic_store_explicit(&c->ln->tail, c->pos, memory_order_release);
    c->released = c->pos;
}

/* Move a cursor to its next record of this pass; 0 when the lane is done for the pass. */
static int advance(const alog *lg, cursor *c, uint64_t budget_end)
{
    c->rec = c->pos < budget_end ? alog__lane_peek(c->ln, &c->pos, c->end) : NULL;
    if (c->rec == NULL)
        return 0;
    c->ns = stamp_ns(lg, c->rec);
    return 1;
}

/* Take the published records of every lane, merged by stamp, release their space, write
 * them. Returns the number of lane bytes consumed (0: nothing published). */
static uint64_t drain(writer *w, int discard)
{
    alog *lg = w->lg;
    cursor cur[MERGE_LANES];
    uint64_t budget[MERGE_LANES];
    size_t n = 0;
    uint64_t consumed = 0, taken = 0, discarded = 0;
    for (alog__lane *ln = atomic_load_explicit(&lg->lanes, memory_order_acquire);
         ln != NULL && n < MERGE_LANES; ln = ln->next) {
        uint64_t t = atomic_load_explicit(&ln->tail, memory_order_relaxed);
        uint64_t h = atomic_load_explicit(&ln->head, memory_order_acquire);
        if (h == t)
            continue;
        cur[n] = (cursor){.ln = ln, .pos = t, .end = h, .released = t};
        budget[n] = t + DRAIN_BYTES;
        consumed += h - t;
        if (advance(lg, &cur[n], budget[n])) {
            n++;
        } else {
            release(&cur[n]); /* only padding */
        }
    }
    while (n > 0) {
        size_t i = 0;
        for (size_t j = 1; j < n; j++) {
            if (cur[j].ns < cur[i].ns)
                i = j;
        }
        cursor *c = &cur[i];
        taken++;
        /* Looked at per line: ALOG_STOP_NOW may come while this pass waits on the disk. */
        discard = discard || atomic_load_explicit(&lg->discard, memory_order_relaxed);
        if (discard)
            discarded++;
        else
            take_line(w, c->rec, c->ns);
        c->pos += c->rec->size;
        /* Handed back while still in this core's cache, a batch at a time. */
        if (c->pos - c->released >= RELEASE_BYTES)
            release(c);
        if (!advance(lg, c, budget[i])) {
            consumed -= c->end - c->pos; /* left for the next pass */
            release(c);
            cur[i] = cur[n - 1];
            budget[i] = budget[n - 1];
            n--;
        }
    }
    add(&lg->taken, taken);
    add(&lg->discarded, discarded);
    add(&lg->bytes_in, w->bytes_in);
    w->bytes_in = 0;
    if (consumed == 0)
        return 0;
    if (atomic_load_explicit(&lg->space_waiters, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&lg->lock);
        pthread_cond_broadcast(&lg->cond);
        pthread_mutex_unlock(&lg->lock);
    }
    if (discard)
        discard_batch(w);
    else if (lg->files.zc == NULL)
        flush_batch(w); /* a zstd batch waits to grow (see the top of this file) */
    return consumed;
}

/* Whether every lane is drained and no producer is inside a write: after a stop, final. */
static int lanes_quiet(alog *lg)
{
    for (alog__lane *ln = atomic_load_explicit(&lg->lanes, memory_order_acquire); ln != NULL;
         ln = ln->next) {
        if (atomic_load_explicit(&ln->in_write, memory_order_acquire))
            return 0;
        if (atomic_load_explicit(&ln->head, memory_order_acquire) !=
            atomic_load_explicit(&ln->tail, memory_order_relaxed))
            return 0;
    }
    return 1;
}

/* Whether some lane holds published lines or has its producer inside a write (one that
 * looked at the flags before ALOG__ATTN_SLEEPING was set: its line is coming). */
static int lanes_busy(alog *lg)
{
    for (alog__lane *ln = atomic_load_explicit(&lg->lanes, memory_order_acquire); ln != NULL;
         ln = ln->next) {
        if (atomic_load_explicit(&ln->in_write, memory_order_acquire) ||
            atomic_load_explicit(&ln->head, memory_order_acquire) !=
                atomic_load_explicit(&ln->tail, memory_order_relaxed))
            return 1;
    }
    return 0;
}

static void futex_wait(alog *lg, uint32_t seen, long ns)
{
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    syscall(SYS_futex, &lg->wake, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

void alog__writer_wake(alog *lg)
{
    atomic_fetch_add_explicit(&lg->wake, 1, memory_order_release);
    syscall(SYS_futex, &lg->wake, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Nothing to do for a while: sleep until a producer, a flush or a stop wakes the writer. */
static void deep_sleep(alog *lg, uint32_t seen)
{
    atomic_fetch_or(&lg->attn, ALOG__ATTN_SLEEPING);
    alog__barrier_all(lg);
    if (!lanes_busy(lg) && !atomic_load(&lg->flush_pending) && !atomic_load(&lg->stop_requested))
        futex_wait(lg, seen, ALOG__DEEP_SLEEP_NS);
    atomic_fetch_and(&lg->attn, ~ALOG__ATTN_SLEEPING);
}

/* Take the waiting alog_flush calls, if any and none is being served, and note how far
 * each lane must be drained for them. */
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
    for (alog__lane *ln = atomic_load_explicit(&lg->lanes, memory_order_acquire); ln != NULL;
         ln = ln->next)
        ln->flush_target = atomic_load_explicit(&ln->head, memory_order_acquire);
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
    if (w->flushing == NULL)
        return;
    for (alog__lane *ln = atomic_load_explicit(&lg->lanes, memory_order_acquire); ln != NULL;
         ln = ln->next) {
        if (atomic_load_explicit(&ln->tail, memory_order_relaxed) < ln->flush_target)
            return;
    }
    flush_batch(w);
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

/* After a pass: nap, sleep until woken, or go on at once. */
static void rest(writer *w, uint64_t progress, uint32_t seen)
{
    alog *lg = w->lg;
    int pending = atomic_load_explicit(&lg->flush_pending, memory_order_relaxed);
    switch (alog__rest_after_pass(&w->idle_since, w->now, progress, pending, w->flushing != NULL)) {
    case ALOG__REST_GO_ON:
        break;
    case ALOG__REST_NAP:
        futex_wait(lg, seen, ALOG__NAP_NS);
        break;
    case ALOG__REST_DEEP:
        deep_sleep(lg, seen);
        break;
    }
}

void *alog__writer_main(void *arg)
{
    alog *lg = arg;
    static writer zero;
    writer w = zero;
    w.lg = lg;
    w.buf = lg->batch;
    int64_t last_maintenance = mono_ns();
    w.idle_since = last_maintenance;
    int discard = 0;

    for (;;) {
        uint32_t seen = atomic_load_explicit(&lg->wake, memory_order_acquire);
        int stopping = atomic_load_explicit(&lg->stop_requested, memory_order_acquire);
        discard = atomic_load_explicit(&lg->discard, memory_order_acquire);
        w.now = mono_ns();
        take_flushers(&w);
        uint64_t progress = drain(&w, discard);
        finish_flush(&w);
        if (w.now - last_maintenance >= MAINTENANCE_NS) {
            last_maintenance = w.now;
            if (lg->clock == NULL)
                alog__clock_resync();
            flush_batch(&w); /* a zstd batch waits at most a second, and its file stays open */
            uint64_t tick = lg->files.tick;
            alog__files_check(&lg->files, tick > IDLE_FILE_TICKS ? tick - IDLE_FILE_TICKS : 0);
            if (lg->files.checksum)
                alog__files_close_ended(&lg->files, w.newest);
            report_checksum(&w);
        }
        if (stopping) {
            /* Writes are refused and every producer still inside one is visible in
             * in_write: once the lanes are drained and quiet, nothing more can come. */
            if (lanes_quiet(lg))
                break;
            if (progress == 0)
                sched_yield(); /* a producer is between entering and publishing */
            continue;
        }
        rest(&w, progress, seen);
    }

    discard = atomic_load_explicit(&lg->discard, memory_order_acquire);
    if (discard)
        discard_batch(&w);
    else
        flush_batch(&w);
    int err = alog__files_close_all(&lg->files, !discard);
    if (err != 0)
        report(&w, err, "fsync", "files");
    report_checksum(&w);
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
