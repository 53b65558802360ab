/*
 * Binance's exchangeInfo, read for --all: which symbols a market trades now, and what changed
 * since the last reading (symbols that joined, symbols that left). Pure: the body comes from
 * the network, the lists go to the capture.
 */
#ifndef EXINFO_H
#define EXINFO_H

#include <stddef.h>

#include "symbol.h"

typedef enum exinfo_market {
    EXINFO_SPOT, /* /api/v3/exchangeInfo: "status", permissions SPOT */
    EXINFO_USDM, /* /fapi/v1/exchangeInfo: "status" */
    EXINFO_COINM /* /dapi/v1/exchangeInfo: "contractStatus" */
} exinfo_market;

typedef struct exinfo_list {
    char (*sym)[SYM_MAX + 1]; /* upper case, sorted (strcmp), no duplicates; malloc'ed */
    size_t n;
} exinfo_list;

/*
 * The symbols of an exchangeInfo body that are TRADING ("status", or "contractStatus" on
 * COIN-M; either is read on any market), on spot only those Binance lets trade on spot
 * ("isSpotTradingAllowed", or SPOT in "permissions" or "permissionSets"; a symbol that says
 * none of these is kept: spot's query already asked for permissions=SPOT), and, when `quote`
 * is not "", only those whose "quoteAsset" is `quote` (any case). A symbol whose name is not a
 * valid one is skipped. Returns 0 with *out filled (free with exinfo_free), or -1 with a
 * static message in *error (not JSON, no "symbols" list, out of memory): out is then empty.
 */
int exinfo_parse(exinfo_market m, const char *body, size_t len, const char *quote, exinfo_list *out,
                 const char **error);

/* Keep only the symbols of shard i of n (sym_in_shard); n == 0 keeps all. */
void exinfo_shard(exinfo_list *l, unsigned i, unsigned n);

/*
 * What changed from `before` to `now` (both sorted as exinfo_parse leaves them): `added` the
 * symbols only in now, `removed` those only in before. Returns 0, or -1 when memory ran out
 * (both then empty). Free both with exinfo_free.
 */
int exinfo_diff(const exinfo_list *before, const exinfo_list *now, exinfo_list *added,
                exinfo_list *removed);

/* Free the list's symbols and empty it. NULL-safe for an empty list. */
void exinfo_free(exinfo_list *l);

#endif
