/* Records are exactly the lines DESIGN.md shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "record.h"
#include "test_util.h"

static void set(book *b, book_side_id s, const char *px, const char *qty)
{
    int64_t p;
    assert_int_equal(dec_parse(px, strlen(px), &p), 0);
    assert_int_equal(book_set(b, s, p, px, strlen(px), qty, strlen(qty), 0), 0);
}

static const int64_t T = 1763938799123456789LL; /* 2025-11-23T22:59:59.123456789Z */

static void test_record_depth_line_is_exact(void **state)
{
    (void)state;
    rec_writer w;
    rec_init(&w, 2, 1);
    book b;
    book_init(&b);
    set(&b, BOOK_BID, "37000.01000000", "1.50000000");
    set(&b, BOOK_BID, "36999.00000000", "2.00000000");
    set(&b, BOOK_BID, "36998.00000000", "3.00000000");
    set(&b, BOOK_ASK, "37001.00000000", "0.10000000");
    depth_event ev = {
        .symbol = "BTCUSDT", .event_ms = 1763938799123, .first_id = 1001, .last_id = 1005};
    size_t n = rec_depth(&w, T, "BTCUSDT", &ev, &b);
    const char *want = "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"depth\","
                       "\"s\":\"BTCUSDT\",\"E\":1763938799123,\"U\":1001,\"u\":1005,"
                       "\"bids\":[[\"37000.01000000\",\"1.50000000\"],[\"36999.00000000\","
                       "\"2.00000000\"]],\"asks\":[[\"37001.00000000\",\"0.10000000\"]]}";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(w.line.p, want, n);
    n = rec_snapshot(&w, T, "BTCUSDT", 1000, &b);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"snapshot\","
                                  "\"s\":\"BTCUSDT\",\"lastUpdateId\":1000,\"bids\":[[\"37000."
                                  "01000000\",\"1.50000000\"],[\"36999.00000000\",\"2.00000000\"]"
                                  "],\"asks\":[[\"37001.00000000\",\"0.10000000\"]]}");
    book_free(&b);
    rec_free(&w);
}

static void test_record_event_lines_are_exact(void **state)
{
    (void)state;
    rec_writer w;
    rec_init(&w, 5, 1);
    size_t n = rec_resync(&w, T, "ETHUSDT", "gap");
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"resync\","
                                  "\"s\":\"ETHUSDT\",\"reason\":\"gap\"}");
    n = rec_connected(&w, T);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p,
                        "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"connected\"}");
    n = rec_connected_on(&w, T, "usdm", "a", "wss://fstream.binance.com/public/stream");
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"connected\","
                                  "\"market\":\"usdm\",\"leg\":\"a\",\"url\":"
                                  "\"wss://fstream.binance.com/public/stream\"}");
    n = rec_disconnected_on(&w, T, "coinm", "b", "gone");
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":"
                                  "\"disconnected\",\"market\":\"coinm\",\"leg\":\"b\",\"reason\":"
                                  "\"gone\"}");
    n = rec_disconnected(&w, T, "closed \"abruptly\"\n");
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":"
                                  "\"disconnected\",\"reason\":\"closed \\\"abruptly\\\"\\n\"}");
    rec_free(&w);
}

static void test_record_raw_data_verbatim_or_as_string(void **state)
{
    (void)state;
    rec_writer w;
    rec_init(&w, 5, 1);
    const char *frame = "{\"stream\":\"x\",\"data\":{\"a\":[1, 2]}}";
    size_t n = rec_frame(&w, T, frame, strlen(frame), 1);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"frame\","
                                  "\"data\":{\"stream\":\"x\",\"data\":{\"a\":[1, 2]}}}");
    n = rec_frame(&w, T, "{broken", 7, 0);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"frame\","
                                  "\"data\":\"{broken\"}");
    n = rec_rest(&w, T, "BTCUSDT", "{\"a\":\n1}", 8, 1);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p, "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"rest\","
                                  "\"s\":\"BTCUSDT\",\"data\":\"{\\\"a\\\":\\n1}\"}");
    rec_free(&w);
}

/* What cJSON parses (is_json) but JSON forbids must not reach a record verbatim: such a frame
 * is kept as a string, so the record stays valid JSON (found by fuzz/fuzz_depth_book). */
static void test_record_raw_data_that_cjson_tolerates_is_kept_as_a_string(void **state)
{
    (void)state;
    rec_writer w;
    rec_init(&w, 5, 1);
    static const struct {
        const char *data;
        size_t len;
        const char *want; /* the data member of the record */
    } cases[] = {
        {"{\"a\":\"x\001y\"}", 11, "\"{\\\"a\\\":\\\"x\\u0001y\\\"}\""},
        {"{\"a\":\"x\ty\"}", 11, "\"{\\\"a\\\":\\\"x\\u0009y\\\"}\""},
        {"{\"a\":1}\0", 8, "\"{\\\"a\\\":1}\\u0000\""},
        {"{\001\"a\":1}", 8, "\"{\\u0001\\\"a\\\":1}\""},
        {"{\"a\":+1}", 8, "\"{\\\"a\\\":+1}\""},
        {"{\"a\":01}", 8, "\"{\\\"a\\\":01}\""},
        {"{\"a\":1.}", 8, "\"{\\\"a\\\":1.}\""},
        {"{\"a\":.5}", 8, "\"{\\\"a\\\":.5}\""},
        {"{\"a\":-.5}", 9, "\"{\\\"a\\\":-.5}\""},
        {"{\"a\":1.e5}", 10, "\"{\\\"a\\\":1.e5}\""},
        {"{\"a\":\"\\u00g0\"}", 14, "\"{\\\"a\\\":\\\"\\\\u00g0\\\"}\""},
        {"{\"a\":\"\\u12\"}", 12, "\"{\\\"a\\\":\\\"\\\\u12\\\"}\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = rec_frame(&w, T, cases[i].data, cases[i].len, 1);
        char want[256];
        snprintf(want, sizeof want,
                 "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"frame\","
                 "\"data\":%s}",
                 cases[i].want);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(w.line.p, want, n);
    }
    /* Strict JSON with every kind of token and white space stays as it is. */
    const char *strict = "{\"a\": [true,\tfalse, null, -0.5e-3, 10, 0, 1E+2, \"\\u0001\\\"\"]}";
    size_t n = rec_frame(&w, T, strict, strlen(strict), 1);
    w.line.p[n] = '\0';
    char want[256];
    snprintf(want, sizeof want,
             "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"frame\","
             "\"data\":%s}",
             strict);
    assert_string_equal(w.line.p, want);
    rec_free(&w);
}

static void test_record_ts_local_offset_and_six_digits(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    rec_writer w;
    rec_init(&w, 5, 0);
    char ts[REC_TS_MAX];
    rec_timestamp(&w, T, ts);
    assert_string_equal(ts, "2025-11-23T23:59:59.123456+01:00");
    rec_timestamp(&w, tu_utc_ns(2026, 7, 1, 12, 0, 0) + 5000, ts);
    assert_string_equal(ts, "2026-07-01T14:00:00.000005+02:00");
    setenv("TZ", "America/Sao_Paulo", 1);
    tzset();
    rec_init(&w, 5, 0);
    rec_timestamp(&w, tu_utc_ns(2026, 7, 1, 12, 0, 0), ts);
    assert_string_equal(ts, "2026-07-01T09:00:00.000000-03:00");
    rec_free(&w);
}

static void test_record_trade_line_is_exact(void **state)
{
    (void)state;
    rec_writer w;
    rec_init(&w, 5, 1);
    trade_event t = {.symbol = "BTCUSDT",
                     .event_ms = 1763938799123,
                     .trade_ms = 1763938799120,
                     .id = 12345,
                     .px = "37000.01",
                     .px_len = 8,
                     .qty = "0.5",
                     .qty_len = 3,
                     .buyer_maker = 1};
    size_t n = rec_trade(&w, T, &t);
    w.line.p[n] = '\0';
    assert_string_equal(w.line.p,
                        "{\"ts\":\"2025-11-23T22:59:59.123456Z\",\"event\":\"trade\",\"s\":"
                        "\"BTCUSDT\",\"E\":1763938799123,\"T\":1763938799120,\"t\":12345,"
                        "\"p\":\"37000.01\",\"q\":\"0.5\",\"m\":true}");
    t.buyer_maker = 0;
    n = rec_trade(&w, T, &t);
    w.line.p[n] = '\0';
    assert_non_null(strstr(w.line.p, "\"m\":false}"));
    rec_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_depth_line_is_exact),
        cmocka_unit_test(test_record_event_lines_are_exact),
        cmocka_unit_test(test_record_trade_line_is_exact),
        cmocka_unit_test(test_record_raw_data_verbatim_or_as_string),
        cmocka_unit_test(test_record_raw_data_that_cjson_tolerates_is_kept_as_a_string),
        cmocka_unit_test(test_record_ts_local_offset_and_six_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
