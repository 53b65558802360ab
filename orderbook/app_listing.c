#include "app_listing.h"

#include <stdio.h>
#include <stdlib.h>

#include "console.h"
#include "exinfo.h"
#include "exinfo_fetch.h"

/* The market's TRADING symbols (in --all's QUOTE, in this shard) from exchangeInfo into
 * *out, and how many it lists before the shard in *listed. 0, or -1 with why in err. */
static int read_listing(app *a, exinfo_list *out, size_t *listed, char *err, size_t errlen)
{
    static const brest_market market[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                          [CFG_MARKET_USDM] = BREST_USDM,
                                          [CFG_MARKET_COINM] = BREST_COINM};
    static const exinfo_market ex[] = {[CFG_MARKET_SPOT] = EXINFO_SPOT,
                                       [CFG_MARKET_USDM] = EXINFO_USDM,
                                       [CFG_MARKET_COINM] = EXINFO_COINM};
    feed_endpoint rest = {a->conf.rest.host, a->conf.rest.port, a->conf.rest.path, 1};
    char *body;
    const char *why = NULL;
    size_t len;
    if (exinfo_fetch(&rest, market[a->conf.market], a->conf.ca_file, 30, &body, &len, err,
                     errlen) != 0)
        return -1;
    int rc = exinfo_parse(ex[a->conf.market], body, len, a->args.quote, out, &why);
    free(body);
    if (rc != 0) {
        snprintf(err, errlen, "exchangeInfo from %s: %s", a->conf.rest.host, why);
        return -1;
    }
    *listed = out->n;
    exinfo_shard(out, a->args.shard_i, a->args.shard_n);
    return 0;
}

int app_all_symbols(app *a)
{
    exinfo_list l;
    size_t listed;
    char err[512];
    if (read_listing(a, &l, &listed, err, sizeof err) != 0) {
        con_say("--all: %s", err);
        return -1;
    }
    if (l.n == 0) {
        con_say("--all: %zu symbol%s TRADING on %s%s%s, none of them in this shard", listed,
                listed == 1 ? "" : "s", cfg_market_name(a->conf.market),
                a->args.quote[0] ? " quoted in " : "", a->args.quote);
        exinfo_free(&l);
        return -1;
    }
    free(a->args.symbols);
    a->args.symbols = l.sym; /* the same type: cli_free frees it */
    a->args.n_symbols = l.n;
    con_say("--all: %zu of the %zu symbols TRADING on %s%s%s", l.n, listed,
            cfg_market_name(a->conf.market), a->args.quote[0] ? " quoted in " : "", a->args.quote);
    return 0;
}

/* The re-reading thread's reading (relist.h); a failure is said and the last listing kept. */
static int relist_read(void *ctx, exinfo_list *out)
{
    app *a = ctx;
    size_t listed;
    char err[512];
    if (read_listing(a, out, &listed, err, sizeof err) != 0) {
        con_say("--all: reading exchangeInfo again: %s (kept the last listing)", err);
        return -1;
    }
    return 0;
}

void app_relist_start(app *a)
{
    exinfo_list now = {a->args.symbols, a->args.n_symbols};
    a->relist = relist_start(&now, a->conf.exchange_info_s, relist_read, a);
    if (a->relist == NULL)
        con_say("--all: no thread to read exchangeInfo again: the listing stays as at start");
}

void app_relist_take(app *a)
{
    if (a->relist == NULL)
        return;
    exinfo_list gone;
    size_t joined;
    relist_take_gone(a->relist, &gone, &joined);
    for (size_t i = 0; i < gone.n; i++)
        if (cap_remove(a->pipeline, gone.sym[i], "no longer TRADING", realtime_ns()) == 0)
            con_say("%s: no longer TRADING on %s: removed", gone.sym[i],
                    cfg_market_name(a->conf.market));
    exinfo_free(&gone);
    if (joined > a->joined_said) {
        con_say("--all: %zu new symbol%s listed since the start: captured after a restart", joined,
                joined == 1 ? "" : "s");
        a->joined_said = joined;
    }
}
