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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "app_feed_events.h"
#include "app_feed_options.h"
#include "app_listing.h"
#include "app_page.h"
#include "app_sinks.h"
#include "app_stop.h"
#include "checks.h"
#include "console.h"

#define VERSION "0.1.0"

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

/* The logger, the pipeline and the feed. Returns 0, or 1 with a message (nothing left). */
static int start(app *a)
{
    char why[256];
    if (app_sinks_open(a) != 0)
        return 1;
    cap_sink sink = {a, app_emit, app_want_snapshot};
    a->pipeline = cap_create(a->symbols, a->args.n_symbols, a->conf.depth, a->conf.record,
                             a->conf.utc, &sink);
    if (a->pipeline == NULL) {
        con_say("cannot start: out of memory");
        goto fail;
    }
    app_set_origin(a);
    feed_config fc = app_feed_options(a);
    a->snapshot_us = brest_spacing_us(fc.market, fc.snapshot_limit);
    feed_handlers fh = app_feed_handlers(a);
    a->net = feed_create(&fc, &fh);
    if (a->net == NULL) {
        con_say("cannot start the network: %s", lack(errno, why, sizeof why));
        goto fail;
    }
    if (app_page_start(a) != 0) {
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

static int run(app *a)
{
    sigset_t set;
    app_stop_signals(&set);
    /* Blocked here, before any thread starts, so every thread inherits it and only
     * sigtimedwait takes these signals. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    a->main_thread = pthread_self();
    if (start(a) != 0)
        return 1;
    if (!a->args.quiet)
        con_say("capturing %zu symbol%s from %s into %s/ (%s files)", a->args.n_symbols,
                a->args.n_symbols == 1 ? "" : "s", a->conf.ws.host, a->conf.dir,
                a->conf.rollover_5sec ? "5-second" : "daily");
    if (a->args.all)
        app_relist_start(a);
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
    int sig = app_wait_for_stop(a, &set);
    return app_stop(a, net, sig, &set);
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
    if (a.args.all && app_all_symbols(&a) != 0) {
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
