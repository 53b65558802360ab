/*
 * The network side of orderbook: Binance's combined depth streams over websockets and the
 * REST snapshots over HTTPS, both through libwebsockets (OpenSSL). It delivers whole
 * messages and snapshot bodies through handlers and knows nothing of books or files.
 * Every lws call happens on the thread that runs feed_run; handlers run there too.
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>
#include <stdint.h>

#include "binance_rest.h"

typedef struct feed_endpoint {
    const char *host; /* a name or an address (IPv6 without []); copied */
    int port;
    const char *path; /* the URL's own path, "" or "/prefix"; copied */
    int tls;          /* 1: wss/https, peer and host name always verified; 0: plain */
} feed_endpoint;

typedef struct feed_config {
    feed_endpoint ws;           /* the stream endpoint */
    feed_endpoint rest;         /* the REST endpoint */
    brest_market market;        /* endpoints and weights (BREST_SPOT: 0) */
    const char *ca_file;        /* NULL or "": system trust only; else trust this PEM too */
    int speed_ms;               /* spot: 100 | 1000; futures: 100 | 250 | 500 */
    int snapshot_limit;         /* 1..5000 */
    const char *const *symbols; /* upper case; the feed keeps pointers: they must outlive it */
    size_t n_symbols;
    unsigned ping_s;    /* 0: 20 s; the client pings after this much silence */
    unsigned hangup_s;  /* 0: 60 s; no valid traffic for this long: reconnect */
    int trades;         /* 1: also the symbols' trade streams, on connections of their own */
    unsigned legs;      /* 0, 1: each depth stream on one connection; 2: also on one to ws_b */
    feed_endpoint ws_b; /* legs = 2: the second leg's endpoint; host NULL: the same as ws */
    unsigned max_age_s; /* 0: never; a depth connection up this long is replaced make-before-
                         * break, as is one that receives serverShutdown */
} feed_config;

typedef struct feed_handlers {
    void *ctx;
    /* A connection came up / went down; `symbols` are the ones it carries. */
    void (*on_connected)(void *ctx, const char *const *symbols, size_t n);
    void (*on_disconnected)(void *ctx, const char *const *symbols, size_t n, const char *why);
    /* One whole websocket text message. */
    void (*on_message)(void *ctx, const char *msg, size_t len);
    /* A snapshot body (HTTP 200). */
    void (*on_snapshot)(void *ctx, const char *symbol, const char *body, size_t len);
    /* Binance rejected the symbol (HTTP 400): no snapshot will come. */
    void (*on_symbol_rejected)(void *ctx, const char *symbol, const char *why);
    /* Something a person should read: TLS failure, 451, 429, ... (the feed retries). */
    void (*on_problem)(void *ctx, const char *what);
    /* Once a second, on the feed's thread (for a status line). May be NULL. */
    void (*on_tick)(void *ctx);
    /* A trade streams' connection (feed_config.trades) of leg `leg` (0: ws, 1: ws_b; with
     * legs = 2 every trade stream is on both) came up on `path` (up = 1) or went down
     * (`why`); no book depends on it. May be NULL. Its messages go to on_message. */
    void (*on_trades_conn)(void *ctx, int leg, int up, const char *path, const char *why);
    /* A depth connection of leg `leg` (0: ws, 1: ws_b) on `path` came up / went down. When
     * these are set they are called instead of on_connected and on_disconnected. */
    void (*on_leg_up)(void *ctx, int leg, const char *path, const char *const *symbols, size_t n);
    void (*on_leg_down)(void *ctx, int leg, const char *const *symbols, size_t n, const char *why);
    /* The market's exchangeInfo body (HTTP 200) asked for with feed_request_listing. May be
     * NULL when it is never asked for. */
    void (*on_listing)(void *ctx, const char *body, size_t len);
    /* feed_add_symbols' symbols joined a depth connection of leg `leg` that is up: their
     * streams are being subscribed (the connection's own up event came before). May be NULL. */
    void (*on_joined)(void *ctx, int leg, const char *const *symbols, size_t n);
} feed_handlers;

typedef struct feed feed;

/* Returns NULL with errno (ENOMEM, or EINVAL for no symbols or a host or path too long) on
 * failure. Copies cfg (its strings too) and h but not the symbol strings. Creates the lws
 * context (and its TLS setup). */
feed *feed_create(const feed_config *cfg, const feed_handlers *h);

/* Ask for a snapshot of `symbol`. Requests are queued, spaced under the REST weight budget
 * and retried; a symbol already queued or in flight is not asked twice. Feed thread only. */
void feed_request_snapshot(feed *f, const char *symbol);

/* Ask for the market's exchangeInfo again, through this feed's own context: one more REST
 * request in the snapshots' queue, spaced by its weight and retried like them (what went wrong
 * goes to on_problem); its body comes to on_listing. Not asked twice while one is queued or in
 * flight. Feed thread only. */
void feed_request_listing(feed *f);

/* More symbols while the feed runs (upper case; the strings must outlive the feed, as
 * feed_config's): their streams join the last connection of each kind (subscribed now on one
 * that is up, reported by on_joined; else when it comes up, by its up event), and their
 * snapshots the REST queue. Returns 0; or -1 with errno ENOSPC when a connection has no room
 * for them (none added), ENOMEM when memory runs out (some connections may carry them).
 * Feed thread only. */
int feed_add_symbols(feed *f, const char *const *symbols, size_t k);

/* How many more symbols feed_add_symbols takes: the room on the last connections. */
size_t feed_room(const feed *f);

/* REST weight used in the current minute as Binance last reported it, or -1 before any
 * snapshot response (rest_client_used_weight). Feed thread only. */
int64_t feed_rest_weight(const feed *f);

/* Run the connections on this thread until feed_stop; then close each websocket with a
 * close frame (1000), waiting for that at most about two seconds. Returns 0. */
int feed_run(feed *f);

/* Make feed_run return soon. Any thread (an atomic flag and lws_cancel_service). */
void feed_stop(feed *f);

/* Close everything and free. After feed_run has returned. NULL is a no-op. */
void feed_destroy(feed *f);

#endif
