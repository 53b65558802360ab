/*
 * Fuzz target: depth frames through the capture pipeline (parsing, sync, book, records).
 *
 * The input is a sequence of lines, each one of:
 *   [TIME ' '] SYMBOL ' ' BODY   a snapshot body of SYMBOL (HTTP 200)
 *   [TIME ' '] '+' [SYMBOL]      the connection of SYMBOL (of every symbol without one) is up
 *   [TIME ' '] '-' [SYMBOL]      it went down
 *   [TIME ' '] '!' SYMBOL        the snapshot request of SYMBOL failed
 *   [TIME ' '] anything else     one websocket frame, the rest of the line as received
 * TIME is a receive time in Unix seconds ("1633998512.0633569"); without one a line is
 * received 1 ms after the one before. This is the format of the Binance capture's
 * frames.txt and snapshots.txt, so both files merged by time make an input.
 *
 * Before the first line every symbol is connected and loaded from a small built-in snapshot
 * (lastUpdateId 1000), so the books are live from the start. After every line, for each
 * symbol the line may change (the one it names; all for a connection line without one):
 * bids strictly descending, asks strictly ascending, no zero quantity, every level's string
 * its price, sizes bounded, a book only while live and no buffered event then. The other
 * symbols must not change at all (one symbol's resync never disturbs another's): state,
 * counters, sizes and the levels at both ends of each side are compared. A live book's id
 * never goes back; a duplicate changes nothing; an applied event leaves each of its prices
 * at its last quantity (or removed); a snapshot loaded alone becomes the book. Every record
 * emitted is one line of strict JSON. Each frame parses as it does with a space in front (the
 * same JSON, which always goes through cJSON, where a depth update in Binance's plain layout
 * is read without it). At the end every book is checked whole again. Any violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decimal.h"
#include "fuzz_check.h"
#include "fuzz_json.h"

#define NSYM 5
#define MS   1000000LL

static const char *const symbols[NSYM] = {"BTCUSDT", "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};

static const char initial_snapshot[] =
    "{\"lastUpdateId\":1000,\"bids\":[[\"100.00\",\"1.5\"],[\"99.99\",\"2\"],[\"98\",\"0.1\"]],"
    "\"asks\":[[\"100.01\",\"1\"],[\"100.50\",\"3\"],[\"101\",\"7.25\"]]}";

typedef struct run {
    cap *c;
    uint64_t records;  /* lines the sink took */
    uint64_t messages; /* frames fed */
    depth_parser mine; /* the harness's own parse of each frame and snapshot */
    depth_parser tree; /* each frame again with a space in front: always through cJSON */
    char *spaced;
    size_t spaced_cap;
    size_t *order; /* scratch for last_of */
    size_t order_cap;
} run;

/* What may not change behind a symbol's back: its state, counters, sizes and the levels at
 * both ends of each side (a full hash of deep books after every line would cost most of
 * the run; the symbols a line may change get the full check instead). */
typedef struct print {
    sync_state state;
    int pending;
    uint64_t id;
    size_t buf_n;
    sync_stats stats;
    size_t n[2];
    uint64_t hash; /* FNV-1a over the price and strings of those levels */
} print;

#define PRINT_TOP 8 /* levels from the top of each side in a fingerprint, and the worst */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* That the stamp equals the record's ts is test_capture's to prove; here, the line itself. */
FUZZ_UNTRACED static void sink_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    (void)stamp_ns;
    run *r = ctx;
    r->records++;
    FUZZ_CHECK(len > 0, "an empty record");
    FUZZ_CHECK(memchr(line, '\n', len) == NULL && memchr(line, '\r', len) == NULL,
               "a record of more than one line: %.*s", (int)len, line);
    FUZZ_CHECK(len > 7 && memcmp(line, "{\"ts\":\"", 7) == 0, "a record without ts first: %.*s",
               (int)len, line);
    FUZZ_CHECK(fj_is_object(line, len), "a record that is not strict JSON: %.*s", (int)len, line);
}

static void sink_want_snapshot(void *ctx, const char *symbol)
{
    (void)ctx;
    (void)symbol;
}

FUZZ_UNTRACED static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

FUZZ_UNTRACED static uint64_t hash_level(uint64_t h, const book_level *l)
{
    h = fnv(h, &l->price, sizeof l->price);
    h = fnv(h, l->px, strlen(l->px) + 1);
    return fnv(h, l->qty, strlen(l->qty) + 1);
}

FUZZ_UNTRACED static print fingerprint(const sync_symbol *s)
{
    print p;
    memset(&p, 0, sizeof p);
    p.state = s->state;
    p.pending = s->snapshot_pending;
    p.id = s->id;
    p.buf_n = s->buf_n;
    p.stats = s->stats;
    p.hash = 14695981039346656037ULL;
    for (int side = 0; side < 2; side++) {
        p.n[side] = book_depth(&s->book, (book_side_id)side);
        for (size_t i = 0; i < p.n[side] && i < PRINT_TOP; i++)
            p.hash = hash_level(p.hash, book_level_at(&s->book, (book_side_id)side, i));
        if (p.n[side] > PRINT_TOP)
            p.hash = hash_level(p.hash, book_level_at(&s->book, (book_side_id)side, p.n[side] - 1));
    }
    return p;
}

FUZZ_UNTRACED static int same(const print *a, const print *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* A validated decimal is zero when no digit of it is. */
FUZZ_UNTRACED static int all_zero_digits(const char *q)
{
    for (; *q != '\0'; q++)
        if (*q >= '1' && *q <= '9')
            return 0;
    return 1;
}

/*
 * Order, bounds, terminated strings and a quantity that is not zero, on every level; with
 * `full` (at the end of an input, and for the levels a line set) each string also parses
 * to the level's price and a positive quantity, which costs too much after every line.
 */
FUZZ_UNTRACED static void check_side(const sync_symbol *s, book_side_id side, int full)
{
    const char *name = side == BOOK_BID ? "bids" : "asks";
    size_t n = book_depth(&s->book, side);
    FUZZ_CHECK(n <= BOOK_MAX_LEVELS, "%s: %zu %s", s->symbol, n, name);
    FUZZ_CHECK(n <= s->book.side[side].cap, "%s: %zu %s in %zu", s->symbol, n, name,
               s->book.side[side].cap);
    FUZZ_CHECK(book_level_at(&s->book, side, n) == NULL, "%s: a level past the end", s->symbol);
    const book_level *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const book_level *l = book_level_at(&s->book, side, i);
        FUZZ_CHECK(l != NULL, "%s: %s level %zu of %zu missing", s->symbol, name, i, n);
        size_t px_len = strnlen(l->px, sizeof l->px), qty_len = strnlen(l->qty, sizeof l->qty);
        FUZZ_CHECK(px_len > 0 && px_len < sizeof l->px && qty_len > 0 && qty_len < sizeof l->qty,
                   "%s: a level's strings empty or unterminated", s->symbol);
        FUZZ_CHECK(!all_zero_digits(l->qty), "%s: %s level %s has quantity \"%s\"", s->symbol, name,
                   l->px, l->qty);
        if (full) {
            int64_t price, qty;
            FUZZ_CHECK(dec_parse(l->px, px_len, &price) == 0 && price == l->price,
                       "%s: %s level \"%s\" is not its price %lld", s->symbol, name, l->px,
                       (long long)l->price);
            FUZZ_CHECK(dec_parse(l->qty, qty_len, &qty) == 0 && qty > 0,
                       "%s: %s level %s has quantity \"%s\"", s->symbol, name, l->px, l->qty);
        }
        if (prev != NULL) {
            FUZZ_CHECK(side == BOOK_BID ? prev->price > l->price : prev->price < l->price,
                       "%s: %s not strictly %s: %s then %s", s->symbol, name,
                       side == BOOK_BID ? "descending" : "ascending", prev->px, l->px);
        }
        prev = l;
    }
}

FUZZ_UNTRACED static void check_symbol(const sync_symbol *s, int full)
{
    check_side(s, BOOK_BID, full);
    check_side(s, BOOK_ASK, full);
    FUZZ_CHECK(s->buf_n <= SYNC_BUFFER_MAX, "%s: %zu buffered", s->symbol, s->buf_n);
    if (s->state == SYNC_LIVE) {
        FUZZ_CHECK(s->buf_n == 0, "%s: live with %zu events buffered", s->symbol, s->buf_n);
    } else {
        FUZZ_CHECK(book_depth(&s->book, BOOK_BID) == 0 && book_depth(&s->book, BOOK_ASK) == 0,
                   "%s: a book while not live (state %d)", s->symbol, (int)s->state);
    }
}

/* The level of `price` on a side, by binary search of the best-first order. */
FUZZ_UNTRACED static const book_level *find_level(const book *b, book_side_id side, int64_t price)
{
    size_t lo = 0, hi = book_depth(b, side);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const book_level *l = book_level_at(b, side, mid);
        if (l->price == price)
            return l;
        if (side == BOOK_BID ? l->price > price : l->price < price)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const depth_level *sort_levels;

FUZZ_UNTRACED static int by_price_then_index(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t pi = sort_levels[i].price, pj = sort_levels[j].price;
    if (pi != pj)
        return pi < pj ? -1 : 1;
    return i < j ? -1 : (i > j ? 1 : 0);
}

/*
 * Each price of `lv` at its last quantity in the book, or absent when that was zero; with
 * `exact`, nothing else on the side either. Skipped on a full side, which drops its worst.
 */
FUZZ_UNTRACED static void check_applied(run *r, const sync_symbol *s, book_side_id side,
                                        const depth_level *lv, size_t n, int exact)
{
    const book *b = &s->book;
    if (book_depth(b, side) >= BOOK_MAX_LEVELS)
        return;
    if (n > r->order_cap) {
        size_t *o = realloc(r->order, n * sizeof *o);
        FUZZ_CHECK(o != NULL, "out of memory");
        r->order = o;
        r->order_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        r->order[i] = i;
    sort_levels = lv;
    if (n > 0)
        qsort(r->order, n, sizeof *r->order, by_price_then_index);
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        if (k + 1 < n && lv[r->order[k + 1]].price == lv[r->order[k]].price)
            continue; /* a later level of the same price wins */
        const depth_level *d = &lv[r->order[k]];
        const book_level *l = find_level(b, side, d->price);
        if (d->qty_is_zero) {
            FUZZ_CHECK(l == NULL, "%s: level %.*s removed but still there", s->symbol,
                       (int)d->px_len, d->px);
            continue;
        }
        kept++;
        FUZZ_CHECK(l != NULL, "%s: level %.*s set but missing", s->symbol, (int)d->px_len, d->px);
        int64_t price;
        FUZZ_CHECK(dec_parse(l->px, strlen(l->px), &price) == 0 && price == l->price,
                   "%s: level \"%s\" is not its price %lld", s->symbol, l->px, (long long)l->price);
        FUZZ_CHECK(strlen(l->qty) == d->qty_len && memcmp(l->qty, d->qty, d->qty_len) == 0,
                   "%s: level %.*s has %s, not %.*s", s->symbol, (int)d->px_len, d->px, l->qty,
                   (int)d->qty_len, d->qty);
    }
    if (exact)
        FUZZ_CHECK(book_depth(b, side) == kept, "%s: %zu levels after a snapshot of %zu", s->symbol,
                   book_depth(b, side), kept);
}

static int valid_symbol_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* "1633998512.0633569 " at the start of a line: its time in ns, and the rest after it. */
static int parse_time(const char **p, const char *end, int64_t *ns)
{
    const char *q = *p;
    int64_t sec = 0, frac = 0, scale = 1000000000LL;
    int digits = 0;
    while (q < end && *q >= '0' && *q <= '9' && digits < 10) {
        sec = sec * 10 + (*q++ - '0');
        digits++;
    }
    if (digits == 0 || sec >= (1LL << 32))
        return 0;
    if (q < end && *q == '.') {
        q++;
        while (q < end && *q >= '0' && *q <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*q - '0') * scale;
            }
            q++;
        }
    }
    if (q >= end || *q != ' ')
        return 0;
    *ns = sec * 1000000000LL + frac;
    *p = q + 1;
    return 1;
}

/* A symbol at *p ending at a space or the end: its length (0: none). */
static size_t symbol_len(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && valid_symbol_char(p[n]) && n <= DEPTH_SYMBOL_MAX)
        n++;
    if (n == 0 || n > DEPTH_SYMBOL_MAX || (p + n < end && p[n] != ' '))
        return 0;
    return n;
}

static int symbol_index(const char *name)
{
    for (int i = 0; i < NSYM; i++)
        if (strcmp(symbols[i], name) == 0)
            return i;
    return -1;
}

FUZZ_UNTRACED static void check_all(const run *r, const print before[NSYM], int may_change)
{
    for (int i = 0; i < NSYM; i++) {
        const sync_symbol *s = cap_symbol_sync(r->c, (size_t)i);
        if (may_change == -2 || may_change == i) {
            check_symbol(s, 0);
            continue;
        }
        print now = fingerprint(s);
        FUZZ_CHECK(same(&before[i], &now), "%s changed by a line about another symbol", s->symbol);
    }
    FUZZ_CHECK(cap_counts(r->c)->records == r->records, "%llu records counted, %llu emitted",
               (unsigned long long)cap_counts(r->c)->records, (unsigned long long)r->records);
    FUZZ_CHECK(cap_counts(r->c)->messages == r->messages, "%llu messages counted, %llu fed",
               (unsigned long long)cap_counts(r->c)->messages, (unsigned long long)r->messages);
}

static int same_level(const depth_level *a, const depth_level *b)
{
    return a->price == b->price && a->qty_is_zero == b->qty_is_zero && a->px_len == b->px_len &&
           a->qty_len == b->qty_len && memcmp(a->px, b->px, a->px_len) == 0 &&
           memcmp(a->qty, b->qty, a->qty_len) == 0 && a->px[a->px_len] == '\0' &&
           a->qty[a->qty_len] == '\0';
}

/* The frame as parsed (a depth update in Binance's plain layout is read without cJSON) and
 * with a space in front (the same JSON, through cJSON): the same outcome in every field. */
static void same_as_cjson(run *r, const char *msg, size_t len, const depth_msg *m)
{
    if (len >= 3 && memcmp(msg, "\xEF\xBB\xBF", 3) == 0)
        return; /* cJSON skips a UTF-8 byte order mark only at the very start */
    if (len + 1 > r->spaced_cap) {
        char *b = realloc(r->spaced, len + 1);
        FUZZ_CHECK(b != NULL, "out of memory");
        r->spaced = b;
        r->spaced_cap = len + 1;
    }
    r->spaced[0] = ' ';
    memcpy(r->spaced + 1, msg, len);
    depth_msg t;
    depth_kind kind = depth_parse_message(&r->tree, r->spaced, len + 1, &t);
    FUZZ_CHECK(kind == m->kind && t.json == m->json, "kind %d json %d, through cJSON %d %d",
               (int)m->kind, m->json, (int)kind, t.json);
    FUZZ_CHECK((t.error == NULL) == (m->error == NULL) &&
                   (t.error == NULL || strcmp(t.error, m->error) == 0),
               "error \"%s\", through cJSON \"%s\"", m->error ? m->error : "",
               t.error ? t.error : "");
    FUZZ_CHECK((t.stream == NULL) == (m->stream == NULL) &&
                   (t.stream == NULL || strcmp(t.stream, m->stream) == 0),
               "stream \"%s\", through cJSON \"%s\"", m->stream ? m->stream : "",
               t.stream ? t.stream : "");
    if (kind == DEPTH_UPDATE) {
        const depth_event *a = &m->ev, *b = &t.ev;
        FUZZ_CHECK(strcmp(a->symbol, b->symbol) == 0 && a->event_ms == b->event_ms &&
                       a->first_id == b->first_id && a->last_id == b->last_id &&
                       a->has_prev == b->has_prev && a->prev_id == b->prev_id &&
                       a->n_bids == b->n_bids && a->n_asks == b->n_asks,
                   "%s u=%llu: the event differs from cJSON's", a->symbol,
                   (unsigned long long)a->last_id);
        for (size_t i = 0; i < a->n_bids; i++)
            FUZZ_CHECK(same_level(&a->bids[i], &b->bids[i]), "bid %zu differs from cJSON's", i);
        for (size_t i = 0; i < a->n_asks; i++)
            FUZZ_CHECK(same_level(&a->asks[i], &b->asks[i]), "ask %zu differs from cJSON's", i);
    }
    depth_msg_free(&t);
}

static void frame_line(run *r, const char *msg, size_t len, int64_t ns)
{
    print before[NSYM];
    for (int i = 0; i < NSYM; i++)
        before[i] = fingerprint(cap_symbol_sync(r->c, (size_t)i));
    depth_msg m;
    depth_kind kind = depth_parse_message(&r->mine, msg, len, &m);
    same_as_cjson(r, msg, len, &m);
    int who = kind == DEPTH_UPDATE ? symbol_index(m.ev.symbol) : -1;
    r->messages++;
    cap_on_message(r->c, msg, len, ns);
    check_all(r, before, who);
    if (who >= 0) {
        const sync_symbol *s = cap_symbol_sync(r->c, (size_t)who);
        print now = fingerprint(s);
        const print *was = &before[who];
        if (was->state == SYNC_LIVE && now.state == SYNC_LIVE)
            FUZZ_CHECK(now.id >= was->id, "%s: id went back from %llu to %llu", s->symbol,
                       (unsigned long long)was->id, (unsigned long long)now.id);
        if (now.stats.duplicates != was->stats.duplicates) {
            print a = *was, b = now;
            a.stats.duplicates = b.stats.duplicates;
            FUZZ_CHECK(same(&a, &b), "%s: a duplicate changed the symbol", s->symbol);
        }
        /* A frame that brings the ids another leg missed also releases the events held after
         * them (core/legs.c): then the book ends past its u. */
        if (now.stats.applied - was->stats.applied > 1)
            FUZZ_CHECK(now.id > m.ev.last_id,
                       "%s: %llu applied by one frame, at id %llu, not past "
                       "u = %llu",
                       s->symbol, (unsigned long long)(now.stats.applied - was->stats.applied),
                       (unsigned long long)now.id, (unsigned long long)m.ev.last_id);
        if (now.stats.applied - was->stats.applied == 1) {
            FUZZ_CHECK(now.id == m.ev.last_id, "%s: applied, but at id %llu, not u = %llu",
                       s->symbol, (unsigned long long)now.id, (unsigned long long)m.ev.last_id);
            check_applied(r, s, BOOK_BID, m.ev.bids, m.ev.n_bids, 0);
            check_applied(r, s, BOOK_ASK, m.ev.asks, m.ev.n_asks, 0);
        }
        if (now.stats.resyncs != was->stats.resyncs)
            FUZZ_CHECK(now.state == SYNC_LOADING, "%s: resync to state %d", s->symbol,
                       (int)now.state);
    }
    depth_msg_free(&m);
}

static void snapshot_line(run *r, const char *symbol, const char *body, size_t len, int64_t ns)
{
    print before[NSYM];
    for (int i = 0; i < NSYM; i++)
        before[i] = fingerprint(cap_symbol_sync(r->c, (size_t)i));
    cap_on_snapshot(r->c, symbol, body, len, ns);
    int who = symbol_index(symbol);
    check_all(r, before, who);
    if (who < 0)
        return;
    const sync_symbol *s = cap_symbol_sync(r->c, (size_t)who);
    print now = fingerprint(s);
    if (before[who].state == SYNC_LOADING && now.state == SYNC_LIVE &&
        now.stats.applied == before[who].stats.applied) {
        depth_snapshot snap;
        const char *why;
        FUZZ_CHECK(depth_parse_snapshot(&r->mine, body, len, &snap, &why) == 0,
                   "%s: went live on a snapshot that does not parse", s->symbol);
        FUZZ_CHECK(now.id == snap.last_id, "%s: live at %llu after a snapshot of %llu", s->symbol,
                   (unsigned long long)now.id, (unsigned long long)snap.last_id);
        check_applied(r, s, BOOK_BID, snap.bids, snap.n_bids, 1);
        check_applied(r, s, BOOK_ASK, snap.asks, snap.n_asks, 1);
        depth_snapshot_free(&snap);
    }
}

static void connection_line(run *r, int up, const char *symbol, int64_t ns)
{
    print before[NSYM];
    for (int i = 0; i < NSYM; i++)
        before[i] = fingerprint(cap_symbol_sync(r->c, (size_t)i));
    if (symbol[0] == '\0') {
        if (up)
            cap_on_connected(r->c, symbols, NSYM, ns);
        else
            cap_on_disconnected(r->c, symbols, NSYM, "fuzz", ns);
        check_all(r, before, -2);
        return;
    }
    const char *one[1] = {symbol};
    if (up)
        cap_on_connected(r->c, one, 1, ns);
    else
        cap_on_disconnected(r->c, one, 1, "fuzz", ns);
    check_all(r, before, symbol_index(symbol));
}

static void failed_line(run *r, const char *symbol)
{
    print before[NSYM];
    for (int i = 0; i < NSYM; i++)
        before[i] = fingerprint(cap_symbol_sync(r->c, (size_t)i));
    cap_on_rejected(r->c, symbol);
    check_all(r, before, symbol_index(symbol));
}

static void one_line(run *r, const char *p, const char *end, int64_t *ns)
{
    int64_t t;
    if (parse_time(&p, end, &t))
        *ns = t;
    else
        *ns += MS;
    char sym[DEPTH_SYMBOL_MAX + 1] = "";
    if (p < end && (*p == '+' || *p == '-' || *p == '!')) {
        size_t n = symbol_len(p + 1, end);
        if (p + 1 + n == end) {
            memcpy(sym, p + 1, n);
            sym[n] = '\0';
            if (*p == '!')
                failed_line(r, sym);
            else
                connection_line(r, *p == '+', sym, *ns);
            return;
        }
    }
    size_t n = symbol_len(p, end);
    if (n > 0 && p + n < end) {
        memcpy(sym, p, n);
        sym[n] = '\0';
        snapshot_line(r, sym, p + n + 1, (size_t)(end - p) - n - 1, *ns);
        return;
    }
    frame_line(r, p, (size_t)(end - p), *ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run r;
    memset(&r, 0, sizeof r);
    cap_sink sink = {&r, sink_emit, sink_want_snapshot};
    /* Raw and book records both: every record path is exercised and checked. */
    r.c = cap_create(symbols, NSYM, 5, CAP_RECORD_BOTH, 1, &sink);
    FUZZ_CHECK(r.c != NULL, "cap_create failed");
    depth_parser_init(&r.mine);
    depth_parser_init(&r.tree);

    int64_t ns = 1633998512LL * 1000000000LL;
    cap_on_connected(r.c, symbols, NSYM, ns);
    for (int i = 0; i < NSYM; i++)
        cap_on_snapshot(r.c, symbols[i], initial_snapshot, sizeof initial_snapshot - 1, ns);
    for (int i = 0; i < NSYM; i++) {
        const sync_symbol *s = cap_symbol_sync(r.c, (size_t)i);
        FUZZ_CHECK(s->state == SYNC_LIVE && s->id == 1000, "%s: not live from the start",
                   s->symbol);
        check_symbol(s, 1);
    }

    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;
        one_line(&r, p, line_end, &ns);
        p = nl != NULL ? nl + 1 : end;
    }

    for (int i = 0; i < NSYM; i++)
        check_symbol(cap_symbol_sync(r.c, (size_t)i), 1);
    depth_parser_free(&r.mine);
    depth_parser_free(&r.tree);
    free(r.spaced);
    free(r.order);
    cap_destroy(r.c);
    return 0;
}
