#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_usage(FILE *f)
{
    fputs("usage: orderbook [-c FILE] [-q] [--shard I/N] SYMBOL [SYMBOL ...]\n"
          "       orderbook [-c FILE] [-q] [--shard I/N] --all[=QUOTE]\n"
          "Capture Binance order books (spot, USD-M or COIN-M: [binance] market) into files\n"
          "that roll over (see the config).\n"
          "  -c, --config FILE   configuration (default: ./orderbook.conf if present,\n"
          "                      else built-in defaults)\n"
          "  -q, --quiet         no status line\n"
          "  --all[=QUOTE]       every symbol TRADING on the market at start (exchangeInfo),\n"
          "                      only those quoted in QUOTE with --all=QUOTE\n"
          "  --shard I/N         keep only the symbols whose FNV-1a hash mod N is I-1, so N\n"
          "                      hosts given the same list split it without talking\n"
          "  -h, --help          this text;  -V, --version\n"
          "Symbols are case-insensitive: 1 to 20 of A-Z 0-9 - _ . (e.g. BTCUSDT).\n"
          "exit: 0 stopped by SIGINT/SIGTERM/SIGHUP after draining, every record written;\n"
          "      1 could not run (no thread or memory at start, every symbol rejected,\n"
          "        --all without an exchangeInfo or a symbol);\n"
          "      2 usage or configuration error, or the log directory is unusable or in use\n"
          "        by another orderbook; 3 stopped, but records were lost (see the summary)\n",
          f);
}

static cli_action usage_error(cli_args *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static cli_action usage_error(cli_args *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
    return out->action = CLI_USAGE_ERROR;
}

/*
 * The element of argv that getopt was reading when it stopped at an unknown or incomplete
 * option. glibc moves optind past an element once it has read its last character, so a short
 * option in the middle of a group ("-BTC") leaves optind on it, and argv[optind - 1] is then
 * the element before (perhaps a symbol: blaming it was issue 10.12).
 */
static const char *offending(int argc, char **argv)
{
    const char *prev = argv[optind - 1];
    if (optopt == 0 || optind >= argc || argv[optind][0] != '-' || argv[optind][1] == '-')
        return prev;
    size_t n = strlen(prev);
    int prev_ends_here = prev[0] == '-' && prev[1] != '-' && n > 1 && prev[n - 1] == optopt;
    return prev_ends_here ? prev : argv[optind];
}

static cli_action unknown_option(cli_args *out, int argc, char **argv)
{
    const char *arg = offending(argc, argv);
    char sym[SYM_MAX + 1];
    if (optopt == 0 || strlen(arg) <= 2)
        return usage_error(out, "unknown option %.100s", arg);
    if (arg[1] == optopt && sym_normalize(arg + 1, sym) == 0)
        return usage_error(out, "unknown option -%c in %.100s (a symbol cannot start with '-')",
                           optopt, arg);
    return usage_error(out, "unknown option -%c in %.100s", optopt, arg);
}

/* "I/N" with 1 <= I <= N <= 1000000. */
static int parse_shard(const char *s, unsigned *i, unsigned *n)
{
    unsigned long a, b;
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    a = strtoul(s, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    b = strtoul(end + 1, &end, 10);
    if (*end != '\0' || a < 1 || a > b || b > 1000000)
        return -1;
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

/* For parse_options: the action is in out->action. */
static int decided(cli_action a)
{
    (void)a;
    return 1;
}

/* The options; returns 0 to go on with the symbols, 1 when the action is decided (in
 * out->action). */
static int parse_options(int argc, char **argv, cli_args *out)
{
    enum { OPT_ALL = 256, OPT_SHARD };
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {"all", optional_argument, NULL, OPT_ALL},
                                          {"shard", required_argument, NULL, OPT_SHARD},
                                          {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:qhV", longs, NULL)) != -1) {
        switch (opt) {
        case 'c':
            out->config = optarg;
            break;
        case 'q':
            out->quiet = 1;
            break;
        case 'h':
            out->action = CLI_HELP;
            return 1;
        case 'V':
            out->action = CLI_VERSION;
            return 1;
        case OPT_ALL:
            out->all = 1;
            if (optarg != NULL && sym_normalize(optarg, out->quote) != 0)
                return decided(
                    usage_error(out,
                                "--all=%.100s: expected a quote asset, 1 to 20 of A-Z 0-9 - "
                                "_ . (e.g. --all=USDT)",
                                optarg));
            break;
        case OPT_SHARD:
            if (parse_shard(optarg, &out->shard_i, &out->shard_n) != 0)
                return decided(
                    usage_error(out,
                                "--shard %.100s: expected I/N with 1 <= I <= N <= 1000000 "
                                "(e.g. --shard 1/4)",
                                optarg));
            break;
        case ':':
            return decided(usage_error(out, "option %.100s needs %s", offending(argc, argv),
                                       optopt == OPT_SHARD ? "I/N" : "a FILE"));
        default:
            return decided(unknown_option(out, argc, argv));
        }
    }
    return 0;
}

/* Keep only the symbols of this shard. */
static void keep_shard(cli_args *out)
{
    size_t kept = 0;
    for (size_t k = 0; k < out->n_symbols; k++)
        if (sym_in_shard(out->symbols[k], out->shard_i, out->shard_n))
            memmove(out->symbols[kept++], out->symbols[k], sizeof out->symbols[k]);
    out->n_symbols = kept;
}

cli_action cli_parse(int argc, char **argv, cli_args *out)
{
    memset(out, 0, sizeof *out);
    /* 0, not 1: glibc then also forgets where it was inside a group of short options, which
     * a previous call that stopped at an error may have left half read. */
    optind = 0;
    opterr = 0;
    if (parse_options(argc, argv, out) != 0)
        return out->action;
    if (optind >= argc && !out->all)
        return usage_error(out, "%s", "no SYMBOL given (e.g. orderbook BTCUSDT)");
    out->symbols = calloc((size_t)(argc - optind) + 1, sizeof *out->symbols);
    if (out->symbols == NULL)
        return usage_error(out, "%s", "out of memory");
    for (int i = optind; i < argc; i++) {
        char sym[SYM_MAX + 1];
        if (sym_normalize(argv[i], sym) != 0)
            return usage_error(out,
                               "bad symbol '%.100s': expected 1 to 20 of A-Z 0-9 - _ . "
                               "(case-insensitive)",
                               argv[i]);
        size_t k = 0;
        while (k < out->n_symbols && strcmp(out->symbols[k], sym) != 0)
            k++;
        if (k == out->n_symbols)
            memcpy(out->symbols[out->n_symbols++], sym, sizeof sym);
    }
    size_t given = out->n_symbols;
    if (out->shard_n != 0)
        keep_shard(out);
    if (out->all && given > 0)
        return usage_error(out, "--all takes the symbols from Binance: name none (%zu given)",
                           given);
    if (out->all)
        return out->action = CLI_RUN; /* the symbols (and their shard) come at start */
    if (out->n_symbols == 0)
        return usage_error(out, "--shard %u/%u keeps none of the %zu symbol%s given", out->shard_i,
                           out->shard_n, given, given == 1 ? "" : "s");
    return out->action = CLI_RUN;
}

void cli_free(cli_args *a)
{
    free(a->symbols);
    a->symbols = NULL;
}
