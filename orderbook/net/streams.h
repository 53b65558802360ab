/* Which streams ride which websocket: Binance's combined-stream paths, split over as many
 * connections as they need. Pure. */
#ifndef STREAMS_H
#define STREAMS_H

#include <stddef.h>

#define STREAMS_PER_CONN 1024 /* Binance's limit per connection */
/* lws 4.1.6 writes the handshake's request line with a 2048-byte bound: a longer path is cut
 * short, the request is malformed and the server refuses it at every retry (past about 100
 * streams of 7-letter symbols no connection ever came up). */
#define STREAMS_PATH_MAX 2000

/* How many of symbols[0..n) the next connection carries: as many as fit in STREAMS_PATH_MAX
 * bytes of path (which keeps it under STREAMS_PER_CONN streams), at least one when
 * n > 0. */
size_t streams_that_fit(const char *base, int speed_ms, const char *const *symbols, size_t n);

/* The path of a connection carrying `symbols` (upper case, at most 20 characters each):
 * "<base>/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms", with "@depth" alone when
 * speed_ms is 1000. `base` is the ws_url's path ("" for none). Malloc'ed; NULL when memory
 * runs out. */
char *streams_path(const char *base, int speed_ms, const char *const *symbols, size_t n);

#endif
