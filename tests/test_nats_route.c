/* Subjects and Nats-Msg-Ids derived from record lines, and the ts a record is archived by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"
#include "stamp.h"
#include "test_util.h"

static route of(const char *line)
{
    route r;
    assert_int_equal(route_of(line, strlen(line), "depthlog", "spot", &r), 0);
    return r;
}

static void test_route_depth_uses_u(void **state)
{
    (void)state;
    route r =
        of("{\"ts\":\"2026-11-23T23:59:59.123456+01:00\",\"event\":\"depth\",\"s\":\"BTCUSDT\","
           "\"E\":1763938799123,\"U\":1001,\"u\":1005,\"bids\":[[\"1.0\",\"2\"]],"
           "\"asks\":[]}");
    assert_string_equal(r.subject, "depthlog.spot.BTCUSDT.depth");
    assert_string_equal(r.msg_id, "spot:BTCUSDT:depth:1005");
}

static void test_route_same_event_same_id_whatever_the_ts(void **state)
{
    (void)state;
    route a = of("{\"ts\":\"2026-11-23T23:59:59.000001Z\",\"event\":\"depth\",\"s\":\"ETHBTC\","
                 "\"E\":1,\"U\":7,\"u\":9,\"bids\":[],\"asks\":[]}");
    route b = of("{\"ts\":\"2026-11-23T23:59:59.004000Z\",\"event\":\"depth\",\"s\":\"ETHBTC\","
                 "\"E\":1,\"U\":7,\"u\":9,\"bids\":[],\"asks\":[]}");
    assert_string_equal(a.msg_id, b.msg_id);
    assert_string_equal(a.subject, b.subject);
}

static void test_route_snapshot_uses_last_update_id(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"snapshot\",\"s\":\"BTCUSDT\","
                 "\"lastUpdateId\":1000,\"bids\":[],\"asks\":[]}");
    assert_string_equal(r.subject, "depthlog.spot.BTCUSDT.snapshot");
    assert_string_equal(r.msg_id, "spot:BTCUSDT:snapshot:1000");
}

static void test_route_trade_uses_trade_id(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"trade\",\"s\":\"BTCUSDT\","
                 "\"E\":5,\"T\":4,\"t\":12345,\"p\":\"37000.01\",\"q\":\"0.5\",\"m\":true}");
    assert_string_equal(r.subject, "depthlog.spot.BTCUSDT.trade");
    assert_string_equal(r.msg_id, "spot:BTCUSDT:trade:12345");
}

static void test_route_connection_records_have_no_symbol(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"connected\"}");
    assert_string_equal(r.subject, "depthlog.spot._.connected");
    assert_string_equal(r.msg_id, "spot:_:connected:2026-11-23T23:59:59.123456Z");
    r = of("{\"ts\":\"2026-11-23T23:59:59.1Z\",\"event\":\"disconnected\",\"market\":\"spot\","
           "\"leg\":\"b\",\"reason\":\"closed \\\"by\\\" peer\"}");
    assert_string_equal(r.subject, "depthlog.spot._.disconnected");
    assert_string_equal(r.msg_id, "spot:_:disconnected:2026-11-23T23:59:59.1Z");
}

static void test_route_resync_is_one_hosts_fact(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"resync\",\"s\":\"BTCUSDT\","
                 "\"reason\":\"gap\"}");
    assert_string_equal(r.subject, "depthlog.spot.BTCUSDT.resync");
    assert_string_equal(r.msg_id, "spot:BTCUSDT:resync:2026-11-23T23:59:59.123456Z");
}

static void test_route_frame_uses_stream_and_u(void **state)
{
    (void)state;
    /* Keys in the server's order, a nested "u" in a string and arrays before the real one. */
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"frame\",\"data\":"
                 "{\"stream\":\"bnbbtc@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
                 "\"b\":[[\"0.0024\",\"10\"]],\"x\":\"\\\"u\\\":1\",\"E\":1,\"s\":\"BNBBTC\","
                 "\"U\":157,\"u\":160,\"a\":[]}}}");
    assert_string_equal(r.subject, "depthlog.spot.BNBBTC.frame");
    assert_string_equal(r.msg_id, "spot:BNBBTC:frame:bnbbtc@depth@100ms:160");
}

static void test_route_frame_without_event_uses_ts(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"frame\",\"data\":"
                 "{\"result\":null,\"id\":1}}");
    assert_string_equal(r.subject, "depthlog.spot._.frame");
    assert_string_equal(r.msg_id, "spot:_:frame:2026-11-23T23:59:59.123456Z");
    /* A frame that was not JSON is kept as a string. */
    r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"frame\",\"data\":\"{oops\"}");
    assert_string_equal(r.subject, "depthlog.spot._.frame");
}

static void test_route_rest_uses_last_update_id(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59.123456Z\",\"event\":\"rest\",\"s\":\"BTCUSDT\","
                 "\"data\":{\"lastUpdateId\":1027024,\"bids\":[],\"asks\":[]}}");
    assert_string_equal(r.subject, "depthlog.spot.BTCUSDT.rest");
    assert_string_equal(r.msg_id, "spot:BTCUSDT:rest:1027024");
}

static void test_route_reserved_characters_leave_the_subject(void **state)
{
    (void)state;
    route r = of("{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"depth\",\"s\":\"A.B\",\"u\":3}");
    assert_string_equal(r.subject, "depthlog.spot.A_B.depth");
    assert_string_equal(r.msg_id, "spot:A.B:depth:3");
}

static void test_route_not_a_record(void **state)
{
    (void)state;
    route r;
    const char *bad[] = {
        "", "{}", "not json", "{\"ts\":\"x\"}", "{\"event\":1}", "[\"event\",\"depth\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(route_of(bad[i], strlen(bad[i]), "p", "spot", &r), -1);
    char longsym[600] = "{\"event\":\"depth\",\"s\":\"";
    memset(longsym + strlen(longsym), 'A', 400);
    strcat(longsym, "\",\"u\":1}");
    assert_int_equal(route_of(longsym, strlen(longsym), "p", "spot", &r), -1);
}

static void test_stamp_parses_offsets_and_fractions(void **state)
{
    (void)state;
    int64_t ns;
    const char *z = "{\"ts\":\"2026-11-23T22:59:59.123456Z\",\"event\":\"x\"}";
    assert_int_equal(stamp_of(z, strlen(z), &ns), 0);
    assert_true(ns == tu_utc_ns(2026, 11, 23, 22, 59, 59) + 123456000LL);
    const char *plus = "{\"ts\":\"2026-11-23T23:59:59.123456+01:00\",\"event\":\"x\"}";
    int64_t ns2;
    assert_int_equal(stamp_of(plus, strlen(plus), &ns2), 0);
    assert_true(ns2 == ns);
    const char *minus = "2026-11-23T17:29:59.123456-05:30";
    assert_int_equal(stamp_parse(minus, strlen(minus), &ns2), 0);
    assert_true(ns2 == ns);
    assert_int_equal(stamp_parse("1970-01-01T00:00:00Z", 20, &ns2), 0);
    assert_true(ns2 == 0);
    assert_int_equal(stamp_parse("1969-12-31T23:59:59.5Z", 22, &ns2), 0);
    assert_true(ns2 == -500000000LL);
}

static void test_stamp_rejects_what_is_not_a_ts(void **state)
{
    (void)state;
    int64_t ns;
    const char *bad[] = {"2026-11-23 22:59:59Z",     "2026-13-23T22:59:59Z",
                         "2026-11-23T22:59:59",      "2026-11-23T22:59:59.Z",
                         "2026-11-23T22:59:59+0100", "2026-11-23T22:59:59.1234567890Z",
                         "2026-11-23T22:59:59Zx"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(stamp_parse(bad[i], strlen(bad[i]), &ns), -1);
    const char *nots = "{\"event\":\"x\",\"ts\":\"2026-11-23T22:59:59Z\"}";
    assert_int_equal(stamp_of(nots, strlen(nots), &ns), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_depth_uses_u),
        cmocka_unit_test(test_route_same_event_same_id_whatever_the_ts),
        cmocka_unit_test(test_route_snapshot_uses_last_update_id),
        cmocka_unit_test(test_route_trade_uses_trade_id),
        cmocka_unit_test(test_route_connection_records_have_no_symbol),
        cmocka_unit_test(test_route_resync_is_one_hosts_fact),
        cmocka_unit_test(test_route_frame_uses_stream_and_u),
        cmocka_unit_test(test_route_frame_without_event_uses_ts),
        cmocka_unit_test(test_route_rest_uses_last_update_id),
        cmocka_unit_test(test_route_reserved_characters_leave_the_subject),
        cmocka_unit_test(test_route_not_a_record),
        cmocka_unit_test(test_stamp_parses_offsets_and_fractions),
        cmocka_unit_test(test_stamp_rejects_what_is_not_a_ts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
