/*
 * The live page, /metrics and /api/book: an HTTP server inside orderbook, on its own
 * libwebsockets context and thread, so the capture never waits for a client. The capture
 * publishes views (serve_publish); the server reads the latest one.
 *
 *   /            the page (assets compiled in; nothing fetched from elsewhere)
 *   /live        its websocket (protocol "depthlog-live"): the state at least once a second;
 *                a client that reads slowly gets fewer updates, never a growing queue
 *   /metrics     Prometheus text format
 *   /api/book    ?symbol=S&depth=N: the book as JSON with its update id
 * Read only: GET alone (405 otherwise); 400/404 with a one-line message; a request target
 * or headers over their bounds get 414/431.
 */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>

#include "serve_view.h"

typedef struct serve serve;

/*
 * Parse `listen` ("127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080", "localhost:8080" or a
 * bare port, which means loopback) into a numeric host and a port. Returns 0, or -1 with a
 * message in err. Pure.
 */
int serve_parse_listen(const char *listen, char *host, size_t hostlen, int *port, char *err,
                       size_t errlen);

/*
 * Listen on `listen` and start the server's thread; `dir` is the capture's log directory
 * (copied), listed for the page. Returns NULL with a message in err when the address is bad
 * or cannot be bound (e.g. in use).
 */
serve *serve_start(const char *listen, const char *dir, char *err, size_t errlen);

/* The port listened on (useful with port 0). */
int serve_port(const serve *s);

/* Hand the server a new view (from serve_view_new); it owns it now. Any thread; never waits
 * for a client. NULL `s` frees `v`. */
void serve_publish(serve *s, serve_view *v);

/* Stop the thread, close every connection, free. NULL is a no-op. */
void serve_stop(serve *s);

#endif
