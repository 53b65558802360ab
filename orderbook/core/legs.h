/*
 * The merge of one symbol's events arriving on several connections (legs) into the one
 * ordered stream its sync state machine (sync.h) expects.
 *
 * Every leg carries the same events (same ids). The first arrival of an event is passed on;
 * a later arrival of it is a duplicate and dropped here. An event that would leave a gap
 * after the last one passed on is held, not passed, while another leg may still bring the
 * missing ids: when they arrive they are passed, then the held events in order. A hold is
 * bounded in count (LEGS_HOLD_MAX) and in time (hold_ns, by the receive times the caller
 * passes in: there is no clock here); when either bound is reached, nobody has the missing
 * ids, and the held events are passed on in order so that sync sees the gap and resyncs as
 * it does with one connection.
 *
 * Held events applied late are stamped with the receive time of the event that released
 * them: that is when the book reached their state, and it keeps records in time order.
 *
 * Pure: no I/O. Not thread-safe: one thread calls every function for a symbol.
 */
#ifndef LEGS_H
#define LEGS_H

#include <stddef.h>
#include <stdint.h>

#include "depth.h"
#include "sync.h"

#define LEGS_HOLD_MAX 256          /* events held at most while waiting for another leg */
#define LEGS_HOLD_NS  1000000000LL /* default: how long the oldest held event may wait */

typedef struct legs_held legs_held; /* a held event (owns copies of its levels) */

typedef struct legs_stats {
    uint64_t passed;     /* events passed on to sync */
    uint64_t duplicates; /* events already passed on (from another leg): dropped */
    uint64_t held;       /* events held because they would have been a gap */
    uint64_t filled;     /* holds that ended because another leg brought the missing ids */
    uint64_t expired;    /* holds given up after hold_ns: passed on, sync sees the gap */
    uint64_t overflowed; /* holds given up at LEGS_HOLD_MAX events: the same */
} legs_stats;

/* The fields are legs.c's own; a struct here only so that a caller can hold an array. */
typedef struct legs_symbol {
    sync_rule rule;  /* which test says that an event continues the last one */
    int started;     /* 1: `last` is set (an event has been passed on since the reset) */
    uint64_t last;   /* the last update id (u) passed on */
    int64_t hold_ns; /* the time bound of a hold */
    legs_held *held; /* LEGS_HOLD_MAX slots, allocated on first hold, sorted by u */
    size_t n_held;   /* events held */
    int64_t held_at; /* receive time of the oldest held event */
    legs_stats stats;
} legs_symbol;

/* Nothing passed yet, nothing held; the spot rule, holds of LEGS_HOLD_NS. */
void legs_init(legs_symbol *l);

/* Use `rule` (the symbol's sync rule) from now on. */
void legs_set_rule(legs_symbol *l, sync_rule rule);

/* Hold gaps for at most `hold_ns` (0: never hold, every event is passed on at once). */
void legs_set_hold(legs_symbol *l, int64_t hold_ns);

/* Forget what was passed and drop what is held (no leg carries the symbol any more: sync
 * starts over, and so does the merge). */
void legs_reset(legs_symbol *l);

/* legs_reset, and free the memory of the hold. */
void legs_free(legs_symbol *l);

/*
 * One event of this symbol from any leg, received at recv_ns: dropped as a duplicate,
 * passed on to sync_event_in(s, h, ...), held, or passed on together with the held events
 * it releases. An expired hold is also released first (as by legs_tick). Returns 0, or -1
 * when memory ran out (then the event is passed on as it is: sync may see a gap).
 */
int legs_event_in(legs_symbol *l, sync_symbol *s, const sync_hooks *h, const depth_event *ev,
                  int64_t recv_ns);

/* The clock moved to now_ns: a hold older than hold_ns is given up (its events go to sync,
 * stamped now_ns, and sync sees the gap). Call it about every 100 ms. */
void legs_tick(legs_symbol *l, sync_symbol *s, const sync_hooks *h, int64_t now_ns);

/* Events held now. */
size_t legs_held_count(const legs_symbol *l);

const legs_stats *legs_get_stats(const legs_symbol *l);

#endif
