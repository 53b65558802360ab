/*
 * The capture pipeline: websocket messages and snapshot bodies in, record lines out.
 * message -> depth parsing -> the symbol's sync state machine and book -> records -> sink.
 * Knows nothing of sockets or files: the network feeds it, a sink takes the lines.
 * Not thread-safe: one thread (the network's) calls every function.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"

typedef enum cap_record_mode {
    CAP_RECORD_BOOK, /* depth, snapshot, resync, connection records */
    CAP_RECORD_RAW,  /* every frame and snapshot body verbatim, plus connection records */
    CAP_RECORD_BOTH  /* both of the above */
} cap_record_mode;

typedef struct cap_sink {
    void *ctx;
    /* Write one record; stamp_ns is its ts (ns since the Unix epoch): the file it goes to. */
    void (*emit)(void *ctx, int64_t stamp_ns, const char *line, size_t len);
    void (*want_snapshot)(void *ctx, const char *symbol); /* fetch this snapshot */
} cap_sink;

typedef struct cap_counters {
    uint64_t messages;         /* websocket messages in */
    uint64_t malformed;        /* skipped: not JSON, or a field of the wrong type/shape */
    uint64_t unknown_symbol;   /* depth updates for a symbol not captured */
    uint64_t other;            /* other streams and events */
    uint64_t method_responses; /* answers to (un)subscribe requests */
    uint64_t server_shutdowns; /* serverShutdown events */
    uint64_t bad_snapshots;    /* snapshot bodies that did not parse */
    uint64_t records;          /* lines emitted */
    uint64_t trades;           /* trade and aggTrade events of captured symbols, each once */
    uint64_t trades_duplicate; /* a trade again (two connections overlapping): not recorded */
    uint64_t trades_missed;    /* trade ids skipped and never received (a connection down) */
} cap_counters;

typedef struct cap cap;

/* A pipeline for `n` symbols (upper case, validated, distinct; copied). `depth` levels per
 * side in records, `utc` for the ts clock. NULL when memory runs out. */
cap *cap_create(const char *const *symbols, size_t n, size_t depth, cap_record_mode mode, int utc,
                const cap_sink *sink);
void cap_destroy(cap *c);

#define CAP_URL_MAX 600 /* room for a connection's URL in the connected record */

/*
 * Where the capture comes from: the sync rule its symbols follow (SYNC_RULE_FUTURES on usdm
 * and coinm), and the market ("spot", "usdm", "coinm") and websocket URL the connected and
 * disconnected records name (leg "a": one leg). Until it is called: the spot rule and bare
 * connection records. `market` and `url` are copied (url cut at CAP_URL_MAX - 1 bytes).
 */
void cap_set_origin(cap *c, sync_rule rule, const char *market, const char *url);

/* A connection of trade streams of leg `leg` ('a' or 'b', on `url`) came up (up = 1) or went
 * down (`reason`): a connected or disconnected record naming it; no book depends on it. */
void cap_on_trades_conn(cap *c, char leg, int up, const char *url, const char *reason,
                        int64_t now_ns);

/*
 * A connection of leg `leg` ('a' or 'b', on `url`) carrying `symbols` came up / went down
 * (`reason` in the record). A symbol's events may come on several connections at once (two
 * legs, or an old and a new one while a connection is replaced): they are merged by update
 * id (legs.h). Its book starts with the first connection that carries it, and is dropped
 * (a resync "disconnect") only when the last one goes down.
 */
void cap_on_leg_connected(cap *c, char leg, const char *url, const char *const *symbols, size_t n,
                          int64_t now_ns);
void cap_on_leg_disconnected(cap *c, char leg, const char *reason, const char *const *symbols,
                             size_t n, int64_t now_ns);

/* Streams of `symbols` were added to a connection already up (cap_add's symbols, while the
 * capture runs): their books start as on cap_on_leg_connected, with no connection record
 * (the connection's own came when it came up, and no connection changed). */
void cap_on_joined(cap *c, const char *const *symbols, size_t n);

/* The same for leg "a" on the URL cap_set_origin gave. */
void cap_on_connected(cap *c, const char *const *symbols, size_t n, int64_t now_ns);
void cap_on_disconnected(cap *c, const char *const *symbols, size_t n, const char *reason,
                         int64_t now_ns);

/* The clock moved to now_ns: an event held for another leg longer than about a second is
 * given up (the book resyncs as for a gap). Call it about every 100 ms. */
void cap_tick(cap *c, int64_t now_ns);

/* One whole websocket text message received at recv_ns. */
void cap_on_message(cap *c, const char *msg, size_t len, int64_t recv_ns);

/* A snapshot body of `symbol` (HTTP 200) received at recv_ns. */
void cap_on_snapshot(cap *c, const char *symbol, const char *body, size_t len, int64_t recv_ns);

/* Symbols that joined while the capture runs (upper case, validated, distinct, none of them
 * already in it; copied), after the others: they wait for a connection as cap_create's do,
 * under cap_set_origin's rule. Indices of the others stay; views taken before name moved
 * memory (take them again). Returns 0, or -1 when memory runs out (none added). */
int cap_add(cap *c, const char *const *symbols, size_t k);

/* Is `symbol` one of the pipeline's (removed or rejected ones too)? */
int cap_has(cap *c, const char *symbol);

/* `symbol` leaves the capture (e.g. no longer TRADING on the exchange): a `removed` record
 * with `reason`, its book dropped, and from now on it is ignored and shown as CAP_REJECTED.
 * Returns 0, or -1 when it is not one of the pipeline's symbols or has gone already. */
int cap_remove(cap *c, const char *symbol, const char *reason, int64_t now_ns);

/* Binance rejected `symbol` (its snapshot can never be had): stop asking, drop its book, and
 * show it as rejected from now on. */
void cap_on_rejected(cap *c, const char *symbol);

typedef enum cap_state {
    CAP_DOWN,    /* no connection carries it */
    CAP_SYNCING, /* connected, waiting for a snapshot that events continue */
    CAP_SYNCED,  /* the book follows the stream */
    CAP_REJECTED /* Binance refused the symbol: not captured */
} cap_state;

#define CAP_PRICE_MAX 40 /* room for a price as Binance sends it, and its NUL */

/* What the status line, the summary and the live page may know of one symbol: a copy, so
 * the reader holds nothing of the pipeline's. */
typedef struct cap_symbol_view {
    const char *name; /* upper case; lives as long as the pipeline */
    cap_state state;
    uint64_t applied;             /* events applied to a synced book (for events/s) */
    uint64_t resyncs;             /* books dropped: gap, disconnect, ... */
    uint64_t refetches;           /* snapshots fetched again because they were stale */
    uint64_t overflowed;          /* buffered events dropped while a snapshot loaded */
    char best_bid[CAP_PRICE_MAX]; /* "-" when the side is empty */
    char best_ask[CAP_PRICE_MAX];
    size_t bids; /* levels on each side */
    size_t asks;
    uint64_t update_id; /* CAP_SYNCED: the last update id applied (the book is at it); else 0 */
    uint64_t snapshots; /* snapshots loaded into the book */
} cap_symbol_view;

/* Counters, and the number of symbols. */
const cap_counters *cap_counts(const cap *c);
size_t cap_symbols(const cap *c);

/* A view of the i-th symbol (in the order given to cap_create) into *out. Returns 0, or -1
 * when i is out of range (out untouched). Same thread as the rest. */
int cap_symbol_view_get(const cap *c, size_t i, cap_symbol_view *out);

/* The i-th symbol's sync state itself, read only, or NULL when i is out of range: for
 * checkers that test the state machine's invariants from outside (the fuzzers). */
const sync_symbol *cap_symbol_sync(const cap *c, size_t i);

/* The best `max` levels of one side of the i-th symbol's book, copied into out, best first;
 * none unless CAP_SYNCED. Returns how many. Same thread as the rest (the live page's copy). */
size_t cap_symbol_levels(const cap *c, size_t i, book_side_id side, book_level *out, size_t max);

#endif
