#include "status.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

uint64_t status_lost(const status_io *io)
{
    return io->refused + io->lost_io + io->discarded;
}

/* "1 resync", "2 resyncs": the word for a count. */
static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int status_meter_init(status_meter *m, size_t n, int64_t start_ns)
{
    m->last = calloc(n ? n : 1, sizeof *m->last);
    m->n = n;
    m->last_ns = start_ns;
    return m->last == NULL ? -1 : 0;
}

void status_meter_free(status_meter *m)
{
    free(m->last);
    m->last = NULL;
    m->n = 0;
}

int status_meter_grow(status_meter *m, size_t n)
{
    if (n <= m->n)
        return 0;
    uint64_t *last = realloc(m->last, n * sizeof *last);
    if (last == NULL)
        return -1;
    memset(last + m->n, 0, (n - m->n) * sizeof *last);
    m->last = last;
    m->n = n;
    return 0;
}

void status_meter_update(status_meter *m, const cap_symbol_view *v, size_t n, int64_t now_ns,
                         double *rates)
{
    double seconds = now_ns > m->last_ns ? (double)(now_ns - m->last_ns) / 1e9 : 0.0;
    for (size_t i = 0; i < n && i < m->n; i++) {
        rates[i] = seconds > 0.0 ? (double)(v[i].applied - m->last[i]) / seconds : 0.0;
        m->last[i] = v[i].applied;
    }
    m->last_ns = now_ns;
}

/* ---- a bounded line ---- */

typedef struct line {
    char *p;
    size_t cap; /* bytes at p, NUL included */
    size_t len;
} line;

static void put(line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(line *l, const char *fmt, ...)
{
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    l->len += (size_t)n;
    if (l->len >= l->cap)
        l->len = l->cap - 1;
}

static const char *state_note(cap_state s)
{
    switch (s) {
    case CAP_DOWN:
        return " (down)";
    case CAP_SYNCING:
        return " (syncing)";
    case CAP_SYNCED:
        return "";
    case CAP_REJECTED:
        return " (rejected)";
    }
    return "";
}

/* One symbol; `compact` 1 leaves out the book's size and a count of no resyncs, 2 the prices
 * too. */
static void symbol_segment(line *l, const cap_symbol_view *v, double rate, int compact)
{
    put(l, "%s %.0f ev/s", v->name, rate);
    if (compact < 2)
        put(l, " %s/%s", v->best_bid, v->best_ask);
    if (compact == 0)
        put(l, " [%zu|%zu]", v->bids, v->asks);
    if (compact == 0 || (compact == 1 && v->resyncs > 0))
        put(l, " %llu %s", (unsigned long long)v->resyncs, plural(v->resyncs, "resync", "resyncs"));
    put(l, "%s", state_note(v->state));
}

/* The busiest first; ties in the given order. */
typedef struct ranked {
    size_t i;
    double rate;
} ranked;

static int by_rate(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rate != y->rate)
        return x->rate < y->rate ? 1 : -1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

size_t status_progress(char *out, size_t out_len, const cap_symbol_view *v, size_t n,
                       int64_t snapshot_us)
{
    size_t synced = 0, syncing = 0;
    for (size_t i = 0; i < n; i++) {
        synced += v[i].state == CAP_SYNCED;
        syncing += v[i].state == CAP_SYNCING;
    }
    if (out_len > 0)
        out[0] = '\0';
    if (syncing == 0 || snapshot_us <= 0 || out_len == 0)
        return 0;
    int64_t left_s = (int64_t)syncing * snapshot_us / 1000000;
    int k;
    if (left_s < 60)
        k = snprintf(out, out_len, "synced %zu/%zu, <1 min left", synced, n);
    else
        k = snprintf(out, out_len, "synced %zu/%zu, ~%lld min left", synced, n,
                     (long long)((left_s + 59) / 60));
    return k < 0 ? 0 : (size_t)k < out_len ? (size_t)k : out_len - 1;
}

static void totals_segment(line *l, const cap_symbol_view *v, const double *rates, size_t n)
{
    size_t count[4] = {0};
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        count[v[i].state]++;
        total += rates[i];
    }
    put(l, "%zu symbols: %zu synced, %zu syncing, %zu down, %zu rejected, %.0f ev/s", n,
        count[CAP_SYNCED], count[CAP_SYNCING], count[CAP_DOWN], count[CAP_REJECTED], total);
}

/*
 * Symbol segments in `order` (at most shown_max of the n) into l, separated by `sep`, while
 * they fit in `budget` columns (0: no limit), each as compact as it must be; then, if
 * `say_more`, "+k more" for the rest.
 */
static void symbols_fitting(line *l, const cap_symbol_view *v, const double *rates,
                            const size_t *order, size_t shown_max, size_t n, size_t budget,
                            const char *sep, int say_more)
{
    size_t start = l->len;
    size_t shown = 0;
    for (; shown < shown_max; shown++) {
        size_t i = order[shown];
        size_t rest = n - shown - 1;
        char more[48];
        int more_len = rest && say_more ? snprintf(more, sizeof more, "%s+%zu more", sep, rest) : 0;
        char seg[256];
        line s = {seg, sizeof seg, 0};
        int fits = 0;
        for (int compact = 0; compact <= 2 && !fits; compact++) {
            s.len = 0;
            put(&s, "%s", shown ? sep : "");
            symbol_segment(&s, &v[i], rates[i], compact);
            fits = budget == 0 || (l->len - start) + s.len + (size_t)more_len <= budget;
        }
        /* The first one is shown even when nothing fits: the line is cut after it. */
        if (!fits && shown > 0)
            break;
        put(l, "%s", seg);
    }
    if (shown < n && say_more)
        put(l, "%s+%zu more", shown ? sep : "", n - shown);
}

size_t status_line(char *out, size_t out_len, const cap_symbol_view *v, const double *rates,
                   size_t n, const status_io *io, size_t width)
{
    if (out_len == 0)
        return 0;
    line l = {out, out_len, 0};
    out[0] = '\0';
    uint64_t lost = io->refused + io->lost_io;
    if (lost > 0)
        put(&l, "RECORDS %sLOST: %llu not written (%llu to I/O, %llu queue full) | ",
            io->losing ? "BEING " : "", (unsigned long long)lost, (unsigned long long)io->lost_io,
            (unsigned long long)io->refused);
    char tail[512];
    line t = {tail, sizeof tail, 0};
    /* On a terminal (a width) the file's name alone: the directory was said at the start. */
    const char *file = io->file ? io->file : io->dir;
    const char *slash = width > 0 && io->file ? strrchr(file, '/') : NULL;
    put(&t, " | %s", slash ? slash + 1 : file);
    if (io->legs_total > 0)
        put(&t, " | legs %lld/%lld", (long long)io->legs_up, (long long)io->legs_total);
    put(&t, " | drops %llu", (unsigned long long)lost);
    size_t budget = 0;
    if (width > 0)
        budget = width > l.len + t.len ? width - l.len - t.len : 1;

    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (order == NULL) {
        put(&l, "%zu symbols", n);
    } else if (n <= STATUS_FEW) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        symbols_fitting(&l, v, rates, order, n, n, budget, " | ", 1);
    } else {
        size_t before = l.len;
        totals_segment(&l, v, rates, n);
        char progress[96];
        if (status_progress(progress, sizeof progress, v, n, io->snapshot_us) > 0)
            put(&l, "; %s", progress);
        size_t used = l.len - before;
        ranked *r = malloc(n * sizeof *r);
        if (r != NULL) {
            for (size_t i = 0; i < n; i++)
                r[i] = (ranked){i, rates[i]};
            qsort(r, n, sizeof *r, by_rate);
            for (size_t i = 0; i < n; i++)
                order[i] = r[i].i;
            free(r);
            put(&l, " | busiest: ");
            /* The others are in the totals: no "+k more" here. */
            size_t room = budget == 0 ? 0 : (budget > used + 12 ? budget - used - 12 : 1);
            size_t mark = l.len;
            line rest = {l.p + mark, l.cap - mark, 0};
            symbols_fitting(&rest, v, rates, order, STATUS_FEW, n, room, ", ", 0);
            l.len += rest.len;
        }
    }
    free(order);
    put(&l, "%s", tail);
    if (width > 0 && l.len > width) {
        l.len = width;
        out[width] = '\0';
    }
    return l.len;
}

/* ---- the summary ---- */

static int has_news(const cap_symbol_view *v)
{
    return v->state != CAP_SYNCED || v->resyncs > 0 || v->refetches > 0 || v->overflowed > 0 ||
           v->applied == 0;
}

static void summary_symbol(FILE *f, const cap_symbol_view *v)
{
    fprintf(f, "orderbook:   %s: %llu %s applied, %llu %s, book %zu %s %zu %s%s\n", v->name,
            (unsigned long long)v->applied, plural(v->applied, "event", "events"),
            (unsigned long long)v->resyncs, plural(v->resyncs, "resync", "resyncs"), v->bids,
            plural(v->bids, "bid", "bids"), v->asks, plural(v->asks, "ask", "asks"),
            state_note(v->state));
}

void status_summary(FILE *f, const cap_counters *k, const cap_symbol_view *v, size_t n,
                    const status_io *io)
{
    uint64_t lost = status_lost(io);
    if (lost > 0)
        fprintf(f,
                "orderbook: RECORDS LOST: %llu of %llu records are not in the files "
                "(%llu refused: queue full, %llu lost to I/O, %llu discarded at a stop)\n",
                (unsigned long long)lost, (unsigned long long)k->records,
                (unsigned long long)io->refused, (unsigned long long)io->lost_io,
                (unsigned long long)io->discarded);
    fprintf(f, "orderbook: summary: %llu messages, %llu malformed, %llu records; ",
            (unsigned long long)k->messages, (unsigned long long)k->malformed,
            (unsigned long long)k->records);
    fprintf(f,
            "files: %llu lines written, %llu refused (queue full), %llu lost to I/O, "
            "%llu discarded, %llu %s in %s\n",
            (unsigned long long)io->written, (unsigned long long)io->refused,
            (unsigned long long)io->lost_io, (unsigned long long)io->discarded,
            (unsigned long long)io->files, plural(io->files, "file", "files"), io->dir);
    if (k->trades + k->trades_duplicate + k->trades_missed > 0)
        fprintf(f,
                "orderbook:   trades: %llu recorded once each, %llu received twice (dropped), "
                "%llu ids never received\n",
                (unsigned long long)k->trades, (unsigned long long)k->trades_duplicate,
                (unsigned long long)k->trades_missed);
    if (n <= STATUS_SUMMARY_ALL) {
        for (size_t i = 0; i < n; i++)
            summary_symbol(f, &v[i]);
        return;
    }
    size_t count[4] = {0}, news = 0;
    uint64_t applied = 0, resyncs = 0;
    for (size_t i = 0; i < n; i++) {
        count[v[i].state]++;
        applied += v[i].applied;
        resyncs += v[i].resyncs;
        news += has_news(&v[i]) ? 1 : 0;
    }
    fprintf(f,
            "orderbook:   %zu symbols: %zu synced, %zu syncing, %zu down, %zu rejected; "
            "%llu %s applied, %llu %s\n",
            n, count[CAP_SYNCED], count[CAP_SYNCING], count[CAP_DOWN], count[CAP_REJECTED],
            (unsigned long long)applied, plural(applied, "event", "events"),
            (unsigned long long)resyncs, plural(resyncs, "resync", "resyncs"));
    if (news == 0) {
        fprintf(f, "orderbook:   every symbol synced, events applied, no resyncs\n");
        return;
    }
    fprintf(f, "orderbook:   %zu with something to say:\n", news);
    for (size_t i = 0; i < n; i++)
        if (has_news(&v[i]))
            summary_symbol(f, &v[i]);
}

/* A JSON string (quotes included) of s. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void status_summary_json(FILE *f, const cap_counters *k, const cap_symbol_view *v, size_t n,
                         const status_io *io)
{
    fprintf(f,
            "{\"summary\":{\"messages\":%llu,\"malformed\":%llu,\"records\":%llu,"
            "\"trades\":%llu,\"trades_missed\":%llu,\"written\":%llu,\"refused\":%llu,\"lost_io\":%"
            "llu,\"discarded\":%llu,"
            "\"files\":%llu,\"dir\":",
            (unsigned long long)k->messages, (unsigned long long)k->malformed,
            (unsigned long long)k->records, (unsigned long long)k->trades,
            (unsigned long long)k->trades_missed, (unsigned long long)io->written,
            (unsigned long long)io->refused, (unsigned long long)io->lost_io,
            (unsigned long long)io->discarded, (unsigned long long)io->files);
    json_string(f, io->dir);
    fputs(",\"symbols\":[", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"s\":", i ? "," : "");
        json_string(f, v[i].name);
        fprintf(f, ",\"events\":%llu,\"resyncs\":%llu,\"bids\":%zu,\"asks\":%zu}",
                (unsigned long long)v[i].applied, (unsigned long long)v[i].resyncs, v[i].bids,
                v[i].asks);
    }
    fputs("]}}\n", f);
}
