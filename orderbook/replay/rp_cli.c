#include "rp_cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rp_text.h"

void rp_cli_usage(FILE *f)
{
    fputs("usage: orderbook-replay [-c FILE] [--verify] [--depth N] [--at TIME] [--out DIR] [-q]\n"
          "                        FILE...\n"
          "Rebuild order books from the raw records (frame, rest) of capture files (.txt or\n"
          ".txt.zst, in any order: they are read in ts order; a directory: its .txt and .txt.zst\n"
          "files) through orderbook's own pipeline.\n"
          "  -c, --config FILE   the capture's configuration: [book] depth, [log] rollover,\n"
          "                      clock (default: ./orderbook.conf if present, else built-in)\n"
          "  --verify            compare every rebuilt record with the depth, snapshot and\n"
          "                      resync records in the files; exit 1 at the first divergence\n"
          "  --depth N           levels per side of rebuilt records and books (1..1000;\n"
          "                      default: the configuration's depth)\n"
          "  --at TIME           print each book as of TIME (ISO 8601, e.g. 2026-11-23T23:59:59Z;\n"
          "                      without an offset: local time), one JSON line per symbol\n"
          "  --out DIR           write the rebuilt records into files rolled by their ts\n"
          "  -q, --quiet         no progress line\n"
          "  -h, --help          this text;  -V, --version\n"
          "exit: 0 done; 1 a divergence, or input that could not be read; 2 usage or\n"
          "      configuration error\n",
          f);
}

static rp_cli_action usage_error(rp_cli *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static rp_cli_action usage_error(rp_cli *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
    return out->action = RP_CLI_USAGE_ERROR;
}

rp_cli_action rp_cli_parse(int argc, char **argv, rp_cli *out)
{
    enum { OPT_VERIFY = 256, OPT_DEPTH, OPT_AT, OPT_OUT };
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"verify", no_argument, NULL, OPT_VERIFY},
                                          {"depth", required_argument, NULL, OPT_DEPTH},
                                          {"at", required_argument, NULL, OPT_AT},
                                          {"out", required_argument, NULL, OPT_OUT},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {NULL, 0, NULL, 0}};
    memset(out, 0, sizeof *out);
    optind = 0; /* glibc: a full reset, so the parser can run more than once */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:qhV", longs, NULL)) != -1) {
        switch (opt) {
        case 'c':
            out->config = optarg;
            break;
        case OPT_VERIFY:
            out->verify = 1;
            break;
        case OPT_DEPTH: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1000)
                return usage_error(out, "--depth %s: expected a number of levels, 1..1000", optarg);
            out->depth = (unsigned)v;
            break;
        }
        case OPT_AT:
            if (rp_parse_time(optarg, &out->at_ns) != 0)
                return usage_error(out,
                                   "--at %s: expected an ISO 8601 time, e.g. "
                                   "2026-11-23T23:59:59.5Z or 2026-11-23T23:59+01:00",
                                   optarg);
            out->at = 1;
            break;
        case OPT_OUT:
            if (*optarg == '\0')
                return usage_error(out, "--out: expected a directory");
            out->out = optarg;
            break;
        case 'q':
            out->quiet = 1;
            break;
        case 'h':
            return out->action = RP_CLI_HELP;
        case 'V':
            return out->action = RP_CLI_VERSION;
        case ':':
            return usage_error(out, "%s needs a value", argv[optind - 1]);
        default:
            return usage_error(out, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error(out, "no files given");
    out->files = argv + optind;
    out->n_files = (size_t)(argc - optind);
    return out->action = RP_CLI_RUN;
}
