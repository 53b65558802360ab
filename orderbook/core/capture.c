#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "legs.h"
#include "record.h"
#include "trade_seen.h"

typedef struct cap_route {
    const char *name; /* sym[i].symbol */
    size_t i;
} cap_route;

struct cap {
    sync_symbol *sym;   /* in the order given */
    legs_symbol *legs;  /* per symbol: the merge of its legs in front of sync */
    unsigned *up;       /* per symbol: connections up that carry it */
    trade_seen *trades; /* per symbol: trade ids recorded (two connections overlap) */
    cap_route *by_name; /* the symbols sorted by name, for routing */
    size_t n;
    cap_record_mode mode;
    cap_sink sink;
    sync_hooks hooks;
    depth_parser parser;
    rec_writer rec;
    cap_counters count;
    sync_rule rule;        /* cap_set_origin's, for symbols added later */
    char market[8];        /* "" until cap_set_origin: bare connection records */
    char url[CAP_URL_MAX]; /* the websocket URL connected records name */
};

/* The record just built in c->rec, stamped `ns` (its ts). */
static void emit(cap *c, int64_t ns, size_t len)
{
    if (len == 0)
        return; /* out of memory while formatting: the record is lost, the book is not */
    c->count.records++;
    c->sink.emit(c->sink.ctx, ns, c->rec.line.p, len);
}

static int records_book(const cap *c)
{
    return c->mode != CAP_RECORD_RAW;
}

static void on_applied(void *ctx, const sync_symbol *s, const depth_event *ev, int64_t ns)
{
    cap *c = ctx;
    if (records_book(c))
        emit(c, ns, rec_depth(&c->rec, ns, sync_name(s), ev, sync_book(s)));
}

static void on_loaded(void *ctx, const sync_symbol *s, uint64_t last_id, int64_t ns)
{
    cap *c = ctx;
    if (records_book(c))
        emit(c, ns, rec_snapshot(&c->rec, ns, sync_name(s), last_id, sync_book(s)));
}

static void on_resync(void *ctx, const sync_symbol *s, const char *reason, int64_t ns)
{
    cap *c = ctx;
    if (records_book(c))
        emit(c, ns, rec_resync(&c->rec, ns, sync_name(s), reason));
}

static void on_want_snapshot(void *ctx, const sync_symbol *s)
{
    cap *c = ctx;
    c->sink.want_snapshot(c->sink.ctx, sync_name(s));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const cap_route *)a)->name, ((const cap_route *)b)->name);
}

cap *cap_create(const char *const *symbols, size_t n, size_t depth, cap_record_mode mode, int utc,
                const cap_sink *sink)
{
    cap *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->sym = calloc(n ? n : 1, sizeof *c->sym);
    c->by_name = calloc(n ? n : 1, sizeof *c->by_name);
    c->legs = calloc(n ? n : 1, sizeof *c->legs);
    c->up = calloc(n ? n : 1, sizeof *c->up);
    c->trades = calloc(n ? n : 1, sizeof *c->trades);
    if (c->sym == NULL || c->by_name == NULL || c->legs == NULL || c->up == NULL ||
        c->trades == NULL) {
        free(c->sym);
        free(c->by_name);
        free(c->legs);
        free(c->up);
        free(c->trades);
        free(c);
        return NULL;
    }
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        sync_init(&c->sym[i], symbols[i]);
        legs_init(&c->legs[i]);
        c->by_name[i] = (cap_route){sync_name(&c->sym[i]), i};
    }
    qsort(c->by_name, n, sizeof *c->by_name, by_name);
    c->mode = mode;
    c->sink = *sink;
    c->hooks = (sync_hooks){c, on_applied, on_loaded, on_resync, on_want_snapshot};
    depth_parser_init(&c->parser);
    rec_init(&c->rec, depth, utc);
    return c;
}

void cap_destroy(cap *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        sync_free(&c->sym[i]);
        legs_free(&c->legs[i]);
    }
    free(c->sym);
    free(c->legs);
    free(c->up);
    free(c->trades);
    free(c->by_name);
    depth_parser_free(&c->parser);
    rec_free(&c->rec);
    free(c);
}

static sync_symbol *find(cap *c, const char *symbol)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(symbol, c->by_name[mid].name);
        if (cmp == 0)
            return &c->sym[c->by_name[mid].i];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void cap_set_origin(cap *c, sync_rule rule, const char *market, const char *url)
{
    for (size_t i = 0; i < c->n; i++) {
        sync_set_rule(&c->sym[i], rule);
        legs_set_rule(&c->legs[i], rule);
    }
    c->rule = rule;
    snprintf(c->market, sizeof c->market, "%s", market);
    snprintf(c->url, sizeof c->url, "%s", url);
}

/* Grow array `p` to `n` elements; on failure it keeps its old size. 1 when it grew. */
#define GROW(p, n) ((tmp = realloc((p), (n) * sizeof *(p))) != NULL ? ((p) = tmp, 1) : 0)

/* Make room for `total` symbols in every per-symbol array. -1 when memory runs out (the
 * arrays that did grow only have room to spare). */
static int make_room(cap *c, size_t total)
{
    void *tmp;
    int grown = GROW(c->sym, total);
    grown += GROW(c->legs, total);
    grown += GROW(c->up, total);
    grown += GROW(c->trades, total);
    grown += GROW(c->by_name, total);
    return grown == 5 ? 0 : -1;
}

#undef GROW

int cap_add(cap *c, const char *const *symbols, size_t k)
{
    if (k == 0)
        return 0;
    if (make_room(c, c->n + k) != 0)
        return -1;
    for (size_t j = 0; j < k; j++) {
        size_t i = c->n + j;
        sync_init(&c->sym[i], symbols[j]);
        sync_set_rule(&c->sym[i], c->rule);
        legs_init(&c->legs[i]);
        legs_set_rule(&c->legs[i], c->rule);
        c->up[i] = 0;
        memset(&c->trades[i], 0, sizeof c->trades[i]);
    }
    c->n += k;
    /* The routes name the symbols where they are now (sym may have moved). */
    for (size_t i = 0; i < c->n; i++)
        c->by_name[i] = (cap_route){sync_name(&c->sym[i]), i};
    qsort(c->by_name, c->n, sizeof *c->by_name, by_name);
    return 0;
}

int cap_has(cap *c, const char *symbol)
{
    return find(c, symbol) != NULL;
}

int cap_remove(cap *c, const char *symbol, const char *reason, int64_t now_ns)
{
    sync_symbol *s = find(c, symbol);
    if (s == NULL || sync_get_state(s) == SYNC_REJECTED)
        return -1;
    sync_rejected(s);
    legs_reset(&c->legs[s - c->sym]);
    emit(c, now_ns, rec_removed(&c->rec, now_ns, symbol, reason));
    return 0;
}

void cap_on_trades_conn(cap *c, char leg, int up, const char *url, const char *reason,
                        int64_t now_ns)
{
    const char *market = c->market[0] != '\0' ? c->market : NULL;
    char name[2] = {leg, '\0'};
    if (up)
        emit(c, now_ns, rec_connected_on(&c->rec, now_ns, market, name, url));
    else
        emit(c, now_ns, rec_disconnected_on(&c->rec, now_ns, market, name, reason));
}

/* Gaps are held only while two connections carry the symbol: with one, nobody can bring the
 * missing ids, and holding would only delay the resync (and let its snapshot arrive while
 * the book still looks live, to be ignored). */
static void hold_if_covered(cap *c, size_t k)
{
    legs_set_hold(&c->legs[k], c->up[k] >= 2 ? LEGS_HOLD_NS : 0);
}

void cap_on_leg_connected(cap *c, char leg, const char *url, const char *const *symbols, size_t n,
                          int64_t now_ns)
{
    char name[2] = {leg, '\0'};
    if (c->market[0] != '\0')
        emit(c, now_ns, rec_connected_on(&c->rec, now_ns, c->market, name, url));
    else
        emit(c, now_ns, rec_connected(&c->rec, now_ns));
    cap_on_joined(c, symbols, n);
}

void cap_on_joined(cap *c, const char *const *symbols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sync_symbol *s = find(c, symbols[i]);
        if (s == NULL)
            continue;
        size_t k = (size_t)(s - c->sym);
        /* The first connection to carry it starts the book; another leg only adds events. */
        if (c->up[k]++ == 0)
            sync_connected(s, &c->hooks);
        hold_if_covered(c, k);
    }
}

void cap_on_leg_disconnected(cap *c, char leg, const char *reason, const char *const *symbols,
                             size_t n, int64_t now_ns)
{
    char name[2] = {leg, '\0'};
    if (c->market[0] != '\0')
        emit(c, now_ns, rec_disconnected_on(&c->rec, now_ns, c->market, name, reason));
    else
        emit(c, now_ns, rec_disconnected(&c->rec, now_ns, reason));
    for (size_t i = 0; i < n; i++) {
        sync_symbol *s = find(c, symbols[i]);
        if (s == NULL)
            continue;
        size_t k = (size_t)(s - c->sym);
        if (c->up[k] > 0)
            c->up[k]--;
        hold_if_covered(c, k);
        /* Only when no connection carries it any more is the book lost. */
        if (c->up[k] == 0) {
            legs_reset(&c->legs[k]);
            sync_disconnected(s, &c->hooks, now_ns);
        }
    }
}

void cap_on_connected(cap *c, const char *const *symbols, size_t n, int64_t now_ns)
{
    cap_on_leg_connected(c, 'a', c->url, symbols, n, now_ns);
}

void cap_on_disconnected(cap *c, const char *const *symbols, size_t n, const char *reason,
                         int64_t now_ns)
{
    cap_on_leg_disconnected(c, 'a', reason, symbols, n, now_ns);
}

void cap_tick(cap *c, int64_t now_ns)
{
    for (size_t i = 0; i < c->n; i++)
        legs_tick(&c->legs[i], &c->sym[i], &c->hooks, now_ns);
}

void cap_on_message(cap *c, const char *msg, size_t len, int64_t recv_ns)
{
    c->count.messages++;
    depth_msg m;
    depth_kind kind = depth_parse_message(&c->parser, msg, len, &m);
    /* The raw record comes first: a depth record built from this frame follows it. */
    if (c->mode != CAP_RECORD_BOOK)
        emit(c, recv_ns, rec_frame(&c->rec, recv_ns, msg, len, m.json));
    switch (kind) {
    case DEPTH_UPDATE: {
        sync_symbol *s = find(c, m.ev.symbol);
        if (s == NULL)
            c->count.unknown_symbol++;
        else
            legs_event_in(&c->legs[s - c->sym], s, &c->hooks, &m.ev, recv_ns);
        break;
    }
    case DEPTH_TRADE: {
        sync_symbol *s = find(c, m.tr.symbol);
        if (s == NULL) {
            c->count.unknown_symbol++;
            break;
        }
        if (!trade_seen_take(&c->trades[s - c->sym], m.tr.id, &c->count.trades_missed)) {
            c->count.trades_duplicate++;
            break;
        }
        c->count.trades++;
        if (records_book(c))
            emit(c, recv_ns, rec_trade(&c->rec, recv_ns, &m.tr));
        break;
    }
    case DEPTH_METHOD_RESPONSE:
        c->count.method_responses++;
        break;
    case DEPTH_SERVER_SHUTDOWN:
        c->count.server_shutdowns++;
        break;
    case DEPTH_OTHER:
        c->count.other++;
        break;
    case DEPTH_MALFORMED:
        c->count.malformed++;
        break;
    }
    depth_msg_free(&m);
}

void cap_on_snapshot(cap *c, const char *symbol, const char *body, size_t len, int64_t recv_ns)
{
    sync_symbol *s = find(c, symbol);
    if (s == NULL)
        return;
    depth_snapshot snap;
    const char *why;
    int ok = depth_parse_snapshot(&c->parser, body, len, &snap, &why) == 0;
    if (c->mode != CAP_RECORD_BOOK)
        emit(c, recv_ns, rec_rest(&c->rec, recv_ns, symbol, body, len, ok));
    if (!ok) {
        /* A broken body is worth another try, like a failed request. */
        c->count.bad_snapshots++;
        sync_snapshot_bad(s, &c->hooks);
        return;
    }
    sync_snapshot_in(s, &c->hooks, &snap, recv_ns);
    depth_snapshot_free(&snap);
}

void cap_on_rejected(cap *c, const char *symbol)
{
    sync_symbol *s = find(c, symbol);
    if (s != NULL)
        sync_rejected(s);
}

const cap_counters *cap_counts(const cap *c)
{
    return &c->count;
}

size_t cap_symbols(const cap *c)
{
    return c->n;
}

static cap_state state_of(const sync_symbol *s)
{
    switch (sync_get_state(s)) {
    case SYNC_WAIT_CONNECT:
        return CAP_DOWN;
    case SYNC_LOADING:
        return CAP_SYNCING;
    case SYNC_LIVE:
        return CAP_SYNCED;
    case SYNC_REJECTED:
        return CAP_REJECTED;
    }
    return CAP_DOWN;
}

static void best_of(const book *b, book_side_id side, char *out)
{
    const book_level *lv = book_level_at(b, side, 0);
    snprintf(out, CAP_PRICE_MAX, "%s", lv != NULL ? lv->px : "-");
}

const sync_symbol *cap_symbol_sync(const cap *c, size_t i)
{
    return i < c->n ? &c->sym[i] : NULL;
}

int cap_symbol_view_get(const cap *c, size_t i, cap_symbol_view *out)
{
    if (i >= c->n)
        return -1;
    const sync_symbol *s = &c->sym[i];
    const sync_stats *st = sync_get_stats(s);
    const book *b = sync_book(s);
    out->name = sync_name(s);
    out->state = state_of(s);
    out->applied = st->applied;
    out->resyncs = st->resyncs;
    out->refetches = st->refetches;
    out->overflowed = st->overflowed;
    out->snapshots = st->snapshots;
    /* An unconfirmed book is not shown: it may be stale. */
    int shown = out->state == CAP_SYNCED;
    best_of(b, BOOK_BID, out->best_bid);
    best_of(b, BOOK_ASK, out->best_ask);
    out->bids = book_depth(b, BOOK_BID);
    out->asks = book_depth(b, BOOK_ASK);
    if (!shown) {
        strcpy(out->best_bid, "-");
        strcpy(out->best_ask, "-");
        out->bids = 0;
        out->asks = 0;
    }
    out->update_id = shown ? s->id : 0;
    return 0;
}

size_t cap_symbol_levels(const cap *c, size_t i, book_side_id side, book_level *out, size_t max)
{
    if (i >= c->n || state_of(&c->sym[i]) != CAP_SYNCED)
        return 0;
    const book *b = sync_book(&c->sym[i]);
    size_t n = 0;
    for (; n < max; n++) {
        const book_level *l = book_level_at(b, side, n);
        if (l == NULL)
            break;
        out[n] = *l;
    }
    return n;
}
