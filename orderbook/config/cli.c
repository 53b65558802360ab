#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_usage(FILE *f)
{
    fputs("usage: orderbook [-c FILE] [-q] SYMBOL [SYMBOL ...]\n"
          "Capture Binance spot order books into files that roll over (see the config).\n"
          "  -c, --config FILE   configuration (default: ./orderbook.conf if present,\n"
          "                      else built-in defaults)\n"
          "  -q, --quiet         no status line\n"
          "  -h, --help          this text;  -V, --version\n"
          "Symbols are case-insensitive: 1 to 20 of A-Z 0-9 - _ . (e.g. BTCUSDT).\n"
          "exit: 0 stopped by SIGINT/SIGTERM/SIGHUP after draining, every record written;\n"
          "      1 could not run (no thread or memory at start, every symbol rejected);\n"
          "      2 usage or configuration error, or the log directory is unusable or in use\n"
          "        by another orderbook; 3 stopped, but records were lost (see the summary)\n",
          f);
}

static int upper_symbol(const char *in, char *out)
{
    size_t n = strlen(in);
    if (n == 0 || n > DEPTH_SYMBOL_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)in[i]);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return -1;
        out[i] = c;
    }
    out[n] = '\0';
    return 0;
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

cli_action cli_parse(int argc, char **argv, cli_args *out)
{
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {NULL, 0, NULL, 0}};
    memset(out, 0, sizeof *out);
    optind = 1;
    opterr = 0;
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
            return out->action = CLI_HELP;
        case 'V':
            return out->action = CLI_VERSION;
        case ':':
            return usage_error(out, "option %s needs a FILE", argv[optind - 1]);
        default:
            return usage_error(out, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error(out, "%s", "no SYMBOL given (e.g. orderbook BTCUSDT)");
    out->symbols = calloc((size_t)(argc - optind), sizeof *out->symbols);
    if (out->symbols == NULL)
        return usage_error(out, "%s", "out of memory");
    for (int i = optind; i < argc; i++) {
        char sym[DEPTH_SYMBOL_MAX + 1];
        if (upper_symbol(argv[i], sym) != 0)
            return usage_error(out,
                               "bad symbol '%.100s': expected 1 to 20 of A-Z 0-9 - _ . "
                               "(case-insensitive)",
                               argv[i]);
        size_t k = 0;
        while (k < out->n_symbols && strcmp(out->symbols[k], sym) != 0)
            k++;
        if (k == out->n_symbols)
            strcpy(out->symbols[out->n_symbols++], sym);
    }
    return out->action = CLI_RUN;
}

void cli_free(cli_args *a)
{
    free(a->symbols);
    a->symbols = NULL;
}
