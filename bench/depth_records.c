/* Depth records for bench_zstd: a small book per symbol moved by events shaped like a real
 * capture's, printed as orderbook prints its `depth` records. */
#include "depth_records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#define MAX_SYMBOLS 8
#define LADDER      40 /* price levels per side the books move over */
#define WINDOW      5  /* levels per side in a record: orderbook's default depth */
#define SPREAD                                                                                     \
    12                   /* an event changes one of the best SPREAD levels of a side: in the       \
                            capture about a third of the events leave the best 5 as they were */
#define MAX_QTY     4096 /* quantity strings kept from the capture */
#define MAX_SAMPLES 1024 /* levels-per-event and id-step samples kept */
#define STR         24

typedef struct symbol {
    char name[STR];
    char price[2][LADDER][STR]; /* [0] bids best first, [1] asks best first */
    size_t n_price[2];
    unsigned qty[2][LADDER]; /* index into the model's quantities, per level */
    size_t top[2];           /* the ladder index of the best level */
    uint64_t id;             /* the last update id */
    unsigned events;         /* its events in the capture: how often it is chosen */
} symbol;

typedef struct model {
    symbol sym[MAX_SYMBOLS];
    size_t n_sym;
    char (*qty)[STR];
    size_t n_qty;
    unsigned levels[MAX_SAMPLES]; /* levels changed by one event */
    size_t n_levels;
    unsigned steps[MAX_SAMPLES]; /* u - U + 1 of one event */
    size_t n_steps;
    double first_s, last_s; /* receive times of the first and last frame */
    uint64_t rng;
} model;

static uint64_t next(model *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static void add_qty(model *m, const char *q)
{
    if (m->n_qty < MAX_QTY && strlen(q) < STR)
        strcpy(m->qty[m->n_qty++], q);
}

/* One snapshot body: the symbol's ladders and its quantity strings. */
static void load_snapshot(model *m, const char *sym, const char *body)
{
    cJSON *j = cJSON_Parse(body);
    if (j == NULL || m->n_sym == MAX_SYMBOLS)
        goto out;
    symbol *s = &m->sym[m->n_sym];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", sym);
    const char *side_name[2] = {"bids", "asks"};
    for (int side = 0; side < 2; side++) {
        const cJSON *lvl;
        cJSON_ArrayForEach(lvl, cJSON_GetObjectItem(j, side_name[side]))
        {
            const char *p = cJSON_GetStringValue(cJSON_GetArrayItem(lvl, 0));
            const char *q = cJSON_GetStringValue(cJSON_GetArrayItem(lvl, 1));
            if (p == NULL || q == NULL || strlen(p) >= STR)
                continue;
            add_qty(m, q);
            if (s->n_price[side] < LADDER)
                strcpy(s->price[side][s->n_price[side]++], p);
        }
    }
    cJSON *id = cJSON_GetObjectItem(j, "lastUpdateId");
    s->id = cJSON_IsNumber(id) ? (uint64_t)id->valuedouble : 1000;
    if (s->n_price[0] == LADDER && s->n_price[1] == LADDER)
        m->n_sym++;
out:
    cJSON_Delete(j);
}

/* One frame: how many levels it changes and how many ids it spans. */
static void load_frame(model *m, const char *frame)
{
    cJSON *j = cJSON_Parse(frame);
    cJSON *d = cJSON_GetObjectItem(j, "data");
    cJSON *U = cJSON_GetObjectItem(d, "U"), *u = cJSON_GetObjectItem(d, "u");
    const char *sym = cJSON_GetStringValue(cJSON_GetObjectItem(d, "s"));
    for (size_t i = 0; sym != NULL && i < m->n_sym; i++)
        m->sym[i].events += strcmp(m->sym[i].name, sym) == 0;
    if (cJSON_IsNumber(U) && cJSON_IsNumber(u) && m->n_steps < MAX_SAMPLES) {
        m->levels[m->n_levels++] = (unsigned)(cJSON_GetArraySize(cJSON_GetObjectItem(d, "b")) +
                                              cJSON_GetArraySize(cJSON_GetObjectItem(d, "a")));
        m->steps[m->n_steps++] = (unsigned)(u->valuedouble - U->valuedouble + 1);
    }
    cJSON_Delete(j);
}

/* Read the capture's statistics. Returns 1 when it gave every symbol and sample needed. */
static int load_capture(model *m, const char *dir)
{
    char path[4096], *line = NULL;
    size_t cap = 0;
    snprintf(path, sizeof path, "%s/snapshots.txt", dir);
    FILE *f = fopen(path, "r");
    while (f != NULL && getline(&line, &cap, f) > 0) {
        char sym[STR];
        int off = 0;
        if (sscanf(line, "%*s %23s %n", sym, &off) == 1 && off > 0)
            load_snapshot(m, sym, line + off);
    }
    if (f != NULL)
        fclose(f);
    snprintf(path, sizeof path, "%s/frames.txt", dir);
    f = fopen(path, "r");
    while (f != NULL && getline(&line, &cap, f) > 0) {
        char *sp = strchr(line, ' ');
        if (sp == NULL)
            continue;
        double t = atof(line);
        if (m->n_steps == 0)
            m->first_s = t;
        m->last_s = t;
        load_frame(m, sp + 1);
    }
    if (f != NULL)
        fclose(f);
    free(line);
    return m->n_sym > 0 && m->n_qty > 0 && m->n_levels > 0;
}

/* Without a capture: four symbols at the capture's kinds of prices, quantities with 8
 * decimals (mostly whole numbers, as on these markets), 1-3 levels and ids per event. */
static void builtin(model *m)
{
    static const struct {
        const char *name;
        double mid, tick;
        unsigned events;
    } syms[] = {{"NKNUSDT", 0.3515, 0.0001, 150},
                {"BLZETH", 0.0000641, 0.0000001, 10},
                {"LRCBTC", 0.0000089, 0.00000001, 15},
                {"RUNEEUR", 8.123, 0.001, 2}};
    m->n_sym = m->n_qty = m->n_levels = m->n_steps = 0;
    for (size_t i = 0; i < 4; i++) {
        symbol *s = &m->sym[m->n_sym++];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, "%s", syms[i].name);
        s->events = syms[i].events;
        for (int side = 0; side < 2; side++) {
            for (size_t k = 0; k < LADDER; k++) {
                double p =
                    syms[i].mid + (side ? 1.0 : -1.0) * syms[i].tick * (double)(k + 1 + k / 3);
                snprintf(s->price[side][k], STR, "%.8f", p);
            }
            s->n_price[side] = LADDER;
        }
        s->id = 499869750u + 1000u * i;
    }
    for (size_t i = 0; i < MAX_QTY; i++) {
        char q[STR];
        uint64_t r = next(m);
        unsigned whole = (unsigned)(1u + r % 9 * (1u << (r >> 8) % 14));
        if ((r >> 20) % 5 != 0)
            snprintf(q, sizeof q, "%u.00000000", whole);
        else
            snprintf(q, sizeof q, "%u.%02u000000", whole, (unsigned)((r >> 24) % 100));
        add_qty(m, q);
    }
    for (size_t i = 0; i < 64; i++) {
        m->levels[m->n_levels++] = 1 + (unsigned)(next(m) % 3);
        m->steps[m->n_steps++] = 1 + (unsigned)(next(m) % 3);
    }
}

/* Move one symbol's book by one event, as the capture's events do. */
static void step(model *m, symbol *s)
{
    if (next(m) % 20 == 0) { /* the best price moves now and then */
        int side = (int)(next(m) % 2);
        if (next(m) % 2 && s->top[side] > 0)
            s->top[side]--;
        else if (s->top[side] + WINDOW < LADDER)
            s->top[side]++;
    }
    unsigned k = m->levels[next(m) % m->n_levels];
    for (unsigned i = 0; i < k; i++) {
        int side = (int)(next(m) % 2);
        size_t lvl = s->top[side] + next(m) % SPREAD;
        if (lvl < LADDER)
            s->qty[side][lvl] = (unsigned)(next(m) % m->n_qty);
    }
    s->id += m->steps[next(m) % m->n_steps];
}

/* Print one record; returns its length without '\n'. */
static size_t print(const model *m, const symbol *s, uint64_t U, int64_t ns, char *out, size_t cap)
{
    time_t sec = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char ts[40];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(out, cap,
                     "{\"ts\":\"%s.%06ldZ\",\"event\":\"depth\",\"s\":\"%s\",\"E\":%lld,"
                     "\"U\":%llu,\"u\":%llu",
                     ts, (long)(ns % 1000000000 / 1000), s->name, (long long)(ns / 1000000 - 3),
                     (unsigned long long)U, (unsigned long long)s->id);
    const char *side_name[2] = {"bids", "asks"};
    for (int side = 0; side < 2; side++) {
        n += snprintf(out + n, cap - (size_t)n, ",\"%s\":[", side_name[side]);
        for (size_t i = 0; i < WINDOW; i++) {
            size_t lvl = s->top[side] + i;
            n += snprintf(out + n, cap - (size_t)n, "%s[\"%s\",\"%s\"]", i ? "," : "",
                          s->price[side][lvl], m->qty[s->qty[side][lvl]]);
        }
        n += snprintf(out + n, cap - (size_t)n, "]");
    }
    n += snprintf(out + n, cap - (size_t)n, "}");
    return (size_t)n;
}

int depth_records_make(depth_records *r, size_t n, const char *capture_dir, int64_t start_ns,
                       uint64_t seed)
{
    memset(r, 0, sizeof *r);
    model *m = calloc(1, sizeof *m);
    if (m == NULL || (m->qty = calloc(MAX_QTY, STR)) == NULL)
        goto fail;
    m->rng = seed | 1;
    r->from_capture = capture_dir != NULL && load_capture(m, capture_dir);
    if (!r->from_capture)
        builtin(m);
    /* The capture's rate: 177 frames in 30 s, about 6 a second, when it is the one. */
    r->per_second = r->from_capture && m->last_s > m->first_s
                        ? (double)(m->n_steps - 1) / (m->last_s - m->first_s)
                        : 6.0;
    for (size_t i = 0; i < m->n_sym; i++)
        for (int side = 0; side < 2; side++)
            for (size_t k = 0; k < LADDER; k++)
                m->sym[i].qty[side][k] = (unsigned)(next(m) % m->n_qty);
    size_t cap = n * 512 + 1;
    r->text = malloc(cap);
    r->offset = malloc((n + 1) * sizeof *r->offset);
    r->ts_ns = malloc(n * sizeof *r->ts_ns);
    if (r->text == NULL || r->offset == NULL || r->ts_ns == NULL)
        goto fail;
    double gap = 1e9 / r->per_second;
    unsigned total = 0;
    for (size_t i = 0; i < m->n_sym; i++) {
        m->sym[i].events++; /* every symbol now and then */
        total += m->sym[i].events;
    }
    for (size_t i = 0; i < n; i++) {
        /* A symbol as often as it had events in the capture. */
        unsigned pick = (unsigned)(next(m) % total);
        size_t k = 0;
        while (pick >= m->sym[k].events)
            pick -= m->sym[k++].events;
        symbol *s = &m->sym[k];
        uint64_t U = s->id + 1;
        step(m, s);
        r->ts_ns[i] = start_ns + (int64_t)((double)i * gap) + (int64_t)(next(m) % 1000);
        r->offset[i] = r->bytes;
        r->bytes += print(m, s, U, r->ts_ns[i], r->text + r->bytes, cap - r->bytes);
        r->text[r->bytes++] = '\n';
    }
    r->offset[n] = r->bytes;
    r->n = n;
    r->n_symbols = m->n_sym;
    free(m->qty);
    free(m);
    return 0;
fail:
    if (m != NULL)
        free(m->qty);
    free(m);
    depth_records_free(r);
    return -1;
}

void depth_records_free(depth_records *r)
{
    free(r->text);
    free(r->offset);
    free(r->ts_ns);
    memset(r, 0, sizeof *r);
}
