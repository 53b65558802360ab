/*
 * orderbook-archive: consume the records orderbook published to JetStream ([nats]) and write
 * them into rolled files by their own ts, acknowledging a batch only after alog_flush made it
 * durable. A crash between the write and the acknowledgment makes JetStream deliver that
 * batch again (after the consumer's ack wait, 10 s): nothing is lost, and at most one batch
 * (BATCH records) is written twice.
 *
 * Wiring only: the consumer is sink/pull.c, the ts parsing sink/stamp.c, the files alog.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "config.h"
#include "pull.h"
#include "stamp.h"

#define VERSION "0.1.0"
#define BATCH   1000 /* records per fetch, and so at most this many written twice */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: orderbook-archive [-c FILE] [-q]\n"
               "  -c, --config FILE   configuration (default: ./orderbook.conf if present)\n"
               "  -q, --quiet         no status line\n"
               "  -h, --help          this;  -V, --version\n"
               "Consumes the records of [nats] stream through the durable consumer [nats] "
               "durable\nand writes them into [log] dir, each in the file of its ts.\n");
}

static void on_problem(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "orderbook-archive: %s\n", what);
}

static void on_alog_error(void *ctx, int errnum, const char *what)
{
    (void)ctx;
    fprintf(stderr, "orderbook-archive: writing records: %s: %s (not acknowledged; retrying)\n",
            what, strerror(errnum));
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What was received, for the status line and the summary. */
typedef struct counts {
    uint64_t records; /* received */
    uint64_t no_ts;   /* without a ts of ours: written to the file of their arrival */
    uint64_t unacked; /* not acknowledged: JetStream delivers them again */
} counts;

/* The command line into `path` and `quiet`. Returns -1 to go on, else main's exit status. */
static int parse_args(int argc, char **argv, const char **path, int *quiet)
{
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            *path = argv[++i];
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            *quiet = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("orderbook-archive %s\n", VERSION);
            return 0;
        } else {
            fprintf(stderr, "orderbook-archive: unexpected argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

/* The configuration at `path` (NULL: ./orderbook.conf if present, else the defaults), which
 * must name a NATS server. -1 when it cannot be used (said on stderr). */
static int load_config(const char *path, cfg *conf)
{
    char err[1024];
    cfg_defaults(conf);
    if (path == NULL && access("orderbook.conf", F_OK) == 0)
        path = "orderbook.conf";
    if (path != NULL && cfg_load(conf, path, err, sizeof err) != 0) {
        fprintf(stderr, "orderbook-archive: %s\n", err);
        return -1;
    }
    if (conf->nats_url[0] == '\0') {
        fprintf(stderr, "orderbook-archive: %s: [nats] url is empty: nothing to consume\n",
                path ? path : "built-in configuration");
        return -1;
    }
    return 0;
}

/* One fetch (a wait of 1 s at most) of up to BATCH records into the files, acknowledged only once
 * alog_flush made them durable; when the flush fails they are left to be delivered again. */
static void archive_batch(npull *in, alog *lg, counts *c)
{
    int n = npull_fetch(in, 1000);
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *data = npull_data(in, i, &len);
        int64_t ns;
        if (stamp_of(data, len, &ns) != 0) {
            ns = now_ns(); /* not one of our records: kept, in the file of now */
            c->no_ts++;
        }
        (void)alog_write_at(lg, ns, data, len);
    }
    if (n > 0) {
        if (alog_flush(lg) == 0) {
            if (npull_ack(in) != 0)
                c->unacked += (uint64_t)n;
        } else {
            npull_drop(in); /* delivered again after the consumer's ack wait */
            c->unacked += (uint64_t)n;
        }
        c->records += (uint64_t)n;
    }
}

/* Progress, and the file being written (`lo`'s): on a terminal one line rewritten in place. */
static void status_line(npull *in, const counts *c, const alog_options *lo, int tty)
{
    char name[64];
    alog_file_name(now_ns(), lo->rollover, lo->utc, lo->compress, name, sizeof name);
    fprintf(stderr, "%sorderbook-archive: %llu records, %llu acknowledged, lag %llu | %s/%s%s",
            tty ? "\r\033[K" : "", (unsigned long long)c->records,
            (unsigned long long)npull_acked(in), (unsigned long long)npull_lag(in), lo->dir, name,
            tty ? "" : "\n");
}

/* After the logger stopped, so that its counts are final. `newline`: end the status line. */
static void summary(alog *lg, npull *in, const counts *c, const char *dir, int newline)
{
    alog_stats st;
    alog_get_stats(lg, &st);
    fprintf(stderr,
            "%sorderbook-archive: summary: %llu records received, %llu acknowledged, %llu "
            "without a ts, %llu not acknowledged (delivered again); files: %llu lines "
            "written, %llu lost to I/O in %s\n",
            newline ? "\n" : "", (unsigned long long)c->records,
            (unsigned long long)npull_acked(in), (unsigned long long)c->no_ts,
            (unsigned long long)c->unacked, (unsigned long long)st.written,
            (unsigned long long)st.lost_io, dir);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int quiet = 0;
    int rc = parse_args(argc, argv, &path, &quiet);
    if (rc >= 0)
        return rc;
    static cfg conf;
    char err[1024];
    if (load_config(path, &conf) != 0)
        return 2;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    npull_options po = {.url = conf.nats_url,
                        .stream = conf.nats_stream,
                        .prefix = conf.nats_subject_prefix,
                        .durable = conf.nats_durable,
                        .batch = BATCH,
                        .on_problem = on_problem};
    npull *in = npull_open(&po, err, sizeof err);
    if (in == NULL) {
        fprintf(stderr, "orderbook-archive: [nats] url = %s: %s\n", conf.nats_url, err);
        return 2;
    }
    alog_options lo = {.dir = conf.dir,
                       .rollover = conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                       .utc = conf.utc,
                       .queue_bytes = (size_t)conf.queue_mb << 20,
                       .block_when_full = 1, /* a batch is acknowledged only when all of it is in */
                       .compress = conf.compress == CFG_COMPRESS_ZSTD ? ALOG_COMPRESS_ZSTD
                                                                      : ALOG_COMPRESS_NONE,
                       .checksum = conf.checksum,
                       .on_error = on_alog_error};
    alog *lg = alog_open(&lo);
    if (lg == NULL) {
        fprintf(stderr, "orderbook-archive: cannot start the logger: %s\n", strerror(errno));
        npull_close(in);
        return 1;
    }
    if (!quiet)
        fprintf(stderr, "orderbook-archive: consuming stream %s (consumer %s) into %s/\n",
                conf.nats_stream, conf.nats_durable, conf.dir);

    counts c = {0, 0, 0};
    time_t last_status = 0; /* the first status line at once */
    int tty = isatty(STDERR_FILENO);
    while (!stop_signal) {
        archive_batch(in, lg, &c);
        time_t now = time(NULL);
        if (!quiet && now - last_status >= (tty ? 1 : 10)) {
            last_status = now;
            status_line(in, &c, &lo, tty);
        }
    }
    alog_stop(lg, ALOG_STOP_FLUSH);
    summary(lg, in, &c, conf.dir, tty && !quiet);
    alog_close(lg);
    npull_close(in);
    return 0;
}
