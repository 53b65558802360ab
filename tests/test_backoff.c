/* Retry delays: capped exponential backoff with jitter, per policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

static void test_backoff_doubles_from_the_base(void **state)
{
    (void)state;
    assert_int_equal(backoff_ms(&backoff_reconnect, 0, 0), backoff_reconnect.base_ms);
    assert_int_equal(backoff_ms(&backoff_reconnect, 1, 0), 2 * backoff_reconnect.base_ms);
    assert_int_equal(backoff_ms(&backoff_reconnect, 3, 0), 8 * backoff_reconnect.base_ms);
}

static void test_backoff_never_exceeds_the_cap(void **state)
{
    (void)state;
    for (unsigned attempt = 0; attempt < 100; attempt++)
        for (uint32_t r = 0; r < 100000; r += 997)
            assert_true(backoff_ms(&backoff_reconnect, attempt, r * 2654435761u) <=
                        backoff_reconnect.cap_ms);
    assert_int_equal(backoff_ms(&backoff_reconnect, 1000000, 0), backoff_reconnect.cap_ms);
}

static void test_backoff_jitter_spreads_up_to_a_quarter(void **state)
{
    (void)state;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t r = 0; r < 10000; r++) {
        uint32_t d = backoff_ms(&backoff_reconnect, 2, r * 2654435761u);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_int_equal(lo, 4 * backoff_reconnect.base_ms);
    assert_true(hi > 4 * backoff_reconnect.base_ms);
    assert_true(hi <= 5 * backoff_reconnect.base_ms);
}

static void test_backoff_refetch_policy_is_slower_and_capped(void **state)
{
    (void)state;
    assert_int_equal(backoff_ms(&backoff_refetch, 0, 0), 1000);
    assert_int_equal(backoff_ms(&backoff_refetch, 4, 0), 16000);
    assert_int_equal(backoff_ms(&backoff_refetch, 5, 0), 30000);
    assert_int_equal(backoff_ms(&backoff_refetch, 50, 0xffffffffu), 30000);
}

static void test_backoff_rand_moves_and_never_sticks_at_zero(void **state)
{
    (void)state;
    uint32_t st = 1, prev = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = backoff_rand(&st);
        assert_true(x != 0);
        assert_true(x != prev);
        prev = x;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_from_the_base),
        cmocka_unit_test(test_backoff_never_exceeds_the_cap),
        cmocka_unit_test(test_backoff_jitter_spreads_up_to_a_quarter),
        cmocka_unit_test(test_backoff_refetch_policy_is_slower_and_capped),
        cmocka_unit_test(test_backoff_rand_moves_and_never_sticks_at_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
