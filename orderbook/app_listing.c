#include "app_listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_join.h"
#include "console.h"
#include "exinfo.h"
#include "exinfo_fetch.h"

/* An exchangeInfo body's TRADING symbols (in --all's QUOTE, in this shard) into *out, and how
 * many it lists before the shard in *listed. 0, or -1 with why in err. */
static int parse_listing(app *a, const char *body, size_t len, exinfo_list *out, size_t *listed,
                         char *err, size_t errlen)
{
    static const exinfo_market ex[] = {[CFG_MARKET_SPOT] = EXINFO_SPOT,
                                       [CFG_MARKET_USDM] = EXINFO_USDM,
                                       [CFG_MARKET_COINM] = EXINFO_COINM};
    const char *why = NULL;
    if (exinfo_parse(ex[a->conf.market], body, len, a->args.quote, out, &why) != 0) {
        snprintf(err, errlen, "exchangeInfo from %s: %s", a->conf.rest.host, why);
        return -1;
    }
    *listed = out->n;
    exinfo_shard(out, a->args.shard_i, a->args.shard_n);
    return 0;
}

/* The listing at start, before the feed (and its context) exists: fetched on its own. */
static int read_listing(app *a, exinfo_list *out, size_t *listed, char *err, size_t errlen)
{
    static const brest_market market[] = {[CFG_MARKET_SPOT] = BREST_SPOT,
                                          [CFG_MARKET_USDM] = BREST_USDM,
                                          [CFG_MARKET_COINM] = BREST_COINM};
    feed_endpoint rest = {a->conf.rest.host, a->conf.rest.port, a->conf.rest.path, 1};
    char *body;
    size_t len;
    if (exinfo_fetch(&rest, market[a->conf.market], a->conf.ca_file, 30, &body, &len, err,
                     errlen) != 0)
        return -1;
    int rc = parse_listing(a, body, len, out, listed, err, errlen);
    free(body);
    return rc;
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

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

void app_relist_start(app *a)
{
    exinfo_list *l = &a->listed;
    l->n = a->args.n_symbols;
    l->sym = malloc((l->n ? l->n : 1) * sizeof *l->sym);
    if (l->sym == NULL) {
        l->n = 0;
        con_say("--all: no memory to read exchangeInfo again: the listing stays as at start");
        return;
    }
    memcpy(l->sym, a->args.symbols, l->n * sizeof *l->sym);
    a->relisting = 1;
    a->listing_asked_s = monotonic_s();
}

void app_relist_tick(app *a)
{
    if (!a->relisting)
        return;
    int64_t now = monotonic_s();
    if (now - a->listing_asked_s < (int64_t)a->conf.exchange_info_s)
        return;
    a->listing_asked_s = now;
    feed_request_listing(a->net); /* none asked twice: one still under way stays the one */
}

/* The symbols that left end with a removed record; new ones join the capture (app_join.h). */
static void apply(app *a, exinfo_list *added, const exinfo_list *removed)
{
    for (size_t i = 0; i < removed->n; i++)
        if (cap_remove(a->pipeline, removed->sym[i], "no longer TRADING", realtime_ns()) == 0)
            con_say("%s: no longer TRADING on %s: removed", removed->sym[i],
                    cfg_market_name(a->conf.market));
    app_join(a, added);
}

void app_on_listing(void *ctx, const char *body, size_t len)
{
    app *a = ctx;
    exinfo_list now, added, removed;
    size_t listed;
    char err[512];
    if (!a->relisting)
        return;
    if (parse_listing(a, body, len, &now, &listed, err, sizeof err) != 0) {
        con_say("--all: reading exchangeInfo again: %s (kept the last listing)", err);
        return;
    }
    if (exinfo_diff(&a->listed, &now, &added, &removed) != 0) {
        exinfo_free(&now); /* out of memory: compared again at the next reading */
        return;
    }
    apply(a, &added, &removed);
    exinfo_free(&added);
    exinfo_free(&removed);
    exinfo_free(&a->listed);
    a->listed = now;
}

void app_relist_stop(app *a)
{
    exinfo_free(&a->listed);
    a->relisting = 0;
}
