/* orderbook-replay's pure text: record timestamps and heads, a person's times, JSON strings,
 * the symbol of a frame; and its command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rp_cli.h"
#include "rp_text.h"
#include "test_util.h"

#define S 1000000000LL

static int64_t ts(const char *s)
{
    int64_t ns = -1;
    assert_int_equal(rp_parse_ts(s, strlen(s), &ns), 0);
    return ns;
}

static void test_rp_parse_ts_reads_utc_and_offsets_to_the_microsecond(void **state)
{
    (void)state;
    assert_int_equal(ts("2026-11-23T23:59:59.123456Z"),
                     tu_utc_ns(2026, 11, 23, 23, 59, 59) + 123456000);
    assert_int_equal(ts("2026-11-24T00:59:59.123456+01:00"), ts("2026-11-23T23:59:59.123456Z"));
    assert_int_equal(ts("2026-11-23T20:29:59.000001-03:30"),
                     tu_utc_ns(2026, 11, 23, 23, 59, 59) + 1000);
    assert_int_equal(ts("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(ts("2024-02-29T12:00:00.5Z"), tu_utc_ns(2024, 2, 29, 12, 0, 0) + S / 2);
    int64_t ns;
    const char *bad[] = {"2026-11-23T23:59:59.123456",
                         "2026-11-23 23:59:59Z",
                         "2026-02-30T00:00:00Z",
                         "2026-11-23T24:00:00Z",
                         "2026-11-23T23:59Z",
                         "2026-11-23T23:59:59.Z",
                         "2026-11-23T23:59:59+0100",
                         "3000-01-01T00:00:00Z",
                         "1600-01-01T00:00:00Z",
                         "2026-11-23T23:59:59ZX",
                         "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (rp_parse_ts(bad[i], strlen(bad[i]), &ns) == 0)
            fail_msg("accepted %s", bad[i]);
}

/* Records of one second share their date and time of day: the parser reads that part once,
 * and each record's own fraction and zone still decide. */
static void test_rp_parse_ts_reads_each_of_a_second_by_its_own_fraction_and_zone(void **state)
{
    (void)state;
    int64_t second = tu_utc_ns(2026, 11, 23, 23, 59, 59), ns;
    assert_int_equal(ts("2026-11-23T23:59:59.100000Z"), second + S / 10);
    assert_int_equal(ts("2026-11-23T23:59:59.200000Z"), second + S / 5);
    assert_int_equal(ts("2026-11-23T23:59:59.5+01:00"), second - 3600 * S + S / 2);
    assert_int_equal(ts("2026-11-23T23:59:59Z"), second);
    const char *bad[] = {"2026-11-23T23:59:59", "2026-11-23T23:59:59.Z",
                         "2026-11-23T23:59:59.0000000001Z", "2026-11-23T23:59:59+0100",
                         "2026-11-23T23:59:59Zx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (rp_parse_ts(bad[i], strlen(bad[i]), &ns) == 0)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(ts("2026-11-23T23:59:58.000001Z"), second - S + 1000);
    assert_int_equal(rp_parse_ts("2026-11-23T23:59:60Z", 20, &ns), 0);
    assert_int_equal(rp_parse_ts("2026-11-23T23:59:61Z", 20, &ns), -1);
}

static void test_rp_parse_time_takes_what_a_person_types(void **state)
{
    (void)state;
    int64_t ns;
    assert_int_equal(rp_parse_time("2026-11-23T23:59Z", &ns), 0);
    assert_int_equal(ns, tu_utc_ns(2026, 11, 23, 23, 59, 0));
    assert_int_equal(rp_parse_time("2026-11-23 23:59:59.25+0100", &ns), 0);
    assert_int_equal(ns, tu_utc_ns(2026, 11, 23, 22, 59, 59) + S / 4);
    setenv("TZ", "UTC", 1);
    assert_int_equal(rp_parse_time("2026-11-23", &ns), 0);
    assert_int_equal(ns, tu_utc_ns(2026, 11, 23, 0, 0, 0));
    setenv("TZ", "Europe/Paris", 1);
    assert_int_equal(rp_parse_time("2026-07-01T12:00", &ns), 0);
    assert_int_equal(ns, tu_utc_ns(2026, 7, 1, 10, 0, 0));
    unsetenv("TZ");
    assert_int_equal(rp_parse_time("yesterday", &ns), -1);
    assert_int_equal(rp_parse_time("2026-11-23T7:00Z", &ns), -1);
}

static rp_head head(const char *line)
{
    rp_head h;
    if (rp_head_parse(line, strlen(line), &h) != 0)
        fail_msg("not a record: %s", line);
    return h;
}

static void test_rp_head_parse_reads_each_kind_of_record(void **state)
{
    (void)state;
    const char *frame =
        "{\"ts\":\"2026-11-23T23:59:59.000001Z\",\"event\":\"frame\",\"data\":{\"a\":1}}";
    rp_head h = head(frame);
    assert_int_equal(h.kind, RP_FRAME);
    assert_int_equal(h.ts_ns, tu_utc_ns(2026, 11, 23, 23, 59, 59) + 1000);
    assert_int_equal(h.data_len, 7);
    assert_memory_equal(h.data, "{\"a\":1}", 7);
    assert_string_equal(h.rest, frame + 34);
    h = head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"rest\",\"s\":\"BTCUSDT\",\"data\":"
             "\"x\\\"y\"}");
    assert_int_equal(h.kind, RP_REST);
    assert_string_equal(h.symbol, "BTCUSDT");
    assert_int_equal(h.data_len, 6);
    h = head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"depth\",\"s\":\"ETH-USD_1.X\",\"E\":1,"
             "\"U\":1001,\"u\":1005,\"bids\":[],\"asks\":[]}");
    assert_int_equal(h.kind, RP_DEPTH);
    assert_string_equal(h.symbol, "ETH-USD_1.X");
    assert_int_equal(h.id, 1005);
    h = head(
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"snapshot\",\"s\":\"A\",\"lastUpdateId\":7,"
        "\"bids\":[],\"asks\":[]}");
    assert_int_equal(h.kind, RP_SNAPSHOT);
    assert_int_equal(h.id, 7);
    assert_int_equal(head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"resync\",\"s\":\"A\","
                          "\"reason\":\"gap\"}")
                         .kind,
                     RP_RESYNC);
    assert_int_equal(head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"connected\"}").kind,
                     RP_CONNECTED);
    assert_int_equal(head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"disconnected\","
                          "\"reason\":\"x\"}")
                         .kind,
                     RP_DISCONNECTED);
    assert_int_equal(head("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"trade\",\"s\":\"A\"}").kind,
                     RP_OTHER);
}

static void test_rp_head_parse_refuses_lines_out_of_the_layout(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "not JSON",
        "{\"event\":\"frame\",\"ts\":\"2026-11-23T23:59:59Z\",\"data\":1}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"frame\",\"data\":{}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"frame\"}",
        "{\"ts\":\"yesterday\",\"event\":\"connected\"}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"rest\",\"s\":\"btcusdt\",\"data\":{}}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"depth\",\"s\":\"A\",\"bids\":[]}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"snapshot\",\"s\":\"A\",\"lastUpdateId\":x}",
        "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"depth\",\"s\":\"ABCDEFGHIJKLMNOPQRSTU\","
        "\"u\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rp_head h;
        if (rp_head_parse(bad[i], strlen(bad[i]), &h) == 0)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_rp_unescape_gives_back_the_bytes_record_escaped(void **state)
{
    (void)state;
    char out[64];
    const char *in = "a\\\"b\\\\c\\n\\u0000\\u001f\\u00e9\\ud83d\\ude00/";
    long n = rp_unescape(in, strlen(in), out);
    const char expected[] = "a\"b\\c\n\0\x1f\xc3\xa9\xf0\x9f\x98\x80/";
    assert_int_equal(n, sizeof expected - 1);
    assert_memory_equal(out, expected, sizeof expected - 1);
    const char *bad[] = {"a\"b", "\\", "\\x", "\\u12", "\\ud83d", "\\ude00", "tab\there"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (rp_unescape(bad[i], strlen(bad[i]), out) >= 0)
            fail_msg("accepted %s", bad[i]);
}

static void test_rp_frame_symbol_finds_s_of_a_depth_update(void **state)
{
    (void)state;
    char sym[DEPTH_SYMBOL_MAX + 1];
    const char *f =
        "{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\"}}";
    assert_int_equal(rp_frame_symbol(f, strlen(f), sym), 0);
    assert_string_equal(sym, "BTCUSDT");
    const char *none[] = {"{\"result\":null,\"id\":1}", "{\"s\":\"btc\"}", "{\"s\":\"BTC"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(rp_frame_symbol(none[i], strlen(none[i]), sym), -1);
}

static rp_cli_action parse(rp_cli *c, const char *line)
{
    static char buf[512];
    static char *argv[32];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = 0;
    for (char *w = strtok(buf, " "); w != NULL && argc < 31; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    return rp_cli_parse(argc, argv, c);
}

static void test_rp_cli_parses_every_option(void **state)
{
    (void)state;
    rp_cli c;
    assert_int_equal(parse(&c, "orderbook-replay -c x.conf --verify --depth 50 --at "
                               "2026-11-23T23:59:59Z --out dir -q a.txt b.txt.zst"),
                     RP_CLI_RUN);
    assert_string_equal(c.config, "x.conf");
    assert_true(c.verify && c.quiet && c.at);
    assert_int_equal(c.depth, 50);
    assert_int_equal(c.at_ns, tu_utc_ns(2026, 11, 23, 23, 59, 59));
    assert_string_equal(c.out, "dir");
    assert_int_equal(c.n_files, 2);
    assert_string_equal(c.files[1], "b.txt.zst");
    assert_int_equal(parse(&c, "orderbook-replay --depth=7 a"), RP_CLI_RUN);
    assert_int_equal(c.depth, 7);
    assert_int_equal(parse(&c, "orderbook-replay --help"), RP_CLI_HELP);
    assert_int_equal(parse(&c, "orderbook-replay -V"), RP_CLI_VERSION);
}

static void test_rp_cli_refuses_bad_usage_naming_it(void **state)
{
    (void)state;
    rp_cli c;
    const char *cases[][2] = {{"orderbook-replay", "no files given"},
                              {"orderbook-replay --depth 0 a", "--depth 0"},
                              {"orderbook-replay --depth 1001 a", "--depth 1001"},
                              {"orderbook-replay --depth 5x a", "--depth 5x"},
                              {"orderbook-replay --at noon a", "--at noon"},
                              {"orderbook-replay --bogus a", "unknown option --bogus"},
                              {"orderbook-replay a --out", "--out needs a value"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse(&c, cases[i][0]), RP_CLI_USAGE_ERROR);
        if (strstr(c.error, cases[i][1]) == NULL)
            fail_msg("%s: %s", cases[i][0], c.error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rp_parse_ts_reads_utc_and_offsets_to_the_microsecond),
        cmocka_unit_test(test_rp_parse_ts_reads_each_of_a_second_by_its_own_fraction_and_zone),
        cmocka_unit_test(test_rp_parse_time_takes_what_a_person_types),
        cmocka_unit_test(test_rp_head_parse_reads_each_kind_of_record),
        cmocka_unit_test(test_rp_head_parse_refuses_lines_out_of_the_layout),
        cmocka_unit_test(test_rp_unescape_gives_back_the_bytes_record_escaped),
        cmocka_unit_test(test_rp_frame_symbol_finds_s_of_a_depth_update),
        cmocka_unit_test(test_rp_cli_parses_every_option),
        cmocka_unit_test(test_rp_cli_refuses_bad_usage_naming_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
