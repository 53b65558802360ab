/* The one table of configuration keys, and how their allowed values are said. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#define FIELD(f) .offset = offsetof(cfg, f), .size = sizeof(((cfg *)0)->f)

/* Enums stored through an int: they must be int-sized. */
_Static_assert(sizeof(cap_record_mode) == sizeof(int), "record is stored as an int");
_Static_assert(sizeof(cfg_market) == sizeof(int), "market is stored as an int");
_Static_assert(sizeof(cfg_compress) == sizeof(int), "compress is stored as an int");

static const cfg_choice rollovers[] = {{"5sec", 1}, {"daily", 0}, {NULL, 0}};
static const cfg_choice clocks[] = {{"local", 0}, {"utc", 1}, {NULL, 0}};
static const cfg_choice compressions[] = {
    {"none", CFG_COMPRESS_NONE}, {"zstd", CFG_COMPRESS_ZSTD}, {NULL, 0}};
static const cfg_choice markets[] = {
    {"spot", CFG_MARKET_SPOT}, {"usdm", CFG_MARKET_USDM}, {"coinm", CFG_MARKET_COINM}, {NULL, 0}};
static const cfg_choice on_off[] = {{"off", 0}, {"on", 1}, {NULL, 0}};
static const cfg_choice records[] = {
    {"book", CAP_RECORD_BOOK}, {"raw", CAP_RECORD_RAW}, {"both", CAP_RECORD_BOTH}, {NULL, 0}};

static const long spot_speeds[] = {100, 1000, 0};
static const long futures_speeds[] = {100, 250, 500, 0};
static const long leg_counts[] = {1, 2, 0};

/*
 * alog's queue is at most 2 GiB (record sizes are 32-bit; alog_open fails with EINVAL
 * above it): 2048 MiB is the most a configuration may ask for.
 */
#define QUEUE_MB_MAX 2048

/* Binance cuts a connection at 24 h; replacing one takes a little while. */
#define CONNECTION_AGE_MAX (86400 - 300)

static const cfg_key keys[] = {
    {.section = "log",
     .name = "dir",
     .def = "orderbook_logs",
     .kind = CFG_PATH,
     FIELD(dir),
     .used = 1,
     .doc = "where the files go; created with its parents"},
    {.section = "log",
     .name = "rollover",
     .def = "5sec",
     .kind = CFG_CHOICE,
     .choices = rollovers,
     FIELD(rollover_5sec),
     .used = 1,
     .doc = "`YYYYMMDDHHMM{i}.txt` (i = second / 5, 0..11) or `YYYYMMDD.txt`"},
    {.section = "log",
     .name = "clock",
     .def = "local",
     .kind = CFG_CHOICE,
     .choices = clocks,
     FIELD(utc),
     .used = 1,
     .doc = "whose midnight (and `ts` offset) the files follow"},
    {.section = "log",
     .name = "queue_mb",
     .def = "64",
     .kind = CFG_UINT,
     .unit = "MiB",
     .rule = {1, QUEUE_MB_MAX, NULL},
     FIELD(queue_mb),
     .used = 1,
     .doc = "memory for records not yet written (alog's queue holds at most 2 GiB)"},
    {.section = "log",
     .name = "compress",
     .def = "none",
     .kind = CFG_CHOICE,
     .choices = compressions,
     FIELD(compress),
     .used = 1,
     .doc = "`zstd`: files end in `.txt.zst`"},
    {.section = "log",
     .name = "checksum",
     .def = "off",
     .kind = CFG_CHOICE,
     .choices = on_off,
     FIELD(checksum),
     .used = 1,
     .doc = "`on`: `NAME.sha256` (`sha256sum -c` format) next to each file once it is closed"},

    {.section = "binance",
     .name = "market",
     .def = "spot",
     .kind = CFG_CHOICE,
     .choices = markets,
     FIELD(market),
     .used = 1,
     .doc = "spot, USD-M or COIN-M futures: endpoints, sync rule, weights"},
    {.section = "binance",
     .name = "ws_url",
     .def = "",
     .kind = CFG_URL,
     .scheme = "wss",
     FIELD(ws),
     .used = 1,
     .doc = "stream endpoint; empty: the market's (spot `wss://stream.binance.com:9443`)"},
    {.section = "binance",
     .name = "rest_url",
     .def = "",
     .kind = CFG_URL,
     .scheme = "https",
     FIELD(rest),
     .used = 1,
     .doc = "snapshot endpoint; empty: the market's (spot `https://api.binance.com`)"},
    {.section = "binance",
     .name = "speed_ms",
     .def = "100",
     .kind = CFG_INT,
     .rule = {100, 1000, spot_speeds},
     .futures = {100, 500, futures_speeds},
     FIELD(speed_ms),
     .used = 1,
     .doc = "how often each stream sends its updates"},
    {.section = "binance",
     .name = "snapshot_limit",
     .def = "1000",
     .kind = CFG_INT,
     .rule = {1, 5000, NULL},
     .futures = {5, 1000, NULL},
     FIELD(snapshot_limit),
     .used = 1,
     .doc = "levels per side in each snapshot"},
    {.section = "binance",
     .name = "ca_file",
     .def = "",
     .kind = CFG_PEM_FILE,
     FIELD(ca_file),
     .used = 1,
     .doc = "extra trusted CAs (e.g. a private test server); verification is always on"},
    {.section = "binance",
     .name = "legs",
     .def = "2",
     .kind = CFG_UINT,
     .rule = {1, 2, leg_counts},
     FIELD(legs),
     .used = 1,
     .doc = "every depth stream on this many connections, merged by update id: a loss one leg "
            "covers costs no resync"},
    {.section = "binance",
     .name = "ws_url_b",
     .def = "",
     .kind = CFG_URL,
     .scheme = "wss",
     FIELD(ws_b),
     .used = 1,
     .doc = "the second leg's endpoint; empty: ws_url"},
    {.section = "binance",
     .name = "max_connection_age_s",
     .def = "85800",
     .kind = CFG_UINT,
     .unit = "seconds",
     .rule = {1, CONNECTION_AGE_MAX, NULL},
     FIELD(max_connection_age_s),
     .used = 1,
     .doc = "a connection this old is replaced make-before-break"},
    {.section = "binance",
     .name = "ping_s",
     .def = "20",
     .kind = CFG_UINT,
     .unit = "seconds",
     .rule = {1, 3600, NULL},
     FIELD(ping_s),
     .used = 1,
     .doc = "client ping after this much silence; less than hangup_s"},
    {.section = "binance",
     .name = "hangup_s",
     .def = "60",
     .kind = CFG_UINT,
     .unit = "seconds",
     .rule = {2, 3600, NULL},
     FIELD(hangup_s),
     .used = 1,
     .doc = "no valid traffic for this long: the connection is replaced"},
    {.section = "binance",
     .name = "trades",
     .def = "off",
     .kind = CFG_CHOICE,
     .choices = on_off,
     FIELD(trades),
     .used = 1,
     .doc = "also record trades"},
    {.section = "binance",
     .name = "exchange_info_s",
     .def = "3600",
     .kind = CFG_UINT,
     .unit = "seconds",
     .rule = {1, 86400, NULL},
     FIELD(exchange_info_s),
     .used = 1,
     .doc = "with --all: exchangeInfo is read again this often (delisted symbols end)"},

    {.section = "book",
     .name = "depth",
     .def = "5",
     .kind = CFG_UINT,
     .unit = "levels",
     .rule = {1, 1000, NULL},
     FIELD(depth),
     .used = 1,
     .doc = "levels per side in each record"},
    {.section = "book",
     .name = "record",
     .def = "book",
     .kind = CFG_CHOICE,
     .choices = records,
     FIELD(record),
     .used = 1,
     .doc = "what the files hold (below)"},

    {.section = "nats",
     .name = "url",
     .def = "",
     .kind = CFG_NATS_URLS,
     FIELD(nats_url),
     .used = 1,
     .doc = "empty: off; else also publish every record to JetStream"},
    {.section = "nats",
     .name = "stream",
     .def = "DEPTHLOG",
     .kind = CFG_NAME,
     FIELD(nats_stream),
     .used = 1,
     .doc = "created if missing, subjects `<subject_prefix>.>`"},
    {.section = "nats",
     .name = "subject_prefix",
     .def = "depthlog",
     .kind = CFG_SUBJECT,
     FIELD(nats_subject_prefix),
     .used = 1,
     .doc = "subjects `<prefix>.<market>.<SYMBOL>.<event>`"},
    {.section = "nats",
     .name = "replicas",
     .def = "1",
     .kind = CFG_UINT,
     .rule = {1, 5, NULL},
     FIELD(nats_replicas),
     .used = 1,
     .doc = "replicas when orderbook creates the stream"},
    {.section = "nats",
     .name = "durable",
     .def = "archive",
     .kind = CFG_NAME,
     FIELD(nats_durable),
     .used = 1,
     .doc = "orderbook-archive's durable consumer"},

    {.section = "serve",
     .name = "listen",
     .def = "",
     .kind = CFG_LISTEN,
     FIELD(listen),
     .used = 1,
     .doc = "empty: off; else the live page, `/metrics` and `/api` on host:port"},
};

const cfg_key *cfg_keys(size_t *n)
{
    *n = sizeof keys / sizeof keys[0];
    return keys;
}

const char *cfg_market_name(cfg_market m)
{
    for (const cfg_choice *ch = markets; ch->name != NULL; ch++)
        if (ch->value == (int)m)
            return ch->name;
    return "?";
}

/* "a, b or c" into buf at *used. */
static void say_list(char *buf, size_t len, size_t *used, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n && *used < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + *used, len - *used, "%s%s", sep, items[i]);
        *used += w > 0 ? (size_t)w : 0;
    }
}

static void say_rule(const cfg_key *k, const cfg_int_rule *r, char *buf, size_t len)
{
    if (r->only != NULL) {
        char nums[8][24];
        const char *items[8];
        size_t n = 0, used = 0;
        for (; r->only[n] != 0 && n < 8; n++) {
            snprintf(nums[n], sizeof nums[n], "%ld", r->only[n]);
            items[n] = nums[n];
        }
        say_list(buf, len, &used, items, n);
        return;
    }
    snprintf(buf, len, "a whole number%s%s from %ld to %ld", k->unit ? " of " : "",
             k->unit ? k->unit : "", r->lo, r->hi);
}

static const char *const fixed_text[] = {
    [CFG_PATH] = "a directory path",
    [CFG_PEM_FILE] = "empty, or a readable file of PEM certificates",
    [CFG_NATS_URLS] = "empty, or nats://host[:port] separated by commas",
    [CFG_NAME] = "1 to 32 of A-Z a-z 0-9 - _",
    [CFG_SUBJECT] = "tokens of A-Z a-z 0-9 - _ separated by dots, at most 64 characters",
    [CFG_LISTEN] = "empty, or host:port (e.g. 127.0.0.1:8080)",
};

const char *cfg_allowed(const cfg_key *k, cfg_market m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    switch (k->kind) {
    case CFG_CHOICE: {
        const char *items[8];
        size_t n = 0;
        for (; k->choices[n].name != NULL && n < 8; n++)
            items[n] = k->choices[n].name;
        say_list(buf, len, &used, items, n);
        break;
    }
    case CFG_INT:
    case CFG_UINT: {
        int futures = k->futures.hi != 0;
        say_rule(k, futures && m != CFG_MARKET_SPOT ? &k->futures : &k->rule, buf, len);
        if (futures) {
            used = strlen(buf);
            snprintf(buf + used, len - used, " with market = %s", cfg_market_name(m));
        }
        break;
    }
    case CFG_URL:
        snprintf(buf, len, "empty, or %s://host[:port][/path]", k->scheme);
        break;
    default:
        snprintf(buf, len, "%s", fixed_text[k->kind]);
        break;
    }
    return buf;
}
