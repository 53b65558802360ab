/* Exact decimals: what Binance sends parses exactly; anything else is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decimal.h"

static int64_t parse(const char *s)
{
    int64_t v = -42;
    assert_int_equal(dec_parse(s, strlen(s), &v), 0);
    return v;
}

static void refused(const char *s)
{
    int64_t v = -42;
    assert_int_equal(dec_parse(s, strlen(s), &v), -1);
    assert_int_equal(v, -42);
}

static void test_decimal_parses_binance_strings_exactly(void **state)
{
    (void)state;
    assert_true(parse("37000.01000000") == 3700001000000LL);
    assert_true(parse("0.00000001") == 1);
    assert_true(parse("0.00000000") == 0);
    assert_true(parse("12") == 1200000000LL);
    assert_true(parse("9999999999.99999999") == 999999999999999999LL);
    /* 0.1 + 0.2 is exactly 0.3 here, unlike in doubles. */
    assert_true(parse("0.1") + parse("0.2") == parse("0.3"));
}

static void test_decimal_allows_trailing_zero_digits_beyond_precision(void **state)
{
    (void)state;
    assert_true(parse("1.1234567800") == 112345678LL);
    refused("1.123456781");
}

static void test_decimal_refuses_what_is_not_a_plain_decimal(void **state)
{
    (void)state;
    const char *bad[] = {"",     "-1",          "+1",
                         "1e5",  " 1",          "1 ",
                         ".5",   "5.",          "1.2.3",
                         "0x10", "12345678901", "abc",
                         "1,5",  "NaN",         "000000000000000000000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i]);
    int64_t v;
    assert_int_equal(dec_parse(NULL, 1, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_parses_binance_strings_exactly),
        cmocka_unit_test(test_decimal_allows_trailing_zero_digits_beyond_precision),
        cmocka_unit_test(test_decimal_refuses_what_is_not_a_plain_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
