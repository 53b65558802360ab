/*
 * The synthetic feed. Each symbol has a mid price on its tick grid that takes a random walk;
 * bids sit at mid - d ticks and asks at mid + d ticks (d >= 1), so the book never crosses:
 * when the mid moves, the frame removes the one level the move would cross, as the
 * exchange would. Changes cluster near the top like a real feed; how many there are, how
 * deep they reach and how many are removals is the feed's shape (bench or real).
 */
#include "book_feed.h"

#include <stdlib.h>
#include <string.h>

#define MOVE_PCT      5             /* chance per frame of the mid moving up (and down) */
#define FIRST_MS      1796083200000 /* 2026-12-01T00:00:00Z */
#define MAX_CHANGES   40            /* per frame, both sides together, before a move's two */
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

/*
 * What a feed is made of. `changes[j]` weighs frames of changes_min + j changed levels
 * (before a move's two); a changed level lies 1..near ticks from the mid with near_pct %,
 * 1..mid with mid_pct %, else 1..snapshot_levels.
 */
typedef struct shape {
    const market *markets;
    size_t n_markets;
    size_t changes_min;
    unsigned changes[MAX_CHANGES + 1];
    int64_t near, near_pct, mid, mid_pct;
    int64_t removal_pct;
    int64_t snapshot_levels; /* per side, at most BOOK_FEED_SNAPSHOT_LEVELS */
    size_t frame_bytes;      /* a generous guess, so the text rarely grows */
} shape;

static const market bench_markets[] = {
    {"BTCUSDT", "btcusdt@depth@100ms", 3700001, 1000000, 1000, 500000},
    {"ETHUSDT", "ethusdt@depth@100ms", 200050, 1000000, 10000, 500000},
    {"BNBUSDT", "bnbusdt@depth@100ms", 3001, 10000000, 100000, 200000},
    {"SOLUSDT", "solusdt@depth@100ms", 6000, 1000000, 1000000, 100000},
    {"XRPUSDT", "xrpusdt@depth@100ms", 5000, 10000, 100000000, 100000},
    {"ADAUSDT", "adausdt@depth@100ms", 3500, 10000, 10000000, 1000000},
    {"DOGEUSDT", "dogeusdt@depth@100ms", 8000, 1000, 100000000, 200000},
    {"LTCUSDT", "ltcusdt@depth@100ms", 7000, 1000000, 100000, 500000},
};

/* 20 to 40 changes alike, a third of them removals, a tail deep into the book. */
static const shape bench_shape = {
    .markets = bench_markets,
    .n_markets = BOOK_FEED_MAX_SYMBOLS,
    .changes_min = 20,
    .changes = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    .near = 10,
    .near_pct = 60,
    .mid = 100,
    .mid_pct = 30,
    .removal_pct = 30,
    .snapshot_levels = BOOK_FEED_SNAPSHOT_LEVELS,
    .frame_bytes = 1400,
};

/* The markets of the real capture (../shared/data/binance-capture-2021-10-11): sub-unit
 * prices, whole-unit quantities of 1 to 5 digits. */
static const market real_markets[] = {
    {"NKNUSDT", "nknusdt@depth@100ms", 3523, 10000, 100000000, 20000},
    {"BLZETH", "blzeth@depth@100ms", 6551, 1, 100000000, 20000},
    {"LRCBTC", "lrcbtc@depth@100ms", 637, 1, 100000000, 20000},
    {"RUNEEUR", "runeeur@depth@100ms", 6260, 100000, 10000000, 20000},
};

/* That capture's frames, as bench/real_stats.py counts them: 1 to 13 changes (2.4 on
 * average, ~205 bytes a frame), 8% removals; and every change within the top 100 levels,
 * three in four in the top 10. */
static const shape real_shape = {
    .markets = real_markets,
    .n_markets = sizeof real_markets / sizeof real_markets[0],
    .changes_min = 1,
    .changes = {80, 41, 18, 18, 8, 3, 5, 1, 1, 0, 1, 0, 1},
    .near = 10,
    .near_pct = 71,
    .mid = 100,
    .mid_pct = 29,
    .removal_pct = 5, /* a move's crossed level adds the rest */
    .snapshot_levels = 500,
    .frame_bytes = 400,
};

typedef struct sym_state {
    const shape *sh;
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

/* Distance from the top of a changed level: mostly the first ten, a tail deeper. */
static int64_t random_distance(const shape *sh, uint64_t *rng)
{
    int64_t r = rng_below(rng, 100);
    if (r < sh->near_pct)
        return 1 + rng_below(rng, sh->near);
    if (r < sh->near_pct + sh->mid_pct)
        return 1 + rng_below(rng, sh->mid);
    return 1 + rng_below(rng, sh->snapshot_levels);
}

/* How many levels a frame changes, drawn by the shape's weights. */
static size_t random_changes(const shape *sh, uint64_t *rng)
{
    int64_t total = 0;
    for (size_t j = 0; j <= MAX_CHANGES; j++)
        total += sh->changes[j];
    int64_t r = rng_below(rng, total);
    size_t j = 0;
    while (r >= sh->changes[j])
        r -= sh->changes[j++];
    return sh->changes_min + j;
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
    size_t k = random_changes(s->sh, rng);
    size_t n = 0;
    int64_t move = rng_below(rng, 100);
    int64_t floor_ticks = s->sh->snapshot_levels + 1;
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
        int64_t d = random_distance(s->sh, rng);
        if (taken(c, n, ask, d))
            continue;
        c[n++] = (change){ask, d, rng_below(rng, 100) < s->sh->removal_pct};
    }
    return n;
}

static void put_side(text *t, const sym_state *s, uint64_t *rng, change *c, size_t n, int ask,
                     book_feed *f)
{
    change mine[MAX_CHANGES + 2];
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
    change c[MAX_CHANGES + 2];
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
        for (int64_t d = 1; d <= s->sh->snapshot_levels; d++) {
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
    return book_feed_make_shaped(f, n_frames, n_symbols, seed, BOOK_FEED_BENCH);
}

int book_feed_make_shaped(book_feed *f, size_t n_frames, size_t n_symbols, uint64_t seed,
                          book_feed_kind kind)
{
    const shape *sh = kind == BOOK_FEED_REAL ? &real_shape : &bench_shape;
    memset(f, 0, sizeof *f);
    if (n_symbols < 1 || n_symbols > sh->n_markets)
        return -1;
    uint64_t rng = seed ? seed : 1; /* xorshift stays at zero forever */
    sym_state sym[BOOK_FEED_MAX_SYMBOLS];
    f->n_symbols = n_symbols;
    for (size_t i = 0; i < n_symbols; i++) {
        const market *mk = &sh->markets[i];
        uint64_t last_id = 40000000000ULL + i * 1000003ULL;
        /* The first event starts before the snapshot and ends after it: the straddle. */
        sym[i] = (sym_state){sh, mk, mk->mid_ticks, last_id - 2, FIRST_MS + (int64_t)i * 7};
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
    size_t bytes = n_frames * sh->frame_bytes + 1;
    text t = {malloc(bytes), 0, bytes, 0};
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
