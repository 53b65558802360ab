#include "app_feed_events.h"

#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "app_feed_options.h"
#include "app_listing.h"
#include "app_page.h"
#include "app_status.h"
#include "console.h"

void app_want_snapshot(void *ctx, const char *symbol)
{
    app *a = ctx;
    feed_request_snapshot(a->net, symbol);
}

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

/* legs: a depth connection of leg 0 (ws_url) or 1 (ws_url_b) came up / went down. */
static void on_leg_up(void *ctx, int leg, const char *path, const char *const *symbols, size_t n)
{
    app *a = ctx;
    char url[CAP_URL_MAX];
    app_ws_url(leg ? &a->conf.ws_b : &a->conf.ws, path, url, sizeof url);
    a->legs_up++;
    cap_on_leg_connected(a->pipeline, leg ? 'b' : 'a', url, symbols, n, realtime_ns());
}

static void on_leg_down(void *ctx, int leg, const char *const *symbols, size_t n, const char *why)
{
    app *a = ctx;
    a->legs_up--;
    cap_on_leg_disconnected(a->pipeline, leg ? 'b' : 'a', why, symbols, n, realtime_ns());
}

/* --all: a newly listed symbol's streams joined a connection that is up. */
static void on_joined(void *ctx, int leg, const char *const *symbols, size_t n)
{
    app *a = ctx;
    (void)leg; /* each leg's connection adds to the count of those carrying it, as up does */
    cap_on_joined(a->pipeline, symbols, n);
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
    if ((size_t)atomic_fetch_add(&a->rejected, 1) + 1 == cap_symbols(a->pipeline)) {
        con_say("every symbol was rejected: nothing to capture");
        atomic_store(&a->fatal, 1);
        pthread_kill(a->main_thread, SIGUSR1);
    }
}

void app_on_problem(void *ctx, const char *what)
{
    (void)ctx;
    con_say("%s", what);
}

static void on_tick(void *ctx)
{
    app *a = ctx;
    /* An event held for the other leg is given up after about a second (at most two). */
    cap_tick(a->pipeline, realtime_ns());
    app_relist_tick(a);
    app_page_publish(a);
    if (a->args.quiet)
        return;
    time_t now = time(NULL);
    int every = a->tty ? 1 : 10;
    if (a->last_status != 0 && now - a->last_status < every)
        return;
    a->last_status = now;
    app_status_draw(a);
}

static void on_trades_conn(void *ctx, int leg, int up, const char *path, const char *why)
{
    app *a = ctx;
    char url[CAP_URL_MAX];
    app_ws_url(leg ? &a->conf.ws_b : &a->conf.ws, path, url, sizeof url);
    cap_on_trades_conn(a->pipeline, leg ? 'b' : 'a', up, url, why, realtime_ns());
}

feed_handlers app_feed_handlers(app *a)
{
    feed_handlers fh = {a,
                        on_connected,
                        on_disconnected,
                        on_message,
                        on_snapshot,
                        on_symbol_rejected,
                        app_on_problem,
                        on_tick,
                        on_trades_conn,
                        on_leg_up,
                        on_leg_down,
                        app_on_listing,
                        on_joined};
    return fh;
}
