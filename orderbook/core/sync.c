#include "sync.h"

#include <stdlib.h>
#include <string.h>

struct sync_event {
    depth_event ev;      /* levels point into `copy` */
    int64_t recv_ns;     /* when it arrived: its record's timestamp */
    depth_level *levels; /* bids then asks, with their strings in `strings` */
    char *strings;
};

void sync_init(sync_symbol *s, const char *symbol)
{
    memset(s, 0, sizeof *s);
    strncpy(s->symbol, symbol, DEPTH_SYMBOL_MAX);
    book_init(&s->book);
    s->state = SYNC_WAIT_CONNECT;
}

void sync_set_rule(sync_symbol *s, sync_rule rule)
{
    s->rule = rule;
}

static void event_free(sync_event *e)
{
    free(e->levels);
    free(e->strings);
    memset(e, 0, sizeof *e);
}

static void buffer_clear(sync_symbol *s)
{
    for (size_t i = 0; i < s->buf_n; i++)
        event_free(&s->buf[(s->buf_first + i) % SYNC_BUFFER_MAX]);
    s->buf_first = 0;
    s->buf_n = 0;
}

void sync_free(sync_symbol *s)
{
    if (s->buf != NULL)
        buffer_clear(s);
    free(s->buf);
    book_free(&s->book);
    s->buf = NULL;
}

static void ask_snapshot(sync_symbol *s, const sync_hooks *h)
{
    if (s->snapshot_pending)
        return;
    s->snapshot_pending = 1;
    h->want_snapshot(h->ctx, s);
}

void sync_connected(sync_symbol *s, const sync_hooks *h)
{
    if (s->state == SYNC_REJECTED)
        return;
    buffer_clear(s);
    s->unconfirmed = 0;
    book_clear(&s->book);
    s->state = SYNC_LOADING;
    ask_snapshot(s, h);
}

static void drop_book(sync_symbol *s, const sync_hooks *h, const char *reason, int64_t now)
{
    book_clear(&s->book);
    s->unconfirmed = 0;
    s->stats.resyncs++;
    h->resync(h->ctx, s, reason, now);
}

void sync_disconnected(sync_symbol *s, const sync_hooks *h, int64_t now_ns)
{
    if (s->state == SYNC_REJECTED)
        return;
    buffer_clear(s);
    if (s->state != SYNC_WAIT_CONNECT)
        drop_book(s, h, "disconnect", now_ns);
    s->state = SYNC_WAIT_CONNECT;
}

void sync_snapshot_bad(sync_symbol *s, const sync_hooks *h)
{
    s->snapshot_pending = 0;
    if (s->state == SYNC_LOADING)
        ask_snapshot(s, h);
}

void sync_rejected(sync_symbol *s)
{
    buffer_clear(s);
    book_clear(&s->book);
    s->snapshot_pending = 0;
    s->unconfirmed = 0;
    s->state = SYNC_REJECTED;
}

const char *sync_name(const sync_symbol *s)
{
    return s->symbol;
}

sync_state sync_get_state(const sync_symbol *s)
{
    return s->state == SYNC_LIVE && s->unconfirmed ? SYNC_LOADING : s->state;
}

const sync_stats *sync_get_stats(const sync_symbol *s)
{
    return &s->stats;
}

const book *sync_book(const sync_symbol *s)
{
    return &s->book;
}

/* Copy an event (its levels point into a message that is about to be freed). */
static int event_copy(sync_event *dst, const depth_event *ev, int64_t recv_ns)
{
    if (depth_event_dup(ev, &dst->ev, &dst->levels, &dst->strings) != 0)
        return -1;
    dst->recv_ns = recv_ns;
    return 0;
}

static int buffer_push(sync_symbol *s, const depth_event *ev, int64_t recv_ns)
{
    if (s->buf == NULL) {
        s->buf = calloc(SYNC_BUFFER_MAX, sizeof *s->buf);
        if (s->buf == NULL)
            return -1;
    }
    if (s->buf_n == SYNC_BUFFER_MAX) {
        /* Keep the newest: a snapshot is compared with the oldest kept event, and one
         * fetched later than that is usable; the dropped ones are older than it anyway. */
        event_free(&s->buf[s->buf_first]);
        s->buf_first = (s->buf_first + 1) % SYNC_BUFFER_MAX;
        s->buf_n--;
        s->stats.overflowed++;
    }
    sync_event *slot = &s->buf[(s->buf_first + s->buf_n) % SYNC_BUFFER_MAX];
    if (event_copy(slot, ev, recv_ns) != 0)
        return -1;
    s->buf_n++;
    return 0;
}

static int apply_levels(book *b, book_side_id side, const depth_level *lv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (book_set(b, side, lv[i].price, lv[i].px, lv[i].px_len, lv[i].qty, lv[i].qty_len,
                     lv[i].qty_is_zero) != 0)
            return -1;
    }
    return 0;
}

static void start_over(sync_symbol *s, const sync_hooks *h, const char *reason, int64_t now)
{
    drop_book(s, h, reason, now);
    s->state = SYNC_LOADING;
    ask_snapshot(s, h);
}

typedef enum event_fit {
    FIT_DUPLICATE, /* already in the book: ignored */
    FIT_REACHES,   /* futures: ends exactly at the snapshot's id: in it already, and the
                    * link (pu) the next event must name */
    FIT_CONTINUES, /* applies */
    FIT_GAP        /* something is missing before it */
} event_fit;

/* How an event fits the book at s->id, by the symbol's rule. */
static event_fit fit(const sync_symbol *s, const depth_event *ev)
{
    if (s->rule == SYNC_RULE_FUTURES) {
        if (s->from_snapshot) {
            /* Drop u < L; the first applied event straddles L: U <= L <= u. */
            if (ev->last_id < s->id)
                return FIT_DUPLICATE;
            if (ev->last_id == s->id)
                return FIT_REACHES;
            return ev->first_id <= s->id ? FIT_CONTINUES : FIT_GAP;
        }
        if (ev->last_id <= s->id)
            return FIT_DUPLICATE;
        return ev->has_prev && ev->prev_id == s->id ? FIT_CONTINUES : FIT_GAP;
    }
    if (ev->last_id <= s->id)
        return FIT_DUPLICATE;
    return ev->first_id <= s->id + 1 ? FIT_CONTINUES : FIT_GAP;
}

/* The rules for a synced book. */
static int live_event(sync_symbol *s, const sync_hooks *h, const depth_event *ev, int64_t recv)
{
    event_fit f = fit(s, ev);
    if (f == FIT_DUPLICATE || f == FIT_REACHES) {
        /* Binance's rule would apply an event that ends at L (U <= L <= u); its quantities
         * are already the snapshot's, so it is counted as a duplicate instead of recorded
         * twice, and the chain goes on from L. */
        if (f == FIT_REACHES)
            s->from_snapshot = 0;
        s->stats.duplicates++;
        return 0;
    }
    if (s->unconfirmed && f == FIT_GAP) {
        /* The snapshot came before the first event and is older than it: the events in
         * between were never ours to lose. Stale, as by the buffered rule: fetch again. */
        book_clear(&s->book);
        s->unconfirmed = 0;
        s->state = SYNC_LOADING;
        s->stats.refetches++;
        ask_snapshot(s, h);
        return buffer_push(s, ev, recv);
    }
    if (s->unconfirmed) {
        /* This event continues the snapshot: now it is known good, and recorded first. */
        s->unconfirmed = 0;
        s->stats.snapshots++;
        h->loaded(h->ctx, s, s->id, s->loaded_ns);
    }
    if (f == FIT_GAP) {
        start_over(s, h, "gap", recv);
        return buffer_push(s, ev, recv);
    }
    if (apply_levels(&s->book, BOOK_BID, ev->bids, ev->n_bids) != 0 ||
        apply_levels(&s->book, BOOK_ASK, ev->asks, ev->n_asks) != 0) {
        start_over(s, h, "no_memory", recv);
        return -1;
    }
    s->id = ev->last_id;
    s->from_snapshot = 0;
    s->stats.applied++;
    h->applied(h->ctx, s, ev, recv);
    return 0;
}

int sync_event_in(sync_symbol *s, const sync_hooks *h, const depth_event *ev, int64_t recv_ns)
{
    switch (s->state) {
    case SYNC_WAIT_CONNECT:
        return 0; /* cannot happen: events come on a connection */
    case SYNC_LOADING:
        if (buffer_push(s, ev, recv_ns) != 0) {
            start_over(s, h, "no_memory", recv_ns);
            return -1;
        }
        return 0;
    case SYNC_LIVE:
        return live_event(s, h, ev, recv_ns);
    case SYNC_REJECTED:
        return 0;
    }
    return 0;
}

int sync_snapshot_in(sync_symbol *s, const sync_hooks *h, const depth_snapshot *snap,
                     int64_t recv_ns)
{
    s->snapshot_pending = 0;
    if (s->state != SYNC_LOADING)
        return 0; /* asked for before a disconnect or a gap was handled: not this stream's */
    uint64_t reach = s->rule == SYNC_RULE_FUTURES ? snap->last_id : snap->last_id + 1;
    if (s->buf_n > 0 && s->buf[s->buf_first].ev.first_id > reach) {
        /* Older than the first buffered event minus one: events in between are missing. */
        s->stats.refetches++;
        ask_snapshot(s, h);
        return 0;
    }
    book_clear(&s->book);
    if (apply_levels(&s->book, BOOK_BID, snap->bids, snap->n_bids) != 0 ||
        apply_levels(&s->book, BOOK_ASK, snap->asks, snap->n_asks) != 0) {
        start_over(s, h, "no_memory", recv_ns);
        return -1;
    }
    s->id = snap->last_id;
    s->from_snapshot = 1;
    s->state = SYNC_LIVE;
    if (s->buf_n == 0) {
        /* Nothing to compare it with yet: the first event decides whether it is recent
         * enough (then it is recorded, with this time) or stale (then fetched again). */
        s->unconfirmed = 1;
        s->loaded_ns = recv_ns;
        return 0;
    }
    s->stats.snapshots++;
    h->loaded(h->ctx, s, snap->last_id, recv_ns);
    /* The buffered events, oldest first, under the same rules: u <= L is dropped as a
     * duplicate, the straddling one applies, a hole is a gap. */
    while (s->buf_n > 0 && s->state == SYNC_LIVE) {
        if (fit(s, &s->buf[s->buf_first].ev) == FIT_GAP) {
            /* A hole inside the buffer: this event and the ones after it wait, buffered,
             * for the next snapshot. */
            start_over(s, h, "gap", s->buf[s->buf_first].recv_ns);
            return 0;
        }
        sync_event e = s->buf[s->buf_first];
        memset(&s->buf[s->buf_first], 0, sizeof e);
        s->buf_first = (s->buf_first + 1) % SYNC_BUFFER_MAX;
        s->buf_n--;
        int rc = live_event(s, h, &e.ev, e.recv_ns);
        event_free(&e);
        if (rc != 0)
            return rc;
    }
    return 0;
}
