/*
 * The replay through the capture pipeline (rp_replay over rp_merge, in memory): verify passes
 * on what the pipeline itself recorded with record = both, in one file or in 5-second files
 * given in any order, and names the first divergence of doctored copies; books as of a time.
 * With the real Binance capture (../shared/data) when it is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "rp_merge.h"
#include "rp_replay.h"
#include "rp_text.h"
#include "test_util.h"

#define S 1000000000LL

/* ---- a capture made by the pipeline itself ---- */

typedef struct lines {
    char **v;
    size_t n, cap;
} lines;

static void push(lines *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = strndup(s, len);
}

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    (void)stamp_ns;
    push(ctx, line, len);
}

static void want(void *ctx, const char *symbol)
{
    (void)ctx;
    (void)symbol;
}

typedef enum in_kind { IN_FRAME, IN_REST, IN_UP, IN_DOWN } in_kind;

typedef struct input {
    in_kind kind;
    int64_t ns;
    char symbol[24]; /* IN_REST */
    char *json;
} input;

typedef struct inputs {
    input v[4096];
    size_t n;
} inputs;

static void add(inputs *in, in_kind kind, int64_t ns, const char *symbol, const char *json)
{
    assert_true(in->n < 4096);
    input *x = &in->v[in->n++];
    x->kind = kind;
    x->ns = ns;
    snprintf(x->symbol, sizeof x->symbol, "%s", symbol ? symbol : "");
    x->json = json ? strdup(json) : NULL;
}

static void inputs_free(inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->v[i].json);
    in->n = 0;
}

static const char *const two[] = {"BTCUSDT", "ETHUSDT"};

/* What orderbook would have written: the pipeline, fed as the network feeds it. */
static lines capture(const inputs *in, cap_record_mode mode)
{
    lines out = {0};
    cap_sink sink = {&out, emit, want};
    cap *c = cap_create(two, 2, 5, mode, 1, &sink);
    for (size_t i = 0; i < in->n; i++) {
        const input *x = &in->v[i];
        if (x->kind == IN_UP)
            cap_on_connected(c, two, 2, x->ns);
        else if (x->kind == IN_DOWN)
            cap_on_disconnected(c, two, 2, "test", x->ns);
        else if (x->kind == IN_REST)
            cap_on_snapshot(c, x->symbol, x->json, strlen(x->json), x->ns);
        else
            cap_on_message(c, x->json, strlen(x->json), x->ns);
    }
    cap_destroy(c);
    return out;
}

static void frame(inputs *in, int64_t ns, const char *sym, uint64_t U, uint64_t u, unsigned j)
{
    char lower[24], json[512];
    for (size_t i = 0; i <= strlen(sym); i++)
        lower[i] = (char)(sym[i] >= 'A' && sym[i] <= 'Z' ? sym[i] + 32 : sym[i]);
    snprintf(json, sizeof json,
             "{\"stream\":\"%s@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
             "\"s\":\"%s\",\"U\":%llu,\"u\":%llu,\"b\":[[\"99.%02u\",\"%u.5\"]],"
             "\"a\":[[\"101.%02u\",\"%u\"],[\"100.%02u\",\"0\"]]}}",
             lower, (long long)(ns / 1000000), sym, (unsigned long long)U, (unsigned long long)u,
             90 + j % 7, j % 4, j % 9, j % 5 + 1, 50 + j % 3);
    add(in, IN_FRAME, ns, NULL, json);
}

static void snapshot(inputs *in, int64_t ns, const char *sym, uint64_t last_id)
{
    char json[1024];
    snprintf(
        json, sizeof json,
        "{\"lastUpdateId\":%llu,\"bids\":[[\"99.99\",\"1\"],[\"99.95\",\"2\"],[\"99.90\",\"3\"],"
        "[\"99.80\",\"4\"],[\"99.70\",\"5\"],[\"99.60\",\"6\"]],\"asks\":[[\"100.01\",\"1\"],"
        "[\"100.50\",\"2\"],[\"100.51\",\"3\"],[\"100.52\",\"4\"],[\"101.50\",\"5\"]]}",
        (unsigned long long)last_id);
    add(in, IN_REST, ns, sym, json);
}

/*
 * Two symbols from t0: connected, three events each that arrive before the snapshot and wait
 * for it (the first of them older than the snapshot), the snapshots 2.2 s later, then `n`
 * more events each, one every 100 ms. Options: a gap in ETHUSDT at event `gap` (0: none) with
 * its new snapshot 1 s later; a disconnect at event `down` (0: none) with new snapshots.
 */
static void market(inputs *in, int64_t t0, unsigned n, unsigned gap, unsigned down)
{
    add(in, IN_UP, t0, NULL, NULL);
    uint64_t id[2] = {998, 2998};
    int64_t t = t0 + S / 10;
    for (unsigned j = 0; j < 3; j++, t += S / 10)
        for (int s = 0; s < 2; s++, id[s - 1] += 1)
            frame(in, t + s * 1000, two[s], id[s], id[s], j);
    t += 2 * S;
    snapshot(in, t, "BTCUSDT", 999);
    snapshot(in, t + 1000, "ETHUSDT", 2999);
    for (unsigned j = 3; j < 3 + n; j++) {
        t += S / 10;
        if (down && j == down) {
            add(in, IN_DOWN, t, NULL, NULL);
            add(in, IN_UP, t + S / 2, NULL, NULL);
            t += S;
            snapshot(in, t - S / 20, "BTCUSDT", id[0] - 1);
            snapshot(in, t - S / 20 + 1000, "ETHUSDT", id[1] - 1);
        }
        if (gap && j == gap)
            id[1] += 5; /* five ids never sent */
        if (gap && j == gap + 10)
            snapshot(in, t - 1000, "ETHUSDT", id[1] - 1);
        for (int s = 0; s < 2; s++) {
            frame(in, t + s * 1000, two[s], id[s], id[s] + 1, j);
            id[s] += 2;
        }
    }
}

/* ---- files and the replay ---- */

typedef struct files {
    char *text[64];
    size_t len[64];
    size_t n;
} files;

static void files_free(files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->text[i]);
    f->n = 0;
}

static void append(files *f, size_t i, const char *line)
{
    size_t n = strlen(line);
    f->text[i] = realloc(f->text[i], f->len[i] + n + 1);
    memcpy(f->text[i] + f->len[i], line, n);
    f->text[i][f->len[i] + n] = '\n';
    f->len[i] += n + 1;
}

/* One file of every line. */
static files one_file(const lines *l)
{
    files f = {.n = 1};
    for (size_t i = 0; i < l->n; i++)
        append(&f, 0, l->v[i]);
    return f;
}

/* As alog's 5sec files: each line into the file of its ts's period (from t0), a late line
 * appended to its earlier period's file; the files are then given newest first. */
static files five_second_files(const lines *l, int64_t t0)
{
    files f = {0};
    for (size_t i = 0; i < l->n; i++) {
        rp_head h;
        assert_int_equal(rp_head_parse(l->v[i], strlen(l->v[i]), &h), 0);
        size_t p = (size_t)((h.ts_ns - t0) / (5 * S));
        assert_true(p < 64);
        if (p >= f.n)
            f.n = p + 1;
        append(&f, p, l->v[i]);
    }
    for (size_t i = 0; i < f.n / 2; i++) {
        char *t = f.text[i];
        size_t n = f.len[i];
        f.text[i] = f.text[f.n - 1 - i];
        f.len[i] = f.len[f.n - 1 - i];
        f.text[f.n - 1 - i] = t;
        f.len[f.n - 1 - i] = n;
    }
    return f;
}

typedef struct result {
    rp_summary sum;
    char problems[4096];
    size_t n_problems;
    char *books; /* --at output */
    size_t books_len;
} result;

typedef struct run_ctx {
    result *res;
    rp_replay *r;
} run_ctx;

static void on_problem(void *ctx, const char *msg)
{
    result *res = ((run_ctx *)ctx)->res;
    size_t n = strlen(res->problems);
    snprintf(res->problems + n, sizeof res->problems - n, "%s\n", msg);
    res->n_problems++;
}

static void on_file_end(void *ctx, size_t i)
{
    rp_file_ended(((run_ctx *)ctx)->r, i);
}

static size_t replay_depth = 5;

/* Replay the files (named f0.txt, f1.txt, ...) with these options; at >= 0: books as of it. */
static result replay(const files *f, int verify, int64_t at)
{
    static result res;
    free(res.books);
    memset(&res, 0, sizeof res);
    run_ctx ctx = {&res, NULL};
    rp_options o = {.futures = -1,
                    .depth = replay_depth,
                    .utc = 1,
                    .verify = verify,
                    .keep_books = at >= 0,
                    .problem = on_problem,
                    .problem_ctx = &ctx};
    ctx.r = rp_create(&o);
    rp_merge_hooks hooks = {&ctx, on_problem, on_file_end};
    rp_merge *m = rp_merge_create(&hooks);
    assert_non_null(ctx.r);
    assert_non_null(m);
    for (size_t i = 0; i < f->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%zu.txt", i);
        assert_int_equal(rp_merge_add_mem(m, name, f->text[i], f->len[i], 0), 0);
    }
    FILE *books = open_memstream(&res.books, &res.books_len);
    int printed = 0, stopped = 0;
    rp_rec rec;
    while (rp_merge_next(m, &rec)) {
        if (at >= 0 && !printed && rec.h.ts_ns > at) {
            rp_print_books(ctx.r, books, at);
            printed = 1;
        }
        if (rp_feed(ctx.r, &rec) != 0) {
            stopped = 1;
            break;
        }
    }
    if (!stopped)
        rp_finish(ctx.r);
    if (at >= 0 && !printed)
        rp_print_books(ctx.r, books, at);
    fclose(books);
    res.sum = *rp_get_summary(ctx.r);
    rp_merge_destroy(m);
    rp_destroy(ctx.r);
    return res;
}

/* Verify with rebuilt records of `depth` levels a side. */
static result replay_at_depth(const files *f, size_t depth)
{
    replay_depth = depth;
    result res = replay(f, 1, -1);
    replay_depth = 5;
    return res;
}

static size_t count(const lines *l, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += strstr(l->v[i], needle) != NULL;
    return n;
}

/* The line number (from 1) of the k-th line (from 0) holding needle, and the line. */
static size_t nth(const lines *l, const char *needle, size_t k)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->v[i], needle) != NULL && k-- == 0)
            return i + 1;
    fail_msg("no line %zu with %s", k, needle);
    return 0;
}

static void assert_verified(const result *res, const lines *l)
{
    if (res->sum.diverged)
        fail_msg("diverged: %s", res->sum.divergence);
    if (res->n_problems != 0)
        fail_msg("problems: %s", res->problems);
    assert_int_equal(res->sum.checked_depth, count(l, "\"event\":\"depth\""));
    assert_int_equal(res->sum.checked_snapshot, count(l, "\"event\":\"snapshot\""));
    assert_int_equal(res->sum.checked_resync, count(l, "\"event\":\"resync\""));
}

/* ---- tests ---- */

static const int64_t T0 = 1764000000LL * S; /* 2025-11-24T16:00:00Z: a 5-second boundary */

static void test_replay_verify_passes_on_what_the_pipeline_recorded(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 100, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &l);
    assert_true(res.sum.checked_depth >= 200);
    assert_int_equal(res.sum.books, 2);
    assert_int_equal(res.sum.uncheckable, 0);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_passes_across_5sec_files_given_in_any_order(void **state)
{
    (void)state;
    static inputs in;
    /* The buffered events are 4.8 s after t0; their snapshots at 5.1 s: their depth records
     * go to the first file, after everything else in it, and come before their snapshot. */
    market(&in, T0 + 4 * S + S / 2, 100, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    files f = five_second_files(&l, T0);
    assert_true(f.n >= 3);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &l);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_matches_resyncs_after_a_gap_and_a_disconnect(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 100, 30, 70);
    lines l = capture(&in, CAP_RECORD_BOTH);
    assert_int_equal(count(&l, "\"reason\":\"gap\""), 1);
    assert_int_equal(count(&l, "\"reason\":\"disconnect\""), 2);
    files f = five_second_files(&l, T0);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &l);
    assert_int_equal(res.sum.checked_resync, 3);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

/* Replace the first occurrence of `from` in line `lineno` (from 1) by `to`. */
static void doctor(lines *l, size_t lineno, const char *from, const char *to)
{
    char *line = l->v[lineno - 1];
    char *at = strstr(line, from);
    assert_non_null(at);
    size_t n = strlen(line) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
    free(line);
    l->v[lineno - 1] = out;
}

static void test_replay_verify_names_a_changed_quantity(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 60, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    size_t at = nth(&l, "\"event\":\"depth\",\"s\":\"ETHUSDT\"", 20);
    doctor(&l, at, "\"bids\":[[\"99.99\",\"1\"]", "\"bids\":[[\"99.99\",\"1.5\"]");
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    char where[64];
    snprintf(where, sizeof where, "f0.txt:%zu: ETHUSDT u=", at);
    if (strstr(res.sum.divergence, where) == NULL ||
        strstr(res.sum.divergence, "bids[0] quantity at 99.99: recorded \"1.5\", rebuilt \"1\"") ==
            NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_names_a_removed_frame(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 60, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    size_t frame_line = nth(&l, "\"s\":\"BTCUSDT\",\"U\":1031", 0);
    assert_string_equal(strstr(l.v[frame_line], "\"event\""),
                        strstr(l.v[frame_line], "\"event\":\"depth\""));
    free(l.v[frame_line - 1]);
    l.v[frame_line - 1] = strdup("{\"ts\":\"2025-11-24T16:00:07.000000Z\",\"event\":\"other\"}");
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    /* The depth record right after the removed frame is the first that was not rebuilt. */
    char where[96];
    snprintf(where, sizeof where,
             "f0.txt:%zu: BTCUSDT u=1032: recorded depth record was not rebuilt", frame_line + 1);
    if (strstr(res.sum.divergence, where) == NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_fails_on_files_without_book_records(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 20, 0, 0);
    lines l = capture(&in, CAP_RECORD_RAW);
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    assert_non_null(strstr(res.sum.divergence, "record = both"));
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_counts_records_before_a_first_snapshot_as_uncheckable(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 60, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    /* Files that start in the middle of the capture: no snapshot, no rest. */
    size_t cut = nth(&l, "\"event\":\"depth\"", 30);
    lines tail = {0};
    for (size_t i = cut - 1; i < l.n; i++)
        push(&tail, l.v[i], strlen(l.v[i]));
    files f = one_file(&tail);
    result res = replay(&f, 1, -1);
    if (res.sum.diverged)
        fail_msg("diverged: %s", res.sum.divergence);
    assert_int_equal(res.sum.checked_depth, 0);
    assert_int_equal(res.sum.uncheckable, count(&tail, "\"event\":\"depth\""));
    files_free(&f);
    lines_free(&tail);
    lines_free(&l);
    inputs_free(&in);
}

/* The levels of a record line: from "bids" to the end. */
static const char *levels_of(const char *line)
{
    return strstr(line, "\"bids\":");
}

static void test_replay_books_at_a_time_equal_the_last_record_before_it(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 100, 30, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    files f = five_second_files(&l, T0);
    int64_t at = T0 + 7 * S + S / 20;
    result res = replay(&f, 0, at);
    assert_false(res.sum.diverged);
    /* Each symbol's last depth or snapshot record with ts <= at (in the order written). */
    for (int s = 0; s < 2; s++) {
        const char *last = NULL;
        for (size_t i = 0; i < l.n; i++) {
            rp_head h;
            assert_int_equal(rp_head_parse(l.v[i], strlen(l.v[i]), &h), 0);
            if (strcmp(h.symbol, two[s]) == 0 && h.ts_ns <= at &&
                (h.kind == RP_DEPTH || h.kind == RP_SNAPSHOT))
                last = l.v[i];
        }
        assert_non_null(last);
        rp_head h;
        rp_head_parse(last, strlen(last), &h);
        char expected[2048];
        snprintf(expected, sizeof expected,
                 "{\"ts\":\"2025-11-24T16:00:07.050000Z\",\"event\":\"book\",\"s\":\"%s\","
                 "\"state\":\"live\",\"u\":%llu,%s\n",
                 two[s], (unsigned long long)h.id, levels_of(last));
        if (strstr(res.books, expected) == NULL)
            fail_msg("books:\n%s\nexpected:\n%s", res.books, expected);
    }
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_at_a_smaller_depth_says_so(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 20, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    files f = one_file(&l);
    result res = replay_at_depth(&f, 3);
    assert_true(res.sum.diverged);
    if (strstr(res.sum.divergence, "bids: recorded 5 levels, rebuilt 3") == NULL ||
        strstr(res.sum.divergence, "the capture's depth is larger than 3") == NULL)
        fail_msg("divergence: %s", res.sum.divergence);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

static void test_replay_verify_keeps_books_while_another_leg_is_up(void **state)
{
    (void)state;
    static inputs in;
    market(&in, T0, 60, 0, 0);
    lines l = capture(&in, CAP_RECORD_BOTH);
    /* A second leg's records, as a two-leg capture writes them: its connection comes up
     * after the first, goes down in the middle, and no book resyncs for it. */
    lines two_legs = {0};
    const char *leg_b_up = "{\"ts\":\"2025-11-24T16:00:00.000000Z\",\"event\":\"connected\","
                           "\"market\":\"spot\",\"leg\":\"b\",\"url\":\"wss://b\"}";
    size_t mid = nth(&l, "\"event\":\"frame\"", 60);
    for (size_t i = 0; i < l.n; i++) {
        if (i == 1)
            push(&two_legs, leg_b_up, strlen(leg_b_up));
        if (i == mid - 1) {
            rp_head h;
            rp_head_parse(l.v[i], strlen(l.v[i]), &h);
            char line[160];
            int n = snprintf(line, sizeof line,
                             "{\"ts\":\"%.27s\",\"event\":\"disconnected\",\"market\":\"spot\","
                             "\"leg\":\"b\",\"reason\":\"closed\"}",
                             l.v[i] + 7);
            push(&two_legs, line, (size_t)n);
        }
        push(&two_legs, l.v[i], strlen(l.v[i]));
    }
    files f = one_file(&two_legs);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &two_legs);
    assert_int_equal(res.sum.resyncs, 0);
    files_free(&f);
    lines_free(&two_legs);
    lines_free(&l);
    inputs_free(&in);
}

/* A USD-M capture: the futures rule (the first event has U <= L <= u, then pu is the previous
 * u while U may skip ids), its connected record naming the market. */
static lines futures_capture(void)
{
    lines out = {0};
    cap_sink sink = {&out, emit, want};
    const char *btc[] = {"BTCUSDT"};
    cap *c = cap_create(btc, 1, 5, CAP_RECORD_BOTH, 1, &sink);
    cap_set_origin(c, SYNC_RULE_FUTURES, "usdm", "wss://fstream.binance.com");
    int64_t t = T0;
    cap_on_connected(c, btc, 1, t);
    const char snap[] = "{\"lastUpdateId\":1000,\"bids\":[[\"99.99\",\"1\"]],\"asks\":[[\"100.01\","
                        "\"1\"]]}";
    cap_on_snapshot(c, "BTCUSDT", snap, strlen(snap), t += S / 10);
    uint64_t prev = 989, first = 990, last = 1005;
    for (unsigned j = 0; j < 40; j++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%u,"
                 "\"T\":%u,\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"pu\":%llu,"
                 "\"b\":[[\"99.%02u\",\"%u\"]],\"a\":[]}}",
                 j, j, (unsigned long long)first, (unsigned long long)last,
                 (unsigned long long)prev, 50 + j % 40, j % 3);
        cap_on_message(c, json, strlen(json), t += S / 10);
        prev = last;
        first = last + 3; /* futures skip ids: pu, not U, continues the stream */
        last = first + 1;
    }
    cap_destroy(c);
    return out;
}

static void test_replay_verify_follows_the_futures_rule_of_the_market_recorded(void **state)
{
    (void)state;
    lines l = futures_capture();
    assert_non_null(strstr(l.v[0], "\"market\":\"usdm\""));
    assert_int_equal(count(&l, "\"event\":\"depth\""), 40);
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &l);
    assert_int_equal(res.sum.resyncs, 0);
    files_free(&f);
    /* Without the market in the connected record, the spot rule sees gaps: it diverges. */
    free(l.v[0]);
    l.v[0] = strdup("{\"ts\":\"2025-11-24T16:00:00.000000Z\",\"event\":\"connected\"}");
    f = one_file(&l);
    res = replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    files_free(&f);
    lines_free(&l);
}

/* ---- the real capture ---- */

static void read_capture(inputs *in, const char *path, int rest)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t room = 0;
    while (getline(&line, &room, f) > 0) {
        char *p = line;
        double t = strtod(p, &p);
        p++;
        char sym[24] = "";
        if (rest) {
            char *sp = strchr(p, ' ');
            snprintf(sym, sizeof sym, "%.*s", (int)(sp - p), p);
            p = sp + 1;
        }
        p[strcspn(p, "\n")] = '\0';
        add(in, rest ? IN_REST : IN_FRAME, (int64_t)(t * 1e6) * 1000, sym, p);
    }
    free(line);
    fclose(f);
}

static int by_ns(const void *a, const void *b)
{
    const input *x = a, *y = b;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static void test_replay_verify_passes_on_the_real_binance_capture(void **state)
{
    (void)state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    /* Its files are frames and snapshot bodies with their receive times, not records: the
     * pipeline records them with record = both, as orderbook would have. */
    static inputs in;
    read_capture(&in, DEPTHLOG_CAPTURE_DIR "/frames.txt", 0);
    read_capture(&in, DEPTHLOG_CAPTURE_DIR "/snapshots.txt", 1);
    qsort(in.v, in.n, sizeof in.v[0], by_ns);
    lines l = {0};
    cap_sink sink = {&l, emit, want};
    const char *four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    cap *c = cap_create(four, 4, 5, CAP_RECORD_BOTH, 1, &sink);
    cap_on_connected(c, four, 4, in.v[0].ns - 1000);
    for (size_t i = 0; i < in.n; i++) {
        const input *x = &in.v[i];
        if (x->kind == IN_REST)
            cap_on_snapshot(c, x->symbol, x->json, strlen(x->json), x->ns);
        else
            cap_on_message(c, x->json, strlen(x->json), x->ns);
    }
    cap_destroy(c);
    files f = one_file(&l);
    result res = replay(&f, 1, -1);
    assert_verified(&res, &l);
    assert_true(res.sum.checked_depth > 100);
    assert_int_equal(res.sum.checked_snapshot, 4);
    assert_int_equal(res.sum.resyncs, 0);
    assert_int_equal(res.sum.books, 4);
    /* A quantity changed in the 50th depth record is named. */
    size_t at = nth(&l, "\"event\":\"depth\"", 50);
    char *q = strstr(l.v[at - 1], "\"bids\":[[\"");
    q = strchr(q + 11, '"') + 3; /* the first bid's quantity */
    *q = *q == '9' ? '8' : '9';
    files_free(&f);
    f = one_file(&l);
    res = replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    char where[64];
    snprintf(where, sizeof where, "f0.txt:%zu: ", at);
    if (strstr(res.sum.divergence, where) == NULL ||
        strstr(res.sum.divergence, "bids[0] quantity") == NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    files_free(&f);
    lines_free(&l);
    inputs_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_verify_passes_on_what_the_pipeline_recorded),
        cmocka_unit_test(test_replay_verify_passes_across_5sec_files_given_in_any_order),
        cmocka_unit_test(test_replay_verify_matches_resyncs_after_a_gap_and_a_disconnect),
        cmocka_unit_test(test_replay_verify_names_a_changed_quantity),
        cmocka_unit_test(test_replay_verify_names_a_removed_frame),
        cmocka_unit_test(test_replay_verify_fails_on_files_without_book_records),
        cmocka_unit_test(test_replay_verify_counts_records_before_a_first_snapshot_as_uncheckable),
        cmocka_unit_test(test_replay_books_at_a_time_equal_the_last_record_before_it),
        cmocka_unit_test(test_replay_verify_at_a_smaller_depth_says_so),
        cmocka_unit_test(test_replay_verify_keeps_books_while_another_leg_is_up),
        cmocka_unit_test(test_replay_verify_follows_the_futures_rule_of_the_market_recorded),
        cmocka_unit_test(test_replay_verify_passes_on_the_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
