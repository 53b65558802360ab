#include "serve_capture.h"

#include <stdio.h>

static void copy_side(serve_symbol *out, const book *b, book_side_id side)
{
    size_t n = 0;
    for (; n < SERVE_LEVELS; n++) {
        const book_level *l = book_level_at(b, side, n);
        if (l == NULL)
            break;
        snprintf(out->lv[side][n].px, sizeof out->lv[side][n].px, "%s", l->px);
        snprintf(out->lv[side][n].qty, sizeof out->lv[side][n].qty, "%s", l->qty);
    }
    out->n[side] = n;
    out->book_levels[side] = book_depth(b, side);
}

serve_view *serve_take_view(const cap *c, const alog_stats *st, int64_t legs_up, int64_t now_ns)
{
    size_t n = cap_symbols(c);
    serve_view *v = serve_view_new(n);
    if (v == NULL)
        return NULL;
    v->at_ns = now_ns;
    for (size_t i = 0; i < n; i++) {
        const sync_symbol *s = cap_symbol(c, i);
        serve_symbol *o = &v->sym[i];
        snprintf(o->symbol, sizeof o->symbol, "%s", s->symbol);
        o->state = s->state == SYNC_LIVE      ? SERVE_LIVE
                   : s->state == SYNC_LOADING ? SERVE_SYNCING
                                              : SERVE_DOWN;
        o->id = s->state == SYNC_LIVE ? s->id : 0;
        o->events = s->stats.applied;
        o->resyncs = s->stats.resyncs;
        o->snapshots = s->stats.snapshots;
        o->duplicates = s->stats.duplicates;
        copy_side(o, &s->book, BOOK_BID);
        copy_side(o, &s->book, BOOK_ASK);
    }
    const cap_counters *k = cap_counts(c);
    v->messages = k->messages;
    v->malformed = k->malformed;
    v->records = k->records;
    v->legs_up = legs_up;
    v->lines_written = st->written;
    v->dropped_full = st->dropped_full;
    v->lost_io = st->lost_io;
    v->files_opened = st->files_opened;
    v->io_errors = st->io_errors;
    return v;
}
