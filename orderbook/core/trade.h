/*
 * Binance trades as the trade streams send them: spot's `<sym>@trade` ({"e":"trade",...,
 * "t":id}) and futures' `<sym>@aggTrade` ({"e":"aggTrade",...,"a":id}), validated whole and
 * kept as the exact strings Binance sent. Pure.
 */
#ifndef TRADE_H
#define TRADE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "symbol.h"

typedef struct trade_event {
    char symbol[SYM_MAX + 1]; /* "s" */
    int64_t event_ms;         /* "E" */
    int64_t trade_ms;         /* "T" */
    uint64_t id;              /* "t" (spot trade) or "a" (futures aggregate trade) */
    const char *px;           /* "p" as received, inside the message's cJSON tree */
    size_t px_len;
    const char *qty; /* "q" as received */
    size_t qty_len;
    int buyer_maker; /* "m" */
} trade_event;

/* Is `type` (the "e" of an event) a trade this module reads? */
int trade_is_trade(const char *type);

/* Read the trade in `data` (the event object) into out; its strings point into `data`.
 * Returns NULL, or what is wrong (a static string): a missing field or one of the wrong type,
 * an id that is not an integer in [0, 2^53), a price or quantity that is not a decimal. */
const char *trade_parse(const cJSON *data, trade_event *out);

#endif
