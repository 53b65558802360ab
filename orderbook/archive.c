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

int main(int argc, char **argv)
{
    const char *path = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
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
    static cfg conf;
    char err[1024];
    cfg_defaults(&conf);
    if (path == NULL && access("orderbook.conf", F_OK) == 0)
        path = "orderbook.conf";
    if (path != NULL && cfg_load(&conf, path, err, sizeof err) != 0) {
        fprintf(stderr, "orderbook-archive: %s\n", err);
        return 2;
    }
    if (conf.nats_url[0] == '\0') {
        fprintf(stderr, "orderbook-archive: %s: [nats] url is empty: nothing to consume\n",
                path ? path : "built-in configuration");
        return 2;
    }

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

    uint64_t records = 0, no_ts = 0, unacked = 0;
    time_t last_status = 0; /* the first status line at once */
    int tty = isatty(STDERR_FILENO);
    while (!stop_signal) {
        int n = npull_fetch(in, 1000);
        for (int i = 0; i < n; i++) {
            size_t len;
            const char *data = npull_data(in, i, &len);
            int64_t ns;
            if (stamp_of(data, len, &ns) != 0) {
                ns = now_ns(); /* not one of our records: kept, in the file of now */
                no_ts++;
            }
            (void)alog_write_at(lg, ns, data, len);
        }
        if (n > 0) {
            if (alog_flush(lg) == 0) {
                if (npull_ack(in) != 0)
                    unacked += (uint64_t)n;
            } else {
                npull_drop(in); /* delivered again after the consumer's ack wait */
                unacked += (uint64_t)n;
            }
            records += (uint64_t)n;
        }
        time_t now = time(NULL);
        if (!quiet && now - last_status >= (tty ? 1 : 10)) {
            last_status = now;
            char name[64];
            alog_file_name(now_ns(), lo.rollover, lo.utc, ALOG_COMPRESS_NONE, name, sizeof name);
            fprintf(stderr,
                    "%sorderbook-archive: %llu records, %llu acknowledged, lag %llu | %s/%s%s",
                    tty ? "\r\033[K" : "", (unsigned long long)records,
                    (unsigned long long)npull_acked(in), (unsigned long long)npull_lag(in),
                    conf.dir, name, tty ? "" : "\n");
        }
    }
    alog_stop(lg, ALOG_STOP_FLUSH);
    alog_stats st;
    alog_get_stats(lg, &st);
    fprintf(stderr,
            "%sorderbook-archive: summary: %llu records received, %llu acknowledged, %llu "
            "without a ts, %llu not acknowledged (delivered again); files: %llu lines "
            "written, %llu lost to I/O in %s\n",
            tty && !quiet ? "\n" : "", (unsigned long long)records,
            (unsigned long long)npull_acked(in), (unsigned long long)no_ts,
            (unsigned long long)unacked, (unsigned long long)st.written,
            (unsigned long long)st.lost_io, conf.dir);
    alog_close(lg);
    npull_close(in);
    return 0;
}
