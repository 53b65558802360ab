#include "binance_rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does body (len bytes, not necessarily terminated) hold `needle`? */
static int body_has(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (body == NULL || n == 0 || len < n)
        return 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(body + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Retry-After in seconds, or the default when it is missing or not a plain number. */
static uint32_t retry_after_ms(const char *v)
{
    if (v == NULL || *v < '0' || *v > '9')
        return BREST_RETRY_AFTER_DEFAULT_S * 1000u;
    char *end;
    unsigned long s = strtoul(v, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0' || s > 7ul * 24 * 3600) /* an IP ban lasts at most 3 days */
        return BREST_RETRY_AFTER_DEFAULT_S * 1000u;
    return (uint32_t)(s * 1000u);
}

brest_verdict brest_judge(int status, const char *body, size_t len, const char *retry_after)
{
    brest_verdict v = {BREST_BACK_OFF, 0};
    if (status == 200) {
        v.kind = BREST_OK;
    } else if (status == 429 || status == 418) {
        v.kind = BREST_RETRY_AFTER;
        v.delay_ms = retry_after_ms(retry_after);
    } else if (status == 451) {
        v.kind = BREST_REGION_BLOCKED;
        v.delay_ms = BREST_REGION_RETRY_MS;
    } else if (status == 400 && body_has(body, len, "-1121")) {
        v.kind = BREST_UNKNOWN_SYMBOL;
    }
    return v;
}

size_t brest_explain(brest_verdict v, int status, const char *body, size_t len, const char *host,
                     const char *symbol, char *out, size_t cap)
{
    int shown = (int)(len > 200 ? 200 : len);
    const char *b = body != NULL ? body : "";
    if (body == NULL)
        shown = 0;
    char what[64];
    if (symbol != NULL)
        snprintf(what, sizeof what, "snapshot of %s", symbol);
    else
        snprintf(what, sizeof what, "exchangeInfo");
    int n = 0;
    switch (v.kind) {
    case BREST_OK:
        n = snprintf(out, cap, "%s from %s", what, host);
        break;
    case BREST_RETRY_AFTER:
        n = snprintf(out, cap, "HTTP %d from %s: %s; no snapshot request for %u s (Retry-After)",
                     status, host, status == 418 ? "this IP is banned for a while" : "rate limited",
                     (unsigned)(v.delay_ms / 1000));
        break;
    case BREST_REGION_BLOCKED:
        n = snprintf(out, cap,
                     "HTTP 451 from %s: Binance blocks this region. Use another endpoint in the "
                     "config: rest_url = https://api.binance.us with ws_url = "
                     "wss://stream.binance.us:9443 (Binance.US), or the market-data-only "
                     "https://data-api.binance.vision with wss://data-stream.binance.vision; "
                     "retrying in %u s",
                     host, (unsigned)(v.delay_ms / 1000));
        break;
    case BREST_UNKNOWN_SYMBOL:
        n = snprintf(out, cap, "Binance does not know the symbol %s (HTTP 400: %.*s)",
                     symbol != NULL ? symbol : "", shown, b);
        break;
    case BREST_BACK_OFF:
        n = snprintf(out, cap, "%s: HTTP %d from %s: %.*s; retrying", what, status, host, shown, b);
        break;
    }
    return n < 0 ? 0 : (size_t)n;
}

unsigned brest_depth_weight(brest_market m, int limit)
{
    if (m == BREST_SPOT) {
        if (limit <= 100)
            return 5;
        if (limit <= 500)
            return 25;
        if (limit <= 1000)
            return 50;
        return 250;
    }
    if (limit <= 50)
        return 2;
    if (limit <= 100)
        return 5;
    if (limit <= 500)
        return 10;
    return 20;
}

unsigned brest_weight_budget(brest_market m)
{
    return m == BREST_SPOT ? 6000u : 2400u;
}

unsigned brest_exchange_info_weight(brest_market m)
{
    return m == BREST_SPOT ? 20u : 1u;
}

int64_t brest_weight_spacing_us(brest_market m, unsigned weight)
{
    uint64_t per_min = (uint64_t)brest_weight_budget(m) * BREST_WEIGHT_SHARE / 100 / weight;
    return (int64_t)(60000000u / (per_min ? per_min : 1));
}

int64_t brest_spacing_us(brest_market m, int limit)
{
    return brest_weight_spacing_us(m, brest_depth_weight(m, limit));
}

uint32_t brest_weight_pause_ms(brest_market m, unsigned used)
{
    uint64_t share = (uint64_t)brest_weight_budget(m) * BREST_WEIGHT_SHARE;
    return (uint64_t)used * 100 >= share ? BREST_WEIGHT_PAUSE_MS : 0;
}

int brest_depth_limit(brest_market m, int limit)
{
    static const int futures[] = {5, 10, 20, 50, 100, 500, 1000};
    if (m == BREST_SPOT)
        return limit;
    for (size_t i = 0; i < sizeof futures / sizeof futures[0]; i++)
        if (limit <= futures[i])
            return futures[i];
    return 1000;
}

size_t brest_depth_path(brest_market m, const char *base, const char *symbol, int limit, char *out,
                        size_t cap)
{
    static const char *const api[] = {"/api/v3", "/fapi/v1", "/dapi/v1"};
    int n = snprintf(out, cap, "%s%s/depth?symbol=%s&limit=%d", base, api[m], symbol,
                     brest_depth_limit(m, limit));
    return n < 0 ? 0 : (size_t)n;
}

size_t brest_exchange_info_path(brest_market m, const char *base, char *out, size_t cap)
{
    static const char *const path[] = {"/api/v3/exchangeInfo?symbolStatus=TRADING&permissions=SPOT",
                                       "/fapi/v1/exchangeInfo", "/dapi/v1/exchangeInfo"};
    int n = snprintf(out, cap, "%s%s", base, path[m]);
    return n < 0 ? 0 : (size_t)n;
}

const char *brest_default_ws_url(brest_market m)
{
    static const char *const url[] = {"wss://stream.binance.com:9443", "wss://fstream.binance.com",
                                      "wss://dstream.binance.com"};
    return url[m];
}

const char *brest_default_rest_url(brest_market m)
{
    static const char *const url[] = {"https://api.binance.com", "https://fapi.binance.com",
                                      "https://dapi.binance.com"};
    return url[m];
}
