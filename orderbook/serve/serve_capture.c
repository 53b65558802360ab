#include "serve_capture.h"

#include <stdio.h>

static serve_state state_of(cap_state s)
{
    switch (s) {
    case CAP_SYNCED:
        return SERVE_LIVE;
    case CAP_SYNCING:
        return SERVE_SYNCING;
    case CAP_REJECTED:
        return SERVE_REJECTED;
    case CAP_DOWN:
        break;
    }
    return SERVE_DOWN;
}

static void copy_side(const cap *c, size_t i, book_side_id side, serve_symbol *out)
{
    book_level lv[SERVE_LEVELS];
    size_t n = cap_symbol_levels(c, i, side, lv, SERVE_LEVELS);
    for (size_t k = 0; k < n; k++) {
        snprintf(out->lv[side][k].px, sizeof out->lv[side][k].px, "%s", lv[k].px);
        snprintf(out->lv[side][k].qty, sizeof out->lv[side][k].qty, "%s", lv[k].qty);
    }
    out->n[side] = n;
}

serve_view *serve_take_view(const cap *c, const alog_stats *st, const serve_net *net,
                            int64_t now_ns)
{
    size_t n = cap_symbols(c);
    serve_view *v = serve_view_new(n);
    if (v == NULL)
        return NULL;
    v->at_ns = now_ns;
    for (size_t i = 0; i < n; i++) {
        cap_symbol_view sv;
        if (cap_symbol_view_get(c, i, &sv) != 0)
            continue;
        serve_symbol *o = &v->sym[i];
        snprintf(o->symbol, sizeof o->symbol, "%s", sv.name);
        o->state = state_of(sv.state);
        o->id = sv.update_id;
        o->events = sv.applied;
        o->resyncs = sv.resyncs;
        o->snapshots = sv.snapshots;
        o->refetches = sv.refetches;
        o->overflowed = sv.overflowed;
        o->book_levels[BOOK_BID] = sv.bids;
        o->book_levels[BOOK_ASK] = sv.asks;
        copy_side(c, i, BOOK_BID, o);
        copy_side(c, i, BOOK_ASK, o);
    }
    const cap_counters *k = cap_counts(c);
    v->messages = k->messages;
    v->malformed = k->malformed;
    v->records = k->records;
    v->legs_up = net->legs_up < 0 ? SERVE_UNKNOWN : net->legs_up;
    v->legs_wanted = net->legs_wanted < 0 ? SERVE_UNKNOWN : net->legs_wanted;
    v->rest_weight = net->rest_weight < 0 ? SERVE_UNKNOWN : net->rest_weight;
    v->lines_written = st->written;
    v->dropped_full = st->dropped_full;
    v->lost_io = st->lost_io;
    v->files_opened = st->files_opened;
    v->io_errors = st->io_errors;
    v->bytes_written = (int64_t)st->bytes_out;
    return v;
}
