/*
 * orderbook: capture Binance spot order books into files that roll over.
 *
 * Wiring only: the command line and configuration decide, the feed (network thread) brings
 * messages and snapshots, the capture pipeline turns them into records, alog writes them.
 * The main thread waits for signals: the first SIGINT/SIGTERM/SIGHUP stops the feed and
 * drains the logger, a second SIGINT stops at once; SIGWINCH re-reads the terminal's width.
 *
 * Exit status: 0 stopped and every record written; 1 could not run (a thread or memory at
 * start, every symbol rejected); 2 usage, configuration or log directory (unusable, or
 * locked by another orderbook); 3 stopped, but records were lost (refused, lost to I/O or
 * discarded by a second Ctrl-C): the summary says so first.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "capture.h"
#include "cli.h"
#include "checks.h"
#include "config.h"
#include "console.h"
#include "feed.h"
#include "exinfo.h"
#include "exinfo_fetch.h"
#include "nats.h"
#include "relist.h"
#include "serve.h"
#include "serve_capture.h"
#include "status.h"
#include "streams.h"

#define VERSION "0.1.0"

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
    int64_t legs_up;     /* connections up (network thread) */
    int64_t snapshot_us; /* least time between two snapshots: the sync progress estimate */
    relist *relist;      /* --all: exchangeInfo read again every exchange_info_s; or NULL */
    size_t joined_said;  /* new listings already said (network thread) */
} app;

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the capture's sink: records to alog, snapshot requests to the feed ---- */

static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    app *a = ctx;
    /* The record's own ts picks its file, so a file holds exactly the records whose ts lies
     * in its period, even one that waited in a buffer. A refusal (queue full) is counted by
     * alog and shown as "drops". */
    (void)alog_write_at(a->lg, stamp_ns, line, len);
    /* Never blocks: a full buffer is counted as failed (the files have the record). */
    (void)npub_put(a->pub, line, len);
}

static void want_snapshot(void *ctx, const char *symbol)
{
    app *a = ctx;
    feed_request_snapshot(a->net, symbol);
}

/* ---- the feed's handlers ---- */

static void on_connected(void *ctx, const char *const *symbols, size_t n)
{
    app *a = ctx;
    a->legs_up++;
    cap_on_connected(a->pipeline, symbols, n, realtime_ns());
}

static void on_disconnected(void *ctx, const char *const *symbols, size_t n, const char *why)
{
    app *a = ctx;
    a->legs_up--;
    cap_on_disconnected(a->pipeline, symbols, n, why, realtime_ns());
}

static void ws_url_of(const url_parts *ws, const char *path, char *out, size_t len);

/* legs: a depth connection of leg 0 (ws_url) or 1 (ws_url_b) came up / went down. */
static void on_leg_up(void *ctx, int leg, const char *path, const char *const *symbols, size_t n)
{
    app *a = ctx;
    char url[CAP_URL_MAX];
    ws_url_of(leg ? &a->conf.ws_b : &a->conf.ws, path, url, sizeof url);
    a->legs_up++;
    cap_on_leg_connected(a->pipeline, leg ? 'b' : 'a', url, symbols, n, realtime_ns());
}

static void on_leg_down(void *ctx, int leg, const char *const *symbols, size_t n, const char *why)
{
    app *a = ctx;
    a->legs_up--;
    cap_on_leg_disconnected(a->pipeline, leg ? 'b' : 'a', why, symbols, n, realtime_ns());
}

static void on_message(void *ctx, const char *msg, size_t len)
{
    app *a = ctx;
    cap_on_message(a->pipeline, msg, len, realtime_ns());
}

static void on_snapshot(void *ctx, const char *symbol, const char *body, size_t len)
{
    app *a = ctx;
    cap_on_snapshot(a->pipeline, symbol, body, len, realtime_ns());
}

static void on_symbol_rejected(void *ctx, const char *symbol, const char *why)
{
    app *a = ctx;
    con_say("%s: %s; not capturing it", symbol, why);
    cap_on_rejected(a->pipeline, symbol);
    if ((size_t)atomic_fetch_add(&a->rejected, 1) + 1 == a->args.n_symbols) {
        con_say("every symbol was rejected: nothing to capture");
        atomic_store(&a->fatal, 1);
        pthread_kill(a->main_thread, SIGUSR1);
    }
}

static void on_problem(void *ctx, const char *what)
{
    (void)ctx;
    con_say("%s", what);
}

/* The file being written now: the one alog gives a record stamped now. */
static void current_file(const app *a, char *out, size_t len)
{
    char name[64];
    alog_file_name(realtime_ns(), a->conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                   a->conf.utc, a->conf.compress == CFG_COMPRESS_ZSTD, name, sizeof name);
    snprintf(out, len, "%s/%s", a->conf.dir, name);
}

/* The symbols' views and the logger's counters, as they are now. */
static void look(app *a, status_io *io, char *file, size_t file_len)
{
    size_t n = cap_symbols(a->pipeline);
    for (size_t i = 0; i < n; i++)
        cap_symbol_view_get(a->pipeline, i, &a->views[i]);
    alog_stats st;
    alog_get_stats(a->lg, &st);
    if (file != NULL)
        current_file(a, file, file_len);
    *io = (status_io){.dir = a->conf.dir,
                      .file = file,
                      .written = st.written,
                      .refused = st.dropped_full,
                      .lost_io = st.lost_io,
                      .discarded = st.discarded,
                      .files = st.files_opened,
                      .snapshot_us = a->snapshot_us,
                      .legs_up = a->legs_up,
                      .legs_total = (int64_t)(a->conf.legs == 2 ? 2 : 1) *
                                    (int64_t)((n + STREAMS_PER_CONN - 1) / STREAMS_PER_CONN)};
}

static void status_draw(app *a)
{
    char file[4200];
    status_io io;
    look(a, &io, file, sizeof file);
    size_t n = cap_symbols(a->pipeline);
    io.losing = status_lost(&io) > a->lost_shown;
    a->lost_shown = status_lost(&io);
    status_meter_update(&a->meter, a->views, n, realtime_ns(), a->rates);
    char line[4096], nats[128] = "";
    if (a->pub != NULL) {
        npub_counts k;
        npub_get_counts(a->pub, &k);
        snprintf(nats, sizeof nats, " | nats published %llu pending %llu failed %llu",
                 (unsigned long long)k.published, (unsigned long long)k.pending,
                 (unsigned long long)k.failed);
    }
    size_t width = con_width(), extra = strlen(nats);
    size_t used = status_line(line, sizeof line, a->views, a->rates, n, &io,
                              width > extra + 40 ? width - extra : width);
    if (used + extra < sizeof line && (width == 0 || used + extra <= width))
        memcpy(line + used, nats, extra + 1);
    con_status(line);
}

/* The live page's copy of the capture, once a second on the network thread. */
static void publish_page(app *a)
{
    if (a->web == NULL)
        return;
    alog_stats st;
    alog_get_stats(a->lg, &st);
    serve_publish(a->web, serve_take_view(a->pipeline, &st, a->legs_up, realtime_ns()));
}

/* Start the live page when [serve] listen is set. Returns 0, or -1 (said on stderr). */
static int start_page(app *a)
{
    const cfg_listen *l = &a->conf.listen;
    if (l->host[0] == '\0')
        return 0;
    char addr[sizeof l->host + 16], err[512];
    snprintf(addr, sizeof addr, strchr(l->host, ':') ? "[%s]:%d" : "%s:%d", l->host, l->port);
    a->web = serve_start(addr, a->conf.dir, err, sizeof err);
    if (a->web == NULL) {
        con_say("[serve] %s", err);
        return -1;
    }
    if (!a->args.quiet)
        con_say("live page at http://%s/ (also /metrics, /api/book?symbol=S)", addr);
    return 0;
}

/* On the feed's thread: the symbols that left the exchange end with a removed record; new
 * ones are said once per reading that finds more. */
static void take_relisting(app *a)
{
    if (a->relist == NULL)
        return;
    exinfo_list gone;
    size_t joined;
    relist_take_gone(a->relist, &gone, &joined);
    for (size_t i = 0; i < gone.n; i++)
        if (cap_remove(a->pipeline, gone.sym[i], "no longer TRADING", realtime_ns()) == 0)
            con_say("%s: no longer TRADING on %s: removed", gone.sym[i],
                    cfg_market_name(a->conf.market));
    exinfo_free(&gone);
    if (joined > a->joined_said) {
        con_say("--all: %zu new symbol%s listed since the start: captured after a restart", joined,
                joined == 1 ? "" : "s");
        a->joined_said = joined;
    }
}

static void on_tick(void *ctx)
{
    app *a = ctx;
    /* An event held for the other leg is given up after about a second (at most two). */
    cap_tick(a->pipeline, realtime_ns());
    take_relisting(a);
    publish_page(a);
    if (a->args.quiet)
        return;
    time_t now = time(NULL);
    int every = a->tty ? 1 : 10;
    if (a->last_status != 0 && now - a->last_status < every)
        return;
    a->last_status = now;
    status_draw(a);
}

static void on_alog_error(void *ctx, int errnum, const char *what)
{
    (void)ctx;
    con_say("writing records: %s: %s (records are being lost; retrying)", what, strerror(errnum));
}

/* ---- startup ---- */

static int load_config(app *a)
{
    char err[1024];
    cfg_defaults(&a->conf);
    const char *path = a->args.config;
    if (path == NULL && access("orderbook.conf", F_OK) == 0)
        path = "orderbook.conf";
    if (path != NULL && cfg_load(&a->conf, path, err, sizeof err) != 0) {
        fprintf(stderr, "orderbook: %s\n", err);
        return -1;
    }
    if (a->conf.ca_file[0] != '\0' && access(a->conf.ca_file, R_OK) != 0) {
        fprintf(stderr, "orderbook: %s: [binance] ca_file = %s: %s\n",
                path ? path : "configuration", a->conf.ca_file, strerror(errno));
        return -1;
    }
    return 0;
}

static void *network_thread(void *arg)
{
    app *a = arg;
    feed_run(a->net);
    return NULL;
}

static void *flush_thread(void *arg)
{
    app *a = arg;
    alog_stop(a->lg, ALOG_STOP_FLUSH);
    return NULL;
}

/* The summary, human then JSON; returns the records lost. */
static uint64_t summary(app *a)
{
    con_status_end();
    status_io io;
    look(a, &io, NULL, 0);
    const cap_counters *k = cap_counts(a->pipeline);
    size_t n = cap_symbols(a->pipeline);
    status_summary(stderr, k, a->views, n, &io);
    status_summary_json(stderr, k, a->views, n, &io);
    if (a->pub != NULL) {
        npub_counts c;
        npub_get_counts(a->pub, &c);
        con_say("nats: %llu published (%llu already stored by another host or try), %llu "
                "pending (not published), %llu failed",
                (unsigned long long)c.published, (unsigned long long)c.duplicates,
                (unsigned long long)c.pending, (unsigned long long)c.failed);
    }
    return status_lost(&io);
}

/* Wait for the first signal (or a fatal condition); returns the signal, 0 for fatal. */
static int wait_for_stop(app *a, const sigset_t *set)
{
    for (;;) {
        siginfo_t si;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(set, &si, &ts);
        if (atomic_load(&a->fatal))
            return 0;
        if (sig == SIGWINCH)
            con_width_changed();
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
            return sig;
    }
}

/* The signals the main thread takes with sigtimedwait. */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGWINCH);
}

/* Why a start-up step failed: errno's text, and the likely cause when memory or threads ran
 * out (a pthread_create fails with EAGAIN for lack of either). */
static const char *lack(int err, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", strerror(err),
             err == EAGAIN || err == ENOMEM
                 ? " (out of memory or threads: see ulimit -v and ulimit -u)"
                 : "");
    return buf;
}

/* The feed knows no configuration file: it takes the endpoints as host, port and path. */
static feed_config feed_options(const app *a)
{
    static const brest_market market[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                          [CFG_MARKET_USDM] = BREST_USDM,
                                          [CFG_MARKET_COINM] = BREST_COINM};
    feed_config fc = {.ws = {a->conf.ws.host, a->conf.ws.port, a->conf.ws.path, 1},
                      .rest = {a->conf.rest.host, a->conf.rest.port, a->conf.rest.path, 1},
                      .market = market[a->conf.market],
                      .ca_file = a->conf.ca_file,
                      .speed_ms = a->conf.speed_ms,
                      .snapshot_limit = a->conf.snapshot_limit,
                      .ping_s = a->conf.ping_s,
                      .hangup_s = a->conf.hangup_s,
                      .trades = a->conf.trades,
                      .legs = a->conf.legs,
                      .max_age_s = a->conf.max_connection_age_s,
                      .ws_b = {a->conf.ws_b.host, a->conf.ws_b.port, a->conf.ws_b.path, 1},
                      .symbols = a->symbols,
                      .n_symbols = a->args.n_symbols};
    return fc;
}

/* The URL of a websocket connection on `path` (as the feed opens it) into out. */
static void ws_url(const app *a, const char *path, char *out, size_t len)
{
    ws_url_of(&a->conf.ws, path, out, len);
}

static void ws_url_of(const url_parts *ws, const char *path, char *out, size_t len)
{
    char port[16] = "";
    if (ws->port != 443)
        snprintf(port, sizeof port, ":%d", ws->port);
    int v6 = strchr(ws->host, ':') != NULL;
    snprintf(out, len, "wss://%s%s%s%s%s", v6 ? "[" : "", ws->host, v6 ? "]" : "", port, path);
}

static void on_trades_conn(void *ctx, int up, const char *path, const char *why)
{
    app *a = ctx;
    char url[CAP_URL_MAX];
    ws_url(a, path, url, sizeof url);
    cap_on_trades_conn(a->pipeline, up, url, why, realtime_ns());
}

/* Tell the pipeline which market it captures: the futures sync rule on usdm and coinm, and
 * the market and URL its connection records name (the path the feed's connections open). */
static void set_origin(app *a)
{
    static const brest_market market[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                          [CFG_MARKET_USDM] = BREST_USDM,
                                          [CFG_MARKET_COINM] = BREST_COINM};
    streams_spec spec = {market[a->conf.market], a->conf.speed_ms, 0};
    char path[URL_PATH_MAX + 32], url[CAP_URL_MAX];
    streams_conn_path(&spec, a->conf.ws.path, path, sizeof path);
    ws_url(a, path, url, sizeof url);
    cap_set_origin(a->pipeline,
                   a->conf.market == CFG_MARKET_SPOT ? SYNC_RULE_SPOT : SYNC_RULE_FUTURES,
                   cfg_market_name(a->conf.market), url);
}

/* The logger, the pipeline and the feed. Returns 0, or 1 with a message (nothing left). */
static int start(app *a)
{
    char why[256];
    alog_options lo = {.dir = a->conf.dir,
                       .rollover = a->conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                       .utc = a->conf.utc,
                       .queue_bytes = (size_t)a->conf.queue_mb << 20,
                       .compress = a->conf.compress == CFG_COMPRESS_ZSTD ? ALOG_COMPRESS_ZSTD : 0,
                       .checksum = a->conf.checksum,
                       .on_error = on_alog_error};
    a->lg = alog_open(&lo);
    if (a->lg == NULL) {
        con_say("cannot start the logger: %s", lack(errno, why, sizeof why));
        return 1;
    }
    if (a->conf.nats_url[0] != '\0') {
        npub_options no = {.url = a->conf.nats_url,
                           .stream = a->conf.nats_stream,
                           .prefix = a->conf.nats_subject_prefix,
                           .market = cfg_market_name(a->conf.market),
                           .replicas = (int)a->conf.nats_replicas,
                           .on_problem = on_problem};
        char err[512];
        a->pub = npub_start(&no, err, sizeof err);
        if (a->pub == NULL) {
            con_say("[nats] url = %s: %s", a->conf.nats_url, err);
            goto fail;
        }
    }
    cap_sink sink = {a, emit, want_snapshot};
    a->pipeline = cap_create(a->symbols, a->args.n_symbols, a->conf.depth, a->conf.record,
                             a->conf.utc, &sink);
    if (a->pipeline == NULL) {
        con_say("cannot start: out of memory");
        goto fail;
    }
    set_origin(a);
    feed_config fc = feed_options(a);
    a->snapshot_us = brest_spacing_us(fc.market, fc.snapshot_limit);
    feed_handlers fh = {
        a,          on_connected, on_disconnected, on_message, on_snapshot, on_symbol_rejected,
        on_problem, on_tick,      on_trades_conn,  on_leg_up,  on_leg_down};
    a->net = feed_create(&fc, &fh);
    if (a->net == NULL) {
        con_say("cannot start the network: %s", lack(errno, why, sizeof why));
        goto fail;
    }
    if (start_page(a) != 0) {
        feed_destroy(a->net);
        a->net = NULL;
        goto fail;
    }
    return 0;
fail:
    cap_destroy(a->pipeline);
    npub_destroy(a->pub);
    alog_close(a->lg);
    a->pipeline = NULL;
    a->pub = NULL;
    a->lg = NULL;
    return 1;
}

/* Drain the logger, on a thread of its own so that a second SIGINT can stop it at once. */
static void drain(app *a, const sigset_t *set)
{
    pthread_t flusher;
    int err = pthread_create(&flusher, NULL, flush_thread, a);
    if (err != 0) {
        con_say("no thread to drain with (%s): draining here; a second Ctrl-C cannot cut it "
                "short",
                strerror(err));
        alog_stop(a->lg, ALOG_STOP_FLUSH);
        return;
    }
    for (;;) {
        /* Poll the flusher; a second SIGINT meanwhile drops what is still queued. */
        struct timespec ts = {0, 100000000};
        siginfo_t si;
        int s = sigtimedwait(set, &si, &ts);
        if (s == SIGINT) {
            con_say("stopping now: queued records are dropped");
            alog_stop(a->lg, ALOG_STOP_NOW);
        }
        if (pthread_tryjoin_np(flusher, NULL) == 0)
            break;
    }
}

static int relist_read(void *ctx, exinfo_list *out);

static int run(app *a)
{
    sigset_t set;
    stop_signals(&set);
    /* Blocked here, before any thread starts, so every thread inherits it and only
     * sigtimedwait below takes these signals. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    a->main_thread = pthread_self();
    if (start(a) != 0)
        return 1;
    if (!a->args.quiet)
        con_say("capturing %zu symbol%s from %s into %s/ (%s files)", a->args.n_symbols,
                a->args.n_symbols == 1 ? "" : "s", a->conf.ws.host, a->conf.dir,
                a->conf.rollover_5sec ? "5-second" : "daily");
    if (a->args.all) {
        exinfo_list now = {a->args.symbols, a->args.n_symbols};
        a->relist = relist_start(&now, a->conf.exchange_info_s, relist_read, a);
        if (a->relist == NULL)
            con_say("--all: no thread to read exchangeInfo again: the listing stays as at start");
    }
    pthread_t net;
    int err = pthread_create(&net, NULL, network_thread, a);
    if (err != 0) {
        char why[256];
        con_say("cannot start the network thread: %s", lack(err, why, sizeof why));
        serve_stop(a->web);
        feed_destroy(a->net);
        cap_destroy(a->pipeline);
        npub_destroy(a->pub);
        alog_close(a->lg);
        return 1;
    }
    int sig = wait_for_stop(a, &set);
    /* Everything received so far is in the pipeline once the feed thread has returned. */
    feed_stop(a->net);
    pthread_join(net, NULL);
    relist_stop(a->relist);
    a->relist = NULL;
    serve_stop(a->web);
    if (sig != 0 && !a->args.quiet)
        con_say("stopping: writing what was received (Ctrl-C again to stop at once)");
    drain(a, &set);
    if (a->pub != NULL && npub_stop(a->pub, 10000) != 0)
        con_say("nats: not everything was published within 10 s");
    uint64_t lost = summary(a);
    npub_destroy(a->pub);
    feed_destroy(a->net);
    cap_destroy(a->pipeline);
    alog_close(a->lg);
    if (atomic_load(&a->fatal))
        return 1;
    return lost > 0 ? 3 : 0;
}

/* The log directory (exit 2 when unusable or taken) and the time zone (a warning). */
static int check_environment(app *a)
{
    char why[PATH_MAX + 256];
    if (!a->conf.utc && checks_tz(getenv("TZ"), why, sizeof why) != 0)
        con_say("%s (or set [log] clock = utc)", why);
    a->lock_fd = checks_log_dir(a->conf.dir, why, sizeof why);
    if (a->lock_fd < 0) {
        con_say("%s", why);
        return -1;
    }
    return 0;
}

/* The market's TRADING symbols (in --all's QUOTE, in this shard) from exchangeInfo into
 * *out, and how many it lists before the shard in *listed. 0, or -1 with why in err. */
static int read_listing(app *a, exinfo_list *out, size_t *listed, char *err, size_t errlen)
{
    static const brest_market market[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                          [CFG_MARKET_USDM] = BREST_USDM,
                                          [CFG_MARKET_COINM] = BREST_COINM};
    static const exinfo_market ex[] = {[CFG_MARKET_SPOT] = EXINFO_SPOT,
                                       [CFG_MARKET_USDM] = EXINFO_USDM,
                                       [CFG_MARKET_COINM] = EXINFO_COINM};
    feed_endpoint rest = {a->conf.rest.host, a->conf.rest.port, a->conf.rest.path, 1};
    char *body;
    const char *why = NULL;
    size_t len;
    if (exinfo_fetch(&rest, market[a->conf.market], a->conf.ca_file, 30, &body, &len, err,
                     errlen) != 0)
        return -1;
    int rc = exinfo_parse(ex[a->conf.market], body, len, a->args.quote, out, &why);
    free(body);
    if (rc != 0) {
        snprintf(err, errlen, "exchangeInfo from %s: %s", a->conf.rest.host, why);
        return -1;
    }
    *listed = out->n;
    exinfo_shard(out, a->args.shard_i, a->args.shard_n);
    return 0;
}

/* --all[=QUOTE]: the listing at start becomes the symbols. Returns 0, or -1 after saying why
 * (nothing to capture then). */
static int all_symbols(app *a)
{
    exinfo_list l;
    size_t listed;
    char err[512];
    if (read_listing(a, &l, &listed, err, sizeof err) != 0) {
        con_say("--all: %s", err);
        return -1;
    }
    if (l.n == 0) {
        con_say("--all: %zu symbol%s TRADING on %s%s%s, none of them in this shard", listed,
                listed == 1 ? "" : "s", cfg_market_name(a->conf.market),
                a->args.quote[0] ? " quoted in " : "", a->args.quote);
        exinfo_free(&l);
        return -1;
    }
    free(a->args.symbols);
    a->args.symbols = l.sym; /* the same type: cli_free frees it */
    a->args.n_symbols = l.n;
    con_say("--all: %zu of the %zu symbols TRADING on %s%s%s", l.n, listed,
            cfg_market_name(a->conf.market), a->args.quote[0] ? " quoted in " : "", a->args.quote);
    return 0;
}

/* The re-reading thread's reading (relist.h); a failure is said and the last listing kept. */
static int relist_read(void *ctx, exinfo_list *out)
{
    app *a = ctx;
    size_t listed;
    char err[512];
    if (read_listing(a, out, &listed, err, sizeof err) != 0) {
        con_say("--all: reading exchangeInfo again: %s (kept the last listing)", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static app a;
    switch (cli_parse(argc, argv, &a.args)) {
    case CLI_HELP:
        cli_usage(stdout);
        return 0;
    case CLI_VERSION:
        printf("orderbook %s\n", VERSION);
        return 0;
    case CLI_USAGE_ERROR:
        fprintf(stderr, "orderbook: %s\n", a.args.error);
        cli_usage(stderr);
        cli_free(&a.args);
        return 2;
    case CLI_RUN:
        break;
    }
    if (load_config(&a) != 0) {
        cli_free(&a.args);
        return errno == ENOMEM ? 1 : 2; /* no memory: "cannot start" (cfg_load), not bad input */
    }
    a.tty = isatty(STDERR_FILENO);
    con_init(a.tty, a.args.quiet);
    if (check_environment(&a) != 0) {
        cli_free(&a.args);
        return 2;
    }
    if (a.args.all && all_symbols(&a) != 0) {
        cli_free(&a.args);
        close(a.lock_fd);
        return 1;
    }
    a.symbols = calloc(a.args.n_symbols, sizeof *a.symbols);
    a.views = calloc(a.args.n_symbols, sizeof *a.views);
    a.rates = calloc(a.args.n_symbols, sizeof *a.rates);
    if (a.symbols == NULL || a.views == NULL || a.rates == NULL ||
        status_meter_init(&a.meter, a.args.n_symbols, realtime_ns()) != 0) {
        fprintf(stderr, "orderbook: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < a.args.n_symbols; i++)
        a.symbols[i] = a.args.symbols[i];
    int rc = run(&a);
    free(a.symbols);
    free(a.views);
    free(a.rates);
    status_meter_free(&a.meter);
    cli_free(&a.args);
    close(a.lock_fd);
    return rc;
}
