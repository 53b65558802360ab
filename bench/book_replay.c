/*
 * The orderbook pipeline against its parsing floor, on a synthetic Binance feed in memory.
 *   book_replay [ROUNDS [FRAMES [SYMBOLS]]]      defaults: 5 rounds, 1000000 frames, 6 symbols
 *
 * Each round times, in an order that rotates from round to round:
 *   parse   cJSON_ParseWithLength + cJSON_Delete of every frame: the floor
 *   parse_arena  the same parse into the thread's json_arena: the floor of a cJSON parser that
 *           does not malloc every node (the pipeline parses snapshots and other messages so;
 *           depth updates in Binance's plain layout, as this feed's, it reads without a tree)
 *   core    the capture pipeline (parse, sync, book, record) into a sink that drops the lines
 *   alog    the same pipeline with the lines alog_write()n into a real logger (5sec files in a
 *           temporary directory), timed before and after alog_stop(ALOG_STOP_FLUSH)
 * then prints the medians (wall clock, and this thread's CPU time), the ratios to both floors and
 * a machine-readable line. Generating the feed and loading the snapshots are not timed.
 * Temporary files go under $TMPDIR (or /tmp) and are removed after each round.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alog.h"
#include "bench_harness.h"
#include "book_feed.h"
#include "capture.h"
#include "json_arena.h"

#define SEED        20261201
#define DEPTH       5                  /* levels per side in records: the shipped default */
#define QUEUE_BYTES ((size_t)64 << 20) /* queue_mb = 64, the shipped default */
#define MAX_ROUNDS  99

enum { ST_PARSE, ST_PARSE_ARENA, ST_CORE, ST_ALOG_NOFLUSH, ST_ALOG, N_STAGES };

static const char *const stage_name[N_STAGES] = {"parse", "parse_arena", "core", "alog_noflush",
                                                 "alog"};
static const char *const stage_title[N_STAGES] = {
    "parse only (cJSON)",        "parse only, with the arena", "pipeline, lines dropped",
    "pipeline + alog, no flush", "pipeline + alog + flush",
};

typedef struct sink_ctx {
    alog *lg; /* NULL: count the lines and drop them */
    uint64_t lines;
    uint64_t bytes;
    uint64_t refused; /* alog_write results other than ALOG_OK */
} sink_ctx;

typedef struct run_env {
    const book_feed *feed;
    const char *base;   /* temporary directory of this process */
    cpu_set_t all_cpus; /* the affinity we started with: the logger's thread gets it */
    int failed;         /* a check failed: the numbers are not to be trusted */
} run_env;

/* A stage's time: wall clock, and the CPU time of this thread (alog's writer not counted).
 * Wall well above CPU means the thread waited: another process had the core, or alog's
 * final flush was waiting for the disk. */
typedef struct span {
    double wall;
    double cpu;
} span;

static span span_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (span){bench_now(), (double)ts.tv_sec + (double)ts.tv_nsec / 1e9};
}

static span span_between(span a, span b)
{
    return (span){b.wall - a.wall, b.cpu - a.cpu};
}

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The timed loops run on CPU 0; alog's writer thread, started unpinned, takes the other. */
static void pin(const run_env *env, int on)
{
    if (on) {
        bench_pin(0);
        return;
    }
    sched_setaffinity(0, sizeof env->all_cpus, &env->all_cpus);
}

static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    sink_ctx *s = ctx;
    s->lines++;
    s->bytes += len + 1;
    if (s->lg != NULL && alog_write_at(s->lg, stamp_ns, line, len) != ALOG_OK)
        s->refused++;
}

static void want_snapshot(void *ctx, const char *symbol)
{
    /* The snapshots are handed in right after connecting: nothing to fetch. */
    (void)ctx;
    (void)symbol;
}

static void on_alog_error(void *ctx, int errnum, const char *what)
{
    (void)ctx;
    fprintf(stderr, "book_replay: alog: %s: %s\n", what, strerror(errnum));
}

/* The floors: cJSON alone, into malloc (arena 0) or into the thread's arena as depth.c
 * parses (arena 1: the tree is dropped whole unless part of it had to be malloc'd). */
static span time_parse(run_env *env, int arena)
{
    const book_feed *f = env->feed;
    size_t bad = 0;
    pin(env, 1);
    span t0 = span_now();
    if (arena) {
        for (size_t i = 0; i < f->n_frames; i++) {
            size_t len;
            const char *msg = book_feed_frame(f, i, &len);
            json_arena_begin();
            cJSON *root = cJSON_ParseWithLength(msg, len);
            int in_arena = json_arena_end();
            bad += root == NULL;
            if (!in_arena)
                cJSON_Delete(root);
            json_arena_release();
        }
    } else {
        for (size_t i = 0; i < f->n_frames; i++) {
            size_t len;
            const char *msg = book_feed_frame(f, i, &len);
            cJSON *root = cJSON_ParseWithLength(msg, len);
            bad += root == NULL;
            cJSON_Delete(root);
        }
    }
    span t1 = span_now();
    pin(env, 0);
    if (bad != 0) {
        fprintf(stderr, "book_replay: cJSON rejected %zu frames\n", bad);
        env->failed = 1;
    }
    return span_between(t0, t1);
}

/* Every frame must have been applied to a synced book, and every line recorded. */
static void check_capture(run_env *env, const cap *c, const sink_ctx *sink)
{
    const cap_counters *cc = cap_counts(c);
    uint64_t applied = 0, resyncs = 0;
    for (size_t i = 0; i < cap_symbols(c); i++) {
        cap_symbol_view v;
        cap_symbol_view_get(c, i, &v);
        applied += v.applied;
        resyncs += v.resyncs;
    }
    /* One connected record, one snapshot record per symbol, one depth record per frame. */
    uint64_t want = 1 + env->feed->n_symbols + env->feed->n_frames;
    if (applied != env->feed->n_frames || resyncs != 0 || cc->malformed != 0 ||
        cc->records != want || sink->lines != want || sink->refused != 0) {
        fprintf(stderr,
                "book_replay: pipeline check failed: applied=%llu resyncs=%llu malformed=%llu "
                "records=%llu lines=%llu refused=%llu (want %llu records)\n",
                (unsigned long long)applied, (unsigned long long)resyncs,
                (unsigned long long)cc->malformed, (unsigned long long)cc->records,
                (unsigned long long)sink->lines, (unsigned long long)sink->refused,
                (unsigned long long)want);
        env->failed = 1;
    }
}

/* A pipeline synced on every symbol's snapshot, ready for the frames. */
static cap *synced_pipeline(const book_feed *f, sink_ctx *sink)
{
    cap_sink cs = {sink, emit, want_snapshot};
    cap *c = cap_create(f->symbols, f->n_symbols, DEPTH, CAP_RECORD_BOOK, 0, &cs);
    if (c == NULL)
        return NULL;
    cap_on_connected(c, f->symbols, f->n_symbols, realtime_ns());
    for (size_t i = 0; i < f->n_symbols; i++)
        cap_on_snapshot(c, f->symbols[i], f->snapshot[i], f->snapshot_len[i], realtime_ns());
    return c;
}

static void feed_frames(const book_feed *f, cap *c)
{
    for (size_t i = 0; i < f->n_frames; i++) {
        size_t len;
        const char *msg = book_feed_frame(f, i, &len);
        cap_on_message(c, msg, len, realtime_ns());
    }
}

static span time_core(run_env *env, uint64_t *bytes)
{
    sink_ctx sink = {0};
    cap *c = synced_pipeline(env->feed, &sink);
    if (c == NULL) {
        env->failed = 1;
        return (span){0, 0};
    }
    pin(env, 1);
    span t0 = span_now();
    feed_frames(env->feed, c);
    span t1 = span_now();
    pin(env, 0);
    check_capture(env, c, &sink);
    *bytes = sink.bytes;
    cap_destroy(c);
    return span_between(t0, t1);
}

/* Remove a run's directory: alog's period files, nothing else is in it. */
static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(path);
}

/* The pipeline into alog. Returns the time with the final flush; `no_flush` gets the time
 * until the last frame was handed over. */
static span time_alog(run_env *env, int round, span *no_flush, uint64_t *files)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/round-%d", env->base, round);
    /* No dirty pages left by an earlier run to be throttled by (as run_logger_bench.sh). */
    sync();
    alog_options opt = {.dir = dir,
                        .rollover = ALOG_ROLL_5SEC,
                        .queue_bytes = QUEUE_BYTES,
                        /* Wait rather than drop: every record must reach the files. */
                        .block_when_full = 1,
                        .on_error = on_alog_error};
    sink_ctx sink = {0};
    sink.lg = alog_open(&opt);
    cap *c = sink.lg ? synced_pipeline(env->feed, &sink) : NULL;
    if (c == NULL) {
        perror("book_replay: alog_open/cap_create");
        alog_close(sink.lg);
        env->failed = 1;
        return (span){0, 0};
    }
    pin(env, 1);
    span t0 = span_now();
    feed_frames(env->feed, c);
    span t1 = span_now();
    alog_stop(sink.lg, ALOG_STOP_FLUSH);
    span t2 = span_now();
    pin(env, 0);
    check_capture(env, c, &sink);
    alog_stats st;
    alog_get_stats(sink.lg, &st);
    if (st.written != sink.lines || st.lost_io != 0 || st.dropped_full != 0) {
        fprintf(stderr, "book_replay: alog wrote %llu of %llu lines (lost_io %llu)\n",
                (unsigned long long)st.written, (unsigned long long)sink.lines,
                (unsigned long long)st.lost_io);
        env->failed = 1;
    }
    *files = st.files_opened;
    alog_close(sink.lg);
    cap_destroy(c);
    remove_dir(dir);
    *no_flush = span_between(t0, t1);
    return span_between(t0, t2);
}

static void report_run(const book_feed *f, int round, int stage, span t)
{
    double n = (double)f->n_frames;
    printf("book_replay round=%d stage=%s events=%zu seconds=%.3f ns_per_event=%.1f "
           "events_per_s=%.0f cpu_ns_per_event=%.1f\n",
           round, stage_name[stage], f->n_frames, t.wall, t.wall * 1e9 / n, n / t.wall,
           t.cpu * 1e9 / n);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, by_value);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void summary(const book_feed *f, int rounds, span t[N_STAGES][MAX_ROUNDS],
                    uint64_t record_bytes, uint64_t files)
{
    double med[N_STAGES], cpu[N_STAGES], ratio[N_STAGES], ratio_arena[N_STAGES];
    double cpu_ratio[N_STAGES], cpu_ratio_arena[N_STAGES];
    for (int s = 0; s < N_STAGES; s++) {
        double w[MAX_ROUNDS], c[MAX_ROUNDS], r[MAX_ROUNDS], ra[MAX_ROUNDS];
        double rc[MAX_ROUNDS], rca[MAX_ROUNDS];
        for (int i = 0; i < rounds; i++) {
            w[i] = t[s][i].wall;
            c[i] = t[s][i].cpu;
            /* The ratio of each round's own pair: rounds are interleaved so that a slower
             * spell of the shared machine hits both sides of a ratio alike. */
            r[i] = t[s][i].wall / t[ST_PARSE][i].wall;
            ra[i] = t[s][i].wall / t[ST_PARSE_ARENA][i].wall;
            rc[i] = t[s][i].cpu / t[ST_PARSE][i].cpu;
            rca[i] = t[s][i].cpu / t[ST_PARSE_ARENA][i].cpu;
        }
        med[s] = median(w, rounds);
        cpu[s] = median(c, rounds);
        ratio[s] = median(r, rounds);
        ratio_arena[s] = median(ra, rounds);
        cpu_ratio[s] = median(rc, rounds);
        cpu_ratio_arena[s] = median(rca, rounds);
    }
    double n = (double)f->n_frames;
    printf("\nMedians of %d rounds: %zu frames of %zu symbols, %.1f levels per frame "
           "(%.0f%% removals), %.0f bytes per frame; records %.0f bytes per event\n",
           rounds, f->n_frames, f->n_symbols, (double)f->n_levels / n,
           100.0 * (double)f->n_zero / (double)f->n_levels, (double)f->offset[f->n_frames] / n,
           (double)record_bytes / n);
    printf("%-28s %10s %12s %9s %9s %14s %9s %9s\n", "stage", "ns/event", "events/s", "x parse",
           "x arena", "cpu ns/event", "cpu x p", "cpu x a");
    for (int s = 0; s < N_STAGES; s++)
        printf("%-28s %10.1f %12.0f %9.2f %9.2f %14.1f %9.2f %9.2f\n", stage_title[s],
               med[s] * 1e9 / n, n / med[s], ratio[s], ratio_arena[s], cpu[s] * 1e9 / n,
               cpu_ratio[s], cpu_ratio_arena[s]);
    printf("(x parse, x arena: each round's own ratio to the cJSON floor and to the arena floor, "
           "median over rounds; cpu x: the same on this thread's CPU time)\n");
    double rate = n / med[ST_ALOG];
    printf("\nTargets\n");
    printf("  pipeline + alog + flush / parse only %8.2f  (target <= 1.5)  %s\n", ratio[ST_ALOG],
           ratio[ST_ALOG] <= 1.5 ? "met" : "MISSED");
    printf("  pipeline + alog + flush / arena floor %7.2f  (for information)\n",
           ratio_arena[ST_ALOG]);
    printf("  pipeline + alog + flush, events/s    %8.0f  (target >= 200000)  %s\n", rate,
           rate >= 200000 ? "met" : "MISSED");
    printf("  alog files opened (5sec rollover)    %8llu\n", (unsigned long long)files);
    printf("\nmachine-readable: frames=%zu symbols=%zu rounds=%d", f->n_frames, f->n_symbols,
           rounds);
    for (int s = 0; s < N_STAGES; s++)
        printf(" %s_ns=%.1f %s_eps=%.0f %s_ratio=%.3f %s_ratio_arena=%.3f %s_cpu_ns=%.1f",
               stage_name[s], med[s] * 1e9 / n, stage_name[s], n / med[s], stage_name[s], ratio[s],
               stage_name[s], ratio_arena[s], stage_name[s], cpu[s] * 1e9 / n);
    printf("\n");
}

static void *idle(void *arg)
{
    return arg;
}

/*
 * glibc's malloc takes its locked, atomic paths for good once a process has started a
 * second thread, and cJSON mallocs every node: parsing alone then costs ~35% more. The
 * real program always has more threads (network, logger), so every stage is measured
 * that way, the parse floor included, whatever the order of the stages.
 */
static void become_multithreaded(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, idle, NULL) == 0)
        pthread_join(t, NULL);
}

static int make_base(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s/depthlog-book-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(out) == NULL) {
        perror(out);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    size_t frames = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    size_t symbols = argc > 3 ? strtoul(argv[3], NULL, 10) : 6;
    if (argc > 4 || rounds < 1 || rounds > MAX_ROUNDS || frames < 1 || symbols < 1 ||
        symbols > BOOK_FEED_MAX_SYMBOLS) {
        fprintf(stderr, "usage: book_replay [ROUNDS (1..%d) [FRAMES [SYMBOLS (1..%d)]]]\n",
                MAX_ROUNDS, BOOK_FEED_MAX_SYMBOLS);
        return 2;
    }
    book_feed feed;
    double g0 = bench_now();
    if (book_feed_make(&feed, frames, symbols, SEED) != 0) {
        fprintf(stderr, "book_replay: out of memory generating the feed\n");
        return 1;
    }
    fprintf(stderr, "book_replay: generated %zu frames (%.0f MB) in %.1f s\n", frames,
            (double)feed.offset[frames] / 1e6, bench_now() - g0);
    char base[4096];
    if (make_base(base, sizeof base) != 0) {
        book_feed_free(&feed);
        return 1;
    }
    become_multithreaded();
    /* cJSON's hooks are process-wide and installed by the first parser: install them now, so
     * that every round's cJSON floor goes through them (plain malloc outside a scope), as
     * any cJSON use in the program does. */
    json_arena_init();
    run_env env = {.feed = &feed, .base = base};
    sched_getaffinity(0, sizeof env.all_cpus, &env.all_cpus);

    static span t[N_STAGES][MAX_ROUNDS];
    uint64_t record_bytes = 0, files = 0;
    for (int r = 0; r < rounds && !env.failed; r++) {
        fprintf(stderr, "round %d/%d\n", r + 1, rounds);
        for (int k = 0; k < 4; k++) {
            switch ((r + k) % 4) {
            case 0:
                t[ST_PARSE][r] = time_parse(&env, 0);
                report_run(&feed, r + 1, ST_PARSE, t[ST_PARSE][r]);
                break;
            case 1:
                t[ST_PARSE_ARENA][r] = time_parse(&env, 1);
                report_run(&feed, r + 1, ST_PARSE_ARENA, t[ST_PARSE_ARENA][r]);
                break;
            case 2:
                t[ST_CORE][r] = time_core(&env, &record_bytes);
                report_run(&feed, r + 1, ST_CORE, t[ST_CORE][r]);
                break;
            default:
                t[ST_ALOG][r] = time_alog(&env, r + 1, &t[ST_ALOG_NOFLUSH][r], &files);
                report_run(&feed, r + 1, ST_ALOG_NOFLUSH, t[ST_ALOG_NOFLUSH][r]);
                report_run(&feed, r + 1, ST_ALOG, t[ST_ALOG][r]);
                break;
            }
            fflush(stdout);
        }
    }
    rmdir(base);
    if (!env.failed)
        summary(&feed, rounds, t, record_bytes, files);
    book_feed_free(&feed);
    return env.failed;
}
