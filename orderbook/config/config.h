/* The configuration file of orderbook (INI, read with libinih). */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "capture.h"
#include "url.h"

typedef struct cfg {
    /* [log] */
    char dir[PATH_MAX]; /* where the capture files go; created if missing */
    int rollover_5sec;  /* 1: 5sec, 0: daily */
    int utc;            /* 1: utc, 0: local */
    unsigned queue_mb;  /* alog queue, 1..4096 MiB */
    /* [binance] */
    url_parts ws;           /* ws_url, parsed */
    url_parts rest;         /* rest_url, parsed */
    int speed_ms;           /* 100 | 1000 */
    int snapshot_limit;     /* 1..5000 */
    char ca_file[PATH_MAX]; /* "" = none */
    /* [book] */
    unsigned depth;         /* levels per side in records, 1..1000 */
    cap_record_mode record; /* book | raw | both */
} cfg;

/* The built-in defaults, the same as config/orderbook.conf. */
void cfg_defaults(cfg *c);

/*
 * Read `path` over the values already in *c. Every error names the file, line, section and
 * key and what is allowed, e.g. "orderbook.conf:3: [log] rollover = weekly: expected 5sec
 * or daily"; unknown sections and keys and repeated keys are errors, and so is a line of
 * more than 198 characters (what libinih reads at once). Returns 0, or -1 with the first
 * error in err.
 */
int cfg_load(cfg *c, const char *path, char *err, size_t errlen);

#endif
