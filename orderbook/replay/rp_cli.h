/* The command line of orderbook-replay. Pure: it decides, the tool's main acts. */
#ifndef RP_CLI_H
#define RP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum rp_cli_action {
    RP_CLI_RUN,        /* replay the files */
    RP_CLI_HELP,       /* print usage, exit 0 */
    RP_CLI_VERSION,    /* print the version, exit 0 */
    RP_CLI_USAGE_ERROR /* print `error` and the usage, exit 2 */
} rp_cli_action;

typedef struct rp_cli {
    rp_cli_action action;
    const char *config; /* -c FILE, or NULL */
    int verify;         /* --verify */
    unsigned depth;     /* --depth N (1..1000), 0 when not given */
    int at;             /* --at TIME given */
    int64_t at_ns;      /* TIME in ns since the Unix epoch */
    const char *out;    /* --out DIR, or NULL */
    int quiet;          /* -q: no progress line */
    char **files;       /* the FILE arguments (pointers into argv) */
    size_t n_files;
    char error[256];
} rp_cli;

/* Parse argv (argv itself may be permuted). Returns the action (also in out->action). */
rp_cli_action rp_cli_parse(int argc, char **argv, rp_cli *out);

void rp_cli_usage(FILE *f);

#endif
