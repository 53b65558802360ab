/* Connection attempts under Binance's 300 per 5 minutes: a sliding window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "conn_budget.h"

#define S 1000000LL

static void test_conn_budget_allows_up_to_the_max_then_says_when(void **state)
{
    (void)state;
    conn_budget b;
    conn_budget_init(&b);
    for (int i = 0; i < CONN_BUDGET_MAX; i++)
        assert_int_equal(conn_budget_take(&b, 1000 * S + i * S / 10), 0);
    /* The window is full: the next may go when the first leaves it. */
    int64_t now = 1000 * S + CONN_BUDGET_MAX * S / 10;
    assert_int_equal(conn_budget_take(&b, now), 1000 * S + CONN_BUDGET_WINDOW_US - now);
    /* Asking again counts nothing. */
    assert_int_equal(conn_budget_take(&b, now), 1000 * S + CONN_BUDGET_WINDOW_US - now);
    /* Then one at a time, as the oldest leave. */
    assert_int_equal(conn_budget_take(&b, 1000 * S + CONN_BUDGET_WINDOW_US), 0);
    assert_true(conn_budget_take(&b, 1000 * S + CONN_BUDGET_WINDOW_US) > 0);
    assert_int_equal(conn_budget_take(&b, 1000 * S + CONN_BUDGET_WINDOW_US + S / 10), 0);
}

static void test_conn_budget_never_exceeds_300_in_any_5_minutes(void **state)
{
    (void)state;
    conn_budget b;
    conn_budget_init(&b);
    /* A client that tries every 100 ms for an hour. */
    static int64_t taken[40000];
    size_t n = 0;
    for (int64_t t = 0; t < 3600 * S; t += S / 10)
        if (conn_budget_take(&b, t) == 0)
            taken[n++] = t;
    assert_true(n > 0);
    for (size_t i = 0; i + 300 < n; i++)
        assert_true(taken[i + 300] - taken[i] >= CONN_BUDGET_WINDOW_US);
    /* And it is not starved: about CONN_BUDGET_MAX per window. */
    assert_true(n >= 12 * CONN_BUDGET_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_budget_allows_up_to_the_max_then_says_when),
        cmocka_unit_test(test_conn_budget_never_exceeds_300_in_any_5_minutes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
