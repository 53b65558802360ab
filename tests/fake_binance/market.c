#include "market.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define MID_CENTS 1000000L /* 10000.00: bids below it, asks above, the book never crosses */

struct market {
    const scenario *sc;
    FILE *truth;
    /* One entry per symbol in each of these arrays (n_symbols of them). */
    mk_book *book;
    mk_book *initial; /* for stale snapshots */
    int stale_served;
    long *done;  /* events produced per symbol */
    long frames; /* event frames produced */
    uint32_t rng;
    char **last_frame; /* for duplicates */
    /* replay */
    char **replay; /* frames of the capture, in order */
    long n_replay, next_replay;
    char **replay_snap;
    uint64_t *replay_L;
    /* trades */
    FILE *trade_log;    /* one line per trade sent; may be NULL */
    uint64_t *trade_id; /* the last trade id per symbol */
};

static uint32_t rnd(market *m)
{
    m->rng = m->rng * 1664525u + 1013904223u;
    return m->rng >> 8;
}

/* "12.5" -> 1250000000: the oracle's own parse, independent of the client's. */
static int64_t scaled(const char *s)
{
    int64_t whole = 0, frac = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && digits < 8; s++, digits++)
            frac = frac * 10 + (*s - '0');
    for (; digits < 8; digits++)
        frac *= 10;
    return whole * 100000000LL + frac;
}

static void book_set(mk_book *b, int side, const char *px, const char *qty)
{
    int64_t p = scaled(px);
    int i = 0;
    while (i < b->n[side] && b->lv[side][i].price != p)
        i++;
    if (scaled(qty) == 0) {
        if (i < b->n[side])
            b->lv[side][i] = b->lv[side][--b->n[side]];
        return;
    }
    if (i == b->n[side]) {
        if (b->n[side] == b->cap[side]) {
            b->cap[side] = b->cap[side] ? b->cap[side] * 2 : 256;
            b->lv[side] = realloc(b->lv[side], (size_t)b->cap[side] * sizeof(mk_level));
        }
        b->n[side]++;
    }
    b->lv[side][i].price = p;
    snprintf(b->lv[side][i].px, 24, "%s", px);
    snprintf(b->lv[side][i].qty, 24, "%s", qty);
}

static int side_sort;
static int best_first(const void *a, const void *b)
{
    int64_t x = ((const mk_level *)a)->price, y = ((const mk_level *)b)->price;
    int c = x < y ? -1 : x > y;
    return side_sort == 0 ? -c : c;
}

/* The top `n` levels of a side as JSON: [["p","q"],...]. */
static cJSON *top(const mk_book *b, int side, int n)
{
    mk_level *tmp = malloc((size_t)(b->n[side] ? b->n[side] : 1) * sizeof *tmp);
    memcpy(tmp, b->lv[side], (size_t)b->n[side] * sizeof *tmp);
    side_sort = side;
    qsort(tmp, (size_t)b->n[side], sizeof *tmp, best_first);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n && i < b->n[side]; i++) {
        cJSON *lv = cJSON_CreateArray();
        cJSON_AddItemToArray(lv, cJSON_CreateString(tmp[i].px));
        cJSON_AddItemToArray(lv, cJSON_CreateString(tmp[i].qty));
        cJSON_AddItemToArray(arr, lv);
    }
    free(tmp);
    return arr;
}

static void write_truth(market *m, const char *symbol, const mk_book *b)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "s", symbol);
    cJSON_AddNumberToObject(t, "u", (double)b->last_id);
    cJSON_AddItemToObject(t, "bids", top(b, 0, m->sc->depth));
    cJSON_AddItemToObject(t, "asks", top(b, 1, m->sc->depth));
    char *s = cJSON_PrintUnformatted(t);
    fprintf(m->truth, "%s\n", s);
    fflush(m->truth);
    free(s);
    cJSON_Delete(t);
}

static void book_copy(mk_book *dst, const mk_book *src)
{
    for (int s = 0; s < 2; s++) {
        dst->lv[s] = malloc((size_t)(src->cap[s] ? src->cap[s] : 1) * sizeof(mk_level));
        memcpy(dst->lv[s], src->lv[s], (size_t)src->n[s] * sizeof(mk_level));
        dst->n[s] = src->n[s];
        dst->cap[s] = src->cap[s];
    }
    dst->last_id = src->last_id;
}

static void cents(char *out, long c)
{
    /* Prices stay far below INT_MAX cents; int keeps the output provably within 24 bytes. */
    snprintf(out, 24, "%d.%02d000000", (int)(c / 100), (int)(c % 100));
}

static void simulate_start(market *m)
{
    for (int s = 0; s < m->sc->n_symbols; s++) {
        mk_book *b = &m->book[s];
        for (int i = 1; i <= m->sc->levels; i++) {
            char px[24], qty[24];
            cents(px, MID_CENTS - i);
            snprintf(qty, sizeof qty, "%u.00000000", 1 + rnd(m) % 500);
            book_set(b, 0, px, qty);
            cents(px, MID_CENTS + i);
            snprintf(qty, sizeof qty, "%u.00000000", 1 + rnd(m) % 500);
            book_set(b, 1, px, qty);
        }
        b->last_id = 1000 + (uint64_t)s * 100000;
        book_copy(&m->initial[s], b);
    }
}

static int load_replay(market *m, char *err, size_t errlen)
{
    char path[600];
    snprintf(path, sizeof path, "%s/frames.txt", m->sc->replay_dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *json = strchr(line, ' ');
        if (json == NULL)
            continue;
        json[strcspn(json, "\n")] = '\0';
        m->replay = realloc(m->replay, (size_t)(m->n_replay + 1) * sizeof *m->replay);
        m->replay[m->n_replay++] = strdup(json + 1);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/snapshots.txt", m->sc->replay_dir);
    f = fopen(path, "r");
    if (f == NULL) {
        free(line);
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    while (getline(&line, &cap, f) > 0) {
        char sym[24];
        int off = 0;
        if (sscanf(line, "%*s %23s %n", sym, &off) != 1)
            continue;
        int s = sc_symbol(m->sc, sym);
        if (s < 0 || m->replay_snap[s] != NULL)
            continue;
        line[strcspn(line, "\n")] = '\0';
        m->replay_snap[s] = strdup(line + off);
        /* The oracle: the snapshot, then every event with u > lastUpdateId. */
        cJSON *j = cJSON_Parse(m->replay_snap[s]);
        m->replay_L[s] = (uint64_t)cJSON_GetObjectItemCaseSensitive(j, "lastUpdateId")->valuedouble;
        const cJSON *lv;
        cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(j, "bids"))
            book_set(&m->book[s], 0, cJSON_GetArrayItem(lv, 0)->valuestring,
                     cJSON_GetArrayItem(lv, 1)->valuestring);
        cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(j, "asks"))
            book_set(&m->book[s], 1, cJSON_GetArrayItem(lv, 0)->valuestring,
                     cJSON_GetArrayItem(lv, 1)->valuestring);
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    return 0;
}

market *mk_create(const scenario *sc, FILE *truth, char *err, size_t errlen)
{
    market *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->sc = sc;
    size_t n = sc->n_symbols > 0 ? (size_t)sc->n_symbols : 1;
    m->book = calloc(n, sizeof *m->book);
    m->initial = calloc(n, sizeof *m->initial);
    m->done = calloc(n, sizeof *m->done);
    m->last_frame = calloc(n, sizeof *m->last_frame);
    m->replay_snap = calloc(n, sizeof *m->replay_snap);
    m->replay_L = calloc(n, sizeof *m->replay_L);
    m->trade_id = calloc(n, sizeof *m->trade_id);
    if (!m->book || !m->initial || !m->done || !m->last_frame || !m->replay_snap || !m->replay_L ||
        !m->trade_id) {
        snprintf(err, errlen, "out of memory");
        mk_destroy(m);
        return NULL;
    }
    m->truth = truth;
    m->rng = sc->seed * 2654435761u + 1;
    if (sc->replay_dir[0] != '\0') {
        if (load_replay(m, err, errlen) != 0) {
            mk_destroy(m);
            return NULL;
        }
    } else {
        simulate_start(m);
    }
    return m;
}

void mk_destroy(market *m)
{
    if (m == NULL)
        return;
    for (int s = 0; s < m->sc->n_symbols; s++) {
        for (int k = 0; k < 2; k++) {
            if (m->book != NULL)
                free(m->book[s].lv[k]);
            if (m->initial != NULL)
                free(m->initial[s].lv[k]);
        }
        if (m->last_frame != NULL)
            free(m->last_frame[s]);
        if (m->replay_snap != NULL)
            free(m->replay_snap[s]);
    }
    free(m->book);
    free(m->initial);
    free(m->done);
    free(m->last_frame);
    free(m->replay_snap);
    free(m->replay_L);
    free(m->trade_id);
    for (long i = 0; i < m->n_replay; i++)
        free(m->replay[i]);
    free(m->replay);
    free(m);
}

int mk_done(const market *m)
{
    if (m->sc->replay_dir[0] != '\0')
        return m->next_replay >= m->n_replay;
    for (int s = 0; s < m->sc->n_symbols; s++)
        if (m->done[s] < m->sc->events)
            return 0;
    return 1;
}

static void lower(char *dst, const char *src)
{
    for (; *src; src++)
        *dst++ = (*src >= 'A' && *src <= 'Z') ? (char)(*src - 'A' + 'a') : *src;
    *dst = '\0';
}

/* One simulated event of symbol s: applied to the book and the truth; its frame. */
static char *simulate_event(market *m, int s, int overlap)
{
    mk_book *b = &m->book[s];
    cJSON *changes[2] = {cJSON_CreateArray(), cJSON_CreateArray()};
    int n = 1 + (int)(rnd(m) % 5);
    for (int i = 0; i < n; i++) {
        int side = (int)(rnd(m) & 1);
        long off = 1 + (long)(rnd(m) % (unsigned)(m->sc->levels + 10));
        char px[24], qty[24];
        cents(px, side == 0 ? MID_CENTS - off : MID_CENTS + off);
        unsigned q = rnd(m) % 400;
        if (q < 100)
            snprintf(qty, sizeof qty, "0.00000000");
        else
            snprintf(qty, sizeof qty, "%u.%08u", q, rnd(m) % 100000000u);
        book_set(b, side, px, qty);
        cJSON *lv = cJSON_CreateArray();
        cJSON_AddItemToArray(lv, cJSON_CreateString(px));
        cJSON_AddItemToArray(lv, cJSON_CreateString(qty));
        cJSON_AddItemToArray(changes[side], lv);
    }
    int futures = m->sc->market != SC_SPOT;
    uint64_t prev = b->last_id;
    /* Futures' ids jump between events (other symbols' updates share the counter): only pu
     * links an event to the one before. */
    uint64_t first = b->last_id + 1 + (futures ? rnd(m) % 5 : 0);
    b->last_id = first + rnd(m) % 3;
    if (overlap)
        first -= 1; /* covers an id already sent: the client must still apply it */
    write_truth(m, m->sc->symbols[s], b);
    char stream[48];
    lower(stream, m->sc->symbols[s]);
    strcat(stream, "@depth@100ms");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "stream", stream);
    cJSON *data = cJSON_AddObjectToObject(root, "data");
    cJSON_AddStringToObject(data, "e", "depthUpdate");
    cJSON_AddNumberToObject(data, "E", 1763938799000.0 + (double)m->frames);
    if (futures)
        cJSON_AddNumberToObject(data, "T", 1763938798990.0 + (double)m->frames);
    cJSON_AddStringToObject(data, "s", m->sc->symbols[s]);
    if (m->sc->market == SC_COINM) {
        char pair[24];
        snprintf(pair, sizeof pair, "%.*s", (int)strcspn(m->sc->symbols[s], "_"),
                 m->sc->symbols[s]);
        cJSON_AddStringToObject(data, "ps", pair);
    }
    cJSON_AddNumberToObject(data, "U", (double)first);
    cJSON_AddNumberToObject(data, "u", (double)b->last_id);
    if (futures)
        cJSON_AddNumberToObject(data, "pu", (double)prev);
    cJSON_AddItemToObject(data, "b", changes[0]);
    cJSON_AddItemToObject(data, "a", changes[1]);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static void add(mk_frame *out, int *k, int max, char *text, int binary)
{
    if (text == NULL)
        return;
    if (*k < max) {
        out[*k].text = text;
        out[*k].binary = binary;
        (*k)++;
    } else {
        free(text);
    }
}

/* A text message of exactly `bytes` bytes (at least a few dozen): a JSON object whose one
 * string is padding. Not a depth update: a client that could hold it would skip it. */
static char *huge_frame(size_t bytes)
{
    static const char head[] = "{\"stream\":\"huge\",\"data\":\"", tail[] = "\"}";
    size_t fixed = sizeof head - 1 + sizeof tail - 1;
    if (bytes < fixed)
        bytes = fixed;
    char *t = malloc(bytes + 1);
    if (t == NULL)
        return NULL;
    memcpy(t, head, sizeof head - 1);
    memset(t + sizeof head - 1, 'x', bytes - fixed);
    memcpy(t + bytes - (sizeof tail - 1), tail, sizeof tail);
    return t;
}

static void frame_faults(market *m, mk_frame *out, int *k, int max)
{
    long n = m->frames + 1;
    if (sc_has(m->sc, SC_MALFORMED, -1, n))
        add(out, k, max, strdup("{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"), 0);
    if (sc_has(m->sc, SC_BINARY, -1, n))
        add(out, k, max, strdup("\x01\x02\x03 binary"), 1);
    if (sc_has(m->sc, SC_WRONGTYPE, -1, n)) {
        char t[300];
        char stream[48];
        lower(stream, m->sc->symbols[0]);
        snprintf(t, sizeof t,
                 "{\"stream\":\"%s@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,"
                 "\"s\":\"%s\",\"U\":\"%llu\",\"u\":%llu,\"b\":[[\"1.00000000\",\"5\"]],"
                 "\"a\":[]}}",
                 stream, m->sc->symbols[0], (unsigned long long)m->book[0].last_id + 1,
                 (unsigned long long)m->book[0].last_id + 1);
        add(out, k, max, strdup(t), 0);
    }
    if (sc_has(m->sc, SC_HUGE, -1, n))
        add(out, k, max, huge_frame(m->sc->huge_bytes), 0);
}

static int replay_tick(market *m, mk_frame *out, int max)
{
    int k = 0;
    if (m->next_replay >= m->n_replay)
        return 0;
    const char *text = m->replay[m->next_replay++];
    cJSON *j = cJSON_Parse(text);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    int s = sc_symbol(m->sc, cJSON_GetObjectItemCaseSensitive(d, "s")->valuestring);
    uint64_t u = (uint64_t)cJSON_GetObjectItemCaseSensitive(d, "u")->valuedouble;
    if (s >= 0 && u > m->replay_L[s]) {
        const cJSON *lv;
        cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(d, "b"))
            book_set(&m->book[s], 0, cJSON_GetArrayItem(lv, 0)->valuestring,
                     cJSON_GetArrayItem(lv, 1)->valuestring);
        cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(d, "a"))
            book_set(&m->book[s], 1, cJSON_GetArrayItem(lv, 0)->valuestring,
                     cJSON_GetArrayItem(lv, 1)->valuestring);
        m->book[s].last_id = u;
        write_truth(m, m->sc->symbols[s], &m->book[s]);
    }
    cJSON_Delete(j);
    m->frames++;
    add(out, &k, max, strdup(text), 0);
    return k;
}

/* A trade of symbol s on its trade stream (spot @trade, futures @aggTrade), logged. */
static char *trade_frame(market *m, int s)
{
    int futures = m->sc->market != SC_SPOT;
    uint64_t id = ++m->trade_id[s] + 5000000 + (uint64_t)s * 1000000;
    char px[24], qty[24], stream[48];
    cents(px, MID_CENTS + (long)(rnd(m) % 20) - 10);
    snprintf(qty, sizeof qty, "0.%08u", 1 + rnd(m) % 99999999u);
    int maker = (int)(rnd(m) & 1);
    double E = 1763938799000.0 + (double)m->frames;
    lower(stream, m->sc->symbols[s]);
    strcat(stream, futures ? "@aggTrade" : "@trade");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "stream", stream);
    cJSON *data = cJSON_AddObjectToObject(root, "data");
    cJSON_AddStringToObject(data, "e", futures ? "aggTrade" : "trade");
    cJSON_AddNumberToObject(data, "E", E);
    cJSON_AddStringToObject(data, "s", m->sc->symbols[s]);
    cJSON_AddNumberToObject(data, futures ? "a" : "t", (double)id);
    cJSON_AddStringToObject(data, "p", px);
    cJSON_AddStringToObject(data, "q", qty);
    if (futures) {
        cJSON_AddNumberToObject(data, "f", (double)id * 3);
        cJSON_AddNumberToObject(data, "l", (double)id * 3 + 2);
    }
    cJSON_AddNumberToObject(data, "T", E - 3);
    cJSON_AddBoolToObject(data, "m", maker);
    if (!futures)
        cJSON_AddBoolToObject(data, "M", 1);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (m->trade_log != NULL) {
        fprintf(m->trade_log, "trade %s %llu %s %s %s\n", m->sc->symbols[s], (unsigned long long)id,
                px, qty, maker ? "true" : "false");
        fflush(m->trade_log);
    }
    return text;
}

void mk_log_trades(market *m, FILE *log)
{
    m->trade_log = log;
}

int mk_tick_max(const scenario *sc)
{
    /* Per symbol: four frame faults, the event, its duplicate and a trade. */
    return 7 * (sc->n_symbols > 0 ? sc->n_symbols : 1);
}

int mk_tick(market *m, mk_frame *out, int max)
{
    if (m->sc->replay_dir[0] != '\0')
        return replay_tick(m, out, max);
    int k = 0;
    for (int s = 0; s < m->sc->n_symbols; s++) {
        if (m->done[s] >= m->sc->events)
            continue;
        long n = ++m->done[s];
        frame_faults(m, out, &k, max);
        char *text = simulate_event(m, s, sc_has(m->sc, SC_OVERLAP, s, n));
        m->frames++;
        if (sc_has(m->sc, SC_GAP, s, n)) {
            free(text); /* applied to the truth, never sent */
            continue;
        }
        free(m->last_frame[s]);
        m->last_frame[s] = strdup(text);
        add(out, &k, max, text, 0);
        if (sc_has(m->sc, SC_DUPLICATE, s, n))
            add(out, &k, max, strdup(m->last_frame[s]), 0);
        if (m->sc->trades_every > 0 && n % m->sc->trades_every == 0)
            add(out, &k, max, trade_frame(m, s), 0);
    }
    return k;
}

void mk_book_size(const market *m, int symbol, int *bids, int *asks)
{
    *bids = m->book[symbol].n[0];
    *asks = m->book[symbol].n[1];
}

char *mk_snapshot(market *m, const char *symbol, int limit)
{
    int s = sc_symbol(m->sc, symbol);
    if (s < 0)
        return NULL;
    if (m->sc->replay_dir[0] != '\0')
        return m->replay_snap[s] ? strdup(m->replay_snap[s]) : NULL;
    const mk_book *b = &m->book[s];
    if (s == m->sc->stale_symbol && m->stale_served < m->sc->stale_count) {
        m->stale_served++;
        b = &m->initial[s];
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "lastUpdateId", (double)b->last_id);
    if (m->sc->market != SC_SPOT) {
        cJSON_AddNumberToObject(root, "E", 1763938799000.0 + (double)m->frames);
        cJSON_AddNumberToObject(root, "T", 1763938798990.0 + (double)m->frames);
    }
    cJSON_AddItemToObject(root, "bids", top(b, 0, limit));
    cJSON_AddItemToObject(root, "asks", top(b, 1, limit));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

/* The quote asset a spot or USD-M symbol ends in, or "" */
static const char *quote_of(const char *symbol)
{
    static const char *const quotes[] = {"USDT", "FDUSD", "USDC", "TUSD", "BTC",
                                         "ETH",  "BNB",   "TRY",  "EUR",  "USD"};
    size_t n = strlen(symbol);
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
        size_t q = strlen(quotes[i]);
        if (n > q && strcmp(symbol + n - q, quotes[i]) == 0)
            return quotes[i];
    }
    return "";
}

char *mk_exchange_info(const market *m, int only_trading, long ms)
{
    const scenario *sc = m->sc;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "timezone", "UTC");
    cJSON_AddNumberToObject(root, "serverTime", 1763938799000.0 + (double)ms);
    cJSON *list = cJSON_AddArrayToObject(root, "symbols");
    for (int i = 0; i < sc->n_symbols; i++) {
        const char *sym = sc->symbols[i];
        const char *status = sc_status_of(sc, i, ms);
        if (only_trading && strcmp(status, "TRADING") != 0)
            continue;
        char base[24], pair[24];
        const char *quote;
        if (sc->market == SC_COINM) {
            snprintf(pair, sizeof pair, "%.*s", (int)strcspn(sym, "_"), sym);
            quote = "USD";
        } else {
            snprintf(pair, sizeof pair, "%s", sym);
            quote = quote_of(sym);
        }
        snprintf(base, sizeof base, "%.*s", (int)(strlen(pair) - strlen(quote)), pair);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "symbol", sym);
        if (sc->market != SC_SPOT) {
            cJSON_AddStringToObject(o, "pair", pair);
            cJSON_AddStringToObject(o, "contractType",
                                    strchr(sym, '_') == NULL || strstr(sym, "_PERP") != NULL
                                        ? "PERPETUAL"
                                        : "CURRENT_QUARTER");
        }
        cJSON_AddStringToObject(o, sc->market == SC_COINM ? "contractStatus" : "status", status);
        cJSON_AddStringToObject(o, "baseAsset", base);
        cJSON_AddStringToObject(o, "quoteAsset", quote);
        if (sc->market == SC_SPOT) {
            cJSON_AddBoolToObject(o, "isSpotTradingAllowed", 1);
            cJSON_AddItemToObject(o, "permissions", cJSON_CreateArray());
            cJSON *sets = cJSON_AddArrayToObject(o, "permissionSets");
            cJSON *set = cJSON_CreateArray();
            cJSON_AddItemToArray(set, cJSON_CreateString("SPOT"));
            cJSON_AddItemToArray(sets, set);
        } else {
            cJSON_AddStringToObject(o, "marginAsset", sc->market == SC_COINM ? base : quote);
        }
        cJSON_AddItemToArray(list, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}
