/* The command line and the URLs of the configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "url.h"

static cli_action run(cli_args *a, int argc, const char **argv)
{
    return cli_parse(argc, (char **)(uintptr_t)argv, a);
}

static void test_cli_symbols_upper_cased_and_deduplicated(void **state)
{
    (void)state;
    const char *argv[] = {"orderbook", "-q",      "-c",      "x.conf",
                          "btcusdt",   "ETHUSDT", "BtcUsdt", "a-b_c.1"};
    cli_args a;
    assert_int_equal(run(&a, 8, argv), CLI_RUN);
    assert_int_equal(a.quiet, 1);
    assert_string_equal(a.config, "x.conf");
    assert_int_equal(a.n_symbols, 3);
    assert_string_equal(a.symbols[0], "BTCUSDT");
    assert_string_equal(a.symbols[1], "ETHUSDT");
    assert_string_equal(a.symbols[2], "A-B_C.1");
    cli_free(&a);
}

static void test_cli_errors_say_what_is_wrong(void **state)
{
    (void)state;
    cli_args a;
    const char *none[] = {"orderbook"};
    assert_int_equal(run(&a, 1, none), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "no SYMBOL given (e.g. orderbook BTCUSDT)");
    const char *bad[] = {"orderbook", "BTC/USDT"};
    assert_int_equal(run(&a, 2, bad), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "bad symbol 'BTC/USDT': expected 1 to 20 of A-Z 0-9 - _ . "
                                 "(case-insensitive)");
    cli_free(&a);
    const char *longer[] = {"orderbook", "ABCDEFGHIJKLMNOPQRSTU"};
    assert_int_equal(run(&a, 2, longer), CLI_USAGE_ERROR);
    cli_free(&a);
    const char *opt[] = {"orderbook", "--frobnicate", "BTCUSDT"};
    assert_int_equal(run(&a, 3, opt), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option --frobnicate");
    const char *noarg[] = {"orderbook", "BTCUSDT", "-c"};
    assert_int_equal(run(&a, 3, noarg), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "option -c needs a FILE");
}

static void test_cli_help_and_version(void **state)
{
    (void)state;
    cli_args a;
    const char *h[] = {"orderbook", "--help"};
    assert_int_equal(run(&a, 2, h), CLI_HELP);
    const char *v[] = {"orderbook", "-V", "BTCUSDT"};
    assert_int_equal(run(&a, 3, v), CLI_VERSION);
}

/* Issue 10.12: "-BTC" was reported as "unknown option BTCUSDT" (the argument before it), or
 * "unknown option ./orderbook" when it came first. */
static void test_cli_dash_symbol_blames_itself(void **state)
{
    (void)state;
    cli_args a;
    const char *after[] = {"orderbook", "BTCUSDT", "-BTC"};
    assert_int_equal(run(&a, 3, after), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option -B in -BTC (a symbol cannot start with '-')");
    cli_free(&a);
    const char *first[] = {"orderbook", "-BTC", "ETHUSDT"};
    assert_int_equal(run(&a, 3, first), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option -B in -BTC (a symbol cannot start with '-')");
    cli_free(&a);
    const char *group[] = {"orderbook", "ETHUSDT", "-qx"};
    assert_int_equal(run(&a, 3, group), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option -x in -qx");
    cli_free(&a);
    const char *lone[] = {"orderbook", "XB", "-B"};
    assert_int_equal(run(&a, 3, lone), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option -B");
    cli_free(&a);
    const char *mid[] = {"orderbook", "XB", "-Bq"};
    assert_int_equal(run(&a, 3, mid), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "unknown option -B in -Bq (a symbol cannot start with '-')");
    cli_free(&a);
}

static void test_cli_shard_keeps_this_hosts_symbols(void **state)
{
    (void)state;
    cli_args a;
    /* FNV-1a mod 4: BTCUSDT and ETHUSDT are in shard 1, BNBUSDT and XRPUSDT in shard 2. */
    const char *one[] = {"orderbook", "--shard", "1/4", "btcusdt", "BNBUSDT", "ethusdt", "XRPUSDT"};
    assert_int_equal(run(&a, 7, one), CLI_RUN);
    assert_int_equal(a.shard_i, 1);
    assert_int_equal(a.shard_n, 4);
    assert_int_equal(a.n_symbols, 2);
    assert_string_equal(a.symbols[0], "BTCUSDT");
    assert_string_equal(a.symbols[1], "ETHUSDT");
    cli_free(&a);
    const char *two[] = {"orderbook", "BNBUSDT", "BTCUSDT", "XRPUSDT", "--shard=2/4"};
    assert_int_equal(run(&a, 5, two), CLI_RUN);
    assert_int_equal(a.n_symbols, 2);
    assert_string_equal(a.symbols[0], "BNBUSDT");
    assert_string_equal(a.symbols[1], "XRPUSDT");
    cli_free(&a);
    const char *none[] = {"orderbook", "--shard", "3/4", "BTCUSDT", "BNBUSDT"};
    assert_int_equal(run(&a, 5, none), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "--shard 3/4 keeps none of the 2 symbols given");
    cli_free(&a);
    const char *one_none[] = {"orderbook", "--shard", "2/4", "BTCUSDT"};
    assert_int_equal(run(&a, 4, one_none), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "--shard 2/4 keeps none of the 1 symbol given");
    cli_free(&a);
    const char *bad[] = {"0/4", "5/4", "1/0", "1", "1/", "/4", "a/4", "1/4x", "-1/4", "1/1000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {"orderbook", "--shard", bad[i], "BTCUSDT"};
        char want[200];
        assert_int_equal(run(&a, 4, argv), CLI_USAGE_ERROR);
        snprintf(want, sizeof want,
                 "--shard %s: expected I/N with 1 <= I <= N <= 1000000 (e.g. --shard 1/4)", bad[i]);
        assert_string_equal(a.error, want);
        cli_free(&a);
    }
    const char *missing[] = {"orderbook", "BTCUSDT", "--shard"};
    assert_int_equal(run(&a, 3, missing), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "option --shard needs I/N");
    cli_free(&a);
}

/* --all runs with no symbols of its own (they come from exchangeInfo at start, shard kept
 * for then); naming symbols as well is an error. */
static void test_cli_all_runs_without_symbols(void **state)
{
    (void)state;
    cli_args a;
    const char *all[] = {"orderbook", "--all"};
    assert_int_equal(run(&a, 2, all), CLI_RUN);
    assert_int_equal(a.all, 1);
    assert_string_equal(a.quote, "");
    assert_int_equal(a.n_symbols, 0);
    cli_free(&a);
    const char *quote[] = {"orderbook", "--all=usdt", "--shard", "2/3"};
    assert_int_equal(run(&a, 4, quote), CLI_RUN);
    assert_int_equal(a.all, 1);
    assert_string_equal(a.quote, "USDT");
    assert_int_equal(a.shard_i, 2);
    assert_int_equal(a.shard_n, 3);
    cli_free(&a);
    const char *both[] = {"orderbook", "--all", "BTCUSDT"};
    assert_int_equal(run(&a, 3, both), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "--all takes the symbols from Binance: name none (1 given)");
    cli_free(&a);
    const char *bad[] = {"orderbook", "--all=US/DT"};
    assert_int_equal(run(&a, 2, bad), CLI_USAGE_ERROR);
    assert_string_equal(a.error, "--all=US/DT: expected a quote asset, 1 to 20 of A-Z 0-9 - _ . "
                                 "(e.g. --all=USDT)");
    cli_free(&a);
    const char *empty[] = {"orderbook", "--all="};
    assert_int_equal(run(&a, 2, empty), CLI_USAGE_ERROR);
    cli_free(&a);
}

static void test_url_parses_and_refuses(void **state)
{
    (void)state;
    url_parts u;
    char err[200];
    assert_int_equal(url_parse("wss://stream.binance.com:9443", "wss", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "stream.binance.com");
    assert_int_equal(u.port, 9443);
    assert_string_equal(u.path, "");
    assert_int_equal(url_parse("https://[::1]:8443/x/y/", "https", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.path, "/x/y");
    assert_int_equal(url_parse("https://h", "https", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 443);
    const char *bad[] = {"http://h",    "https://",        "https://h:99999", "https://h:x",
                         "https://u@h", "https://h/p?q=1", "https://[::1",    "https:/h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(url_parse(bad[i], "https", &u, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_symbols_upper_cased_and_deduplicated),
        cmocka_unit_test(test_cli_errors_say_what_is_wrong),
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_cli_dash_symbol_blames_itself),
        cmocka_unit_test(test_cli_shard_keeps_this_hosts_symbols),
        cmocka_unit_test(test_cli_all_runs_without_symbols),
        cmocka_unit_test(test_url_parses_and_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
