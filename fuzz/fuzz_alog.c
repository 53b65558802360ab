/*
 * Fuzz target: alog driven by a sequence of operations, checked against the files.
 *
 * The input is two bytes of options, then operations, each an opcode byte (taken modulo 11)
 * and its arguments (missing bytes read as 0):
 *   options  bit 0: 5sec (else daily)     bit 1: utc (else local time in one of four zones,
 *            bits 2-3: queue 4 KiB, 64 KiB, 1 MiB or the default    bits 6-7: see zones[])
 *            bit 4: block_when_full       bit 5: dir missing (alog creates it and a parent)
 *   second   bit 0: ALOG_COMPRESS_ZSTD (files YYYYMMDD.txt.zst...)
 *            bit 1: reopening: each stop (9) is checked as the end of a run below, then the
 *            logger is closed, the newest line's file torn (cut short by the square of the
 *            stop's u8 >> 1 bytes, as a crash would leave it) and a new logger opened on the
 *            directory, which must repair the tear and append after what is left
 *            bits 2-7: unused
 *   0, 1, 2  alog_write   LEN(u16) LIT(u8) LIT bytes: a line of LEN bytes (LEN's top bit:
 *                         (LEN & 0x7fff) << 5 bytes), the first LIT of them from the input,
 *                         the rest a pattern
 *   3        alog_printf  same arguments, formatted with "%.*s" (so it ends at a NUL)
 *   4        clock += u8 * 100 ms          5  clock to the next 5 s boundary, minus u8 % 2 ns
 *   6        clock += u16 minutes          7  clock = i64 (any value: negative, year > 9999)
 *   8        clock -= u16 seconds (a late line goes to its own period's file)
 *   9        alog_stop    u8 odd: ALOG_STOP_NOW, even: ALOG_STOP_FLUSH (reopening: see above)
 *   10       alog_get_stats (counters never go back) and alog_write(lg, NULL, 0)
 * The clock starts 10 s before 2021-10-31 01:00 UTC, a DST change in Europe.
 *
 * After the stop (ALOG_STOP_FLUSH at the end if the input has none): every call counted in
 * exactly one of accepted, dropped_full, dropped_stopped or an ALOG_EINVAL result, as this
 * harness counted them; accepted == written + discarded + lost_io; without ALOG_STOP_NOW
 * nothing discarded and only lines of unrepresentable stamps lost; a loss is told to
 * on_error (at most once per error counted) with a message. The directory holds
 * exactly the files of the written lines' periods, named YYYYMMDD.txt or
 * YYYYMMDDHHMM{i}.txt (i = second / 5) as computed here from localtime_r/gmtime_r, each
 * holding exactly its lines in the order they were accepted: the first `written` lines of
 * representable stamps (ALOG_STOP_NOW may only cut off the end). With zstd the names end
 * in .zst and each file is a valid zstd stream, nothing after its last frame, that decodes
 * to exactly what the plain file would hold. A file of an earlier logger (reopening) holds
 * what it held when that logger closed, less the torn tail (a zstd file: less its frames cut
 * short, which the next logger must remove), then the new logger's lines. Any violation
 * aborts.
 *
 * Each input gets its own directory under $TMPDIR (else /dev/shm if it has 1 GiB free, else
 * /tmp), removed after.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "alog.h"
#include "fuzz_check.h"
#include "fuzz_file.h"

#define SEC          1000000000LL
#define START_NS     ((1635642000LL - 10) * SEC)
#define BUDGET_BYTES ((size_t)8 << 20) /* line bytes per input, so a run stays fast */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Local time zones as POSIX TZ strings (no tzdata needed): Europe's DST rules; Sao Paulo's
 * of 2018, whose DST began at midnight (a day without 00:00) and ended at midnight (23:00
 * twice); Chatham's +13:45; and offsets in odd seconds that change by 28 s, as local mean
 * times did (Amsterdam went from +0:19:32 to +0:20 in 1937), so that a change falls inside
 * a 5-second period. */
static const char *const zones[4] = {
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "<-03>3<-02>,M11.1.0/0,M2.3.0/0",
    "<+1345>-13:45<+1445>,M9.5.0/2:45,M4.1.0/3:45",
    "<+001932>-0:19:32<+0020>-0:20,M3.5.0/2,M10.5.0/3",
};

static const size_t queues[4] = {4096, 65536, (size_t)1 << 20, 0};

typedef struct line {
    size_t off; /* in the run's text */
    size_t len;
    int64_t stamp; /* the clock when it was accepted */
    char name[32]; /* its period's file, "" when the stamp is unrepresentable */
} line;

/* A file as an earlier logger left it (reopening): its name and text (decoded). */
typedef struct kept_file {
    char name[32];
    char *text;
    size_t len;
    size_t raw_len;   /* its size */
    size_t whole_len; /* the size of its whole frames: what a repair leaves */
} kept_file;

typedef struct run {
    const uint8_t *p, *end;     /* what is left of the input */
    _Atomic int64_t now;        /* the injected clock */
    atomic_int errors_reported; /* on_error calls */
    int five_sec, utc, zstd, reopening;
    char dir[PATH_MAX]; /* what alog writes to */
    char top[PATH_MAX]; /* what this run removes */
    line *lines;        /* accepted, in order */
    size_t n, cap;
    size_t first;    /* lines[first..n): the current logger's */
    kept_file *kept; /* the files when the current logger opened */
    size_t n_kept;
    char *text; /* their bytes */
    size_t text_len, text_cap;
    char *scratch; /* the line being built */
    size_t scratch_cap;
    uint64_t ok, full, stopped, inval; /* results as counted here */
    int stops, now_stop;
} run;

static char base[PATH_MAX];
static int verbose; /* FUZZ_VERBOSE=1: a line about each input on stderr */

/* Called on the writer thread: errnum and what must say something. */
static void on_error(void *ctx, int errnum, const char *what)
{
    run *r = ctx;
    FUZZ_CHECK(errnum != 0 && what != NULL && what[0] != '\0', "on_error(%d, %s)", errnum,
               what != NULL ? what : "NULL");
    atomic_fetch_add(&r->errors_reported, 1);
}

static int64_t read_clock(void *ctx)
{
    run *r = ctx;
    return atomic_load(&r->now);
}

static unsigned take_u8(run *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static unsigned take_u16(run *r)
{
    unsigned lo = take_u8(r);
    return lo | take_u8(r) << 8;
}

static int64_t take_i64(run *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)take_u8(r) << (8 * i);
    return (int64_t)v;
}

/* t + d, held at the ends of int64. */
static int64_t add_sat(int64_t t, int64_t d)
{
    if (d > 0 && t > INT64_MAX - d)
        return INT64_MAX;
    if (d < 0 && t < INT64_MIN - d)
        return INT64_MIN;
    return t + d;
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * elem);
    FUZZ_CHECK(q != NULL, "out of memory");
    *cap = c;
    return q;
}

/* The file of a stamp's period, computed independently of alog: "" if unrepresentable. */
static void period_name(const run *r, int64_t stamp, char *out, size_t len)
{
    out[0] = '\0';
    if (stamp < 0)
        return;
    time_t s = (time_t)(stamp / SEC);
    struct tm tm;
    if ((r->utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm)) == NULL)
        return;
    long year = (long)tm.tm_year + 1900;
    if (year > 9999)
        return;
    if (r->five_sec)
        snprintf(out, len, "%04ld%02d%02d%02d%02d%d.txt", year, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec / 5);
    else
        snprintf(out, len, "%04ld%02d%02d.txt", year, tm.tm_mon + 1, tm.tm_mday);
    if (r->zstd)
        strcat(out, ".zst");
}

static void accepted(run *r, const char *text, size_t len, int64_t stamp)
{
    r->lines = grow(r->lines, &r->cap, r->n + 1, sizeof *r->lines);
    r->text = grow(r->text, &r->text_cap, r->text_len + len + 1, 1);
    line *l = &r->lines[r->n++];
    l->off = r->text_len;
    l->len = len;
    l->stamp = stamp;
    period_name(r, stamp, l->name, sizeof l->name);
    memcpy(r->text + r->text_len, text, len);
    r->text_len += len;
}

/* The longest line that must be accepted: half the ring, less its record's header. */
static size_t sure_fit(size_t queue)
{
    size_t cap = 4096;
    size_t want = queue ? queue : (size_t)4 << 20;
    while (cap < want)
        cap <<= 1;
    return cap / 2 - 64;
}

static void count(run *r, int rc, int stopped)
{
    switch (rc) {
    case ALOG_OK:
        FUZZ_CHECK(!stopped, "accepted after a stop");
        r->ok++;
        break;
    case ALOG_EFULL:
        FUZZ_CHECK(!stopped, "EFULL after a stop");
        r->full++;
        break;
    case ALOG_ESTOPPED:
        FUZZ_CHECK(stopped, "ESTOPPED while running");
        r->stopped++;
        break;
    case ALOG_EINVAL:
        r->inval++;
        break;
    default:
        FUZZ_CHECK(0, "result %d", rc);
    }
}

static void op_write(run *r, alog *lg, int use_printf, size_t queue, int block)
{
    unsigned len16 = take_u16(r);
    size_t len = len16 & 0x8000u ? (size_t)(len16 & 0x7fffu) << 5 : len16;
    if (len > BUDGET_BYTES - r->text_len)
        len = BUDGET_BYTES - r->text_len;
    size_t lit = take_u8(r);
    if (lit > len)
        lit = len;
    if (lit > (size_t)(r->end - r->p))
        lit = (size_t)(r->end - r->p);
    r->scratch = grow(r->scratch, &r->scratch_cap, len + 1, 1);
    memcpy(r->scratch, r->p, lit);
    r->p += lit;
    for (size_t i = lit; i < len; i++)
        r->scratch[i] = (char)('a' + (i + r->n) % 26);
    r->scratch[len] = '\0';

    int64_t stamp = atomic_load(&r->now);
    int rc;
    size_t kept = len;
    if (use_printf) {
        rc = alog_printf(lg, "%.*s", (int)len, r->scratch);
        kept = strnlen(r->scratch, len);
    } else {
        rc = alog_write(lg, r->scratch, len);
    }
    count(r, rc, r->stops > 0);
    if (rc == ALOG_OK)
        accepted(r, r->scratch, kept, stamp);
    if (kept <= sure_fit(queue))
        FUZZ_CHECK(rc != ALOG_EINVAL, "a line of %zu bytes refused by a queue of %zu", kept, queue);
    if (block)
        FUZZ_CHECK(rc != ALOG_EFULL, "EFULL with block_when_full");
}

static void check_monotonic(const alog_stats *was, const alog_stats *now)
{
    FUZZ_CHECK(now->accepted >= was->accepted && now->written >= was->written &&
                   now->dropped_full >= was->dropped_full &&
                   now->dropped_stopped >= was->dropped_stopped &&
                   now->discarded >= was->discarded && now->lost_io >= was->lost_io &&
                   now->files_opened >= was->files_opened && now->io_errors >= was->io_errors,
               "a counter went back");
}

static int by_name_then_order(const void *a, const void *b)
{
    const line *x = *(const line *const *)a, *y = *(const line *const *)b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* A file's text: as it is, or decoded when it is zstd. NULL when it cannot be read. */
static char *read_text(const run *r, const char *path, const char *name, size_t *len)
{
    char *raw = fuzz_read_file(path, len);
    if (raw == NULL || !r->zstd)
        return raw;
    char *text = fuzz_decode_zst(name, raw, *len, len);
    free(raw);
    return text;
}

/* A file's text as far as it holds whole lines' frames: as it is, or when it is zstd, its
 * whole frames decoded (a torn last frame left out, as the next logger to append must cut
 * it). Its size in *raw_len. */
static char *read_whole_frames(const run *r, const char *path, const char *name, size_t *len,
                               size_t *raw_len, size_t *whole_len)
{
    char *raw = fuzz_read_file(path, raw_len);
    FUZZ_CHECK(raw != NULL, "%s: %s", name, strerror(errno));
    *len = *raw_len;
    *whole_len = *raw_len;
    if (!r->zstd)
        return raw;
    size_t whole = 0;
    while (whole < *raw_len) {
        size_t n = ZSTD_findFrameCompressedSize(raw + whole, *raw_len - whole);
        if (ZSTD_isError(n))
            break;
        whole += n;
    }
    *whole_len = whole;
    char *text = fuzz_decode_zst(name, raw, whole, len);
    free(raw);
    return text;
}

static const kept_file *kept_file_named(const run *r, const char *name)
{
    for (size_t k = 0; k < r->n_kept; k++)
        if (strcmp(r->kept[k].name, name) == 0)
            return &r->kept[k];
    return NULL;
}

/* The directory holds exactly the first `written` representable lines of the current logger,
 * each in its file after what the file held when the logger opened, and those files. */
static void check_files(const run *r, uint64_t written, uint64_t opened)
{
    const line **w = malloc((r->n ? r->n : 1) * sizeof *w);
    FUZZ_CHECK(w != NULL, "out of memory");
    size_t m = 0;
    for (size_t i = r->first; i < r->n && m < written; i++)
        if (r->lines[i].name[0] != '\0')
            w[m++] = &r->lines[i];
    FUZZ_CHECK(m == written, "%llu written, but only %zu representable lines accepted",
               (unsigned long long)written, m);
    qsort(w, m, sizeof *w, by_name_then_order);

    size_t files = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        const kept_file *was = kept_file_named(r, w[i]->name);
        size_t at = was != NULL ? was->len : 0;
        size_t want = at;
        while (j < m && strcmp(w[j]->name, w[i]->name) == 0)
            want += w[j++]->len + 1;
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", r->dir, w[i]->name);
        size_t got;
        char *text = read_text(r, path, w[i]->name, &got);
        FUZZ_CHECK(text != NULL, "%s: missing (%s)", w[i]->name, strerror(errno));
        FUZZ_CHECK(got == want, "%s: %zu bytes, %zu expected", w[i]->name, got, want);
        FUZZ_CHECK(at == 0 || memcmp(text, was->text, at) == 0,
                   "%s: what an earlier logger left is not at its start", w[i]->name);
        for (size_t k = i; k < j; k++) {
            const line *l = w[k];
            FUZZ_CHECK(memcmp(text + at, r->text + l->off, l->len) == 0 &&
                           text[at + l->len] == '\n',
                       "%s: line %zu (stamp %lld) not where it belongs", w[i]->name,
                       (size_t)(l - r->lines), (long long)l->stamp);
            at += l->len + 1;
        }
        free(text);
        files++;
        i = j;
    }

    /* Nothing else, but the empty file of a line that ALOG_STOP_NOW discarded. */
    DIR *d = opendir(r->dir);
    FUZZ_CHECK(d != NULL || (errno == ENOENT && files == 0), "%s: %s", r->dir, strerror(errno));
    size_t seen = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int known = 0;
        for (size_t k = 0; k < m && !known; k++)
            known = strcmp(w[k]->name, e->d_name) == 0;
        if (known) {
            seen++;
            continue;
        }
        const kept_file *was = kept_file_named(r, e->d_name);
        if (was != NULL) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
            /* As it was, or repaired: a logger that opened it for a line ALOG_STOP_NOW then
             * discarded cut its torn frames off. */
            size_t got, raw_len, whole_len;
            char *text = read_whole_frames(r, path, e->d_name, &got, &raw_len, &whole_len);
            FUZZ_CHECK((raw_len == was->raw_len || raw_len == was->whole_len) && got == was->len &&
                           memcmp(text, was->text, got) == 0,
                       "%s: not as an earlier logger left it", e->d_name);
            free(text);
            continue;
        }
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
        struct stat st;
        FUZZ_CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode), "%s: not a file", e->d_name);
        int named = 0;
        for (size_t k = r->first; k < r->n && !named; k++)
            named = strcmp(r->lines[k].name, e->d_name) == 0;
        FUZZ_CHECK(r->now_stop && st.st_size == 0 && named, "%s: a file of no written line",
                   e->d_name);
    }
    if (d != NULL)
        closedir(d);
    FUZZ_CHECK(seen == files, "%zu files found of %zu", seen, files);
    FUZZ_CHECK(opened >= files, "%zu files written, %llu opened", files,
               (unsigned long long)opened);
    free(w);
}

static void check_final(const run *r, alog *lg, uint64_t unrepresentable)
{
    alog_stats st;
    alog_get_stats(lg, &st);
    FUZZ_CHECK(st.accepted == r->ok, "accepted %llu, ALOG_OK %llu", (unsigned long long)st.accepted,
               (unsigned long long)r->ok);
    FUZZ_CHECK(st.dropped_full == r->full, "dropped_full %llu, ALOG_EFULL %llu",
               (unsigned long long)st.dropped_full, (unsigned long long)r->full);
    FUZZ_CHECK(st.dropped_stopped == r->stopped, "dropped_stopped %llu, ALOG_ESTOPPED %llu",
               (unsigned long long)st.dropped_stopped, (unsigned long long)r->stopped);
    FUZZ_CHECK(st.accepted == st.written + st.discarded + st.lost_io,
               "accepted %llu != written %llu + discarded %llu + lost_io %llu",
               (unsigned long long)st.accepted, (unsigned long long)st.written,
               (unsigned long long)st.discarded, (unsigned long long)st.lost_io);
    FUZZ_CHECK(st.lost_io <= unrepresentable, "lost_io %llu, only %llu unrepresentable",
               (unsigned long long)st.lost_io, (unsigned long long)unrepresentable);
    int told = atomic_load(&r->errors_reported);
    FUZZ_CHECK(st.lost_io == 0 || told > 0, "%llu lines lost, on_error never told",
               (unsigned long long)st.lost_io);
    FUZZ_CHECK((uint64_t)told <= st.io_errors, "on_error told %d times of %llu errors", told,
               (unsigned long long)st.io_errors);
    if (!r->now_stop) {
        FUZZ_CHECK(st.discarded == 0, "%llu discarded without ALOG_STOP_NOW",
                   (unsigned long long)st.discarded);
        FUZZ_CHECK(st.lost_io == unrepresentable, "lost_io %llu, %llu unrepresentable",
                   (unsigned long long)st.lost_io, (unsigned long long)unrepresentable);
    }
    check_files(r, st.written, st.files_opened);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Opcodes 4 to 8: move the injected clock. */
static void op_clock(run *r, unsigned op)
{
    int64_t t = atomic_load(&r->now);
    switch (op) {
    case 4:
        atomic_store(&r->now, add_sat(t, (int64_t)take_u8(r) * 100000000LL));
        break;
    case 5: {
        unsigned back = take_u8(r) % 2;
        if (t >= 0 && t < INT64_MAX - 5 * SEC)
            atomic_store(&r->now, (t / (5 * SEC) + 1) * 5 * SEC - back);
        break;
    }
    case 6:
        atomic_store(&r->now, add_sat(t, (int64_t)take_u16(r) * 60 * SEC));
        break;
    case 7:
        atomic_store(&r->now, take_i64(r));
        break;
    case 8:
        atomic_store(&r->now, add_sat(t, -(int64_t)take_u16(r) * SEC));
        break;
    }
}

/* Opcode 9: only the first stop may succeed; its mode decides what the files may lack.
 * Returns its argument. */
static unsigned op_stop(run *r, alog *lg)
{
    unsigned arg = take_u8(r);
    int now_mode = arg & 1u;
    int rc = alog_stop(lg, now_mode ? ALOG_STOP_NOW : ALOG_STOP_FLUSH);
    FUZZ_CHECK(rc == (r->stops == 0 ? 0 : -1), "alog_stop returned %d after %d stops", rc,
               r->stops);
    if (r->stops == 0)
        r->now_stop = now_mode;
    r->stops++;
    return arg;
}

/* Opcode 10. `last`: what the previous call saw, which no counter may now be below. */
static void op_stats(run *r, alog *lg, alog_stats *last)
{
    alog_stats st;
    alog_get_stats(lg, &st);
    check_monotonic(last, &st);
    FUZZ_CHECK(st.accepted <= r->ok, "accepted %llu of %llu ALOG_OK",
               (unsigned long long)st.accepted, (unsigned long long)r->ok);
    *last = st;
    int rc = alog_write(lg, NULL, 0);
    FUZZ_CHECK(rc == ALOG_EINVAL, "alog_write(NULL) returned %d", rc);
    r->inval++;
}

/* The options bytes (see the top): the run's zone, its directory (made here) and alog's options. */
static alog_options run_options(run *r)
{
    unsigned opt_bits = take_u8(r);
    unsigned second = take_u8(r);
    r->zstd = second & 1u;
    r->reopening = (second >> 1) & 1u;
    r->five_sec = opt_bits & 1u;
    r->utc = (opt_bits >> 1) & 1u;
    setenv("TZ", zones[(opt_bits >> 6) & 3u], 1);
    tzset(); /* localtime_r need not read TZ again by itself */

    snprintf(r->top, sizeof r->top, "%s/run-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(r->top) != NULL, "mkdtemp %s: %s", r->top, strerror(errno));
    snprintf(r->dir, sizeof r->dir, "%s%s", r->top, (opt_bits >> 5) & 1u ? "/a/b" : "");

    alog_options opt = {
        .dir = r->dir,
        .rollover = r->five_sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
        .utc = r->utc,
        .queue_bytes = queues[(opt_bits >> 2) & 3u],
        .block_when_full = (opt_bits >> 4) & 1u,
        .clock = read_clock,
        .clock_ctx = r,
        .on_error = on_error,
        .error_ctx = r,
        .compress = r->zstd ? ALOG_COMPRESS_ZSTD : ALOG_COMPRESS_NONE,
    };
    return opt;
}

/* The end of a logger's run: stopped (ALOG_STOP_FLUSH when no stop came), its counters and
 * its files checked. `last`: the stats op_stats saw last. */
static void finish_logger(run *r, alog *lg, const alog_stats *last)
{
    if (r->stops == 0)
        FUZZ_CHECK(alog_stop(lg, ALOG_STOP_FLUSH) == 0, "alog_stop failed");
    uint64_t unrepresentable = 0;
    for (size_t i = r->first; i < r->n; i++)
        unrepresentable += r->lines[i].name[0] == '\0';
    alog_stats st;
    alog_get_stats(lg, &st);
    check_monotonic(last, &st);
    check_final(r, lg, unrepresentable);
    if (verbose)
        fprintf(stderr,
                "fuzz_alog: %zu accepted (%llu unrepresentable), %llu EFULL, %llu ESTOPPED, "
                "%llu EINVAL; written %llu, discarded %llu, lost_io %llu, files %llu\n",
                r->n - r->first, (unsigned long long)unrepresentable, (unsigned long long)r->full,
                (unsigned long long)r->stopped, (unsigned long long)r->inval,
                (unsigned long long)st.written, (unsigned long long)st.discarded,
                (unsigned long long)st.lost_io, (unsigned long long)st.files_opened);
}

static void free_kept(run *r)
{
    for (size_t k = 0; k < r->n_kept; k++)
        free(r->kept[k].text);
    free(r->kept);
    r->kept = NULL;
    r->n_kept = 0;
}

/* Reopening, the logger closed: cut the file of the newest line short by `cut` bytes (a crash
 * in the middle of a write), then note every file as the next logger must find it. */
static void keep_files(run *r, size_t cut)
{
    free_kept(r);
    char path[PATH_MAX + 300];
    struct stat st;
    size_t newest = r->n;
    while (newest > 0 && r->lines[newest - 1].name[0] == '\0')
        newest--;
    if (cut > 0 && newest > 0) {
        snprintf(path, sizeof path, "%s/%s", r->dir, r->lines[newest - 1].name);
        if (stat(path, &st) == 0) {
            off_t size = (off_t)cut < st.st_size ? st.st_size - (off_t)cut : 0;
            FUZZ_CHECK(truncate(path, size) == 0, "truncate %s: %s", path, strerror(errno));
            if (verbose)
                fprintf(stderr, "fuzz_alog: %s cut from %lld to %lld bytes\n",
                        r->lines[newest - 1].name, (long long)st.st_size, (long long)size);
        }
    }
    DIR *d = opendir(r->dir);
    FUZZ_CHECK(d != NULL || errno == ENOENT, "%s: %s", r->dir, strerror(errno));
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        r->kept = realloc(r->kept, (r->n_kept + 1) * sizeof *r->kept);
        FUZZ_CHECK(r->kept != NULL, "out of memory");
        kept_file *k = &r->kept[r->n_kept++];
        FUZZ_CHECK(strlen(e->d_name) < sizeof k->name, "%s: not a name of alog's", e->d_name);
        strcpy(k->name, e->d_name);
        snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
        k->text = read_whole_frames(r, path, e->d_name, &k->len, &k->raw_len, &k->whole_len);
    }
    if (d != NULL)
        closedir(d);
}

/* Opcode 9 when reopening: the stop, the end of the logger's run checked, the tear, and a
 * new logger on the same directory, with a run of its own. */
static alog *op_reopen(run *r, alog *lg, const alog_options *opt, alog_stats *last)
{
    unsigned root = op_stop(r, lg) >> 1;
    finish_logger(r, lg, last);
    alog_close(lg);
    keep_files(r, (size_t)root * root);
    r->first = r->n;
    r->ok = r->full = r->stopped = r->inval = 0;
    r->stops = r->now_stop = 0;
    atomic_store(&r->errors_reported, 0);
    memset(last, 0, sizeof *last);
    alog *next = alog_open(opt);
    FUZZ_CHECK(next != NULL, "alog_open again: %s", strerror(errno));
    return next;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static run zero;
    run *r = malloc(sizeof *r);
    FUZZ_CHECK(r != NULL, "out of memory");
    *r = zero;
    r->p = data;
    r->end = data + size;
    atomic_init(&r->now, START_NS);
    atomic_init(&r->errors_reported, 0);

    alog_options opt = run_options(r);
    alog *lg = alog_open(&opt);
    FUZZ_CHECK(lg != NULL, "alog_open: %s", strerror(errno));

    alog_stats last;
    memset(&last, 0, sizeof last);
    while (r->p < r->end) {
        unsigned op = take_u8(r) % 11;
        switch (op) {
        case 0:
        case 1:
        case 2:
        case 3:
            op_write(r, lg, op == 3, opt.queue_bytes, opt.block_when_full);
            break;
        case 4:
        case 5:
        case 6:
        case 7:
        case 8:
            op_clock(r, op);
            break;
        case 9:
            if (r->reopening)
                lg = op_reopen(r, lg, &opt, &last);
            else
                op_stop(r, lg);
            break;
        default:
            op_stats(r, lg, &last);
            break;
        }
    }
    finish_logger(r, lg, &last);
    alog_close(lg);

    nftw(r->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free_kept(r);
    free(r->lines);
    free(r->text);
    free(r->scratch);
    free(r);
    return 0;
}

static void remove_base(void)
{
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    /* Memory rather than a disk: the stops fsync. But a small /dev/shm (64 MiB in a
     * container) could fill up, and ENOSPC would be counted as lost lines. */
    const char *tmp = getenv("TMPDIR");
    struct statvfs vfs;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = statvfs("/dev/shm", &vfs) == 0 && access("/dev/shm", W_OK) == 0 &&
                      (uint64_t)vfs.f_bavail * vfs.f_frsize >= ((uint64_t)1 << 30)
                  ? "/dev/shm"
                  : "/tmp";
    snprintf(base, sizeof base, "%s/depthlog-fuzz-alog-XXXXXX", tmp);
    FUZZ_CHECK(mkdtemp(base) != NULL, "mkdtemp %s: %s", base, strerror(errno));
    atexit(remove_base);
    return 0;
}
