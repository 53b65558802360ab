/*
 * Fuzz target: orderbook-replay's reader, merge and verify (orderbook/replay/).
 *
 * Each input is used twice:
 *  1. As capture files: the bytes, cut in two at a point its first byte picks, are two files
 *     (zstd when they start with zstd's magic number, else text) read through the merge and
 *     replayed with --verify and the books kept: whatever the bytes, nothing may crash, leak
 *     or read out of bounds, every record delivered is one the head parser accepts, and the
 *     merge delivers each file's records in its line order.
 *  2. As fuzz_depth_book's lines (frames, "SYMBOL BODY" snapshots, "+"/"-" connection lines;
 *     its corpus and the Binance capture's merged frames/snapshots are such inputs), fed to
 *     the capture pipeline with record = both exactly as orderbook records, after every
 *     symbol was connected and loaded from a small snapshot. The records go into 5-second
 *     files by their ts as alog writes them (a record of an event that waited for its snapshot
 *     into its own, earlier, file) and are replayed with --verify: the replay must find every
 *     book record equal to its rebuilt twin, with no problem reported. A divergence there is a
 *     bug of the replay (or of the pipeline's determinism): the input is kept.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fuzz_check.h"
#include "rp_merge.h"
#include "rp_replay.h"
#include "rp_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSYM     5
#define MS       1000000LL
#define PERIOD   (5 * 1000000000LL)
#define MAXFILES 16

static const char *const symbols[NSYM] = {"BTCUSDT", "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};

static const char initial_snapshot[] =
    "{\"lastUpdateId\":1000,\"bids\":[[\"100.00\",\"1.5\"],[\"99.99\",\"2\"],[\"98\",\"0.1\"]],"
    "\"asks\":[[\"100.01\",\"1\"],[\"100.50\",\"3\"],[\"101\",\"7.25\"]]}";

typedef struct replayed {
    rp_replay *r;
    uint64_t problems;
    int64_t last_line[MAXFILES]; /* per file: the line of its last record */
} replayed;

static void on_problem(void *ctx, const char *msg)
{
    (void)msg;
    ((replayed *)ctx)->problems++;
}

static void on_file_end(void *ctx, size_t i)
{
    rp_file_ended(((replayed *)ctx)->r, i);
}

/* Replay `n` in-memory files with --verify; returns the summary (copied). */
static rp_summary replay(char *const *text, const size_t *len, const int *zstd, size_t n,
                         uint64_t *problems)
{
    replayed x;
    memset(&x, 0, sizeof x);
    rp_options o = {.depth = 5,
                    .utc = 1,
                    .verify = 1,
                    .keep_books = 1,
                    .problem = on_problem,
                    .problem_ctx = &x};
    x.r = rp_create(&o);
    rp_merge_hooks hooks = {&x, on_problem, on_file_end};
    rp_merge *m = rp_merge_create(&hooks);
    FUZZ_CHECK(x.r != NULL && m != NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char name[16] = "f0.txt";
        name[1] = (char)('a' + i);
        FUZZ_CHECK(rp_merge_add_mem(m, name, text[i], len[i], zstd[i]) == 0, "add");
    }
    rp_rec rec;
    int stopped = 0;
    while (rp_merge_next(m, &rec)) {
        rp_head h;
        FUZZ_CHECK(rp_head_parse(rec.line, rec.len, &h) == 0, "a record the parser refuses");
        FUZZ_CHECK(rec.file_index < n && (int64_t)rec.lineno > x.last_line[rec.file_index],
                   "%s:%llu after line %lld: not in file order", rec.file,
                   (unsigned long long)rec.lineno, (long long)x.last_line[rec.file_index]);
        x.last_line[rec.file_index] = (int64_t)rec.lineno;
        if (rp_feed(x.r, &rec) != 0) {
            stopped = 1;
            break;
        }
    }
    if (!stopped)
        rp_finish(x.r);
    FILE *devnull = fopen("/dev/null", "w");
    rp_print_books(x.r, devnull, 0);
    fclose(devnull);
    rp_summary s = *rp_get_summary(x.r);
    *problems = x.problems;
    rp_merge_destroy(m);
    rp_destroy(x.r);
    return s;
}

/* ---- 1: the bytes as files ---- */

static void as_files(const uint8_t *data, size_t size)
{
    size_t cut = size ? (size_t)data[0] * size / 256 : 0;
    char *text[2] = {(char *)(uintptr_t)data, (char *)(uintptr_t)(data + cut)};
    size_t len[2] = {cut, size - cut};
    int zstd[2];
    for (int i = 0; i < 2; i++)
        zstd[i] = len[i] >= 4 && memcmp(text[i], "\x28\xb5\x2f\xfd", 4) == 0;
    uint64_t problems;
    (void)replay(text, len, zstd, 2, &problems);
}

/* ---- 2: the lines through the pipeline, then replayed ---- */

typedef struct files {
    char *text[MAXFILES];
    size_t len[MAXFILES], cap[MAXFILES];
    int64_t t0;
    uint64_t book_records;
} files;

static void sink_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    files *f = ctx;
    int64_t p = (stamp_ns - f->t0) / PERIOD;
    size_t i = p < 0 ? 0 : p >= MAXFILES ? MAXFILES - 1 : (size_t)p;
    if (f->len[i] + len + 1 > f->cap[i]) {
        f->cap[i] = (f->len[i] + len + 1) * 2;
        f->text[i] = realloc(f->text[i], f->cap[i]);
        FUZZ_CHECK(f->text[i] != NULL, "out of memory");
    }
    memcpy(f->text[i] + f->len[i], line, len);
    f->text[i][f->len[i] + len] = '\n';
    f->len[i] += len + 1;
    rp_head h;
    FUZZ_CHECK(rp_head_parse(line, len, &h) == 0, "a record the replay cannot read: %.*s",
               (int)(len < 200 ? len : 200), line);
    FUZZ_CHECK(h.ts_ns / 1000 == stamp_ns / 1000, "a record's ts is not its stamp");
    f->book_records += rp_kind_derived(h.kind) ? 1 : 0;
}

static void sink_want(void *ctx, const char *symbol)
{
    (void)ctx;
    (void)symbol;
}

static int valid_symbol_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static size_t symbol_len(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && valid_symbol_char(p[n]) && n <= DEPTH_SYMBOL_MAX)
        n++;
    if (n == 0 || n > DEPTH_SYMBOL_MAX || (p + n < end && p[n] != ' '))
        return 0;
    return n;
}

/* An optional "1633998512.0633569 " receive time: never earlier than the previous line's
 * (receive times of one capture do not go back), 1 ms later without one. */
static const char *receive_time(const char *p, const char *end, int64_t *ns)
{
    const char *q = p;
    int64_t sec = 0, frac = 0, scale = 1000000000LL;
    int digits = 0;
    while (q < end && *q >= '0' && *q <= '9' && digits < 10) {
        sec = sec * 10 + (*q++ - '0');
        digits++;
    }
    if (q < end && *q == '.')
        for (q++; q < end && *q >= '0' && *q <= '9'; q++)
            if (scale > 1) {
                scale /= 10;
                frac += (*q - '0') * scale;
            }
    int64_t t = sec < (1LL << 32) ? sec * 1000000000LL + frac : 0;
    if (digits == 0 || sec >= (1LL << 32) || q >= end || *q != ' ' || t <= *ns) {
        *ns += MS;
        return digits > 0 && q < end && *q == ' ' && sec < (1LL << 32) ? q + 1 : p;
    }
    *ns = t;
    return q + 1;
}

static void through_pipeline(const uint8_t *data, size_t size)
{
    files f;
    memset(&f, 0, sizeof f);
    f.t0 = 1633998510LL * 1000000000LL;
    int64_t ns = f.t0 + 2000000000LL;
    cap_sink sink = {&f, sink_emit, sink_want};
    cap *c = cap_create(symbols, NSYM, 5, CAP_RECORD_BOTH, 1, &sink);
    FUZZ_CHECK(c != NULL, "cap_create failed");
    cap_on_connected(c, symbols, NSYM, ns);
    for (int i = 0; i < NSYM; i++)
        cap_on_snapshot(c, symbols[i], initial_snapshot, sizeof initial_snapshot - 1, ns);
    int up = 1;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;
        const char *q = receive_time(p, line_end, &ns);
        if (q < line_end && (*q == '+' || *q == '-' || *q == '!') &&
            q + 1 + symbol_len(q + 1, line_end) == line_end) {
            /* One connection carries every symbol: a line naming one stands for all, and a
             * failed snapshot request leaves no record to replay (skipped). */
            if (*q == '+' && !up)
                cap_on_connected(c, symbols, NSYM, ns);
            else if (*q == '-' && up)
                cap_on_disconnected(c, symbols, NSYM, "fuzz", ns);
            if (*q != '!')
                up = *q == '+';
        } else {
            size_t n = symbol_len(q, line_end);
            if (n > 0 && q + n < line_end) {
                char sym[DEPTH_SYMBOL_MAX + 1];
                memcpy(sym, q, n);
                sym[n] = '\0';
                cap_on_snapshot(c, sym, q + n + 1, (size_t)(line_end - q) - n - 1, ns);
            } else {
                cap_on_message(c, q, (size_t)(line_end - q), ns);
            }
        }
        p = nl != NULL ? nl + 1 : end;
    }
    cap_destroy(c);

    size_t n = 0;
    char *text[MAXFILES];
    size_t len[MAXFILES];
    int zstd[MAXFILES] = {0};
    for (size_t i = 0; i < MAXFILES; i++)
        if (f.len[i] > 0) {
            text[n] = f.text[i];
            len[n++] = f.len[i];
        }
    uint64_t problems;
    rp_summary s = replay(text, len, zstd, n, &problems);
    FUZZ_CHECK(!s.diverged, "the replay of the pipeline's own records diverged: %s", s.divergence);
    FUZZ_CHECK(problems == 0, "%llu problems in the pipeline's own records",
               (unsigned long long)problems);
    FUZZ_CHECK(
        s.checked_depth + s.checked_snapshot + s.checked_resync + s.uncheckable == f.book_records,
        "%llu book records, %llu checked, %llu not checkable", (unsigned long long)f.book_records,
        (unsigned long long)(s.checked_depth + s.checked_snapshot + s.checked_resync),
        (unsigned long long)s.uncheckable);
    for (size_t i = 0; i < MAXFILES; i++)
        free(f.text[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_files(data, size);
    through_pipeline(data, size);
    return 0;
}
