/*
 * The replay through the capture pipeline (rp_replay over rp_merge, in memory) rebuilds what
 * the pipeline itself recorded with record = both: verify passes in one file or in 5-second
 * files given in any order, through resyncs, a second leg and the futures rule; books as of a
 * time equal the last records before it. With the real Binance capture (../shared/data) when
 * it is present.
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
#include "replay_fixture.h"
#include "rp_replay.h"
#include "rp_text.h"
#include "test_util.h"

static void test_replay_verify_passes_on_what_the_pipeline_recorded(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 100, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, &l);
    assert_true(res.sum.checked_depth >= 200);
    assert_int_equal(res.sum.books, 2);
    assert_int_equal(res.sum.uncheckable, 0);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_passes_across_5sec_files_given_in_any_order(void **state)
{
    (void)state;
    static rf_inputs in;
    /* The buffered events are 4.8 s after t0; their snapshots at 5.1 s: their depth records
     * go to the first file, after everything else in it, and come before their snapshot. */
    rf_market(&in, RF_T0 + 4 * RF_S + RF_S / 2, 100, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    rf_files f = rf_five_second_files(&l, RF_T0);
    assert_true(f.n >= 3);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, &l);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

/* The capture `l` of `in`, in 5-second files, replays verified with `resyncs` resync records
 * checked against their twins; then both are freed. */
static void assert_5sec_files_verify_resyncs(rf_inputs *in, rf_lines *l, int resyncs)
{
    rf_files f = rf_five_second_files(l, RF_T0);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, l);
    assert_int_equal(res.sum.checked_resync, resyncs);
    rf_files_free(&f);
    rf_lines_free(l);
    rf_inputs_free(in);
}

static void test_replay_verify_matches_resyncs_after_a_gap_and_a_disconnect(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 100, 30, 70);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    assert_int_equal(rf_count(&l, "\"reason\":\"gap\""), 1);
    assert_int_equal(rf_count(&l, "\"reason\":\"disconnect\""), 2);
    assert_5sec_files_verify_resyncs(&in, &l, 3);
}

/*
 * Events held across a snapshot: after a first snapshot that no event continued, two events
 * with gaps wait (the gap hold) until a second snapshot 23 s later; the first then continues
 * it and the second is a gap. That resync and the depth record are stamped with their events'
 * times, in the first file, and come before the first rebuilt snapshot (the second one): the
 * replay must still pair them, not count the resync uncheckable and then find its own resync
 * without a twin (fuzz_replay found this).
 */
static void test_replay_verify_pairs_a_resync_held_across_the_first_rebuilt_snapshot(void **state)
{
    (void)state;
    static rf_inputs in;
    static const char rest_1000[] = "{\"lastUpdateId\":1000,\"bids\":[[\"100\",\"1\"]],"
                                    "\"asks\":[[\"101\",\"1\"]]}";
    static const char rest_25943[] =
        "{\"lastUpdateId\":25943,\"bids\":[],\"asks\":[[\"640\",\"200\"]]}";
    static const char held[] = "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"
                               "\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":25934,"
                               "\"u\":9345545,\"b\":[],\"a\":[[\"0.6\",\"27\"]]}}";
    static const char gap[] = "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"
                              "\"depthUpdate\",\"E\":2,\"s\":\"BTCUSDT\",\"U\":259345554,"
                              "\"u\":259345554,\"b\":[],\"a\":[[\"6\",\"20\"]]}}";
    rf_add(&in, RF_IN_UP, RF_T0, NULL, NULL);
    rf_add(&in, RF_IN_REST, RF_T0, "BTCUSDT", rest_1000);
    rf_add(&in, RF_IN_FRAME, RF_T0 + RF_S / 1000, NULL, held);
    rf_add(&in, RF_IN_FRAME, RF_T0 + 2 * RF_S / 1000, NULL, gap);
    rf_add(&in, RF_IN_REST, RF_T0 + 23 * RF_S, "BTCUSDT", rest_25943);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    assert_int_equal(rf_count(&l, "\"event\":\"resync\""), 1);
    assert_5sec_files_verify_resyncs(&in, &l, 1);
}

/* The levels of a record line: from "bids" to the end. */
static const char *levels_of(const char *line)
{
    return strstr(line, "\"bids\":");
}

static void test_replay_books_at_a_time_equal_the_last_record_before_it(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 100, 30, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    rf_files f = rf_five_second_files(&l, RF_T0);
    int64_t at = RF_T0 + 7 * RF_S + RF_S / 20;
    rf_result res = rf_replay(&f, 0, at);
    assert_false(res.sum.diverged);
    /* Each symbol's last depth or snapshot record with ts <= at (in the order written). */
    for (int s = 0; s < 2; s++) {
        const char *last = NULL;
        for (size_t i = 0; i < l.n; i++) {
            rp_head h;
            assert_int_equal(rp_head_parse(l.v[i], strlen(l.v[i]), &h), 0);
            if (strcmp(h.symbol, rf_two[s]) == 0 && h.ts_ns <= at &&
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
                 rf_two[s], (unsigned long long)h.id, levels_of(last));
        if (strstr(res.books, expected) == NULL)
            fail_msg("books:\n%s\nexpected:\n%s", res.books, expected);
    }
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_keeps_books_while_another_leg_is_up(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 60, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    /* A second leg's records, as a two-leg capture writes them: its connection comes up
     * after the first, goes down in the middle, and no book resyncs for it. */
    rf_lines two_legs = {0};
    const char *leg_b_up = "{\"ts\":\"2025-11-24T16:00:00.000000Z\",\"event\":\"connected\","
                           "\"market\":\"spot\",\"leg\":\"b\",\"url\":\"wss://b\"}";
    size_t mid = rf_nth(&l, "\"event\":\"frame\"", 60);
    for (size_t i = 0; i < l.n; i++) {
        if (i == 1)
            rf_push(&two_legs, leg_b_up, strlen(leg_b_up));
        if (i == mid - 1) {
            rp_head h;
            rp_head_parse(l.v[i], strlen(l.v[i]), &h);
            char line[160];
            int n = snprintf(line, sizeof line,
                             "{\"ts\":\"%.27s\",\"event\":\"disconnected\",\"market\":\"spot\","
                             "\"leg\":\"b\",\"reason\":\"closed\"}",
                             l.v[i] + 7);
            rf_push(&two_legs, line, (size_t)n);
        }
        rf_push(&two_legs, l.v[i], strlen(l.v[i]));
    }
    rf_files f = rf_one_file(&two_legs);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, &two_legs);
    assert_int_equal(res.sum.resyncs, 0);
    rf_files_free(&f);
    rf_lines_free(&two_legs);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

/* A USD-M capture: the futures rule (the first event has U <= L <= u, then pu is the previous
 * u while U may skip ids), its connected record naming the market. */
static rf_lines futures_capture(void)
{
    rf_lines out = {0};
    cap_sink sink = {&out, rf_emit, rf_want};
    const char *btc[] = {"BTCUSDT"};
    cap *c = cap_create(btc, 1, 5, CAP_RECORD_BOTH, 1, &sink);
    cap_set_origin(c, SYNC_RULE_FUTURES, "usdm", "wss://fstream.binance.com");
    int64_t t = RF_T0;
    cap_on_connected(c, btc, 1, t);
    const char snap[] = "{\"lastUpdateId\":1000,\"bids\":[[\"99.99\",\"1\"]],\"asks\":[[\"100.01\","
                        "\"1\"]]}";
    cap_on_snapshot(c, "BTCUSDT", snap, strlen(snap), t += RF_S / 10);
    uint64_t prev = 989, first = 990, last = 1005;
    for (unsigned j = 0; j < 40; j++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%u,"
                 "\"T\":%u,\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"pu\":%llu,"
                 "\"b\":[[\"99.%02u\",\"%u\"]],\"a\":[]}}",
                 j, j, (unsigned long long)first, (unsigned long long)last,
                 (unsigned long long)prev, 50 + j % 40, j % 3);
        cap_on_message(c, json, strlen(json), t += RF_S / 10);
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
    rf_lines l = futures_capture();
    assert_non_null(strstr(l.v[0], "\"market\":\"usdm\""));
    assert_int_equal(rf_count(&l, "\"event\":\"depth\""), 40);
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, &l);
    assert_int_equal(res.sum.resyncs, 0);
    rf_files_free(&f);
    /* Without the market in the connected record, the spot rule sees gaps: it diverges. */
    free(l.v[0]);
    l.v[0] = strdup("{\"ts\":\"2025-11-24T16:00:00.000000Z\",\"event\":\"connected\"}");
    f = rf_one_file(&l);
    res = rf_replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    rf_files_free(&f);
    rf_lines_free(&l);
}

/* ---- the real capture ---- */

static void read_capture(rf_inputs *in, const char *path, int rest)
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
        rf_add(in, rest ? RF_IN_REST : RF_IN_FRAME, (int64_t)(t * 1e6) * 1000, sym, p);
    }
    free(line);
    fclose(f);
}

static int by_ns(const void *a, const void *b)
{
    const rf_input *x = a, *y = b;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static void test_replay_verify_passes_on_the_real_binance_capture(void **state)
{
    (void)state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    /* Its files are frames and snapshot bodies with their receive times, not records: the
     * pipeline records them with record = both, as orderbook would have. */
    static rf_inputs in;
    read_capture(&in, DEPTHLOG_CAPTURE_DIR "/frames.txt", 0);
    read_capture(&in, DEPTHLOG_CAPTURE_DIR "/snapshots.txt", 1);
    qsort(in.v, in.n, sizeof in.v[0], by_ns);
    rf_lines l = {0};
    cap_sink sink = {&l, rf_emit, rf_want};
    const char *four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    cap *c = cap_create(four, 4, 5, CAP_RECORD_BOTH, 1, &sink);
    cap_on_connected(c, four, 4, in.v[0].ns - 1000);
    for (size_t i = 0; i < in.n; i++) {
        const rf_input *x = &in.v[i];
        if (x->kind == RF_IN_REST)
            cap_on_snapshot(c, x->symbol, x->json, strlen(x->json), x->ns);
        else
            cap_on_message(c, x->json, strlen(x->json), x->ns);
    }
    cap_destroy(c);
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    rf_assert_verified(&res, &l);
    assert_true(res.sum.checked_depth > 100);
    assert_int_equal(res.sum.checked_snapshot, 4);
    assert_int_equal(res.sum.resyncs, 0);
    assert_int_equal(res.sum.books, 4);
    /* A quantity changed in the 50th depth record is named. */
    size_t at = rf_nth(&l, "\"event\":\"depth\"", 50);
    char *q = strstr(l.v[at - 1], "\"bids\":[[\"");
    q = strchr(q + 11, '"') + 3; /* the first bid's quantity */
    *q = *q == '9' ? '8' : '9';
    rf_files_free(&f);
    f = rf_one_file(&l);
    res = rf_replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    char where[64];
    snprintf(where, sizeof where, "f0.txt:%zu: ", at);
    if (strstr(res.sum.divergence, where) == NULL ||
        strstr(res.sum.divergence, "bids[0] quantity") == NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_verify_passes_on_what_the_pipeline_recorded),
        cmocka_unit_test(test_replay_verify_passes_across_5sec_files_given_in_any_order),
        cmocka_unit_test(test_replay_verify_matches_resyncs_after_a_gap_and_a_disconnect),
        cmocka_unit_test(test_replay_verify_pairs_a_resync_held_across_the_first_rebuilt_snapshot),
        cmocka_unit_test(test_replay_books_at_a_time_equal_the_last_record_before_it),
        cmocka_unit_test(test_replay_verify_keeps_books_while_another_leg_is_up),
        cmocka_unit_test(test_replay_verify_follows_the_futures_rule_of_the_market_recorded),
        cmocka_unit_test(test_replay_verify_passes_on_the_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
