#include "legs.h"

#include <stdlib.h>
#include <string.h>

struct legs_held {
    depth_event ev;      /* levels point into `levels` and `strings` */
    int64_t recv_ns;     /* when it arrived */
    depth_level *levels; /* bids then asks */
    char *strings;       /* their price and quantity strings */
};

void legs_init(legs_symbol *l)
{
    memset(l, 0, sizeof *l);
    l->rule = SYNC_RULE_SPOT;
    l->hold_ns = LEGS_HOLD_NS;
}

void legs_set_rule(legs_symbol *l, sync_rule rule)
{
    l->rule = rule;
}

void legs_set_hold(legs_symbol *l, int64_t hold_ns)
{
    l->hold_ns = hold_ns < 0 ? 0 : hold_ns;
}

static void held_free(legs_held *e)
{
    free(e->levels);
    free(e->strings);
    memset(e, 0, sizeof *e);
}

void legs_reset(legs_symbol *l)
{
    for (size_t i = 0; i < l->n_held; i++)
        held_free(&l->held[i]);
    l->n_held = 0;
    l->started = 0;
    l->last = 0;
}

void legs_free(legs_symbol *l)
{
    legs_reset(l);
    free(l->held);
    l->held = NULL;
}

size_t legs_held_count(const legs_symbol *l)
{
    return l->n_held;
}

const legs_stats *legs_get_stats(const legs_symbol *l)
{
    return &l->stats;
}

typedef enum legs_fit {
    LEGS_DUPLICATE, /* passed on already */
    LEGS_CONTINUES, /* follows the last event passed on */
    LEGS_GAP        /* something is missing before it */
} legs_fit;

static legs_fit fit(const legs_symbol *l, const depth_event *ev)
{
    if (!l->started)
        return LEGS_CONTINUES;
    if (ev->last_id <= l->last)
        return LEGS_DUPLICATE;
    if (l->rule == SYNC_RULE_FUTURES)
        return ev->has_prev && ev->prev_id == l->last ? LEGS_CONTINUES : LEGS_GAP;
    return ev->first_id <= l->last + 1 ? LEGS_CONTINUES : LEGS_GAP;
}

static void pass(legs_symbol *l, sync_symbol *s, const sync_hooks *h, const depth_event *ev,
                 int64_t stamp)
{
    l->started = 1;
    l->last = ev->last_id;
    l->stats.passed++;
    sync_event_in(s, h, ev, stamp);
}

/* Remove the i-th held event from the hold (the caller has used or freed its memory). */
static void held_remove(legs_symbol *l, size_t i)
{
    memmove(&l->held[i], &l->held[i + 1], (l->n_held - i - 1) * sizeof *l->held);
    l->n_held--;
}

static void held_refresh_time(legs_symbol *l)
{
    for (size_t i = 0; i < l->n_held; i++) {
        if (i == 0 || l->held[i].recv_ns < l->held_at)
            l->held_at = l->held[i].recv_ns;
    }
}

static int64_t later(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/*
 * Pass on the held events that now continue the stream (dropping those passed already),
 * oldest id first; with `all`, also those that do not (the hold is given up: sync sees the
 * gap). Each is stamped with the later of its receive time and `stamp`.
 */
static void release(legs_symbol *l, sync_symbol *s, const sync_hooks *h, int64_t stamp, int all)
{
    while (l->n_held > 0) {
        legs_held *e = &l->held[0];
        legs_fit f = fit(l, &e->ev);
        if (f == LEGS_GAP && !all)
            break;
        if (f == LEGS_DUPLICATE)
            l->stats.duplicates++;
        else
            pass(l, s, h, &e->ev, later(e->recv_ns, stamp));
        held_free(e);
        held_remove(l, 0);
    }
    held_refresh_time(l);
}

/* Copy an event into `dst` (its levels point into a message about to be freed). */
static int held_copy(legs_held *dst, const depth_event *ev, int64_t recv_ns)
{
    if (depth_event_dup(ev, &dst->ev, &dst->levels, &dst->strings) != 0)
        return -1;
    dst->recv_ns = recv_ns;
    return 0;
}

/* Hold `ev` in id order. Returns 1 when the same event is held already (a duplicate), 0 when
 * held, -1 when memory ran out. The hold has room for one more than LEGS_HOLD_MAX so that
 * the caller can give up with every event in order. */
static int hold(legs_symbol *l, const depth_event *ev, int64_t recv_ns)
{
    if (l->held == NULL) {
        l->held = calloc(LEGS_HOLD_MAX + 1, sizeof *l->held);
        if (l->held == NULL)
            return -1;
    }
    size_t at = l->n_held;
    while (at > 0 && l->held[at - 1].ev.last_id >= ev->last_id) {
        if (l->held[at - 1].ev.last_id == ev->last_id)
            return 1;
        at--;
    }
    legs_held e;
    if (held_copy(&e, ev, recv_ns) != 0)
        return -1;
    memmove(&l->held[at + 1], &l->held[at], (l->n_held - at) * sizeof *l->held);
    l->held[at] = e;
    if (l->n_held == 0 || recv_ns < l->held_at)
        l->held_at = recv_ns;
    l->n_held++;
    l->stats.held++;
    return 0;
}

static int expired(const legs_symbol *l, int64_t now_ns)
{
    return l->n_held > 0 && now_ns - l->held_at >= l->hold_ns;
}

void legs_tick(legs_symbol *l, sync_symbol *s, const sync_hooks *h, int64_t now_ns)
{
    if (!expired(l, now_ns))
        return;
    l->stats.expired++;
    release(l, s, h, now_ns, 1);
}

int legs_event_in(legs_symbol *l, sync_symbol *s, const sync_hooks *h, const depth_event *ev,
                  int64_t recv_ns)
{
    legs_tick(l, s, h, recv_ns);
    switch (fit(l, ev)) {
    case LEGS_DUPLICATE:
        l->stats.duplicates++;
        return 0;
    case LEGS_CONTINUES: {
        int was_held = l->n_held > 0;
        pass(l, s, h, ev, recv_ns);
        release(l, s, h, recv_ns, 0);
        if (was_held && l->n_held == 0)
            l->stats.filled++;
        return 0;
    }
    case LEGS_GAP:
        break;
    }
    if (l->hold_ns == 0) {
        pass(l, s, h, ev, recv_ns);
        return 0;
    }
    int rc = hold(l, ev, recv_ns);
    if (rc == 1) {
        l->stats.duplicates++;
        return 0;
    }
    if (rc != 0) {
        /* No memory to hold it: give up now, in order as far as possible. */
        release(l, s, h, recv_ns, 1);
        if (fit(l, ev) != LEGS_DUPLICATE)
            pass(l, s, h, ev, recv_ns);
        return -1;
    }
    if (l->n_held > LEGS_HOLD_MAX) {
        l->stats.overflowed++;
        release(l, s, h, recv_ns, 1);
    }
    return 0;
}
