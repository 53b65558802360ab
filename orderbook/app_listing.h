/*
 * --all[=QUOTE]: the symbols are the market's TRADING listing (in this shard), read from
 * exchangeInfo at start; while the capture runs the listing is read again (relist.h) so that
 * a symbol that leaves the exchange ends with a removed record rather than going silent.
 */
#ifndef APP_LISTING_H
#define APP_LISTING_H

#include "app.h"

/* The listing at start becomes a->args.symbols. Returns 0, or -1 after saying why (nothing
 * to capture then). */
int app_all_symbols(app *a);

/* Start re-reading the listing every [binance] exchange_info_s into a->relist; when no thread
 * can be had, says so and the listing stays as at start (a->relist NULL). */
void app_relist_start(app *a);

/* On the feed's thread: the symbols that left the exchange end with a removed record; new
 * ones are said once per reading that finds more. No-op without a re-reader. */
void app_relist_take(app *a);

#endif
