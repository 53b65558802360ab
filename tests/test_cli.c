/* The command line and the URLs of the configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        cmocka_unit_test(test_url_parses_and_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
