/* Which streams ride which websocket: Binance's combined-stream paths, at most
 * FEED_STREAMS_PER_CONN streams each. Pure. */
#ifndef FEED_STREAMS_H
#define FEED_STREAMS_H

#include <stddef.h>

#define FEED_STREAMS_PER_CONN 1024 /* Binance's limit per connection */

/* How many connections `n_symbols` symbols need (one stream each). */
size_t feed_connections_for(size_t n_symbols);

/* The path of a connection carrying `symbols` (upper case, at most 20 characters each):
 * "<base>/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms", with "@depth" alone when
 * speed_ms is 1000. `base` is the ws_url's path ("" for none). Malloc'ed; NULL when memory
 * runs out. */
char *feed_stream_path(const char *base, int speed_ms, const char *const *symbols, size_t n);

#endif
