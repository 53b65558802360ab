/*
 * The snapshot client: GET <rest_url>/api/v3/depth over HTTPS, one short connection per
 * request, and the market's exchangeInfo the same way. Requests are queued (a symbol, and
 * exchangeInfo, at most once), spaced under the market's weight budget (each by its own
 * weight), at most two in flight, and retried as binance_rest judges each response; a symbol
 * asked for again right after its snapshot came (a stale snapshot) is refetched with its own
 * capped backoff. Its own lws protocol and callback; every function runs on the thread that
 * services the lws context.
 */
#ifndef REST_CLIENT_H
#define REST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "binance_rest.h"

typedef struct rest_client rest_client;

typedef struct rest_client_events {
    void *ctx;
    /* A snapshot body (HTTP 200), NUL-terminated at body[len]. */
    void (*snapshot)(void *ctx, const char *symbol, const char *body, size_t len);
    /* Binance does not know the symbol (HTTP 400, -1121): no snapshot will come. */
    void (*rejected)(void *ctx, const char *symbol, const char *why);
    /* Something a person should read (the client retries). */
    void (*problem)(void *ctx, const char *what);
    /* The exchangeInfo body (HTTP 200), NUL-terminated at body[len]. May be NULL. */
    void (*listing)(void *ctx, const char *body, size_t len);
} rest_client_events;

typedef struct rest_client_endpoint {
    struct lws_context *lws;
    const char *host; /* kept, not copied: must outlive the client */
    int port;
    int tls;          /* 1: https (peer and host name verified) */
    const char *path; /* the REST URL's own path, "" or "/prefix"; kept */
    brest_market market;
    int limit; /* levels per snapshot */
} rest_client_endpoint;

/* The protocol the requests bind to; the context must list it. */
extern const struct lws_protocols rest_client_protocol;

/* A client for these symbols (kept, not copied). `seed` (non-zero) starts its jitter. NULL
 * when memory runs out. */
rest_client *rest_client_create(const rest_client_endpoint *ep, const char *const *symbols,
                                size_t n, const rest_client_events *ev, uint32_t seed);

/* More symbols for the client (kept, not copied; none of them already its). Returns 0, or -1
 * when memory runs out (none added). */
int rest_client_add(rest_client *rc, const char *const *symbols, size_t k);

/* Ask for a snapshot of `symbol` (one of the client's). Not asked twice while queued or in
 * flight. */
void rest_client_request(rest_client *rc, const char *symbol);

/* Ask for the market's exchangeInfo (brest_exchange_info_path). Not asked twice while queued
 * or in flight. */
void rest_client_request_listing(rest_client *rc);

/* The REST weight this IP used in the current minute, as Binance last reported it
 * (X-MBX-USED-WEIGHT-1M); 0 once that report is a minute old (the window has passed), -1
 * before any report. */
int64_t rest_client_used_weight(const rest_client *rc);

/* No more requests and no more events. */
void rest_client_stop(rest_client *rc);

/* Free. After the lws context is destroyed (its callbacks may still reach requests in
 * flight). NULL is a no-op. */
void rest_client_destroy(rest_client *rc);

#endif
