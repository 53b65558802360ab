/*
 * Binance's REST rules as the snapshot client needs them: what a response means, what a
 * request weighs, how far apart requests go, and where they go per market. Pure: no I/O,
 * unit-tested against the numbers Binance documents.
 */
#ifndef BINANCE_REST_H
#define BINANCE_REST_H

#include <stddef.h>
#include <stdint.h>

typedef enum brest_market {
    BREST_SPOT = 0, /* api.binance.com, /api/v3 */
    BREST_USDM,     /* USD-M futures: fapi.binance.com, /fapi/v1 */
    BREST_COINM     /* COIN-M futures: dapi.binance.com, /dapi/v1 */
} brest_market;

typedef enum brest_kind {
    BREST_OK,             /* 200: the body is the snapshot */
    BREST_RETRY_AFTER,    /* 429 (rate limited) or 418 (banned): no request before delay_ms */
    BREST_REGION_BLOCKED, /* 451: Binance refuses this region; retried slowly, never works
                           * until the endpoints change */
    BREST_UNKNOWN_SYMBOL, /* 400 with code -1121: this symbol will never have a snapshot */
    BREST_BACK_OFF        /* anything else: retry this symbol with backoff */
} brest_kind;

typedef struct brest_verdict {
    brest_kind kind;
    uint32_t delay_ms; /* RETRY_AFTER and REGION_BLOCKED: no request at all before this */
} brest_verdict;

#define BREST_RETRY_AFTER_DEFAULT_S 60 /* a 429/418 without a usable Retry-After */
#define BREST_REGION_RETRY_MS       60000
#define BREST_WEIGHT_SHARE          80    /* % of the weight budget we allow ourselves */
#define BREST_WEIGHT_PAUSE_MS       10000 /* near the budget: let the minute window move on */

/* Judge a complete response: its HTTP status, body (NULL or len bytes) and Retry-After
 * header value (NULL when absent; seconds). */
brest_verdict brest_judge(int status, const char *body, size_t len, const char *retry_after);

/* One line for a person about a response that was not BREST_OK: the cause and what to change
 * or what happens next, e.g. "HTTP 451 from api.binance.com: Binance blocks this region. ...".
 * `symbol` is the snapshot's (NULL: the response was exchangeInfo's), `host` the REST host.
 * Returns the length written to out (always NUL-terminated when cap > 0). */
size_t brest_explain(brest_verdict v, int status, const char *body, size_t len, const char *host,
                     const char *symbol, char *out, size_t cap);

/* The weight of one depth snapshot request with this limit, as Binance documents it
 * (spot: 5/25/50/250; futures: 2/5/10/20). */
unsigned brest_depth_weight(brest_market m, int limit);

/* The weight of one exchangeInfo request, as Binance documents it (spot 20, futures 1). */
unsigned brest_exchange_info_weight(brest_market m);

/* The market's REST weight budget per minute (spot 6000, futures 2400). */
unsigned brest_weight_budget(brest_market m);

/* The least time between two snapshot requests: our share of the budget spread evenly over
 * the minute (at limit 1000 on spot: 96 a minute, 625 ms apart). */
int64_t brest_spacing_us(brest_market m, int limit);

/* The same for a request of this weight: how long it holds the next one. */
int64_t brest_weight_spacing_us(brest_market m, unsigned weight);

/* After a response saying X-MBX-USED-WEIGHT-1M: `used`: how long to hold every request
 * (0 when under our share of the budget). */
uint32_t brest_weight_pause_ms(brest_market m, unsigned used);

/* The limit a depth request asks for: spot takes any 1..5000; futures take only 5, 10, 20, 50,
 * 100, 500 and 1000, so another limit is rounded up to the next of those (at most 1000). */
int brest_depth_limit(brest_market m, int limit);

/* The depth request's path and query, after the REST URL's own path `base` ("" or
 * "/prefix"): "<base>/api/v3/depth?symbol=BTCUSDT&limit=1000" (futures /fapi/v1/depth,
 * /dapi/v1/depth). Returns the length snprintf would; out is cut short beyond cap. */
size_t brest_depth_path(brest_market m, const char *base, const char *symbol, int limit, char *out,
                        size_t cap);

/* (brest_depth_path asks for brest_depth_limit(m, limit).) */

/* The exchangeInfo request's path and query after `base`: spot
 * "<base>/api/v3/exchangeInfo?symbolStatus=TRADING&permissions=SPOT", futures
 * "<base>/fapi/v1/exchangeInfo", "<base>/dapi/v1/exchangeInfo". Returns the length snprintf
 * would. */
size_t brest_exchange_info_path(brest_market m, const char *base, char *out, size_t cap);

/* The market's default endpoints (DESIGN.md "configuration"). */
const char *brest_default_ws_url(brest_market m);
const char *brest_default_rest_url(brest_market m);

#endif
