/* exchangeInfo for --all: which symbols trade now on each market, and what changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "exinfo.h"

static const char spot[] =
    "{\"timezone\":\"UTC\",\"symbols\":["
    "{\"symbol\":\"ETHBTC\",\"status\":\"TRADING\",\"quoteAsset\":\"BTC\","
    "\"isSpotTradingAllowed\":true,\"permissionSets\":[[\"SPOT\",\"MARGIN\"]]},"
    "{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\","
    "\"permissions\":[],\"permissionSets\":[[\"MARGIN\",\"SPOT\"]]},"
    "{\"symbol\":\"XYZUSDT\",\"status\":\"BREAK\",\"quoteAsset\":\"USDT\"},"
    "{\"symbol\":\"MRGUSDT\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\","
    "\"isSpotTradingAllowed\":false},"
    "{\"symbol\":\"LVGUSDT\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\","
    "\"permissionSets\":[[\"LEVERAGED\"]]},"
    "{\"symbol\":\"bad name\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\"},"
    "{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\"},"
    "{\"symbol\":\"BNBUSDT\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\"},"
    "{\"status\":\"TRADING\"}]}";

static void expect(const exinfo_list *l, const char *joined)
{
    char got[512] = "";
    for (size_t i = 0; i < l->n; i++) {
        strcat(got, i ? " " : "");
        strcat(got, l->sym[i]);
    }
    assert_string_equal(got, joined);
}

static void test_exinfo_spot_keeps_trading_spot_symbols_sorted_once(void **state)
{
    (void)state;
    exinfo_list l;
    const char *err = NULL;
    assert_int_equal(exinfo_parse(EXINFO_SPOT, spot, strlen(spot), "", &l, &err), 0);
    expect(&l, "BNBUSDT BTCUSDT ETHBTC");
    exinfo_free(&l);
}

static void test_exinfo_quote_filter_in_any_case(void **state)
{
    (void)state;
    exinfo_list l;
    const char *err = NULL;
    assert_int_equal(exinfo_parse(EXINFO_SPOT, spot, strlen(spot), "usdt", &l, &err), 0);
    expect(&l, "BNBUSDT BTCUSDT");
    exinfo_free(&l);
    assert_int_equal(exinfo_parse(EXINFO_SPOT, spot, strlen(spot), "EUR", &l, &err), 0);
    assert_int_equal(l.n, 0);
    exinfo_free(&l);
}

static void test_exinfo_futures_read_status_and_contract_status(void **state)
{
    (void)state;
    const char *usdm = "{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"pair\":\"BTCUSDT\",\"status\":"
                       "\"TRADING\",\"quoteAsset\":\"USDT\"},{\"symbol\":\"OLDUSDT\",\"status\":"
                       "\"SETTLING\",\"quoteAsset\":\"USDT\"},{\"symbol\":\"ETHBTC\",\"status\":"
                       "\"TRADING\",\"quoteAsset\":\"BTC\",\"permissionSets\":[[\"X\"]]}]}";
    const char *coinm = "{\"symbols\":[{\"symbol\":\"BTCUSD_PERP\",\"pair\":\"BTCUSD\","
                        "\"contractStatus\":\"TRADING\",\"quoteAsset\":\"USD\"},{\"symbol\":"
                        "\"ETHUSD_PERP\",\"contractStatus\":\"PENDING_TRADING\",\"quoteAsset\":"
                        "\"USD\"},{\"symbol\":\"BTCUSD_261225\",\"contractStatus\":\"TRADING\","
                        "\"quoteAsset\":\"USD\"}]}";
    exinfo_list l;
    const char *err = NULL;
    assert_int_equal(exinfo_parse(EXINFO_USDM, usdm, strlen(usdm), "", &l, &err), 0);
    expect(&l, "BTCUSDT ETHBTC"); /* permissions are a spot matter */
    exinfo_free(&l);
    assert_int_equal(exinfo_parse(EXINFO_COINM, coinm, strlen(coinm), "USD", &l, &err), 0);
    expect(&l, "BTCUSD_261225 BTCUSD_PERP");
    exinfo_free(&l);
}

static void test_exinfo_refuses_what_is_not_an_exchange_info(void **state)
{
    (void)state;
    const char *bad[] = {"", "not json", "[]", "{\"symbols\":{}}", "{\"code\":-1121}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        exinfo_list l;
        const char *err = NULL;
        assert_int_equal(exinfo_parse(EXINFO_SPOT, bad[i], strlen(bad[i]), "", &l, &err), -1);
        assert_non_null(err);
        assert_int_equal(l.n, 0);
        exinfo_free(&l);
    }
}

static void test_exinfo_diff_names_who_joined_and_who_left(void **state)
{
    (void)state;
    char before_s[][SYM_MAX + 1] = {"AAAUSDT", "BTCUSDT", "DELUSDT", "ETHUSDT"};
    char now_s[][SYM_MAX + 1] = {"BTCUSDT", "ETHUSDT", "NEWUSDT", "ZZZUSDT"};
    exinfo_list before = {before_s, 4}, now = {now_s, 4}, added, removed;
    assert_int_equal(exinfo_diff(&before, &now, &added, &removed), 0);
    expect(&added, "NEWUSDT ZZZUSDT");
    expect(&removed, "AAAUSDT DELUSDT");
    exinfo_free(&added);
    exinfo_free(&removed);
    exinfo_list empty = {NULL, 0};
    assert_int_equal(exinfo_diff(&empty, &now, &added, &removed), 0);
    assert_int_equal(added.n, 4);
    assert_int_equal(removed.n, 0);
    exinfo_free(&added);
    exinfo_free(&removed);
}

static void test_exinfo_shards_are_disjoint_and_complete(void **state)
{
    (void)state;
    exinfo_list all;
    const char *err = NULL;
    assert_int_equal(exinfo_parse(EXINFO_SPOT, spot, strlen(spot), "", &all, &err), 0);
    size_t total = 0;
    for (unsigned i = 1; i <= 3; i++) {
        exinfo_list l;
        assert_int_equal(exinfo_parse(EXINFO_SPOT, spot, strlen(spot), "", &l, &err), 0);
        exinfo_shard(&l, i, 3);
        for (size_t k = 0; k < l.n; k++)
            assert_true(sym_in_shard(l.sym[k], i, 3));
        total += l.n;
        exinfo_free(&l);
    }
    assert_int_equal(total, all.n);
    exinfo_shard(&all, 0, 0);
    assert_int_equal(all.n, 3);
    exinfo_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exinfo_spot_keeps_trading_spot_symbols_sorted_once),
        cmocka_unit_test(test_exinfo_quote_filter_in_any_case),
        cmocka_unit_test(test_exinfo_futures_read_status_and_contract_status),
        cmocka_unit_test(test_exinfo_refuses_what_is_not_an_exchange_info),
        cmocka_unit_test(test_exinfo_diff_names_who_joined_and_who_left),
        cmocka_unit_test(test_exinfo_shards_are_disjoint_and_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
