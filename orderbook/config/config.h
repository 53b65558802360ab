/*
 * The configuration file of orderbook (INI, read with libinih).
 *
 * One table of keys (cfg_keys) says for every key its section, name, default, kind, allowed
 * values and field: parsing, the defaults, the error messages, README's table and the tests
 * that the shipped config/orderbook.conf equals the defaults all come from it.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "capture.h"
#include "url.h"

typedef enum cfg_market {
    CFG_MARKET_SPOT,  /* api.binance.com, stream.binance.com */
    CFG_MARKET_USDM,  /* USD-M futures: fapi, fstream */
    CFG_MARKET_COINM, /* COIN-M futures: dapi, dstream */
} cfg_market;

typedef enum cfg_compress { CFG_COMPRESS_NONE, CFG_COMPRESS_ZSTD } cfg_compress;

#define CFG_NATS_URL_MAX  256 /* more than a line of the file can hold */
#define CFG_NATS_NAME_MAX 32  /* stream and durable names */
#define CFG_SUBJECT_MAX   64

typedef struct cfg_listen {
    char host[URL_HOST_MAX + 1]; /* "" = off; a name, IPv4, or IPv6 without [] */
    int port;                    /* 1..65535 when host is set */
} cfg_listen;

typedef struct cfg {
    /* [log] */
    char dir[PATH_MAX];    /* where the capture files go; created if missing */
    int rollover_5sec;     /* 1: 5sec, 0: daily */
    int utc;               /* 1: utc, 0: local */
    unsigned queue_mb;     /* alog queue in MiB (range in the table: alog's own limit) */
    cfg_compress compress; /* none | zstd */
    int checksum;          /* 1: NAME.sha256 next to each closed file */
    /* [binance] */
    cfg_market market;             /* spot | usdm | coinm */
    url_parts ws;                  /* ws_url, or the market's default when empty */
    url_parts rest;                /* rest_url, or the market's default when empty */
    int speed_ms;                  /* spot: 100 | 1000; futures: 100 | 250 | 500 */
    int snapshot_limit;            /* spot: 1..5000; futures: 5..1000 */
    char ca_file[PATH_MAX];        /* "" = none; else a readable file of PEM certificates */
    unsigned legs;                 /* 1 | 2: connections per depth stream */
    url_parts ws_b;                /* ws_url_b, or ws when empty */
    unsigned max_connection_age_s; /* replace a connection this old, make-before-break */
    unsigned ping_s;               /* client ping after this much silence; < hangup_s */
    unsigned hangup_s;             /* no valid traffic this long: replace the connection */
    int trades;                    /* 1: also record trades */
    unsigned exchange_info_s;      /* --all: read exchangeInfo again this often */
    /* [book] */
    unsigned depth;         /* levels per side in records */
    cap_record_mode record; /* book | raw | both */
    /* [nats] (not yet used) */
    char nats_url[CFG_NATS_URL_MAX];               /* "" = off; nats://h:p[,nats://h2:p2...] */
    char nats_stream[CFG_NATS_NAME_MAX + 1];       /* JetStream stream name */
    char nats_subject_prefix[CFG_SUBJECT_MAX + 1]; /* e.g. "depthlog" */
    unsigned nats_replicas;                        /* when orderbook creates the stream */
    char nats_durable[CFG_NATS_NAME_MAX + 1];      /* orderbook-archive's consumer */
    /* [serve] */
    cfg_listen listen; /* host "" = off */
} cfg;

/* ---- the table ---- */

typedef enum cfg_kind {
    CFG_PATH,      /* char[PATH_MAX], not empty */
    CFG_PEM_FILE,  /* char[PATH_MAX]; "" or a readable file of PEM certificates */
    CFG_CHOICE,    /* an int-sized field; one of `choices` */
    CFG_INT,       /* int; a whole number allowed by the rule */
    CFG_UINT,      /* unsigned; a whole number allowed by the rule */
    CFG_URL,       /* url_parts; "" (host "" until resolved) or scheme://host[:port][/path] */
    CFG_NATS_URLS, /* char[]; "" or nats://host[:port] separated by commas */
    CFG_NAME,      /* char[]; 1.. of A-Z a-z 0-9 - _ (JetStream stream and consumer names) */
    CFG_SUBJECT,   /* char[]; tokens of A-Z a-z 0-9 - _ separated by dots */
    CFG_LISTEN,    /* cfg_listen; "" or host:port */
} cfg_kind;

typedef struct cfg_choice {
    const char *name; /* as written in the file */
    int value;        /* stored in the field */
} cfg_choice;

/* The whole numbers a key allows: lo..hi, or only the values in `only` (ending in 0). */
typedef struct cfg_int_rule {
    long lo, hi;
    const long *only;
} cfg_int_rule;

typedef struct cfg_key {
    const char *section; /* "log", "binance", ... */
    const char *name;    /* "queue_mb" */
    const char *def;     /* the default exactly as config/orderbook.conf writes it */
    cfg_kind kind;
    const char *unit;          /* CFG_INT, CFG_UINT: "MiB", "levels", ... or NULL */
    cfg_int_rule rule;         /* CFG_INT, CFG_UINT: on every market, or on spot ... */
    cfg_int_rule futures;      /* ... and this on usdm and coinm when hi != 0 */
    const cfg_choice *choices; /* CFG_CHOICE: ends with {NULL, 0} */
    const char *scheme;        /* CFG_URL: "wss" or "https" */
    size_t offset, size;       /* the field in struct cfg */
    int used;                  /* 0: parsed and checked, but the feature is not built yet */
    const char *doc;           /* what it means, in a few words (README) */
} cfg_key;

/* The table, in the order of config/orderbook.conf; *n gets the number of keys. */
const cfg_key *cfg_keys(size_t *n);

/* What `k` allows on market `m`, as the error messages say it after "expected " (e.g. "100
 * or 1000", "a whole number of MiB from 1 to 2048"). Returns buf. */
const char *cfg_allowed(const cfg_key *k, cfg_market m, char *buf, size_t len);

/* The name of a market as written in the file ("spot", "usdm", "coinm"). */
const char *cfg_market_name(cfg_market m);

/* ---- loading ---- */

/* The built-in defaults: every key of the table at its default, resolved as cfg_load does
 * (empty URLs become the market's endpoints). The same as config/orderbook.conf. */
void cfg_defaults(cfg *c);

/*
 * Fill *c from the file at `path`: the keys it sets, the defaults for the rest. Every error
 * names the file, and where there is one the line, section and key and what is allowed, e.g.
 * "ob.conf:3: [log] rollover = weekly: expected 5sec or daily"; an unknown key's message
 * lists the keys its section allows. Errors: a path that cannot be read or is a directory,
 * unknown sections and keys, repeated keys, a line of more than 198 characters (what libinih
 * reads at once), a bad value, values that disagree (speed_ms for the market, ping_s not
 * under hangup_s), a ca_file that holds no PEM certificate. When there are several, the one
 * on the earliest line. Returns 0, or -1 with the error in err and errno EINVAL; *c is then
 * unspecified. Memory that runs out (libinih, reading ca_file) is not the file's fault: -1
 * with errno ENOMEM and err "cannot start: out of memory reading PATH".
 */
int cfg_load(cfg *c, const char *path, char *err, size_t errlen);

#endif
