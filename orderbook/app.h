/*
 * The orderbook executable's state for one run. The feed, the pipeline and the logger each
 * call back with one context pointer, so main and the app_*.c files
 * that wire them together share this one struct rather than each keeping a piece.
 */
#ifndef APP_H
#define APP_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alog.h"
#include "capture.h"
#include "cli.h"
#include "config.h"
#include "exinfo.h"
#include "feed.h"
#include "nats.h"
#include "serve.h"
#include "status.h"
#include "streams.h"

typedef struct app {
    cfg conf;
    cli_args args;
    const char **symbols; /* pointers into args.symbols */
    alog *lg;
    cap *pipeline;
    feed *net;
    int tty;                /* stderr is a terminal */
    int lock_fd;            /* the log directory's lock, held for the run */
    atomic_int rejected;    /* symbols Binance refused */
    atomic_int fatal;       /* every symbol refused: stop with exit 1 */
    cap_symbol_view *views; /* one per symbol, refreshed for each status line and the summary */
    double *rates;          /* events/s per symbol */
    status_meter meter;
    uint64_t lost_shown; /* records lost at the previous status line */
    time_t last_status;
    pthread_t main_thread;
    npub *pub;           /* [nats] url: records also go to JetStream; NULL: off */
    serve *web;          /* the live page, /metrics and /api ([serve] listen), or NULL */
    int64_t legs_up;     /* depth connections up (network thread) */
    int64_t snapshot_us; /* least time between two snapshots: the sync progress estimate */
    /* --all: exchangeInfo read again every exchange_info_s (network thread, app_listing.h) */
    int relisting;           /* the listing is being read again */
    exinfo_list listed;      /* the last reading, what the next is compared with */
    int64_t listing_asked_s; /* when it was last asked for (monotonic seconds) */
    exinfo_list *kept;       /* the names of symbols that joined since the start (app_join.h) */
    size_t n_kept;
} app;

/* Wall-clock time: records, files and connection events are stamped with it. */
static inline int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Depth connections wanted: a connection per STREAMS_PER_CONN symbols, on each leg. */
static inline int64_t app_legs_wanted(const app *a)
{
    size_t n = cap_symbols(a->pipeline);
    return (int64_t)(a->conf.legs == 2 ? 2 : 1) *
           (int64_t)((n + STREAMS_PER_CONN - 1) / STREAMS_PER_CONN);
}

/* Why a start-up step failed: errno's text, and the likely cause when memory or threads ran
 * out (a pthread_create fails with EAGAIN for lack of either). */
static inline const char *lack(int err, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", strerror(err),
             err == EAGAIN || err == ENOMEM
                 ? " (out of memory or threads: see ulimit -v and ulimit -u)"
                 : "");
    return buf;
}

#endif
