#include "app_feed_options.h"

#include <stdio.h>
#include <string.h>

#include "binance_rest.h"
#include "streams.h"

static const brest_market market_of[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                         [CFG_MARKET_USDM] = BREST_USDM,
                                         [CFG_MARKET_COINM] = BREST_COINM};

feed_config app_feed_options(const app *a)
{
    feed_config fc = {.ws = {a->conf.ws.host, a->conf.ws.port, a->conf.ws.path, 1},
                      .rest = {a->conf.rest.host, a->conf.rest.port, a->conf.rest.path, 1},
                      .market = market_of[a->conf.market],
                      .ca_file = a->conf.ca_file,
                      .speed_ms = a->conf.speed_ms,
                      .snapshot_limit = a->conf.snapshot_limit,
                      .ping_s = a->conf.ping_s,
                      .hangup_s = a->conf.hangup_s,
                      .trades = a->conf.trades,
                      .legs = a->conf.legs,
                      .max_age_s = a->conf.max_connection_age_s,
                      .ws_b = {a->conf.ws_b.host, a->conf.ws_b.port, a->conf.ws_b.path, 1},
                      .symbols = a->symbols,
                      .n_symbols = a->args.n_symbols};
    return fc;
}

void app_ws_url(const url_parts *ws, const char *path, char *out, size_t len)
{
    char port[16] = "";
    if (ws->port != 443)
        snprintf(port, sizeof port, ":%d", ws->port);
    int v6 = strchr(ws->host, ':') != NULL;
    snprintf(out, len, "wss://%s%s%s%s%s", v6 ? "[" : "", ws->host, v6 ? "]" : "", port, path);
}

void app_set_origin(app *a)
{
    streams_spec spec = {market_of[a->conf.market], a->conf.speed_ms, 0};
    char path[URL_PATH_MAX + 32], url[CAP_URL_MAX];
    streams_conn_path(&spec, a->conf.ws.path, path, sizeof path);
    app_ws_url(&a->conf.ws, path, url, sizeof url);
    cap_set_origin(a->pipeline,
                   a->conf.market == CFG_MARKET_SPOT ? SYNC_RULE_SPOT : SYNC_RULE_FUTURES,
                   cfg_market_name(a->conf.market), url);
}
