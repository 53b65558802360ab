/* orderbook's exit summary: the JSON line it prints on stderr, after the human one, when it
 * stops:
 * {"summary":{"messages":N,"malformed":N,"records":N,"written":N,"refused":N,"lost_io":N,
 *  "discarded":N,"files":N,"dir":"...","symbols":[{"s":"BTCUSDT","events":N,"resyncs":N,
 *  "bids":N,"asks":N}]}} */
#ifndef OB_SUMMARY_H
#define OB_SUMMARY_H

#include <limits.h>

#include "ob_run.h"

#define OB_SUMMARY_SYMBOLS 64 /* symbols kept; a summary may name more */

typedef struct ob_symbol_summary {
    char s[24];
    unsigned long long events; /* events applied to the book */
    unsigned long long resyncs;
    unsigned long long bids, asks; /* the final book's levels */
} ob_symbol_summary;

typedef struct ob_summary {
    unsigned long long messages, malformed, records; /* what the pipeline received and made */
    unsigned long long written, refused, lost_io, discarded, files; /* what the files got */
    char dir[PATH_MAX];
    ob_symbol_summary sym[OB_SUMMARY_SYMBOLS]; /* the first n_sym symbols, in its order */
    int n_sym;
} ob_summary;

/* Read the summary from r->err; fails with the logs when there is none, or when a field is
 * missing or not a count. */
void ob_read_summary(ob_run *r, ob_summary *sum);

/* The symbol's part of the summary; fails when it has none. */
const ob_symbol_summary *ob_summary_symbol(const ob_summary *sum, const char *symbol);

#endif
