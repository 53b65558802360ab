/* The command line of orderbook. Pure: it decides, main acts. */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

#include "symbol.h"

typedef enum cli_action {
    CLI_RUN,        /* capture the symbols */
    CLI_HELP,       /* print usage, exit 0 */
    CLI_VERSION,    /* print the version, exit 0 */
    CLI_USAGE_ERROR /* print `error` and the usage, exit 2 */
} cli_action;

typedef struct cli_args {
    cli_action action;
    const char *config;           /* -c FILE, or NULL */
    int quiet;                    /* -q */
    char (*symbols)[SYM_MAX + 1]; /* upper case, duplicates removed, only this shard's; owned */
    size_t n_symbols;
    int all;                 /* --all[=QUOTE]: no symbols here; main reads exchangeInfo */
    char quote[SYM_MAX + 1]; /* --all=QUOTE upper-cased; "" for every quote asset */
    unsigned shard_i;        /* --shard I/N: keep symbols with sym_hash % N == I - 1 ... */
    unsigned shard_n;        /* ... 0/0 without --shard */
    char error[256];
} cli_args;

/*
 * Parse argv. Returns the action (also in out->action). Free with cli_free (also after an
 * error). With --shard, symbols outside the shard are dropped here; keeping none of those
 * given is an error.
 */
cli_action cli_parse(int argc, char **argv, cli_args *out);
void cli_free(cli_args *a);

/* The usage text. */
void cli_usage(FILE *f);

#endif
