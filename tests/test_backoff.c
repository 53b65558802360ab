/* Reconnect delays (capped exponential backoff with jitter) and the REST weight table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

static void test_feed_backoff_doubles_from_the_base(void **state)
{
    (void)state;
    assert_int_equal(feed_backoff_ms(0, 0), FEED_BACKOFF_BASE_MS);
    assert_int_equal(feed_backoff_ms(1, 0), 2 * FEED_BACKOFF_BASE_MS);
    assert_int_equal(feed_backoff_ms(3, 0), 8 * FEED_BACKOFF_BASE_MS);
}

static void test_feed_backoff_never_exceeds_the_cap(void **state)
{
    (void)state;
    for (unsigned attempt = 0; attempt < 100; attempt++)
        for (uint32_t r = 0; r < 100000; r += 997)
            assert_true(feed_backoff_ms(attempt, r * 2654435761u) <= FEED_BACKOFF_CAP_MS);
    assert_int_equal(feed_backoff_ms(1000000, 0), FEED_BACKOFF_CAP_MS);
}

static void test_feed_backoff_jitter_spreads_up_to_a_quarter(void **state)
{
    (void)state;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t r = 0; r < 10000; r++) {
        uint32_t d = feed_backoff_ms(2, r * 2654435761u);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_int_equal(lo, 4 * FEED_BACKOFF_BASE_MS);
    assert_true(hi > 4 * FEED_BACKOFF_BASE_MS);
    assert_true(hi <= 5 * FEED_BACKOFF_BASE_MS);
}

static void test_feed_depth_weight_follows_binance_table(void **state)
{
    (void)state;
    assert_int_equal(feed_depth_weight(1), 5);
    assert_int_equal(feed_depth_weight(100), 5);
    assert_int_equal(feed_depth_weight(101), 25);
    assert_int_equal(feed_depth_weight(500), 25);
    assert_int_equal(feed_depth_weight(1000), 50);
    assert_int_equal(feed_depth_weight(5000), 250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_backoff_doubles_from_the_base),
        cmocka_unit_test(test_feed_backoff_never_exceeds_the_cap),
        cmocka_unit_test(test_feed_backoff_jitter_spreads_up_to_a_quarter),
        cmocka_unit_test(test_feed_depth_weight_follows_binance_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
