/* The JSON the server gives: /api/book and the page's live updates. Pure. */
#ifndef SERVE_API_H
#define SERVE_API_H

#include <stddef.h>

#include "sbuf.h"
#include "serve_files.h"
#include "serve_view.h"

#define SERVE_LIVE_LEVELS  20 /* levels per side in each live update */
#define SERVE_LIVE_SYMBOLS 24 /* symbols shown one by one on the page (the first ones given) */

/* The symbol's entry in the view, or NULL. */
const serve_symbol *serve_find_symbol(const serve_view *v, const char *symbol);

/*
 * /api/book: the book of `s`, `depth` levels per side at most, best first, prices and
 * quantities as the strings Binance sent:
 *   {"symbol":"BTCUSDT","synced":true,"lastUpdateId":N,"time":ms,"bids":[["p","q"],...],
 *    "asks":[...],"levels":{"bids":n,"asks":n}}
 * A book that is not synced has "synced":false, "lastUpdateId":null and no levels.
 */
void serve_api_book(sbuf *out, const serve_view *v, const serve_symbol *s, size_t depth);

/*
 * One live update for the page: the first SERVE_LIVE_SYMBOLS symbols (state, id, counters,
 * SERVE_LIVE_LEVELS levels per side), the capture's health with totals over every symbol,
 * and the files (`dir`, newest first):
 *   {"time":ms,"symbols":[{"symbol":..,"state":"live","lastUpdateId":..,"events":..,
 *    "resyncs":..,"snapshots":..,"bids":[..],"asks":[..]}],"health":{"symbols":n,
 *    "synced":n,"events":n,"resyncs":n,..},"files":{"dir":..,"list":[{"name":..,"bytes":..}]}}
 * Health figures the capture does not provide are null. The size stays bounded however many
 * symbols are captured.
 */
void serve_api_live(sbuf *out, const serve_view *v, const char *dir, const serve_files *files);

#endif
