/*
 * --all[=QUOTE]: the symbols are the market's TRADING listing (in this shard), read from
 * exchangeInfo at start; while the capture runs the listing is read again every [binance]
 * exchange_info_s through the feed (its REST queue, on its thread) so that a symbol that
 * leaves the exchange ends with a removed record rather than going silent, and one newly
 * listed joins the capture (app_join.h).
 */
#ifndef APP_LISTING_H
#define APP_LISTING_H

#include <stddef.h>

#include "app.h"

/* The listing at start becomes a->args.symbols. Returns 0, or -1 after saying why (nothing
 * to capture then). */
int app_all_symbols(app *a);

/* Keep the listing at start to compare the next readings with; when no memory can be had,
 * says so and the listing stays as at start. Before the feed runs. */
void app_relist_start(app *a);

/* On the feed's thread, once a second: ask the feed for exchangeInfo when exchange_info_s
 * has passed since the last ask. No-op without app_relist_start. */
void app_relist_tick(app *a);

/* The feed's on_listing: compare with the last reading; the symbols that left end with a
 * removed record, new ones join. A body that is not an exchangeInfo is said and the last
 * listing kept. */
void app_on_listing(void *ctx, const char *body, size_t len);

/* Free the listing. After the feed thread has returned. */
void app_relist_stop(app *a);

#endif
