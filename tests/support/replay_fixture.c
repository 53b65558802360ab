/* The replay tests' fixture (replay_fixture.h): a capture the pipeline makes of a scripted
 * market, files of it, and the replay of them in memory. */
#include "replay_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rp_merge.h"
#include "rp_text.h"

const char *const rf_two[] = {"BTCUSDT", "ETHUSDT"};

void rf_push(rf_lines *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = strndup(s, len);
}

void rf_lines_free(rf_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

void rf_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    (void)stamp_ns;
    rf_push(ctx, line, len);
}

void rf_want(void *ctx, const char *symbol)
{
    (void)ctx;
    (void)symbol;
}

void rf_add(rf_inputs *in, rf_in_kind kind, int64_t ns, const char *symbol, const char *json)
{
    assert_true(in->n < 4096);
    rf_input *x = &in->v[in->n++];
    x->kind = kind;
    x->ns = ns;
    snprintf(x->symbol, sizeof x->symbol, "%s", symbol ? symbol : "");
    x->json = json ? strdup(json) : NULL;
}

void rf_inputs_free(rf_inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->v[i].json);
    in->n = 0;
}

/* What orderbook would have written: the pipeline, fed as the network feeds it. */
rf_lines rf_capture(const rf_inputs *in, cap_record_mode mode)
{
    rf_lines out = {0};
    cap_sink sink = {&out, rf_emit, rf_want};
    cap *c = cap_create(rf_two, 2, 5, mode, 1, &sink);
    for (size_t i = 0; i < in->n; i++) {
        const rf_input *x = &in->v[i];
        if (x->kind == RF_IN_UP)
            cap_on_connected(c, rf_two, 2, x->ns);
        else if (x->kind == RF_IN_DOWN)
            cap_on_disconnected(c, rf_two, 2, "test", x->ns);
        else if (x->kind == RF_IN_REST)
            cap_on_snapshot(c, x->symbol, x->json, strlen(x->json), x->ns);
        else
            cap_on_message(c, x->json, strlen(x->json), x->ns);
    }
    cap_destroy(c);
    return out;
}

static void frame(rf_inputs *in, int64_t ns, const char *sym, uint64_t U, uint64_t u, unsigned j)
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
    rf_add(in, RF_IN_FRAME, ns, NULL, json);
}

static void snapshot(rf_inputs *in, int64_t ns, const char *sym, uint64_t last_id)
{
    char json[1024];
    snprintf(
        json, sizeof json,
        "{\"lastUpdateId\":%llu,\"bids\":[[\"99.99\",\"1\"],[\"99.95\",\"2\"],[\"99.90\",\"3\"],"
        "[\"99.80\",\"4\"],[\"99.70\",\"5\"],[\"99.60\",\"6\"]],\"asks\":[[\"100.01\",\"1\"],"
        "[\"100.50\",\"2\"],[\"100.51\",\"3\"],[\"100.52\",\"4\"],[\"101.50\",\"5\"]]}",
        (unsigned long long)last_id);
    rf_add(in, RF_IN_REST, ns, sym, json);
}

/*
 * Two symbols from t0: connected, three events each that arrive before the snapshot and wait
 * for it (the first of them older than the snapshot), the snapshots 2.2 s later, then `n`
 * more events each, one every 100 ms. Options: a gap in ETHUSDT at event `gap` (0: none) with
 * its new snapshot 1 s later; a disconnect at event `down` (0: none) with new snapshots.
 */
void rf_market(rf_inputs *in, int64_t t0, unsigned n, unsigned gap, unsigned down)
{
    rf_add(in, RF_IN_UP, t0, NULL, NULL);
    uint64_t id[2] = {998, 2998};
    int64_t t = t0 + RF_S / 10;
    for (unsigned j = 0; j < 3; j++, t += RF_S / 10)
        for (int s = 0; s < 2; s++, id[s - 1] += 1)
            frame(in, t + s * 1000, rf_two[s], id[s], id[s], j);
    t += 2 * RF_S;
    snapshot(in, t, "BTCUSDT", 999);
    snapshot(in, t + 1000, "ETHUSDT", 2999);
    for (unsigned j = 3; j < 3 + n; j++) {
        t += RF_S / 10;
        if (down && j == down) {
            rf_add(in, RF_IN_DOWN, t, NULL, NULL);
            rf_add(in, RF_IN_UP, t + RF_S / 2, NULL, NULL);
            t += RF_S;
            snapshot(in, t - RF_S / 20, "BTCUSDT", id[0] - 1);
            snapshot(in, t - RF_S / 20 + 1000, "ETHUSDT", id[1] - 1);
        }
        if (gap && j == gap)
            id[1] += 5; /* five ids never sent */
        if (gap && j == gap + 10)
            snapshot(in, t - 1000, "ETHUSDT", id[1] - 1);
        for (int s = 0; s < 2; s++) {
            frame(in, t + s * 1000, rf_two[s], id[s], id[s] + 1, j);
            id[s] += 2;
        }
    }
}

void rf_files_free(rf_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->text[i]);
    f->n = 0;
}

static void append(rf_files *f, size_t i, const char *line)
{
    size_t n = strlen(line);
    f->text[i] = realloc(f->text[i], f->len[i] + n + 1);
    memcpy(f->text[i] + f->len[i], line, n);
    f->text[i][f->len[i] + n] = '\n';
    f->len[i] += n + 1;
}

/* One file of every line. */
rf_files rf_one_file(const rf_lines *l)
{
    rf_files f = {.n = 1};
    for (size_t i = 0; i < l->n; i++)
        append(&f, 0, l->v[i]);
    return f;
}

/* As alog's 5sec files: each line into the file of its ts's period (from t0), a late line
 * appended to its earlier period's file; the files are then given newest first. */
rf_files rf_five_second_files(const rf_lines *l, int64_t t0)
{
    rf_files f = {0};
    for (size_t i = 0; i < l->n; i++) {
        rp_head h;
        assert_int_equal(rp_head_parse(l->v[i], strlen(l->v[i]), &h), 0);
        size_t p = (size_t)((h.ts_ns - t0) / (5 * RF_S));
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

typedef struct run_ctx {
    rf_result *res;
    rp_replay *r;
} run_ctx;

static void on_problem(void *ctx, const char *msg)
{
    rf_result *res = ((run_ctx *)ctx)->res;
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
rf_result rf_replay(const rf_files *f, int verify, int64_t at)
{
    static rf_result res;
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
rf_result rf_replay_at_depth(const rf_files *f, size_t depth)
{
    replay_depth = depth;
    rf_result res = rf_replay(f, 1, -1);
    replay_depth = 5;
    return res;
}

size_t rf_count(const rf_lines *l, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += strstr(l->v[i], needle) != NULL;
    return n;
}

/* The line number (from 1) of the k-th line (from 0) holding needle, and the line. */
size_t rf_nth(const rf_lines *l, const char *needle, size_t k)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->v[i], needle) != NULL && k-- == 0)
            return i + 1;
    fail_msg("no line %zu with %s", k, needle);
    return 0;
}

void rf_assert_verified(const rf_result *res, const rf_lines *l)
{
    if (res->sum.diverged)
        fail_msg("diverged: %s", res->sum.divergence);
    if (res->n_problems != 0)
        fail_msg("problems: %s", res->problems);
    assert_int_equal(res->sum.checked_depth, rf_count(l, "\"event\":\"depth\""));
    assert_int_equal(res->sum.checked_snapshot, rf_count(l, "\"event\":\"snapshot\""));
    assert_int_equal(res->sum.checked_resync, rf_count(l, "\"event\":\"resync\""));
}
