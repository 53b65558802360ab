/*
 * Which streams ride which websocket, and how they are asked for: every connection opens on
 * "<base>/stream" and subscribes with {"method":"SUBSCRIBE","params":[...],"id":N} in
 * batches, paced under Binance's limit of 5 control messages a second per connection (pings
 * and pongs count too). No URL grows with the symbol list. Pure.
 */
#ifndef STREAMS_H
#define STREAMS_H

#include <stddef.h>

#include "binance_rest.h"

#define STREAMS_PER_CONN       1024 /* Binance's limit per connection */
#define STREAMS_PER_SUBSCRIBE  256  /* per SUBSCRIBE message: 1024 streams in 4 messages */
#define STREAMS_CONTROL_GAP_MS 250  /* between two SUBSCRIBEs: 4 a second, room for a pong */
#define STREAMS_ANSWER_WAIT_S  10   /* an unanswered SUBSCRIBE drops the connection */

/* Which streams: the market decides the names and the path. */
typedef struct streams_spec {
    brest_market market;
    int speed_ms; /* spot: 100 | 1000; futures: 100 | 250 | 500 */
    int trades;   /* 1: the trade streams instead (spot <sym>@trade, futures <sym>@aggTrade;
                   * on USD-M under /market) */
} streams_spec;

/* The connection's path: "<base>/stream", on USD-M "<base>/public/stream" (where Binance
 * routes depth since 2026); `base` is the ws_url's path, "" for none. Returns the length
 * snprintf would. */
size_t streams_conn_path(const streams_spec *sp, const char *base, char *out, size_t cap);

/* How many of n symbols the next connection carries: up to STREAMS_PER_CONN. */
size_t streams_for_conn(size_t n);

/* The stream of a symbol (upper case, at most 20 characters): "btcusdt@depth@100ms"; spot
 * at 1000 ms and futures at 250 ms (their default) "btcusdt@depth"; futures at 500 ms
 * "btcusdt@depth@500ms". Returns the length snprintf would. */
size_t streams_name(const streams_spec *sp, const char *symbol, char *out, size_t cap);

/* {"method":"SUBSCRIBE","params":["a@depth@100ms",...],"id":<id>} for symbols[0..n),
 * malloc'ed with `pre` spare bytes before it (lws writes its frame header there): the text
 * starts at the returned pointer + pre and is *len bytes long. NULL when memory runs out. */
char *streams_subscribe(const streams_spec *sp, const char *const *symbols, size_t n, unsigned id,
                        size_t pre, size_t *len);

typedef enum streams_answer_kind {
    STREAMS_NOT_AN_ANSWER, /* a market message (or anything else) */
    STREAMS_ACCEPTED,      /* {"result":null,"id":N} */
    STREAMS_REFUSED        /* {"error":{"code":..,"msg":".."},"id":N}: why holds code and msg */
} streams_answer_kind;

/* Is msg (len bytes) the answer to a request, and which? Sets *id, and `why` when refused. */
streams_answer_kind streams_answer(const char *msg, size_t len, unsigned *id, char *why,
                                   size_t cap);

#endif
