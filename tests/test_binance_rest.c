/* Binance's REST rules: what a response means, weights, spacing, endpoints per market. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "binance_rest.h"

static brest_verdict judge(int status, const char *body, const char *retry_after)
{
    return brest_judge(status, body, body ? strlen(body) : 0, retry_after);
}

static void test_brest_judge_200_is_ok(void **state)
{
    (void)state;
    brest_verdict v = judge(200, "{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}", NULL);
    assert_int_equal(v.kind, BREST_OK);
}

static void test_brest_judge_429_and_418_wait_for_retry_after(void **state)
{
    (void)state;
    brest_verdict v = judge(429, "{\"code\":-1003}", "7");
    assert_int_equal(v.kind, BREST_RETRY_AFTER);
    assert_int_equal(v.delay_ms, 7000);
    v = judge(418, "{\"code\":-1003}", "120");
    assert_int_equal(v.kind, BREST_RETRY_AFTER);
    assert_int_equal(v.delay_ms, 120000);
}

static void test_brest_judge_bad_or_missing_retry_after_waits_the_default(void **state)
{
    (void)state;
    const char *bad[] = {NULL,         "", "soon", "-3", "5x", "Wed, 21 Oct 2026 07:28:00 GMT",
                         "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        brest_verdict v = judge(429, "", bad[i]);
        assert_int_equal(v.kind, BREST_RETRY_AFTER);
        assert_int_equal(v.delay_ms, BREST_RETRY_AFTER_DEFAULT_S * 1000);
    }
    assert_int_equal(judge(429, "", "0").delay_ms, 0);
    assert_int_equal(judge(429, "", "3 ").delay_ms, 3000);
}

static void test_brest_judge_451_is_region_blocked(void **state)
{
    (void)state;
    brest_verdict v = judge(451, "{\"code\":0,\"msg\":\"restricted location\"}", NULL);
    assert_int_equal(v.kind, BREST_REGION_BLOCKED);
    assert_int_equal(v.delay_ms, BREST_REGION_RETRY_MS);
}

static void test_brest_judge_400_minus_1121_is_unknown_symbol_only(void **state)
{
    (void)state;
    assert_int_equal(judge(400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", NULL).kind,
                     BREST_UNKNOWN_SYMBOL);
    /* Another 400 (a bad limit, say) is not the symbol's fault: back off and retry. */
    assert_int_equal(judge(400, "{\"code\":-1100,\"msg\":\"Illegal characters\"}", NULL).kind,
                     BREST_BACK_OFF);
    assert_int_equal(judge(400, NULL, NULL).kind, BREST_BACK_OFF);
}

static void test_brest_judge_body_need_not_be_terminated(void **state)
{
    (void)state;
    const char body[] = {'{', '"', 'c', '"', ':', '-', '1', '1', '2', '1', 'X'};
    assert_int_equal(brest_judge(400, body, sizeof body, NULL).kind, BREST_UNKNOWN_SYMBOL);
    /* Cut before the code: not found. */
    assert_int_equal(brest_judge(400, body, 8, NULL).kind, BREST_BACK_OFF);
}

static void test_brest_judge_anything_else_backs_off(void **state)
{
    (void)state;
    int statuses[] = {500, 502, 503, 504, 403, 404, 301, 0};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        brest_verdict v = judge(statuses[i], "oops", NULL);
        assert_int_equal(v.kind, BREST_BACK_OFF);
        assert_int_equal(v.delay_ms, 0);
    }
}

static void test_brest_explain_names_cause_and_remedy(void **state)
{
    (void)state;
    char out[700];
    brest_verdict v = judge(451, "", NULL);
    brest_explain(v, 451, "", 0, "api.binance.com", "BTCUSDT", out, sizeof out);
    assert_non_null(strstr(out, "HTTP 451 from api.binance.com"));
    assert_non_null(strstr(out, "blocks this region"));
    assert_non_null(strstr(out, "api.binance.us"));
    assert_non_null(strstr(out, "data-stream.binance.vision"));

    const char *body = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
    v = judge(400, body, NULL);
    brest_explain(v, 400, body, strlen(body), "h", "NOPEUSDT", out, sizeof out);
    assert_non_null(strstr(out, "does not know the symbol NOPEUSDT"));
    assert_non_null(strstr(out, "-1121"));

    v = judge(418, "", "120");
    brest_explain(v, 418, "", 0, "h", "X", out, sizeof out);
    assert_non_null(strstr(out, "banned"));
    assert_non_null(strstr(out, "120 s (Retry-After)"));

    v = judge(429, "", "1");
    brest_explain(v, 429, "", 0, "h", "X", out, sizeof out);
    assert_non_null(strstr(out, "rate limited"));
}

static void test_brest_explain_cuts_long_bodies_and_small_buffers(void **state)
{
    (void)state;
    char body[1000];
    memset(body, 'x', sizeof body);
    char out[700];
    brest_explain(judge(500, NULL, NULL), 500, body, sizeof body, "h", "S", out, sizeof out);
    assert_true(strlen(out) < 300); /* 200 bytes of body at most */
    char tiny[8];
    brest_explain(judge(500, NULL, NULL), 500, body, sizeof body, "h", "S", tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 7);
}

static void test_brest_depth_weight_follows_binance_tables(void **state)
{
    (void)state;
    assert_int_equal(brest_depth_weight(BREST_SPOT, 1), 5);
    assert_int_equal(brest_depth_weight(BREST_SPOT, 100), 5);
    assert_int_equal(brest_depth_weight(BREST_SPOT, 101), 25);
    assert_int_equal(brest_depth_weight(BREST_SPOT, 500), 25);
    assert_int_equal(brest_depth_weight(BREST_SPOT, 1000), 50);
    assert_int_equal(brest_depth_weight(BREST_SPOT, 5000), 250);
    for (int m = BREST_USDM; m <= BREST_COINM; m++) {
        assert_int_equal(brest_depth_weight((brest_market)m, 5), 2);
        assert_int_equal(brest_depth_weight((brest_market)m, 50), 2);
        assert_int_equal(brest_depth_weight((brest_market)m, 100), 5);
        assert_int_equal(brest_depth_weight((brest_market)m, 500), 10);
        assert_int_equal(brest_depth_weight((brest_market)m, 1000), 20);
    }
}

static void test_brest_spacing_spreads_our_share_over_the_minute(void **state)
{
    (void)state;
    /* spot, 1000 levels: 6000 * 80% / 50 = 96 a minute */
    assert_int_equal(brest_spacing_us(BREST_SPOT, 1000), 625000);
    /* spot, 5000 levels: 4800 / 250 = 19 a minute */
    assert_int_equal(brest_spacing_us(BREST_SPOT, 5000), 60000000 / 19);
    /* futures, 1000 levels: 2400 * 80% / 20 = 96 a minute */
    assert_int_equal(brest_spacing_us(BREST_USDM, 1000), 625000);
    assert_int_equal(brest_spacing_us(BREST_COINM, 100), 60000000 / 384);
    assert_int_equal(brest_weight_budget(BREST_SPOT), 6000);
    assert_int_equal(brest_weight_budget(BREST_USDM), 2400);
}

/* exchangeInfo weighs 20 on spot and 1 on futures (Binance's docs), and holds the next request
 * for its own weight's share: spot 4800 / 20 = 240 a minute, USD-M 1920 a minute. */
static void test_brest_exchange_info_weight_and_spacing(void **state)
{
    (void)state;
    assert_int_equal(brest_exchange_info_weight(BREST_SPOT), 20);
    assert_int_equal(brest_exchange_info_weight(BREST_USDM), 1);
    assert_int_equal(brest_exchange_info_weight(BREST_COINM), 1);
    assert_int_equal(brest_weight_spacing_us(BREST_SPOT, brest_exchange_info_weight(BREST_SPOT)),
                     250000);
    assert_int_equal(brest_weight_spacing_us(BREST_USDM, brest_exchange_info_weight(BREST_USDM)),
                     60000000 / 1920);
}

/* A response to exchangeInfo (no symbol) is named as exchangeInfo's, never a snapshot's. */
static void test_brest_explain_names_exchange_info(void **state)
{
    (void)state;
    char out[700];
    brest_explain(judge(503, NULL, NULL), 503, "busy", 4, "h", NULL, out, sizeof out);
    assert_string_equal(out, "exchangeInfo: HTTP 503 from h: busy; retrying");
    brest_explain(judge(200, NULL, NULL), 200, "{}", 2, "h", NULL, out, sizeof out);
    assert_string_equal(out, "exchangeInfo from h");
}

static void test_brest_weight_pause_only_near_the_budget(void **state)
{
    (void)state;
    assert_int_equal(brest_weight_pause_ms(BREST_SPOT, 0), 0);
    assert_int_equal(brest_weight_pause_ms(BREST_SPOT, 4799), 0);
    assert_int_equal(brest_weight_pause_ms(BREST_SPOT, 4800), BREST_WEIGHT_PAUSE_MS);
    assert_int_equal(brest_weight_pause_ms(BREST_USDM, 1919), 0);
    assert_int_equal(brest_weight_pause_ms(BREST_USDM, 1920), BREST_WEIGHT_PAUSE_MS);
}

static void test_brest_depth_path_per_market(void **state)
{
    (void)state;
    char out[256];
    brest_depth_path(BREST_SPOT, "", "BTCUSDT", 1000, out, sizeof out);
    assert_string_equal(out, "/api/v3/depth?symbol=BTCUSDT&limit=1000");
    brest_depth_path(BREST_USDM, "/proxy", "BTCUSDT", 500, out, sizeof out);
    assert_string_equal(out, "/proxy/fapi/v1/depth?symbol=BTCUSDT&limit=500");
    brest_depth_path(BREST_COINM, "", "BTCUSD_PERP", 100, out, sizeof out);
    assert_string_equal(out, "/dapi/v1/depth?symbol=BTCUSD_PERP&limit=100");
    char small[10];
    size_t n = brest_depth_path(BREST_SPOT, "", "BTCUSDT", 1000, small, sizeof small);
    assert_int_equal(n, strlen("/api/v3/depth?symbol=BTCUSDT&limit=1000"));
    assert_int_equal(strlen(small), 9);
}

static void test_brest_default_endpoints_per_market(void **state)
{
    (void)state;
    assert_string_equal(brest_default_ws_url(BREST_SPOT), "wss://stream.binance.com:9443");
    assert_string_equal(brest_default_rest_url(BREST_SPOT), "https://api.binance.com");
    assert_string_equal(brest_default_ws_url(BREST_USDM), "wss://fstream.binance.com");
    assert_string_equal(brest_default_rest_url(BREST_USDM), "https://fapi.binance.com");
    assert_string_equal(brest_default_ws_url(BREST_COINM), "wss://dstream.binance.com");
    assert_string_equal(brest_default_rest_url(BREST_COINM), "https://dapi.binance.com");
}

/* Futures take only 5/10/20/50/100/500/1000: another limit is rounded up (spot is left). */
static void test_brest_depth_limit_rounds_futures_up_to_an_allowed_one(void **state)
{
    (void)state;
    assert_int_equal(brest_depth_limit(BREST_SPOT, 200), 200);
    assert_int_equal(brest_depth_limit(BREST_SPOT, 5000), 5000);
    assert_int_equal(brest_depth_limit(BREST_USDM, 5), 5);
    assert_int_equal(brest_depth_limit(BREST_USDM, 6), 10);
    assert_int_equal(brest_depth_limit(BREST_COINM, 100), 100);
    assert_int_equal(brest_depth_limit(BREST_COINM, 200), 500);
    assert_int_equal(brest_depth_limit(BREST_USDM, 501), 1000);
    assert_int_equal(brest_depth_limit(BREST_USDM, 5000), 1000);
    char out[256];
    brest_depth_path(BREST_USDM, "", "BTCUSDT", 200, out, sizeof out);
    assert_string_equal(out, "/fapi/v1/depth?symbol=BTCUSDT&limit=500");
    /* The weight of what is asked for: 200 costs what 500 does. */
    assert_int_equal(brest_depth_weight(BREST_USDM, 200), brest_depth_weight(BREST_USDM, 500));
}

static void test_brest_exchange_info_path_per_market(void **state)
{
    (void)state;
    char out[256];
    brest_exchange_info_path(BREST_SPOT, "", out, sizeof out);
    assert_string_equal(out, "/api/v3/exchangeInfo?symbolStatus=TRADING&permissions=SPOT");
    brest_exchange_info_path(BREST_USDM, "/p", out, sizeof out);
    assert_string_equal(out, "/p/fapi/v1/exchangeInfo");
    brest_exchange_info_path(BREST_COINM, "", out, sizeof out);
    assert_string_equal(out, "/dapi/v1/exchangeInfo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brest_judge_200_is_ok),
        cmocka_unit_test(test_brest_judge_429_and_418_wait_for_retry_after),
        cmocka_unit_test(test_brest_judge_bad_or_missing_retry_after_waits_the_default),
        cmocka_unit_test(test_brest_judge_451_is_region_blocked),
        cmocka_unit_test(test_brest_judge_400_minus_1121_is_unknown_symbol_only),
        cmocka_unit_test(test_brest_judge_body_need_not_be_terminated),
        cmocka_unit_test(test_brest_judge_anything_else_backs_off),
        cmocka_unit_test(test_brest_explain_names_cause_and_remedy),
        cmocka_unit_test(test_brest_explain_cuts_long_bodies_and_small_buffers),
        cmocka_unit_test(test_brest_depth_weight_follows_binance_tables),
        cmocka_unit_test(test_brest_spacing_spreads_our_share_over_the_minute),
        cmocka_unit_test(test_brest_exchange_info_weight_and_spacing),
        cmocka_unit_test(test_brest_explain_names_exchange_info),
        cmocka_unit_test(test_brest_weight_pause_only_near_the_budget),
        cmocka_unit_test(test_brest_depth_path_per_market),
        cmocka_unit_test(test_brest_default_endpoints_per_market),
        cmocka_unit_test(test_brest_depth_limit_rounds_futures_up_to_an_allowed_one),
        cmocka_unit_test(test_brest_exchange_info_path_per_market),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
