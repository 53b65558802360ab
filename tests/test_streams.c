/* Which streams ride which websocket and how they are asked for: names, the connection path,
 * SUBSCRIBE messages and their answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "streams.h"

static const streams_spec spot100 = {BREST_SPOT, 100, 0};

static void test_streams_name_lowercases_and_picks_the_speed(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(streams_name(&spot100, "BTCUSDT", out, sizeof out), 19);
    assert_string_equal(out, "btcusdt@depth@100ms");
    streams_name(&spot100, "ETH-BTC.X_1", out, sizeof out);
    assert_string_equal(out, "eth-btc.x_1@depth@100ms");
    streams_name(&(streams_spec){BREST_SPOT, 1000, 0}, "BNBBTC", out, sizeof out);
    assert_string_equal(out, "bnbbtc@depth");
}

static void test_streams_name_on_futures_speeds(void **state)
{
    (void)state;
    char out[64];
    streams_name(&(streams_spec){BREST_USDM, 100, 0}, "BTCUSDT", out, sizeof out);
    assert_string_equal(out, "btcusdt@depth@100ms");
    streams_name(&(streams_spec){BREST_USDM, 250, 0}, "BTCUSDT", out, sizeof out);
    assert_string_equal(out, "btcusdt@depth");
    streams_name(&(streams_spec){BREST_COINM, 500, 0}, "BTCUSD_PERP", out, sizeof out);
    assert_string_equal(out, "btcusd_perp@depth@500ms");
}

static void test_streams_conn_path_never_grows_with_symbols(void **state)
{
    (void)state;
    char out[64];
    streams_conn_path(&spot100, "", out, sizeof out);
    assert_string_equal(out, "/stream");
    streams_conn_path(&spot100, "/base", out, sizeof out);
    assert_string_equal(out, "/base/stream");
    /* USD-M depth is routed to /public since 2026; COIN-M keeps /stream. */
    streams_conn_path(&(streams_spec){BREST_USDM, 100, 0}, "", out, sizeof out);
    assert_string_equal(out, "/public/stream");
    streams_conn_path(&(streams_spec){BREST_COINM, 100, 0}, "", out, sizeof out);
    assert_string_equal(out, "/stream");
}

static void test_streams_for_conn_takes_up_to_1024(void **state)
{
    (void)state;
    assert_int_equal(streams_for_conn(0), 0);
    assert_int_equal(streams_for_conn(1), 1);
    assert_int_equal(streams_for_conn(1024), 1024);
    assert_int_equal(streams_for_conn(1025), 1024);
    assert_int_equal(streams_for_conn(5000), STREAMS_PER_CONN);
}

static void test_streams_subscribe_is_the_json_binance_wants(void **state)
{
    (void)state;
    const char *symbols[] = {"BTCUSDT", "ETHUSDT"};
    size_t len;
    char *buf = streams_subscribe(&spot100, symbols, 2, 7, 16, &len);
    assert_non_null(buf);
    const char *want =
        "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@depth@100ms\",\"ethusdt@depth@100ms\"],"
        "\"id\":7}";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf + 16, want, len);
    free(buf);
}

/* A full batch of the longest symbols: valid JSON, every stream once, in order. */
static void test_streams_subscribe_holds_a_batch_of_longest_names(void **state)
{
    (void)state;
    static char names[STREAMS_PER_SUBSCRIBE][21];
    const char *symbols[STREAMS_PER_SUBSCRIBE];
    for (int i = 0; i < STREAMS_PER_SUBSCRIBE; i++) {
        snprintf(names[i], sizeof names[i], "S%019d", i);
        symbols[i] = names[i];
    }
    size_t len;
    char *buf = streams_subscribe(&spot100, symbols, STREAMS_PER_SUBSCRIBE, 4294967295u, 0, &len);
    assert_non_null(buf);
    cJSON *j = cJSON_ParseWithLength(buf, len);
    assert_non_null(j);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    assert_int_equal(cJSON_GetArraySize(params), STREAMS_PER_SUBSCRIBE);
    char want[64];
    streams_name(&spot100, names[STREAMS_PER_SUBSCRIBE - 1], want, sizeof want);
    assert_string_equal(cJSON_GetArrayItem(params, STREAMS_PER_SUBSCRIBE - 1)->valuestring, want);
    assert_true(cJSON_GetObjectItemCaseSensitive(j, "id")->valuedouble == 4294967295.0);
    cJSON_Delete(j);
    free(buf);
}

/* 1024 streams in 4 messages, paced: under Binance's 5 control messages a second. */
static void test_streams_pacing_keeps_under_five_messages_a_second(void **state)
{
    (void)state;
    int messages = (STREAMS_PER_CONN + STREAMS_PER_SUBSCRIBE - 1) / STREAMS_PER_SUBSCRIBE;
    assert_int_equal(messages, 4);
    /* Any 1 s window holds at most 1000 / gap + 1 of them, with room for a pong. */
    assert_true(1000 / STREAMS_CONTROL_GAP_MS + 1 <= 5);
}

static void test_streams_answer_tells_accepted_refused_and_market_data(void **state)
{
    (void)state;
    unsigned id = 0;
    char why[200] = "";
    const char *ok = "{\"result\":null,\"id\":3}";
    assert_int_equal(streams_answer(ok, strlen(ok), &id, why, sizeof why), STREAMS_ACCEPTED);
    assert_int_equal(id, 3);
    const char *no = "{\"error\":{\"code\":2,\"msg\":\"Invalid request: bad\"},\"id\":4}";
    assert_int_equal(streams_answer(no, strlen(no), &id, why, sizeof why), STREAMS_REFUSED);
    assert_int_equal(id, 4);
    assert_string_equal(why, "code 2: Invalid request: bad");
    const char *ev = "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\"}}";
    assert_int_equal(streams_answer(ev, strlen(ev), &id, why, sizeof why), STREAMS_NOT_AN_ANSWER);
    const char *shutdown = "{\"e\":\"serverShutdown\",\"E\":1}";
    assert_int_equal(streams_answer(shutdown, strlen(shutdown), &id, why, sizeof why),
                     STREAMS_NOT_AN_ANSWER);
    const char *noid = "{\"result\":null}";
    assert_int_equal(streams_answer(noid, strlen(noid), &id, why, sizeof why),
                     STREAMS_NOT_AN_ANSWER);
    const char *broken = "{\"result\":nul";
    assert_int_equal(streams_answer(broken, strlen(broken), &id, why, sizeof why),
                     STREAMS_NOT_AN_ANSWER);
}

/* Trade streams: spot @trade, futures @aggTrade; on USD-M under /market. */
static void test_streams_trades_names_and_paths(void **state)
{
    (void)state;
    char out[64];
    streams_name(&(streams_spec){BREST_SPOT, 100, 1}, "BTCUSDT", out, sizeof out);
    assert_string_equal(out, "btcusdt@trade");
    streams_name(&(streams_spec){BREST_USDM, 100, 1}, "BTCUSDT", out, sizeof out);
    assert_string_equal(out, "btcusdt@aggTrade");
    streams_name(&(streams_spec){BREST_COINM, 500, 1}, "BTCUSD_PERP", out, sizeof out);
    assert_string_equal(out, "btcusd_perp@aggTrade");
    streams_conn_path(&(streams_spec){BREST_USDM, 100, 1}, "", out, sizeof out);
    assert_string_equal(out, "/market/stream");
    streams_conn_path(&(streams_spec){BREST_SPOT, 100, 1}, "/b", out, sizeof out);
    assert_string_equal(out, "/b/stream");
    streams_conn_path(&(streams_spec){BREST_COINM, 100, 1}, "", out, sizeof out);
    assert_string_equal(out, "/stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams_name_lowercases_and_picks_the_speed),
        cmocka_unit_test(test_streams_name_on_futures_speeds),
        cmocka_unit_test(test_streams_trades_names_and_paths),
        cmocka_unit_test(test_streams_conn_path_never_grows_with_symbols),
        cmocka_unit_test(test_streams_for_conn_takes_up_to_1024),
        cmocka_unit_test(test_streams_subscribe_is_the_json_binance_wants),
        cmocka_unit_test(test_streams_subscribe_holds_a_batch_of_longest_names),
        cmocka_unit_test(test_streams_pacing_keeps_under_five_messages_a_second),
        cmocka_unit_test(test_streams_answer_tells_accepted_refused_and_market_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
