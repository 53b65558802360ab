/*
 * The trade ids of one symbol already recorded, so that a trade that arrives on two
 * connections (while one replaces the other) is recorded once, and ids never received are
 * counted. Binance numbers a symbol's trades (spot `t`, futures aggregate `a`) one after
 * another. Two connections interleave their arrivals, so an id below the highest one seen is
 * still taken when it is new, as long as it is within TRADE_SEEN_WINDOW of it. Pure.
 */
#ifndef TRADE_SEEN_H
#define TRADE_SEEN_H

#include <stdint.h>

#define TRADE_SEEN_WINDOW 64

typedef struct trade_seen {
    uint64_t top;  /* the highest id taken */
    uint64_t mask; /* bit k: id top - k was taken */
    int any;       /* an id was taken */
} trade_seen;

/*
 * Take trade `id`: 1 when it is new (record it), 0 when it was taken before or is too far
 * below the highest to tell (dropped). *missed counts the ids skipped and not (yet) taken:
 * it grows by a jump's gap and shrinks when a late id fills one.
 */
int trade_seen_take(trade_seen *t, uint64_t id, uint64_t *missed);

#endif
