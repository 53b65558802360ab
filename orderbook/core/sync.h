/*
 * The per-symbol synchronisation of a local book with Binance's diff stream, as Binance
 * documents it ("How to manage a local order book correctly"), with the off-by-ones right:
 *
 *   buffer events while the snapshot loads; if the snapshot's lastUpdateId L is older than
 *   the first buffered U - 1, fetch it again; drop events with u <= L; the first applied
 *   event has U <= L + 1 <= u. Then, with the book at id: u <= id is a duplicate (ignored),
 *   U <= id + 1 <= u applies (an overlap is fine), U > id + 1 is a gap: the book is dropped,
 *   a resync is reported and a new snapshot is fetched.
 *
 * A snapshot that arrives before any event is buffered has nothing to be compared with: it
 * is loaded but not reported until the first event continues it (U <= L + 1); a first event
 * with U > L + 1 shows it stale, and it is fetched again as above, with no resync.
 *
 * Futures (USD-M, COIN-M) number their events with gaps in the ids, so they link each event
 * to the one before by `pu` instead (SYNC_RULE_FUTURES): drop events with u < L; the first
 * applied event has U <= L <= u; after it every event's pu must equal the previous event's
 * u, else the book is dropped and resynced. An event with u == L is in the snapshot already:
 * it is not applied (nor recorded) again, and the next event's pu must be L. Everything else
 * (buffering, stale snapshots, duplicates, records) is the same machine: only the test of "does
 * this event continue the book" differs.
 *
 * Pure: no I/O. What must happen outside (records, snapshot requests) goes through hooks.
 * One symbol's state never touches another's.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "depth.h"

#define SYNC_BUFFER_MAX 4096 /* events kept while a snapshot loads: the newest ones */

typedef enum sync_state {
    SYNC_WAIT_CONNECT, /* no stream: nothing to do until the connection is up */
    SYNC_LOADING,      /* stream up, events buffered, snapshot requested */
    SYNC_LIVE,         /* book synced at `id` */
    SYNC_REJECTED      /* its snapshot can never be had (e.g. unknown symbol): not captured */
} sync_state;

/* Which test decides that an event continues the book (see above). */
typedef enum sync_rule {
    SYNC_RULE_SPOT,   /* U <= id + 1 <= u */
    SYNC_RULE_FUTURES /* first after a snapshot U <= L <= u, then pu == the previous u */
} sync_rule;

typedef struct sync_event sync_event; /* a buffered event (owns copies of its levels) */

typedef struct sync_stats {
    uint64_t applied;    /* events applied to a synced book */
    uint64_t duplicates; /* events ignored because u <= id (or u <= L) */
    uint64_t resyncs;    /* books dropped: gap, disconnect, ... */
    uint64_t refetches;  /* snapshots fetched again because they were stale */
    uint64_t overflowed; /* buffered events dropped because the buffer was full */
    uint64_t snapshots;  /* snapshots loaded into the book */
} sync_stats;

/*
 * The fields are sync.c's own: it is a struct here only so that a caller can hold symbols in
 * an array. Everyone else reads a symbol through the functions below and changes it only
 * through the sync_* events.
 */
typedef struct sync_symbol {
    char symbol[DEPTH_SYMBOL_MAX + 1]; /* upper case */
    sync_state state;
    int snapshot_pending; /* a snapshot request is out */
    int unconfirmed;      /* LIVE from a snapshot that came before any event: not yet shown
                           * to be recent enough by an event that continues it */
    int64_t loaded_ns;    /* unconfirmed: when that snapshot arrived (its record's time) */
    uint64_t id;          /* LIVE: the last update id applied */
    sync_rule rule;       /* SYNC_RULE_SPOT unless sync_set_rule says otherwise */
    int from_snapshot;    /* LIVE: `id` is a snapshot's, no event applied on it yet */
    book book;
    sync_event *buf;  /* ring of SYNC_BUFFER_MAX, allocated on first use */
    size_t buf_first; /* index of the oldest buffered event */
    size_t buf_n;     /* events buffered */
    sync_stats stats;
} sync_symbol;

typedef struct sync_hooks {
    void *ctx;
    /* An event was applied to the synced book (the book shows its effect). */
    void (*applied)(void *ctx, const sync_symbol *s, const depth_event *ev, int64_t recv_ns);
    /* A snapshot was loaded into the book (before any event applied on top of it). */
    void (*loaded)(void *ctx, const sync_symbol *s, uint64_t last_id, int64_t recv_ns);
    /* The book was dropped; `reason` names why ("gap", "disconnect", ...). */
    void (*resync)(void *ctx, const sync_symbol *s, const char *reason, int64_t now_ns);
    /* Please fetch a snapshot of this symbol and pass it to sync_snapshot. */
    void (*want_snapshot)(void *ctx, const sync_symbol *s);
} sync_hooks;

/* A symbol waiting for its connection. `symbol` is copied (at most DEPTH_SYMBOL_MAX). */
void sync_init(sync_symbol *s, const char *symbol);

/* Use `rule` for this symbol from now on (call it after sync_init; it outlives resyncs). */
void sync_set_rule(sync_symbol *s, sync_rule rule);

/* Free the book and the buffer. */
void sync_free(sync_symbol *s);

/* The symbol's stream is up: start buffering and ask for a snapshot. */
void sync_connected(sync_symbol *s, const sync_hooks *h);

/* The symbol's stream went down: drop book and buffer, report a resync "disconnect". */
void sync_disconnected(sync_symbol *s, const sync_hooks *h, int64_t now_ns);

/* One depth event of this symbol, received at recv_ns. Returns 0, or -1 when memory ran out
 * (the book was dropped and a resync reported). */
int sync_event_in(sync_symbol *s, const sync_hooks *h, const depth_event *ev, int64_t recv_ns);

/* A snapshot of this symbol arrived. Returns 0, or -1 when memory ran out. */
int sync_snapshot_in(sync_symbol *s, const sync_hooks *h, const depth_snapshot *snap,
                     int64_t recv_ns);

/* A snapshot body arrived broken: worth another try, as a failed request is. */
void sync_snapshot_bad(sync_symbol *s, const sync_hooks *h);

/* The symbol's snapshot can never be had (Binance rejected the symbol): the book is dropped
 * without a record and the symbol stays SYNC_REJECTED, whatever comes later. */
void sync_rejected(sync_symbol *s);

/* Read-only views. sync_get_state reports a book that no event has confirmed yet (see
 * `unconfirmed`) as SYNC_LOADING: it is not known to be synced. */
const char *sync_name(const sync_symbol *s);
sync_state sync_get_state(const sync_symbol *s);
const sync_stats *sync_get_stats(const sync_symbol *s);
const book *sync_book(const sync_symbol *s);

#endif
