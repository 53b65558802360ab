/*
 * The synthetic feed. Each symbol has a mid price on its tick grid that takes a random walk;
 * bids sit at mid - d ticks and asks at mid + d ticks (d >= 1), so the book never crosses:
 * when the mid moves, the frame removes the one level the move would cross, as the
 * exchange would. Changes cluster near the top like a real feed, with a tail deep into
 * the book, and about a third of them are removals.
 */
#include "book_feed.h"

#include <stdlib.h>
#include <string.h>

#define MIN_LEVELS    20 /* per frame, both sides together */
#define MAX_LEVELS    40
#define REMOVAL_PCT   30
#define MOVE_PCT      5             /* chance per frame of the mid moving up (and down) */
#define FIRST_MS      1796083200000 /* 2026-12-01T00:00:00Z */
#define FRAME_BYTES   1400          /* a generous guess, so the text rarely grows */
#define SNAPSHOT_BODY (BOOK_FEED_SNAPSHOT_LEVELS * 2 * 40 + 64)

/* A Binance spot market's shape: prices and lots in units of 1e-8. */
typedef struct market {
    const char *symbol;
    const char *stream;
    int64_t mid_ticks; /* starting mid, in ticks */
    int64_t tick;
    int64_t lot;
    int64_t max_lots; /* largest quantity of one level, in lots */
} market;

static const market markets[BOOK_FEED_MAX_SYMBOLS] = {
    {"BTCUSDT", "btcusdt@depth@100ms", 3700001, 1000000, 1000, 500000},
    {"ETHUSDT", "ethusdt@depth@100ms", 200050, 1000000, 10000, 500000},
    {"BNBUSDT", "bnbusdt@depth@100ms", 3001, 10000000, 100000, 200000},
    {"SOLUSDT", "solusdt@depth@100ms", 6000, 1000000, 1000000, 100000},
    {"XRPUSDT", "xrpusdt@depth@100ms", 5000, 10000, 100000000, 100000},
    {"ADAUSDT", "adausdt@depth@100ms", 3500, 10000, 10000000, 1000000},
    {"DOGEUSDT", "dogeusdt@depth@100ms", 8000, 1000, 100000000, 200000},
    {"LTCUSDT", "ltcusdt@depth@100ms", 7000, 1000000, 100000, 500000},
};

typedef struct sym_state {
    const market *mk;
    int64_t mid;      /* ticks */
    uint64_t next_id; /* U of the next frame */
    int64_t event_ms; /* E of the next frame */
} sym_state;

typedef struct change {
    int ask;   /* 0: bid, 1: ask */
    int64_t d; /* ticks from the mid; 0 only for the level a move crossed */
    int zero;  /* a removal */
} change;

typedef struct text {
    char *p;
    size_t len;
    size_t cap;
    int failed;
} text;

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: plenty for test data, and the same sequence on every machine. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int64_t rng_below(uint64_t *s, int64_t n)
{
    return (int64_t)(rng_next(s) % (uint64_t)n);
}

static void put(text *t, const char *s, size_t n)
{
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void put_s(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_u64(text *t, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(t, tmp + i, sizeof tmp - i);
}

/* A value in units of 1e-8 as Binance writes it: "37000.01000000". */
static void put_dec8(text *t, int64_t v)
{
    put_u64(t, (uint64_t)(v / 100000000));
    char frac[9];
    int64_t f = v % 100000000;
    frac[0] = '.';
    for (int i = 8; i >= 1; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    put(t, frac, sizeof frac);
}

static void put_level(text *t, int64_t price, int64_t qty)
{
    put(t, "[\"", 2);
    put_dec8(t, price);
    put(t, "\",\"", 3);
    put_dec8(t, qty);
    put(t, "\"]", 2);
}

static int64_t price_of(const sym_state *s, int ask, int64_t d)
{
    return (ask ? s->mid + d : s->mid - d) * s->mk->tick;
}

static int64_t random_qty(const sym_state *s, uint64_t *rng)
{
    return (1 + rng_below(rng, s->mk->max_lots)) * s->mk->lot;
}

/* Distance from the top of a changed level: mostly the first ten, a tail to a thousand. */
static int64_t random_distance(uint64_t *rng)
{
    int64_t r = rng_below(rng, 100);
    if (r < 60)
        return 1 + rng_below(rng, 10);
    if (r < 90)
        return 1 + rng_below(rng, 100);
    return 1 + rng_below(rng, BOOK_FEED_SNAPSHOT_LEVELS);
}

static int taken(const change *c, size_t n, int ask, int64_t d)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].ask == ask && c[i].d == d)
            return 1;
    return 0;
}

/* Best first on each side: the order Binance usually sends. */
static void sort_by_distance(change *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        change x = c[i];
        size_t j = i;
        for (; j > 0 && c[j - 1].d > x.d; j--)
            c[j] = c[j - 1];
        c[j] = x;
    }
}

/* This frame's changes: the move's two levels (if the mid moved), then random ones. */
static size_t choose_changes(sym_state *s, uint64_t *rng, change *c)
{
    size_t k = (size_t)(MIN_LEVELS + rng_below(rng, MAX_LEVELS - MIN_LEVELS + 1));
    size_t n = 0;
    int64_t move = rng_below(rng, 100);
    int64_t floor_ticks = BOOK_FEED_SNAPSHOT_LEVELS + 1;
    if (move < MOVE_PCT) {
        /* Up one tick: the ask at the new mid would cross, the old mid is a new best bid. */
        s->mid++;
        c[n++] = (change){1, 0, 1};
        c[n++] = (change){0, 1, 0};
    } else if (move < 2 * MOVE_PCT && s->mid > floor_ticks) {
        s->mid--;
        c[n++] = (change){0, 0, 1};
        c[n++] = (change){1, 1, 0};
    }
    while (n < k) {
        int ask = (int)rng_below(rng, 2);
        int64_t d = random_distance(rng);
        if (taken(c, n, ask, d))
            continue;
        c[n++] = (change){ask, d, rng_below(rng, 100) < REMOVAL_PCT};
    }
    return n;
}

static void put_side(text *t, const sym_state *s, uint64_t *rng, change *c, size_t n, int ask,
                     book_feed *f)
{
    change mine[MAX_LEVELS + 2];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i].ask == ask)
            mine[m++] = c[i];
    sort_by_distance(mine, m);
    put(t, "[", 1);
    for (size_t i = 0; i < m; i++) {
        if (i > 0)
            put(t, ",", 1);
        put_level(t, price_of(s, ask, mine[i].d), mine[i].zero ? 0 : random_qty(s, rng));
        f->n_zero += (size_t)mine[i].zero;
    }
    put(t, "]", 1);
    f->n_levels += m;
}

static void put_frame(text *t, sym_state *s, uint64_t *rng, book_feed *f)
{
    change c[MAX_LEVELS + 2];
    size_t n = choose_changes(s, rng, c);
    uint64_t first = s->next_id;
    /* Binance's U..u counts every change in the 100 ms, some of them to the same level. */
    uint64_t last = first + n - 1 + (uint64_t)rng_below(rng, (int64_t)n);
    put_s(t, "{\"stream\":\"");
    put_s(t, s->mk->stream);
    put_s(t, "\",\"data\":{\"e\":\"depthUpdate\",\"E\":");
    put_u64(t, (uint64_t)s->event_ms);
    put_s(t, ",\"s\":\"");
    put_s(t, s->mk->symbol);
    put_s(t, "\",\"U\":");
    put_u64(t, first);
    put_s(t, ",\"u\":");
    put_u64(t, last);
    put_s(t, ",\"b\":");
    put_side(t, s, rng, c, n, 0, f);
    put_s(t, ",\"a\":");
    put_side(t, s, rng, c, n, 1, f);
    put_s(t, "}}");
    s->next_id = last + 1;
    s->event_ms += 100;
}

static int put_snapshot(text *t, const sym_state *s, uint64_t last_id, uint64_t *rng)
{
    put_s(t, "{\"lastUpdateId\":");
    put_u64(t, last_id);
    for (int ask = 0; ask < 2; ask++) {
        put_s(t, ask ? "],\"asks\":[" : ",\"bids\":[");
        for (int64_t d = 1; d <= BOOK_FEED_SNAPSHOT_LEVELS; d++) {
            if (d > 1)
                put(t, ",", 1);
            put_level(t, price_of(s, ask, d), random_qty(s, rng));
        }
    }
    put_s(t, "]}");
    return t->failed ? -1 : 0;
}

int book_feed_make(book_feed *f, size_t n_frames, size_t n_symbols, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    if (n_symbols < 1 || n_symbols > BOOK_FEED_MAX_SYMBOLS)
        return -1;
    uint64_t rng = seed ? seed : 1; /* xorshift stays at zero forever */
    sym_state sym[BOOK_FEED_MAX_SYMBOLS];
    f->n_symbols = n_symbols;
    for (size_t i = 0; i < n_symbols; i++) {
        const market *mk = &markets[i];
        uint64_t last_id = 40000000000ULL + i * 1000003ULL;
        /* The first event starts before the snapshot and ends after it: the straddle. */
        sym[i] = (sym_state){mk, mk->mid_ticks, last_id - 2, FIRST_MS + (int64_t)i * 7};
        text snap = {malloc(SNAPSHOT_BODY), 0, SNAPSHOT_BODY, 0};
        f->symbols[i] = mk->symbol;
        if (snap.p == NULL || put_snapshot(&snap, &sym[i], last_id, &rng) != 0) {
            free(snap.p);
            book_feed_free(f);
            return -1;
        }
        f->snapshot[i] = snap.p;
        f->snapshot_len[i] = snap.len;
    }
    text t = {malloc(n_frames * FRAME_BYTES + 1), 0, n_frames * FRAME_BYTES + 1, 0};
    f->offset = malloc((n_frames + 1) * sizeof *f->offset);
    if (t.p == NULL || f->offset == NULL) {
        free(t.p);
        book_feed_free(f);
        return -1;
    }
    for (size_t i = 0; i < n_frames && !t.failed; i++) {
        f->offset[i] = t.len;
        put_frame(&t, &sym[rng_below(&rng, (int64_t)n_symbols)], &rng, f);
    }
    f->offset[n_frames] = t.len;
    f->text = t.p;
    f->n_frames = n_frames;
    if (t.failed) {
        book_feed_free(f);
        return -1;
    }
    return 0;
}

void book_feed_free(book_feed *f)
{
    for (size_t i = 0; i < f->n_symbols; i++)
        free(f->snapshot[i]);
    free(f->text);
    free(f->offset);
    memset(f, 0, sizeof *f);
}
