/* The status line and the summary, from symbol views and logger counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "status.h"

static cap_symbol_view view(const char *name, cap_state st, uint64_t applied, uint64_t resyncs)
{
    cap_symbol_view v = {.name = name, .state = st, .applied = applied, .resyncs = resyncs};
    strcpy(v.best_bid, st == CAP_SYNCED ? "37000.01" : "-");
    strcpy(v.best_ask, st == CAP_SYNCED ? "37000.02" : "-");
    v.bids = st == CAP_SYNCED ? 1000 : 0;
    v.asks = st == CAP_SYNCED ? 999 : 0;
    return v;
}

static status_io io_of(uint64_t refused, uint64_t lost_io, uint64_t discarded)
{
    status_io io = {.dir = "logs",
                    .file = "logs/2026112323595.txt",
                    .written = 100,
                    .refused = refused,
                    .lost_io = lost_io,
                    .discarded = discarded,
                    .files = 1};
    return io;
}

/* Everything f wrote, as a string the caller frees. */
typedef struct mem {
    char *text;
    size_t len;
    FILE *f;
} mem;

static void mem_open(mem *m)
{
    m->text = NULL;
    m->f = open_memstream(&m->text, &m->len);
    assert_non_null(m->f);
}

static void mem_close(mem *m)
{
    fclose(m->f);
}

static size_t lines_in(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_status_meter_rates_between_looks(void **state)
{
    (void)state;
    status_meter m;
    assert_int_equal(status_meter_init(&m, 2, 0), 0);
    cap_symbol_view v[2] = {view("A", CAP_SYNCED, 10, 0), view("B", CAP_SYNCED, 0, 0)};
    double r[2];
    status_meter_update(&m, v, 2, 1000000000LL, r); /* 1 s after the start */
    assert_true(r[0] == 10.0);
    v[0].applied = 30;
    v[1].applied = 5;
    status_meter_update(&m, v, 2, 3000000000LL, r); /* 2 s later */
    assert_true(r[0] == 10.0);
    assert_true(r[1] == 2.5);
    status_meter_free(&m);
}

/* A symbol that joins later counts from 0 at its first look; the others keep counting. */
static void test_status_meter_grows_for_symbols_that_join(void **state)
{
    (void)state;
    status_meter m;
    assert_int_equal(status_meter_init(&m, 1, 0), 0);
    cap_symbol_view v[2] = {view("A", CAP_SYNCED, 10, 0), view("B", CAP_SYNCED, 4, 0)};
    double r[2] = {-1, -1};
    status_meter_update(&m, v, 2, 1000000000LL, r);
    assert_true(r[0] == 10.0);
    assert_true(r[1] == -1); /* not the meter's yet */
    assert_int_equal(status_meter_grow(&m, 2), 0);
    assert_int_equal(status_meter_grow(&m, 1), 0); /* never shrinks */
    v[0].applied = 20;
    status_meter_update(&m, v, 2, 2000000000LL, r);
    assert_true(r[0] == 10.0);
    assert_true(r[1] == 4.0);
    status_meter_free(&m);
}

static void test_status_line_few_symbols_one_by_one(void **state)
{
    (void)state;
    cap_symbol_view v[2] = {view("BTCUSDT", CAP_SYNCED, 1, 1), view("ETHUSDT", CAP_SYNCING, 0, 2)};
    double r[2] = {12.4, 0};
    status_io io = io_of(0, 0, 0);
    char out[1024];
    size_t n = status_line(out, sizeof out, v, r, 2, &io, 0);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, "BTCUSDT 12 ev/s 37000.01/37000.02 [1000|999] 1 resync | "
                             "ETHUSDT 0 ev/s -/- [0|0] 2 resyncs (syncing) | "
                             "logs/2026112323595.txt | drops 0");
}

static void test_status_line_cut_to_width_keeps_file_and_drops(void **state)
{
    (void)state;
    cap_symbol_view v[3] = {view("BTCUSDT", CAP_SYNCED, 1, 0), view("ETHUSDT", CAP_SYNCED, 1, 0),
                            view("BNBUSDT", CAP_DOWN, 0, 0)};
    double r[3] = {5, 4, 0};
    status_io io = io_of(0, 0, 0);
    char out[1024];
    for (size_t width = 20; width <= 200; width++) {
        size_t n = status_line(out, sizeof out, v, r, 3, &io, width);
        assert_true(n <= width);
        assert_int_equal(n, strlen(out));
    }
    /* At 80 columns: the first symbol, compact, the rest counted, the file's name. */
    status_line(out, sizeof out, v, r, 3, &io, 80);
    assert_string_equal(out, "BTCUSDT 5 ev/s 37000.01/37000.02 | +2 more | "
                             "2026112323595.txt | drops 0");
    status_line(out, sizeof out, v, r, 3, &io, 160);
    assert_string_equal(out, "BTCUSDT 5 ev/s 37000.01/37000.02 [1000|999] 0 resyncs | "
                             "ETHUSDT 4 ev/s 37000.01/37000.02 [1000|999] 0 resyncs | +1 more | "
                             "2026112323595.txt | drops 0");
}

static void test_status_line_says_first_that_records_are_lost(void **state)
{
    (void)state;
    cap_symbol_view v[1] = {view("BTCUSDT", CAP_SYNCED, 1, 0)};
    double r[1] = {5};
    status_io io = io_of(3, 80, 0);
    char out[1024];
    status_line(out, sizeof out, v, r, 1, &io, 40);
    assert_string_equal(out, "RECORDS LOST: 83 not written (80 to I/O,");
    status_line(out, sizeof out, v, r, 1, &io, 0);
    assert_non_null(strstr(out, "| drops 83"));
    io.losing = 1; /* more lost since the previous line */
    status_line(out, sizeof out, v, r, 1, &io, 40);
    assert_string_equal(out, "RECORDS BEING LOST: 83 not written (80 t");
}

static void test_status_line_many_symbols_totals_and_busiest(void **state)
{
    (void)state;
    enum { N = 2000 };
    static cap_symbol_view v[N];
    static double r[N];
    static char names[N][16];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "S%zuUSDT", i);
        cap_state st =
            i < 1990 ? CAP_SYNCED : (i < 1995 ? CAP_SYNCING : (i < 1998 ? CAP_DOWN : CAP_REJECTED));
        v[i] = view(names[i], st, 0, 0);
        r[i] = i == 7 ? 90 : (i == 1500 ? 120 : 1);
    }
    status_io io = io_of(0, 0, 0);
    char out[4096];
    status_line(out, sizeof out, v, r, N, &io, 0);
    assert_non_null(strstr(out, "2000 symbols: 1990 synced, 5 syncing, 3 down, 2 rejected, "
                                "2208 ev/s | busiest: S1500USDT 120 ev/s"));
    assert_non_null(strstr(out, ", S7USDT 90 ev/s"));
    assert_non_null(strstr(out, " | logs/2026112323595.txt | drops 0"));
    size_t n = status_line(out, sizeof out, v, r, N, &io, 132);
    assert_true(n <= 132);
    assert_non_null(strstr(out, "busiest: S1500USDT"));
    assert_non_null(strstr(out, " | drops 0"));
}

static void test_status_summary_counts_and_symbols(void **state)
{
    (void)state;
    cap_symbol_view v[2] = {view("BTCUSDT", CAP_SYNCED, 7, 1), view("XYZUSDT", CAP_REJECTED, 0, 0)};
    cap_counters k = {.messages = 9, .malformed = 1, .records = 100};
    status_io io = io_of(0, 0, 0);
    mem m;
    mem_open(&m);
    status_summary(m.f, &k, v, 2, &io);
    mem_close(&m);
    assert_string_equal(m.text,
                        "orderbook: summary: 9 messages, 1 malformed, 100 records; files: 100 "
                        "lines written, 0 refused (queue full), 0 lost to I/O, 0 discarded, 1 "
                        "file in logs\n"
                        "orderbook:   BTCUSDT: 7 events applied, 1 resync, book 1000 bids 999 "
                        "asks\n"
                        "orderbook:   XYZUSDT: 0 events applied, 0 resyncs, book 0 bids 0 asks "
                        "(rejected)\n");
    free(m.text);
}

/* Issue 10 (12): "1 resync", "1 file", not "1 resyncs", "1 files". */
static void test_status_summary_plurals(void **state)
{
    (void)state;
    cap_symbol_view v[1] = {view("BTCUSDT", CAP_SYNCED, 1, 1)};
    v[0].bids = 1;
    v[0].asks = 2;
    cap_counters k = {.records = 3};
    status_io io = io_of(0, 0, 0);
    io.files = 2;
    mem m;
    mem_open(&m);
    status_summary(m.f, &k, v, 1, &io);
    mem_close(&m);
    assert_non_null(strstr(m.text, ", 2 files in logs\n"));
    assert_non_null(strstr(m.text, "BTCUSDT: 1 event applied, 1 resync, book 1 bid 2 asks\n"));
    free(m.text);
}

static void test_status_summary_says_first_that_records_were_lost(void **state)
{
    (void)state;
    cap_symbol_view v[1] = {view("BTCUSDT", CAP_SYNCED, 7, 0)};
    cap_counters k = {.records = 120};
    status_io io = io_of(1, 2, 17);
    assert_int_equal(status_lost(&io), 20);
    mem m;
    mem_open(&m);
    status_summary(m.f, &k, v, 1, &io);
    mem_close(&m);
    assert_memory_equal(m.text,
                        "orderbook: RECORDS LOST: 20 of 120 records are not in the files "
                        "(1 refused: queue full, 2 lost to I/O, 17 discarded at a stop)\n"
                        "orderbook: summary: ",
                        strlen("orderbook: RECORDS LOST: 20 of 120 records are not in the files "
                               "(1 refused: queue full, 2 lost to I/O, 17 discarded at a stop)\n"
                               "orderbook: summary: "));
    free(m.text);
}

static void test_status_summary_of_thousands_is_totals_then_news(void **state)
{
    (void)state;
    enum { N = 2000 };
    static cap_symbol_view v[N];
    static char names[N][16];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "S%zuUSDT", i);
        v[i] = view(names[i], CAP_SYNCED, 10, 0);
    }
    v[3].resyncs = 2;
    v[9].state = CAP_REJECTED;
    cap_counters k = {.records = 1};
    status_io io = io_of(0, 0, 0);
    mem m;
    mem_open(&m);
    status_summary(m.f, &k, v, N, &io);
    mem_close(&m);
    assert_int_equal(lines_in(m.text), 5);
    assert_non_null(strstr(m.text, "orderbook:   2000 symbols: 1999 synced, 0 syncing, 0 down, 1 "
                                   "rejected; 20000 events applied, 2 resyncs\n"
                                   "orderbook:   2 with something to say:\n"
                                   "orderbook:   S3USDT: 10 events applied, 2 resyncs"));
    assert_non_null(strstr(m.text, "orderbook:   S9USDT: 10 events applied, 0 resyncs, book 1000 "
                                   "bids 999 asks (rejected)\n"));
    free(m.text);
}

static void test_status_summary_json_is_one_line_in_the_contract_format(void **state)
{
    (void)state;
    cap_symbol_view v[2] = {view("BTCUSDT", CAP_SYNCED, 7, 1), view("ETHUSDT", CAP_DOWN, 0, 0)};
    cap_counters k = {
        .messages = 9, .malformed = 1, .records = 104, .trades = 5, .trades_missed = 2};
    status_io io = io_of(1, 2, 1);
    io.dir = "my \"logs\"\\x";
    mem m;
    mem_open(&m);
    status_summary_json(m.f, &k, v, 2, &io);
    mem_close(&m);
    assert_string_equal(m.text, "{\"summary\":{\"messages\":9,\"malformed\":1,\"records\":104,"
                                "\"trades\":5,\"trades_missed\":2,\"written\":100,\"refused\":1,"
                                "\"lost_io\":2,\"discarded\":1,"
                                "\"files\":1,\"dir\":\"my \\\"logs\\\"\\\\x\",\"symbols\":["
                                "{\"s\":\"BTCUSDT\",\"events\":7,\"resyncs\":1,\"bids\":1000,"
                                "\"asks\":999},{\"s\":\"ETHUSDT\",\"events\":0,\"resyncs\":0,"
                                "\"bids\":0,\"asks\":0}]}}\n");
    free(m.text);
}

/* Many symbols starting: how many are synced and, one snapshot per spacing for each still
 * syncing, about how long the rest takes. */
static void test_status_progress_estimates_the_initial_sync(void **state)
{
    (void)state;
    enum { N = 1503 };
    static cap_symbol_view v[N];
    static double r[N];
    for (size_t i = 0; i < N; i++)
        v[i] = view("S", i < 412 ? CAP_SYNCED : CAP_SYNCING, 0, 0);
    char out[128];
    /* 1091 syncing, one every 312.5 ms (spot at 100 levels): 341 s, ~6 min. */
    assert_int_equal(status_progress(out, sizeof out, v, N, 312500),
                     strlen("synced 412/1503, ~6 min left"));
    assert_string_equal(out, "synced 412/1503, ~6 min left");
    assert_int_equal(status_progress(out, sizeof out, v, N, 10000), strlen(out));
    assert_string_equal(out, "synced 412/1503, <1 min left");
    assert_int_equal(status_progress(out, sizeof out, v, N, 0), 0);
    assert_string_equal(out, "");
    for (size_t i = 0; i < N; i++)
        v[i].state = i < 1500 ? CAP_SYNCED : CAP_DOWN;
    assert_int_equal(status_progress(out, sizeof out, v, N, 312500), 0);
    /* On the status line, after the totals. */
    for (size_t i = 0; i < N; i++)
        v[i].state = i < 412 ? CAP_SYNCED : CAP_SYNCING;
    status_io io = io_of(0, 0, 0);
    io.snapshot_us = 312500;
    char line[4096];
    status_line(line, sizeof line, v, r, N, &io, 0);
    assert_non_null(strstr(line, "1503 symbols: 412 synced, 1091 syncing, 0 down, 0 rejected, "
                                 "0 ev/s; synced 412/1503, ~6 min left"));
}

static void test_status_line_shows_legs_up_of_wanted(void **state)
{
    (void)state;
    cap_symbol_view v[1] = {view("BTCUSDT", CAP_SYNCED, 1, 0)};
    double r[1] = {5};
    status_io io = io_of(0, 0, 0);
    io.legs_up = 1;
    io.legs_total = 2;
    char out[1024];
    status_line(out, sizeof out, v, r, 1, &io, 0);
    assert_non_null(strstr(out, "logs/2026112323595.txt | legs 1/2 | drops 0"));
    /* On a narrow terminal the legs stay with the file and the drops. */
    status_line(out, sizeof out, v, r, 1, &io, 60);
    assert_string_equal(out, "BTCUSDT 5 ev/s | 2026112323595.txt | legs 1/2 | drops 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_meter_rates_between_looks),
        cmocka_unit_test(test_status_meter_grows_for_symbols_that_join),
        cmocka_unit_test(test_status_line_few_symbols_one_by_one),
        cmocka_unit_test(test_status_line_shows_legs_up_of_wanted),
        cmocka_unit_test(test_status_line_cut_to_width_keeps_file_and_drops),
        cmocka_unit_test(test_status_line_says_first_that_records_are_lost),
        cmocka_unit_test(test_status_line_many_symbols_totals_and_busiest),
        cmocka_unit_test(test_status_summary_counts_and_symbols),
        cmocka_unit_test(test_status_summary_plurals),
        cmocka_unit_test(test_status_summary_says_first_that_records_were_lost),
        cmocka_unit_test(test_status_summary_of_thousands_is_totals_then_news),
        cmocka_unit_test(test_status_summary_json_is_one_line_in_the_contract_format),
        cmocka_unit_test(test_status_progress_estimates_the_initial_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
