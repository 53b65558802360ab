/* Trade ids seen on two connections: each trade taken once, gaps counted and filled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "trade_seen.h"

static void test_trade_seen_takes_each_id_once(void **state)
{
    (void)state;
    trade_seen t = {0};
    uint64_t missed = 0;
    assert_int_equal(trade_seen_take(&t, 10, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 11, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 11, &missed), 0);
    assert_int_equal(trade_seen_take(&t, 10, &missed), 0);
    assert_int_equal(trade_seen_take(&t, 12, &missed), 1);
    assert_int_equal(missed, 0);
}

/* The new connection is ahead of the old one: ids the old one brings late still count. */
static void test_trade_seen_takes_a_late_id_and_fills_the_gap(void **state)
{
    (void)state;
    trade_seen t = {0};
    uint64_t missed = 0;
    assert_int_equal(trade_seen_take(&t, 100, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 104, &missed), 1);
    assert_int_equal(missed, 3);
    assert_int_equal(trade_seen_take(&t, 102, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 101, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 102, &missed), 0);
    assert_int_equal(trade_seen_take(&t, 104, &missed), 0);
    assert_int_equal(missed, 1); /* 103 never came */
}

static void test_trade_seen_drops_ids_below_the_window(void **state)
{
    (void)state;
    trade_seen t = {0};
    uint64_t missed = 0;
    assert_int_equal(trade_seen_take(&t, 1000, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 1000 + TRADE_SEEN_WINDOW, &missed), 1);
    assert_int_equal(missed, TRADE_SEEN_WINDOW - 1);
    assert_int_equal(trade_seen_take(&t, 1000, &missed), 0);
    assert_int_equal(trade_seen_take(&t, 1001, &missed), 1); /* just inside */
    assert_int_equal(missed, TRADE_SEEN_WINDOW - 2);
    /* A jump past the window forgets everything below it. */
    assert_int_equal(trade_seen_take(&t, 5000, &missed), 1);
    assert_int_equal(trade_seen_take(&t, 1000 + TRADE_SEEN_WINDOW, &missed), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trade_seen_takes_each_id_once),
        cmocka_unit_test(test_trade_seen_takes_a_late_id_and_fills_the_gap),
        cmocka_unit_test(test_trade_seen_drops_ids_below_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
