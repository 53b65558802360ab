/*
 * Parsing and validating Binance depth messages and snapshots (cJSON; depth updates in
 * Binance's plain layout read straight from the text). Pure.
 *
 * A message's or snapshot's cJSON tree is built in the calling thread's json_arena (see
 * json_arena.h): it is read-only, must be freed on the thread that parsed it, and nothing in
 * it (levels' strings, `stream`, `root`) may be used after depth_msg_free/depth_snapshot_free:
 * the memory is reused by the next parse. Copy what must outlive it (sync.c does).
 */
#ifndef DEPTH_H
#define DEPTH_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "symbol.h"
#include "trade.h"

#define DEPTH_SYMBOL_MAX SYM_MAX /* symbol.h: ^[A-Z0-9-_.]{1,20}$ */

typedef struct depth_level {
    int64_t price;   /* scaled by DEC_SCALE */
    int qty_is_zero; /* 1: the level is removed */
    const char *px;  /* the strings as received, NUL-terminated: in the message's cJSON tree,
                        or in the parser's scratch for an update read straight from the text */
    size_t px_len;
    const char *qty;
    size_t qty_len;
} depth_level;

typedef struct depth_levels {
    depth_level *v; /* reused from message to message */
    size_t n;
    size_t cap;
} depth_levels;

typedef struct depth_event {
    char symbol[DEPTH_SYMBOL_MAX + 1]; /* "s" */
    int64_t event_ms;                  /* "E" */
    uint64_t first_id;                 /* "U" */
    uint64_t last_id;                  /* "u" */
    uint64_t prev_id;                  /* "pu" (futures): the previous event's "u" */
    int has_prev;                      /* 1: "pu" was present */
    const depth_level *bids;
    size_t n_bids;
    const depth_level *asks;
    size_t n_asks;
} depth_event;

typedef enum depth_kind {
    DEPTH_UPDATE,          /* a depthUpdate event: `ev` and `stream` are set */
    DEPTH_METHOD_RESPONSE, /* {"result":...,"id":...}: the answer to a (un)subscribe */
    DEPTH_SERVER_SHUTDOWN, /* Binance announces it will close the connection */
    DEPTH_TRADE,           /* a trade or aggTrade event (trade.h): `tr` and `stream` are set */
    DEPTH_OTHER,           /* valid JSON of another stream or event: counted, ignored */
    DEPTH_MALFORMED        /* not JSON, or a field of the wrong type or shape: `error` */
} depth_kind;

typedef struct depth_msg {
    depth_kind kind;
    const char *stream; /* the combined stream's name, or NULL */
    depth_event ev;     /* DEPTH_UPDATE only; its levels live until the next parse */
    trade_event tr;     /* DEPTH_TRADE only; its strings live as long as `root` */
    const char *error;  /* DEPTH_MALFORMED: what was wrong (a static string) */
    int json;           /* the message is JSON (root may still be NULL: see below) */
    cJSON *root;        /* owned, read-only; depth_msg_free. NULL for a depth update read
                           straight from the text (depth_parse_message) */
    int in_arena;       /* the whole tree is in the arena: freed without cJSON_Delete */
} depth_msg;

typedef struct depth_snapshot {
    uint64_t last_id; /* lastUpdateId */
    const depth_level *bids;
    size_t n_bids;
    const depth_level *asks;
    size_t n_asks;
    cJSON *root;  /* owned, read-only; depth_snapshot_free */
    int in_arena; /* as in depth_msg */
} depth_snapshot;

/* Scratch space reused by every parse, so a message costs no allocation of ours. */
typedef struct depth_parser {
    depth_levels bids, asks;
    char *text; /* the strings of an update read straight from the text, NUL-terminated */
    size_t text_cap;
} depth_parser;

/* Also installs cJSON's arena hooks (once per process): call it before other threads use
 * cJSON. */
void depth_parser_init(depth_parser *p);
void depth_parser_free(depth_parser *p);

/*
 * Parse one websocket text message. A depth update is validated whole before anything is
 * returned: every field's type, ids integral, 0 <= U <= u < 2^53 (cJSON keeps numbers as
 * doubles; Binance's ids are ~10^10), levels exactly [price, qty] of valid decimals. A
 * message with anything wrong is DEPTH_MALFORMED, never partly usable. Returns the kind
 * (also in out->kind). Free with depth_msg_free whatever the kind, on this thread; messages
 * and snapshots may be live at the same time and freed in any order.
 *
 * A depth update in Binance's plain layout (combined stream, no white space, no escapes) is
 * read straight from the text, without a cJSON tree (root NULL): its strings (stream, levels)
 * are copied into the parser's scratch and, like its levels, live until the parser's next
 * parse. Every other message goes through cJSON, with the same result as before.
 */
depth_kind depth_parse_message(depth_parser *p, const char *msg, size_t len, depth_msg *out);
void depth_msg_free(depth_msg *m);

/* Parse a REST snapshot body. Returns 0, or -1 with *error set (static string). Free with
 * depth_snapshot_free on success. Levels live until the parser's next parse. */
int depth_parse_snapshot(depth_parser *p, const char *body, size_t len, depth_snapshot *out,
                         const char **error);
void depth_snapshot_free(depth_snapshot *s);

/* A copy of `src` that owns its levels and strings, for an event kept after its message is
 * freed: *ev's levels point into *levels (bids then asks), their strings into *strings; the
 * caller frees both. Returns 0, or -1 when memory runs out (nothing allocated). */
int depth_event_dup(const depth_event *src, depth_event *ev, depth_level **levels, char **strings);

#endif
