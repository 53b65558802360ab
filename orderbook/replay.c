/*
 * orderbook-replay: rebuild order books from the raw records of capture files, to verify the
 * files (--verify), to write books of another depth (--out), or to look a book up (--at).
 *
 * Wiring only: the command line and configuration decide, rp_merge reads the files in ts
 * order, rp_replay feeds them through the capture pipeline, alog writes --out files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "config.h"
#include "rp_cli.h"
#include "rp_merge.h"
#include "rp_replay.h"

#define VERSION "0.1.0"

typedef struct tool {
    rp_cli args;
    cfg conf;
    rp_merge *merge;
    rp_replay *replay;
    alog *out;
    int configured;    /* a configuration file was read (else: the records' own clock) */
    int out_failed;    /* --out could not start its logger */
    int tty;           /* a progress line on stderr */
    int line_shown;    /* the progress line is on the screen */
    uint64_t problems; /* input that could not be used */
    struct timespec started;
    double last_progress; /* when the line was drawn; negative: not yet */
} tool;

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void clear_progress(tool *t)
{
    if (t->line_shown) {
        fputs("\r\033[K", stderr);
        t->line_shown = 0;
    }
}

static void on_problem(void *ctx, const char *msg)
{
    tool *t = ctx;
    t->problems++;
    clear_progress(t);
    fprintf(stderr, "orderbook-replay: %s\n", msg);
}

static void on_file_end(void *ctx, size_t file_index)
{
    tool *t = ctx;
    rp_file_ended(t->replay, file_index);
}

static int open_out(tool *t, int utc);

static void on_out(void *ctx, int64_t ns, const char *line, size_t len)
{
    tool *t = ctx;
    if (t->out == NULL) {
        /* Opened on the first record: without a configuration, the files follow the clock
         * of the records ("Z": UTC, an offset: local time). */
        const char *q = memchr(line + 7, '"', len > 7 ? len - 7 : 0);
        int utc = t->configured ? t->conf.utc : q != NULL && q[-1] == 'Z';
        if (t->out_failed || open_out(t, utc) != 0) {
            t->out_failed = 1;
            return;
        }
    }
    /* The logger blocks when full: an offline tool loses nothing to speed. */
    (void)alog_write_at(t->out, ns, line, len);
}

static void on_alog_error(void *ctx, int errnum, const char *what)
{
    tool *t = ctx;
    clear_progress(t);
    fprintf(stderr, "orderbook-replay: --out: %s: %s\n", what, strerror(errnum));
}

static void progress(tool *t)
{
    double el = seconds_since(&t->started);
    /* Drawn at once, then twice a second: a user sees it appear with the first records. */
    if (t->last_progress >= 0 && el - t->last_progress < 0.5)
        return;
    t->last_progress = el;
    rp_merge_progress p;
    rp_merge_get_progress(t->merge, &p);
    const rp_summary *s = rp_get_summary(t->replay);
    double mbs = (double)p.bytes_done / 1e6 / el;
    double evs = (double)s->frames / el;
    double frac = p.bytes ? (double)p.bytes_done / (double)p.bytes : 0.0;
    double eta = p.bytes_done ? el * (double)(p.bytes - p.bytes_done) / (double)p.bytes_done : 0.0;
    fprintf(stderr,
            "\r\033[Korderbook-replay: file %zu of %zu | %.1f MB/s | %.0f k events/s | %.0f%% | "
            "ETA %d:%02d",
            p.files_done < p.files ? p.files_done + 1 : p.files, p.files, mbs, evs / 1e3,
            frac * 100.0, (int)eta / 60, (int)eta % 60);
    t->line_shown = 1;
}

static int load_config(tool *t)
{
    char err[1024];
    cfg_defaults(&t->conf);
    const char *path = t->args.config;
    if (path == NULL && access("orderbook.conf", F_OK) == 0)
        path = "orderbook.conf";
    t->configured = path != NULL;
    if (path != NULL && cfg_load(&t->conf, path, err, sizeof err) != 0) {
        fprintf(stderr, "orderbook-replay: %s\n", err);
        return -1;
    }
    return 0;
}

/* The --out logger; `utc`: whose midnight its files follow. */
static int open_out(tool *t, int utc)
{
    alog_options lo = {.dir = t->args.out,
                       .rollover = t->conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                       .utc = utc,
                       .queue_bytes = (size_t)t->conf.queue_mb << 20,
                       .block_when_full = 1,
                       .compress = t->conf.compress == CFG_COMPRESS_ZSTD ? ALOG_COMPRESS_ZSTD
                                                                         : ALOG_COMPRESS_NONE,
                       .checksum = t->conf.checksum,
                       .on_error = on_alog_error,
                       .error_ctx = t};
    t->out = alog_open(&lo);
    if (t->out == NULL) {
        fprintf(stderr, "orderbook-replay: --out %s: cannot start the logger: %s\n", t->args.out,
                strerror(errno));
        return -1;
    }
    return 0;
}

static void summary(tool *t, double el)
{
    rp_merge_progress p;
    rp_merge_get_progress(t->merge, &p);
    const rp_summary *s = rp_get_summary(t->replay);
    fprintf(stderr,
            "orderbook-replay: %zu files, %llu records (%llu frames, %llu snapshots) in %.2f s "
            "(%.0f k events/s, %.1f MB/s); %zu books, %llu events applied, %llu resyncs "
            "rebuilt%s\n",
            p.files, (unsigned long long)p.records, (unsigned long long)s->frames,
            (unsigned long long)s->rests, el, el > 0 ? (double)s->frames / el / 1e3 : 0.0,
            el > 0 ? (double)p.bytes_done / 1e6 / el : 0.0, s->books,
            (unsigned long long)s->applied, (unsigned long long)s->resyncs,
            t->problems ? "; some input could not be used (see above)" : "");
}

static void verify_report(tool *t)
{
    const rp_summary *s = rp_get_summary(t->replay);
    if (s->diverged) {
        fprintf(stderr, "orderbook-replay: verify: divergence: %s\n", s->divergence);
        return;
    }
    printf("verify: ok: %llu events checked (depth records equal to the rebuilt books), %llu "
           "snapshots, %llu resyncs seen, %zu books",
           (unsigned long long)s->checked_depth, (unsigned long long)s->checked_snapshot,
           (unsigned long long)s->checked_resync, s->books);
    if (s->uncheckable)
        printf("; %llu records not checkable (before their symbol's first snapshot in these "
               "files)",
               (unsigned long long)s->uncheckable);
    putchar('\n');
    if (s->checked_depth == 0)
        fprintf(stderr, "orderbook-replay: verify: no depth record was checked: --verify needs "
                        "files captured with record = both\n");
}

/* The replay as the command line and configuration say, and the merge of the files. -1 when
 * memory runs out (said on stderr); what was created is left to run()'s cleanup. */
static int start(tool *t)
{
    rp_options o = {.depth = t->args.depth ? t->args.depth : t->conf.depth,
                    .utc = t->configured ? t->conf.utc : -1,
                    .futures = !t->configured                      ? -1
                               : t->conf.market == CFG_MARKET_SPOT ? 0
                                                                   : 1,
                    .verify = t->args.verify,
                    .keep_books = t->args.at,
                    .out = t->args.out ? on_out : NULL,
                    .out_ctx = t,
                    .problem = on_problem,
                    .problem_ctx = t};
    rp_merge_hooks hooks = {t, on_problem, on_file_end};
    t->replay = rp_create(&o);
    t->merge = rp_merge_create(&hooks);
    if (t->replay == NULL || t->merge == NULL) {
        fprintf(stderr, "orderbook-replay: out of memory\n");
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t->started);
    t->last_progress = -1.0;
    for (size_t i = 0; i < t->args.n_files; i++)
        if (rp_merge_add(t->merge, t->args.files[i]) != 0) {
            fprintf(stderr, "orderbook-replay: out of memory\n");
            return -1;
        }
    return 0;
}

static int run(tool *t)
{
    int rc = 0;
    if (start(t) != 0) {
        rc = 1;
        goto out;
    }
    int printed = 0, stopped = 0;
    uint64_t n = 0;
    rp_rec rec;
    while (rp_merge_next(t->merge, &rec)) {
        if (t->args.at && !printed && rec.h.ts_ns > t->args.at_ns) {
            clear_progress(t);
            rp_print_books(t->replay, stdout, t->args.at_ns);
            fflush(stdout);
            printed = 1;
            if (!t->args.verify && t->args.out == NULL) {
                stopped = 1; /* the rest of the files cannot change the past */
                break;
            }
        }
        if (rp_feed(t->replay, &rec) != 0) {
            stopped = 1;
            break;
        }
        if (t->tty && (++n & 4095) == 0)
            progress(t);
    }
    if (!stopped)
        rp_finish(t->replay);
    clear_progress(t);
    if (t->args.at && !printed) {
        /* Every record up to TIME was read, unless a divergence stopped the replay first. */
        if (stopped)
            fprintf(stderr, "orderbook-replay: --at: no books: the replay stopped before TIME\n");
        else
            rp_print_books(t->replay, stdout, t->args.at_ns);
    }
    if (t->out_failed)
        rc = 1;
    if (t->out != NULL) {
        if (alog_flush(t->out) != 0) {
            fprintf(stderr, "orderbook-replay: --out %s: records were lost: %s\n", t->args.out,
                    strerror(errno));
            rc = 1;
        }
    }
    double el = seconds_since(&t->started);
    if (!t->args.quiet)
        summary(t, el);
    if (t->args.verify)
        verify_report(t);
    if (rp_get_summary(t->replay)->diverged || t->problems > 0)
        rc = 1;
out:
    if (t->out != NULL)
        alog_close(t->out);
    rp_merge_destroy(t->merge);
    rp_destroy(t->replay);
    return rc;
}

int main(int argc, char **argv)
{
    static tool t;
    switch (rp_cli_parse(argc, argv, &t.args)) {
    case RP_CLI_HELP:
        rp_cli_usage(stdout);
        return 0;
    case RP_CLI_VERSION:
        printf("orderbook-replay %s\n", VERSION);
        return 0;
    case RP_CLI_USAGE_ERROR:
        fprintf(stderr, "orderbook-replay: %s\n", t.args.error);
        rp_cli_usage(stderr);
        return 2;
    case RP_CLI_RUN:
        break;
    }
    if (load_config(&t) != 0)
        return 2;
    t.tty = !t.args.quiet && isatty(STDERR_FILENO);
    return run(&t);
}
