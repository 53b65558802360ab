/* The fake Binance's markets: simulated books (or a replayed capture), the frames they
 * produce, the snapshots they serve and the truth they write. No network here. */
#ifndef MARKET_H
#define MARKET_H

#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

typedef struct mk_level {
    int64_t price; /* 1e-8 units: orders the book */
    char px[24];
    char qty[24];
} mk_level;

typedef struct mk_book {
    mk_level *lv[2]; /* bids, asks; unsorted */
    int n[2];
    int cap[2];
    uint64_t last_id;
} mk_book;

typedef struct mk_frame {
    char *text; /* the message */
    int binary; /* send as a binary frame */
} mk_frame;

typedef struct market market;

/* A market for the scenario, writing its truth to `truth` (one JSON line per event applied:
 * {"s":..,"u":..,"bids":[top depth],"asks":[..]}). NULL with a message on failure. */
market *mk_create(const scenario *sc, FILE *truth, char *err, size_t errlen);
void mk_destroy(market *m);

/* The frames of the next tick (one event per symbol, or the next replayed frame, and the
 * faults due). Returns how many were put in out (at most `max`: mk_tick_max gives enough);
 * 0 when the script is done. The caller frees each text. */
int mk_tick(market *m, mk_frame *out, int max);

/* Room for every frame one tick can make: an event, its duplicate and the frame faults, per
 * symbol. */
int mk_tick_max(const scenario *sc);

/* How many levels each side of symbol `symbol` (an index) has now. */
void mk_book_size(const market *m, int symbol, int *bids, int *asks);

/* Have all events been produced? */
int mk_done(const market *m);

/* The body of a snapshot of `symbol` with at most `limit` levels per side, malloc'ed; NULL
 * for an unknown symbol. */
char *mk_snapshot(market *m, const char *symbol, int limit);

/* Log every trade sent to `log` ("trade <symbol> <id> <p> <q> <m>"); NULL: none. */
void mk_log_trades(market *m, FILE *log);

/* The exchangeInfo body of the scenario's market `ms` after the market started, malloc'ed;
 * only_trading: leave out the symbols not TRADING (spot's symbolStatus=TRADING). */
char *mk_exchange_info(const market *m, int only_trading, long ms);

#endif
