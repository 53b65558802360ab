/* Which streams ride which websocket: the combined-stream path and the split over connections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "streams.h"

static void test_streams_path_lowercases_and_joins_combined_streams(void **state)
{
    (void)state;
    const char *symbols[] = {"BTCUSDT", "ETH-BTC.X_1"};
    char *p = streams_path("", 100, symbols, 2);
    assert_string_equal(p, "/stream?streams=btcusdt@depth@100ms/eth-btc.x_1@depth@100ms");
    free(p);
}

static void test_streams_path_uses_plain_depth_for_1000ms(void **state)
{
    (void)state;
    const char *symbols[] = {"BNBBTC"};
    char *p = streams_path("/base", 1000, symbols, 1);
    assert_string_equal(p, "/base/stream?streams=bnbbtc@depth");
    free(p);
}

/* Split `n` symbols the way the feed does; returns the number of connections. */
static size_t split(const char *const *symbols, size_t n, size_t *per_conn, size_t max_conns)
{
    size_t conns = 0;
    for (size_t done = 0; done < n && conns < max_conns; conns++) {
        size_t k = streams_that_fit("", 100, symbols + done, n - done);
        assert_true(k >= 1);
        char *p = streams_path("", 100, symbols + done, k);
        assert_true(strlen(p) <= STREAMS_PATH_MAX);
        if (done + k < n) {
            /* As many as fit: one more would not have. */
            char *longer = streams_path("", 100, symbols + done, k + 1);
            assert_true(strlen(longer) > STREAMS_PATH_MAX);
            free(longer);
        }
        free(p);
        per_conn[conns] = k;
        done += k;
    }
    return conns;
}

static void test_streams_that_fit_keep_each_path_under_the_request_line_bound(void **state)
{
    (void)state;
    static char names[200][12];
    const char *symbols[200];
    for (int i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "SOAK%03dUSDT", i + 1);
        symbols[i] = names[i];
    }
    size_t per_conn[8];
    /* "/stream?streams=" is 16 bytes, "soak001usdt@depth@100ms" 23 and each further one 24
     * with its '/': 82 fit in 2000. */
    assert_int_equal(split(symbols, 200, per_conn, 8), 3);
    assert_int_equal(per_conn[0], 82);
    assert_int_equal(per_conn[1], 82);
    assert_int_equal(per_conn[2], 36);
}

static void test_streams_that_fit_take_one_and_count_the_base_path(void **state)
{
    (void)state;
    const char *symbols[] = {"BTCUSDT", "ETHUSDT"};
    assert_int_equal(streams_that_fit("", 100, symbols, 2), 2);
    assert_int_equal(streams_that_fit("", 100, symbols, 1), 1);
    assert_int_equal(streams_that_fit("", 100, symbols, 0), 0);
    char base[STREAMS_PATH_MAX];
    memset(base, 'b', sizeof base - 1);
    base[sizeof base - 1] = '\0';
    /* A base path that leaves no room still carries one stream: never zero. */
    assert_int_equal(streams_that_fit(base, 100, symbols, 2), 1);
}

static void test_streams_path_holds_1024_longest_symbols(void **state)
{
    (void)state;
    static char names[STREAMS_PER_CONN][21];
    const char *symbols[STREAMS_PER_CONN];
    for (int i = 0; i < STREAMS_PER_CONN; i++) {
        snprintf(names[i], sizeof names[i], "S%019d", i);
        symbols[i] = names[i];
    }
    char *p = streams_path("", 100, symbols, STREAMS_PER_CONN);
    size_t streams = 0;
    for (const char *c = p; (c = strstr(c, "@depth@100ms")) != NULL; c++)
        streams++;
    assert_int_equal(streams, STREAMS_PER_CONN);
    assert_non_null(strstr(p, "/s0000000000000001023@depth@100ms"));
    /* 20 characters and "@depth@100ms" per stream, '/' between them: nothing cut short. */
    assert_int_equal(strlen(p), strlen("/stream?streams=") + STREAMS_PER_CONN * 33 - 1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams_path_lowercases_and_joins_combined_streams),
        cmocka_unit_test(test_streams_path_uses_plain_depth_for_1000ms),
        cmocka_unit_test(test_streams_that_fit_keep_each_path_under_the_request_line_bound),
        cmocka_unit_test(test_streams_that_fit_take_one_and_count_the_base_path),
        cmocka_unit_test(test_streams_path_holds_1024_longest_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
