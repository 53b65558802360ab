/*
 * Which answer a request gets: the route, or the error status and a short message. Pure:
 * the server hands in what libwebsockets parsed, the tests hand in strings.
 */
#ifndef SERVE_REQUEST_H
#define SERVE_REQUEST_H

#include <stddef.h>

#include "serve_view.h"

#define SERVE_URI_MAX       2048 /* longest request target (path and query): else 414 */
#define SERVE_HEADERS_MAX   8192 /* most bytes of header values: else 431 */
#define SERVE_DEPTH_DEFAULT 20   /* /api/book levels per side when depth= is not given */

typedef enum serve_route {
    SERVE_ROUTE_ERROR,   /* answer `status` with `message` */
    SERVE_ROUTE_ASSET,   /* a file of the page: `asset` */
    SERVE_ROUTE_METRICS, /* /metrics */
    SERVE_ROUTE_BOOK,    /* /api/book: `symbol`, `depth` */
} serve_route;

typedef struct serve_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* the path, without the query */
    const char *query;  /* what follows '?', or NULL */
    size_t uri_len;     /* bytes of the request target */
    size_t header_len;  /* bytes of the header values */
    const char *host;   /* the Host header, or NULL when none was sent */
    int loopback;       /* the server listens on loopback: Host must name loopback too */
} serve_request;

typedef struct serve_verdict {
    serve_route route;
    int status;                        /* 200, or the error's */
    const char *message;               /* ERROR: one line for the body */
    const struct serve_asset *asset;   /* ASSET */
    char symbol[SERVE_SYMBOL_MAX + 1]; /* BOOK: upper case */
    size_t depth;                      /* BOOK: 1..SERVE_LEVELS */
} serve_verdict;

/* The path of the page's websocket (an upgrade, handled by the server itself). */
#define SERVE_LIVE_PATH "/live"

/* Judge one request. Never fails: every request gets a verdict. On loopback, a Host that
 * names another machine is refused (400): a web page whose name was made to resolve to
 * 127.0.0.1 (DNS rebinding) reads nothing. */
void serve_judge(const serve_request *r, serve_verdict *out);

/* Does a Host header name loopback: 127.x.y.z, localhost (any case) or [::1], with or without
 * ":port"? */
int serve_loopback_host(const char *host);

/* The reason phrase of a status this server answers ("Not Found"), or "Error". */
const char *serve_reason(int status);

#endif
