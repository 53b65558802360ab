/* Symbols: what Binance accepts, upper-casing, and the stable hash of --shard I/N. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "symbol.h"

static void test_symbol_valid_is_binances_pattern(void **state)
{
    (void)state;
    assert_true(sym_valid("BTCUSDT", 7));
    assert_true(sym_valid("A-B_C.1", 7));
    assert_true(sym_valid("ABCDEFGHIJKLMNOPQRST", 20));
    assert_false(sym_valid("ABCDEFGHIJKLMNOPQRSTU", 21));
    assert_false(sym_valid("", 0));
    assert_false(sym_valid("btcusdt", 7)); /* Binance writes symbols in upper case */
    assert_false(sym_valid("BTC/USDT", 8));
    assert_false(sym_valid("BTC USDT", 8));
    assert_false(sym_valid("BTC\0USDT", 8));
    assert_true(sym_valid("BTC\0USDT", 3)); /* only the n bytes given */
}

static void test_symbol_normalize_upper_cases_and_refuses(void **state)
{
    (void)state;
    char out[SYM_MAX + 1];
    assert_int_equal(sym_normalize("btcUSDT", out), 0);
    assert_string_equal(out, "BTCUSDT");
    assert_int_equal(sym_normalize("a-b_c.1", out), 0);
    assert_string_equal(out, "A-B_C.1");
    assert_int_equal(sym_normalize("abcdefghijklmnopqrst", out), 0);
    assert_string_equal(out, "ABCDEFGHIJKLMNOPQRST");
    const char *bad[] = {"",     "abcdefghijklmnopqrstu", "btc/usdt", "btc usdt", "\xc3\xa9th",
                         "bt\tc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sym_normalize(bad[i], out), -1);
}

/* FNV-1a 32-bit: the published test vectors, and the values DESIGN.md's --shard relies on. */
static void test_symbol_hash_is_fnv1a_32(void **state)
{
    (void)state;
    assert_int_equal(sym_hash(""), 0x811c9dc5u);
    assert_int_equal(sym_hash("a"), 0xe40c292cu);
    assert_int_equal(sym_hash("foobar"), 0xbf9cf968u);
    assert_int_equal(sym_hash("BTCUSDT"), 0xe82cd26cu);
    assert_int_equal(sym_hash("BNBUSDT"), 0x730372a5u);
}

static void test_symbol_shards_split_a_list_exactly_once(void **state)
{
    (void)state;
    /* BTCUSDT: 0xe82cd26c % 4 = 0, shard 1; BNBUSDT: 0x730372a5 % 4 = 1, shard 2. */
    assert_true(sym_in_shard("BTCUSDT", 1, 4));
    assert_false(sym_in_shard("BTCUSDT", 2, 4));
    assert_true(sym_in_shard("BNBUSDT", 2, 4));
    assert_true(sym_in_shard("BNBUSDT", 1, 1));
    /* Out of range: in no shard. */
    assert_false(sym_in_shard("BTCUSDT", 0, 4));
    assert_false(sym_in_shard("BTCUSDT", 5, 4));
    assert_false(sym_in_shard("BTCUSDT", 1, 0));
    /* Every symbol is in exactly one shard of N. */
    const char *syms[] = {"BTCUSDT", "ETHUSDT", "BNBUSDT", "XRPUSDT", "A", "B.C", "X-Y_Z"};
    for (unsigned n = 1; n <= 7; n++) {
        for (size_t k = 0; k < sizeof syms / sizeof syms[0]; k++) {
            unsigned in = 0;
            for (unsigned i = 1; i <= n; i++)
                in += (unsigned)sym_in_shard(syms[k], i, n);
            assert_int_equal(in, 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbol_valid_is_binances_pattern),
        cmocka_unit_test(test_symbol_normalize_upper_cases_and_refuses),
        cmocka_unit_test(test_symbol_hash_is_fnv1a_32),
        cmocka_unit_test(test_symbol_shards_split_a_list_exactly_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
