/*
 * The text of record lines, read back: timestamps, the fixed layout the capture writes, JSON
 * string literals. Pure: no I/O, no allocation.
 */
#ifndef RP_TEXT_H
#define RP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "depth.h"

typedef enum rp_kind {
    RP_FRAME,        /* a websocket frame as received: input */
    RP_REST,         /* a snapshot body as received: input */
    RP_CONNECTED,    /* a connection came up: input */
    RP_DISCONNECTED, /* a connection went down: input */
    RP_DEPTH,        /* the book after an event: derived */
    RP_SNAPSHOT,     /* a freshly loaded snapshot: derived */
    RP_RESYNC,       /* a book dropped: derived */
    RP_OTHER         /* any other event (trade, removed, ...): passed through */
} rp_kind;

/* Is this kind rebuilt by the replay (and so compared by --verify)? */
int rp_kind_derived(rp_kind k);

/* What a record line says before its body, read without building a JSON tree. */
typedef struct rp_head {
    int64_t ts_ns;                     /* "ts" as ns since the Unix epoch (microseconds kept) */
    rp_kind kind;                      /* from "event" */
    const char *rest;                  /* the line after the ts: `","event":...}` */
    size_t rest_len;                   /* its length */
    char symbol[DEPTH_SYMBOL_MAX + 1]; /* "s" of rest, depth, snapshot, resync; else "" */
    uint64_t id;                       /* depth: "u"; snapshot: "lastUpdateId"; else 0 */
    const char *data;                  /* frame, rest: the text of "data" (JSON or a string) */
    size_t data_len;
} rp_head;

/*
 * Read a record line in the layout orderbook writes: `{"ts":"<ts>","event":"<event>"`, then
 * for rest/depth/snapshot/resync `,"s":"<SYMBOL>"`, ..., and for frame and rest `"data":`
 * as the last member. Returns 0, or -1 when the line is not in that layout (it may still be
 * JSON of another shape: the caller decides). Pointers go into `line`.
 */
int rp_head_parse(const char *line, size_t len, rp_head *out);

/*
 * A record's ts, "2026-11-23T23:59:59.123456+01:00" or "...Z" (1 to 9 fraction digits, or
 * none), into ns since the Unix epoch. Returns 0, or -1 when it is not such a time.
 */
int rp_parse_ts(const char *s, size_t len, int64_t *ns);

/*
 * A time given by a person (ISO 8601): "2026-11-23", "2026-11-23T23:59", "2026-11-23 23:59:59.5",
 * with "Z" or an offset ("+01:00", "+0100"), or none: then local time (TZ). Returns 0 or -1.
 */
int rp_parse_time(const char *s, int64_t *ns);

/*
 * The bytes of a JSON string's contents `s` (without its quotes, `n` bytes) into `out`, which
 * has room for `n` bytes (never more are needed). Returns the length, or -1 when the contents
 * are not a valid JSON string (a bad escape, an unescaped quote or control character).
 */
long rp_unescape(const char *s, size_t n, char *out);

/* The "s" of a depth frame's data ("BTCUSDT"), found by a scan: 0, or -1 when there is none
 * of a valid shape. A hint for routing only: the pipeline parses the frame itself. */
int rp_frame_symbol(const char *frame, size_t len, char out[DEPTH_SYMBOL_MAX + 1]);

#endif
