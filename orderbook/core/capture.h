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
    void (*emit)(void *ctx, const char *line, size_t len); /* write one record */
    void (*want_snapshot)(void *ctx, const char *symbol);  /* fetch this snapshot */
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
} cap_counters;

typedef struct cap cap;

/* A pipeline for `n` symbols (upper case, validated, distinct; copied). `depth` levels per
 * side in records, `utc` for the ts clock. NULL when memory runs out. */
cap *cap_create(const char *const *symbols, size_t n, size_t depth, cap_record_mode mode, int utc,
                const cap_sink *sink);
void cap_destroy(cap *c);

/* A connection carrying `symbols` came up / went down (`reason` in the record). */
void cap_on_connected(cap *c, const char *const *symbols, size_t n, int64_t now_ns);
void cap_on_disconnected(cap *c, const char *const *symbols, size_t n, const char *reason,
                         int64_t now_ns);

/* One whole websocket text message received at recv_ns. */
void cap_on_message(cap *c, const char *msg, size_t len, int64_t recv_ns);

/* A snapshot body of `symbol` (HTTP 200) received at recv_ns. */
void cap_on_snapshot(cap *c, const char *symbol, const char *body, size_t len, int64_t recv_ns);

/* The snapshot of `symbol` can't be had (e.g. Binance rejected the symbol): stop asking. */
void cap_on_snapshot_failed(cap *c, const char *symbol);

/* Counters, and the state of the i-th symbol (in the order given to cap_create). */
const cap_counters *cap_counts(const cap *c);
size_t cap_symbols(const cap *c);
const sync_symbol *cap_symbol(const cap *c, size_t i);

#endif
