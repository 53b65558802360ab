/*
 * What the server shows: a copy of the capture's state taken on the network thread and
 * published to the server's thread. A published view is immutable and reference counted, so
 * the capture never waits for a reader (publishing swaps a pointer under a mutex) and a
 * reader never sees a half-written view.
 */
#ifndef SERVE_VIEW_H
#define SERVE_VIEW_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define SERVE_LEVELS     100  /* levels per side kept per symbol: the most /api/book gives */
#define SERVE_STR_MAX    23   /* longest price or quantity string (DEC_MAX_CHARS) */
#define SERVE_SYMBOL_MAX 20   /* longest symbol */
#define SERVE_UNKNOWN    (-1) /* an int64 figure the capture does not (yet) provide */

typedef enum serve_state { SERVE_DOWN, SERVE_SYNCING, SERVE_LIVE, SERVE_REJECTED } serve_state;

typedef struct serve_level {
    char px[SERVE_STR_MAX + 1];  /* as Binance sent it */
    char qty[SERVE_STR_MAX + 1]; /* as Binance sent it */
} serve_level;

typedef struct serve_symbol {
    char symbol[SERVE_SYMBOL_MAX + 1];
    serve_state state;
    uint64_t id;                     /* LIVE: the update id the levels below are at */
    uint64_t events;                 /* events applied */
    uint64_t resyncs;                /* books dropped (gap, disconnect, ...) */
    uint64_t snapshots;              /* snapshots loaded */
    uint64_t refetches;              /* snapshots fetched again because they were stale */
    uint64_t overflowed;             /* events dropped from the buffer while a snapshot loaded */
    size_t book_levels[2];           /* levels in the whole book: bids, asks */
    size_t n[2];                     /* levels copied below: bids, asks (<= SERVE_LEVELS) */
    serve_level lv[2][SERVE_LEVELS]; /* best first: [0] bids, highest first; [1] asks */
} serve_symbol;

typedef struct serve_view {
    int64_t at_ns;          /* when it was taken (ns since the epoch) */
    size_t n;               /* symbols */
    serve_symbol *sym;      /* in the order of the command line */
    uint64_t messages;      /* websocket messages in */
    uint64_t malformed;     /* messages skipped as malformed */
    uint64_t records;       /* records emitted */
    int64_t legs_up;        /* depth connections up, or SERVE_UNKNOWN */
    int64_t legs_wanted;    /* depth connections wanted (legs x groups), or SERVE_UNKNOWN */
    int64_t rest_weight;    /* REST weight used in the last minute, or SERVE_UNKNOWN */
    uint64_t lines_written; /* alog: lines complete in a file */
    uint64_t dropped_full;  /* alog: refused, queue full */
    uint64_t lost_io;       /* alog: lost to I/O errors */
    uint64_t files_opened;  /* alog */
    uint64_t io_errors;     /* alog */
    int64_t bytes_written;  /* alog: bytes written to files, or SERVE_UNKNOWN */
    int refs;               /* owned by serve_board */
} serve_view;

/* A view of `n` symbols, zeroed, figures unknown. NULL when memory runs out. */
serve_view *serve_view_new(size_t n);

/* Free a view that was never published. NULL is a no-op. */
void serve_view_free(serve_view *v);

/* The latest published view, handed between threads. */
typedef struct serve_board {
    pthread_mutex_t mu;
    serve_view *cur; /* NULL until the first publish */
} serve_board;

void serve_board_init(serve_board *b);
/* Drops the current view (readers must have released theirs). */
void serve_board_destroy(serve_board *b);

/* Publish `v` (made with serve_view_new; the board owns it now). Any thread. */
void serve_board_publish(serve_board *b, serve_view *v);

/* The latest view, or NULL before the first publish; give it back with serve_board_release.
 * Any thread; never waits for more than a pointer swap. */
const serve_view *serve_board_get(serve_board *b);
void serve_board_release(serve_board *b, const serve_view *v);

#endif
