/* The record lines of the capture files (JSON, one object per line). Pure formatting. */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "book.h"
#include "depth.h"
#include "sbuf.h"

typedef struct rec_writer {
    sbuf line;         /* the line being built (line.oom: memory ran out for it) */
    int utc;           /* ts in UTC ("Z") rather than local time with its offset */
    size_t depth;      /* levels per side in depth and snapshot records */
    time_t cached_sec; /* the second whose ts prefix is cached */
    char prefix[32];   /* "2026-11-23T23:59:59" */
    char offset[8];    /* "Z" or "+01:00" */
} rec_writer;

/* A writer of records with `depth` levels per side (at least 1), in UTC or local time. */
void rec_init(rec_writer *w, size_t depth, int utc);
void rec_free(rec_writer *w);

/*
 * Each builds one record (without '\n') and returns its length, the line being w->line.p, or
 * 0 when memory ran out. `ns` is the receive time in ns since the Unix epoch.
 */
size_t rec_depth(rec_writer *w, int64_t ns, const char *symbol, const depth_event *ev,
                 const book *b);
size_t rec_snapshot(rec_writer *w, int64_t ns, const char *symbol, uint64_t last_id, const book *b);
size_t rec_resync(rec_writer *w, int64_t ns, const char *symbol, const char *reason);
/* {"ts":..,"event":"trade","s":..,"E":..,"T":..,"t":id,"p":"..","q":"..","m":bool}: the
 * id is spot's "t" or futures' "a"; price and quantity exactly as received. */
size_t rec_trade(rec_writer *w, int64_t ns, const trade_event *t);
/* {"ts":..,"event":"removed","s":..,"reason":".."}: the symbol is captured no more. */
size_t rec_removed(rec_writer *w, int64_t ns, const char *symbol, const char *reason);
size_t rec_connected(rec_writer *w, int64_t ns);
size_t rec_disconnected(rec_writer *w, int64_t ns, const char *reason);
/* The same naming the connection: its market ("spot", "usdm", "coinm"), leg ("a", "b") and
 * URL; each NULL is left out (all NULL: the records above). */
size_t rec_connected_on(rec_writer *w, int64_t ns, const char *market, const char *leg,
                        const char *url);
size_t rec_disconnected_on(rec_writer *w, int64_t ns, const char *market, const char *leg,
                           const char *reason);
/* A websocket frame exactly as received. A frame that is not one line of strict JSON
 * (malformed, with raw line breaks, or with what cJSON tolerates but JSON does not: raw
 * control characters, numbers like +1 or 01, \u without 4 hex digits, a byte-order mark) is
 * kept as a JSON string instead, so every record stays one line of valid JSON. */
size_t rec_frame(rec_writer *w, int64_t ns, const char *data, size_t len, int is_json);
/* A snapshot body exactly as received (same rule as rec_frame). */
size_t rec_rest(rec_writer *w, int64_t ns, const char *symbol, const char *data, size_t len,
                int is_json);

#define REC_TS_MAX 64 /* room for a ts, "2026-11-23T23:59:59.123456+01:00" and more */

/* The ts of `ns` into out (REC_TS_MAX bytes). */
void rec_timestamp(rec_writer *w, int64_t ns, char *out);

#endif
