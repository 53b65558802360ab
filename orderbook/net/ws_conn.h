/*
 * One websocket connection to Binance's combined streams: connecting, subscribing to its
 * streams (SUBSCRIBE in paced batches, each answer checked), reassembling whole messages,
 * pinging and hanging up (lws's idle policy), reconnecting with backoff, and a normal close
 * (1000) when asked. Its own lws protocol and callback; every function runs on
 * the thread that services the lws context.
 */
#ifndef WS_CONN_H
#define WS_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "conn_budget.h"
#include "streams.h"

typedef struct ws_conn ws_conn;

typedef struct ws_conn_events {
    void *ctx;
    /* Came up / went down (never after ws_conn_close); `symbols` are the ones it carries. */
    void (*up)(void *ctx, const char *const *symbols, size_t n);
    void (*down)(void *ctx, const char *const *symbols, size_t n, const char *why);
    /* One whole text message, NUL-terminated at msg[len]; not the answers to SUBSCRIBE. */
    void (*message)(void *ctx, const char *msg, size_t len);
    /* Something a person should read (a failed connect, a refused certificate). */
    void (*problem)(void *ctx, const char *what);
    /* ws_conn_add's symbols, added while it is up: their streams are being subscribed. May be
     * NULL. */
    void (*joined)(void *ctx, const char *const *symbols, size_t n);
} ws_conn_events;

typedef struct ws_conn_endpoint {
    struct lws_context *lws;
    const char *host; /* kept, not copied: must outlive the connection */
    int port;
    int tls;                    /* 1: wss (peer and host name verified) */
    const lws_retry_bo_t *idle; /* ping and hang-up; kept, never changed */
    conn_budget *budget;        /* connection attempts, shared by every connection; kept */
} ws_conn_endpoint;

/* The protocol the connections bind to; the context must list it. */
extern const struct lws_protocols ws_conn_protocol;

/* A connection carrying the streams (`spec`, copied) of `symbols` (the list copied, the
 * strings kept; at most STREAMS_PER_CONN), on `path` (malloc'ed; taken over). `seed` (non-zero)
 * starts its jitter. NULL when memory runs out (path is freed). */
ws_conn *ws_conn_create(const ws_conn_endpoint *ep, char *path, const char *const *symbols,
                        size_t n, const streams_spec *spec, const ws_conn_events *ev,
                        uint32_t seed);

/* The streams of `symbols` (the list copied, the strings kept; with those it has, at most
 * STREAMS_PER_CONN) join the connection: subscribed now when it is up (reported by `joined`),
 * else with the others when it comes up. Returns 0, or -1 when memory runs out (none added). */
int ws_conn_add(ws_conn *c, const char *const *symbols, size_t k);

/* The symbols it carries now. */
size_t ws_conn_count(const ws_conn *c);

/* Connect now; failures are retried with backoff until ws_conn_close. */
void ws_conn_open(ws_conn *c);

/* A new connection like `c` (same endpoint, path, streams and events), not yet open: the
 * replacement in a make-before-break. NULL when memory runs out. */
ws_conn *ws_conn_clone(const ws_conn *c, uint32_t seed);

/* Reported up (and not closed). */
int ws_conn_is_up(const ws_conn *c);

/* How long it has been up at `now` (monotonic us, as CLOCK_MONOTONIC); 0 when not up. */
int64_t ws_conn_age_us(const ws_conn *c, int64_t now);

/* Up, and Binance announced (serverShutdown) that it will close it. */
int ws_conn_shutdown_seen(const ws_conn *c);

/* Up, and every SUBSCRIBE answered: the server now sends it every event of its streams. */
int ws_conn_subscribed(const ws_conn *c);

/* Subscribed, and at least one market message received since it came up. */
int ws_conn_delivering(const ws_conn *c);

/* Its replacement (a clone) is being opened: should it drop before the replacement takes its
 * place, it reports down and stays down (no reconnect of its own: the replacement is that,
 * and Binance counts every connection attempt). */
void ws_conn_being_replaced(ws_conn *c);

/* Report it down (if it was up) with `why`, then ws_conn_close: the old connection of a
 * make-before-break, once its replacement delivers. */
void ws_conn_retire(ws_conn *c, const char *why);

/* Stop reconnecting and close with a close frame (1000, "stopping"); no more events. */
void ws_conn_close(ws_conn *c);

/* Nothing established is left to close (the close frame went, or there was none to send). */
int ws_conn_closed(const ws_conn *c);

/* Free. After the lws context is destroyed (its callbacks may still reach the connection).
 * NULL is a no-op. */
void ws_conn_destroy(ws_conn *c);

#endif
