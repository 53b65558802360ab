/* Which streams ride which websocket: the combined-stream path and the 1024-stream split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feed_streams.h"

static void test_feed_stream_path_lowercases_and_joins_combined_streams(void **state)
{
    (void)state;
    const char *symbols[] = {"BTCUSDT", "ETH-BTC.X_1"};
    char *p = feed_stream_path("", 100, symbols, 2);
    assert_string_equal(p, "/stream?streams=btcusdt@depth@100ms/eth-btc.x_1@depth@100ms");
    free(p);
}

static void test_feed_stream_path_uses_plain_depth_for_1000ms(void **state)
{
    (void)state;
    const char *symbols[] = {"BNBBTC"};
    char *p = feed_stream_path("/base", 1000, symbols, 1);
    assert_string_equal(p, "/base/stream?streams=bnbbtc@depth");
    free(p);
}

static void test_feed_connections_for_splits_at_1024_streams(void **state)
{
    (void)state;
    assert_int_equal(feed_connections_for(1), 1);
    assert_int_equal(feed_connections_for(1024), 1);
    assert_int_equal(feed_connections_for(1025), 2);
    assert_int_equal(feed_connections_for(2048), 2);
    assert_int_equal(feed_connections_for(2049), 3);
}

static void test_feed_stream_path_holds_1024_longest_symbols(void **state)
{
    (void)state;
    static char names[FEED_STREAMS_PER_CONN][21];
    const char *symbols[FEED_STREAMS_PER_CONN];
    for (int i = 0; i < FEED_STREAMS_PER_CONN; i++) {
        snprintf(names[i], sizeof names[i], "S%019d", i);
        symbols[i] = names[i];
    }
    char *p = feed_stream_path("", 100, symbols, FEED_STREAMS_PER_CONN);
    size_t streams = 0;
    for (const char *c = p; (c = strstr(c, "@depth@100ms")) != NULL; c++)
        streams++;
    assert_int_equal(streams, FEED_STREAMS_PER_CONN);
    assert_non_null(strstr(p, "/s0000000000000001023@depth@100ms"));
    /* 20 characters and "@depth@100ms" per stream, '/' between them: nothing cut short. */
    assert_int_equal(strlen(p), strlen("/stream?streams=") + FEED_STREAMS_PER_CONN * 33 - 1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_stream_path_lowercases_and_joins_combined_streams),
        cmocka_unit_test(test_feed_stream_path_uses_plain_depth_for_1000ms),
        cmocka_unit_test(test_feed_connections_for_splits_at_1024_streams),
        cmocka_unit_test(test_feed_stream_path_holds_1024_longest_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
