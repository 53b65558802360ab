/* Which answer each request gets (routes, 400/404/405/414/431), the listen address, and
 * which files the page lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "serve.h"
#include "serve_assets.h"
#include "serve_files.h"
#include "serve_request.h"
#include "test_util.h"

static serve_verdict judge(const char *method, const char *path, const char *query)
{
    serve_request r = {method, path, query, strlen(path) + (query ? strlen(query) + 1 : 0),
                       100,    NULL, 0};
    serve_verdict v;
    serve_judge(&r, &v);
    return v;
}

static void test_judge_routes_the_page_metrics_and_book(void **state)
{
    (void)state;
    serve_verdict v = judge("GET", "/", NULL);
    assert_int_equal(v.route, SERVE_ROUTE_ASSET);
    assert_string_equal(v.asset->type, "text/html; charset=utf-8");
    v = judge("GET", "/app.js", NULL);
    assert_int_equal(v.route, SERVE_ROUTE_ASSET);
    v = judge("GET", "/style.css", NULL);
    assert_int_equal(v.route, SERVE_ROUTE_ASSET);
    v = judge("GET", "/metrics", NULL);
    assert_int_equal(v.route, SERVE_ROUTE_METRICS);
    assert_int_equal(v.status, 200);
    v = judge("GET", "/api/book", "symbol=btcusdt&depth=5");
    assert_int_equal(v.route, SERVE_ROUTE_BOOK);
    assert_string_equal(v.symbol, "BTCUSDT");
    assert_int_equal(v.depth, 5);
    v = judge("GET", "/api/book", "depth=100&symbol=ETH_BTC.X-1");
    assert_int_equal(v.route, SERVE_ROUTE_BOOK);
    assert_string_equal(v.symbol, "ETH_BTC.X-1");
    assert_int_equal(v.depth, 100);
    v = judge("GET", "/api/book", "symbol=BNBUSDT");
    assert_int_equal(v.depth, SERVE_DEPTH_DEFAULT);
}

static void test_judge_refuses_bad_book_queries_with_400(void **state)
{
    (void)state;
    const char *bad[] = {NULL,
                         "",
                         "depth=5",
                         "symbol=",
                         "symbol=BTC/USDT",
                         "symbol=ABCDEFGHIJKLMNOPQRSTU", /* 21 */
                         "symbol=BTCUSDT&depth=0",
                         "symbol=BTCUSDT&depth=101",
                         "symbol=BTCUSDT&depth=-1",
                         "symbol=BTCUSDT&depth=5x",
                         "symbol=BTCUSDT&depth=",
                         "symbol=BTCUSDT&depth=99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        serve_verdict v = judge("GET", "/api/book", bad[i]);
        assert_int_equal(v.route, SERVE_ROUTE_ERROR);
        assert_int_equal(v.status, 400);
        assert_non_null(v.message);
    }
}

static void test_judge_unknown_paths_404_and_other_methods_405(void **state)
{
    (void)state;
    serve_verdict v = judge("GET", "/nope", NULL);
    assert_int_equal(v.status, 404);
    v = judge("GET", "/metrics/", NULL);
    assert_int_equal(v.status, 404);
    v = judge("GET", "/../etc/passwd", NULL);
    assert_int_equal(v.status, 404);
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};
    for (size_t i = 0; i < 6; i++) {
        v = judge(methods[i], "/metrics", NULL);
        assert_int_equal(v.status, 405);
    }
    v = judge("POST", "/nope", NULL);
    assert_int_equal(v.status, 404);
    v = judge("GET", SERVE_LIVE_PATH, NULL);
    assert_int_equal(v.status, 426);
    v = judge("GET", "", NULL);
    assert_int_equal(v.status, 400);
}

static void test_judge_bounds_give_414_and_431(void **state)
{
    (void)state;
    serve_request r = {"GET", "/", NULL, SERVE_URI_MAX, SERVE_HEADERS_MAX, NULL, 0};
    serve_verdict v;
    serve_judge(&r, &v);
    assert_int_equal(v.status, 200);
    r.uri_len = SERVE_URI_MAX + 1;
    serve_judge(&r, &v);
    assert_int_equal(v.status, 414);
    r.uri_len = 10;
    r.header_len = SERVE_HEADERS_MAX + 1;
    serve_judge(&r, &v);
    assert_int_equal(v.status, 431);
    assert_string_equal(serve_reason(431), "Request Header Fields Too Large");
    assert_string_equal(serve_reason(414), "URI Too Long");
}

static void test_judge_on_loopback_wants_a_loopback_host(void **state)
{
    (void)state;
    const char *good[] = {"127.0.0.1", "127.0.0.1:8080", "localhost",  "LOCALHOST:80",
                          "[::1]",     "[::1]:8080",     "127.1.2.3:1"};
    const char *bad[] = {"evil.example",
                         "evil.example:8080",
                         "127.0.0.1.evil.example",
                         "localhost.evil.example",
                         "10.0.0.1:80",
                         "[::2]:80",
                         "127.0.0.1:x",
                         "127.0.0.1:",
                         "[::1",
                         "",
                         "?"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        serve_request r = {"GET", "/", NULL, 1, 10, good[i], 1};
        serve_verdict v;
        serve_judge(&r, &v);
        if (v.status != 200)
            fail_msg("Host: %s -> %d", good[i], v.status);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        serve_request r = {"GET", "/", NULL, 1, 10, bad[i], 1};
        serve_verdict v;
        serve_judge(&r, &v);
        if (v.status != 400)
            fail_msg("Host: %s -> %d", bad[i], v.status);
        r.loopback = 0; /* listening elsewhere: any name may reach it */
        serve_judge(&r, &v);
        assert_int_equal(v.status, 200);
    }
    serve_request r = {"GET", "/", NULL, 1, 10, NULL, 1}; /* HTTP/1.0 without Host */
    serve_verdict v;
    serve_judge(&r, &v);
    assert_int_equal(v.status, 200);
}

static void test_parse_listen_takes_addresses_and_ports(void **state)
{
    (void)state;
    char host[64], err[256];
    int port = -1;
    assert_int_equal(
        serve_parse_listen("127.0.0.1:8080", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(serve_parse_listen("9000", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9000);
    assert_int_equal(serve_parse_listen("[::1]:0", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(serve_parse_listen("localhost:81", host, sizeof host, &port, err, sizeof err),
                     0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(serve_parse_listen("0.0.0.0:8080", host, sizeof host, &port, err, sizeof err),
                     0);
    const char *bad[] = {"",          "127.0.0.1:",  "127.0.0.1:65536", "example.com:80",
                         "[::1]8080", "1.2.3.4:80x", "::1:80:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(serve_parse_listen(bad[i], host, sizeof host, &port, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
}

static void test_files_lists_capture_files_newest_first(void **state)
{
    (void)state;
    assert_true(serve_is_capture_file("20261204.txt"));
    assert_true(serve_is_capture_file("2026120416195.txt"));
    assert_true(serve_is_capture_file("20261204161911.txt.zst"));
    assert_false(serve_is_capture_file("20261204.txt.tmp"));
    assert_false(serve_is_capture_file("notes.txt"));
    assert_false(serve_is_capture_file("2026120.txt"));

    char dir[256];
    tu_mkdtemp(dir, sizeof dir);
    const char *names[] = {"2026120416180.txt",
                           "20261204.txt",
                           "2026120416181.txt",
                           "20261204161811.txt",
                           "2026120416182.txt",
                           "2026120416183.txt",
                           "2026120416184.txt",
                           "2026120416185.txt",
                           "2026120416186.txt",
                           "2026120416187.txt",
                           "README",
                           "2026120416188.txt.zst",
                           "20261204161810.txt",
                           "2026120416189.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (size_t k = 0; k < i; k++)
            fputc('x', f);
        fclose(f);
    }
    serve_files fl;
    assert_int_equal(serve_files_scan(dir, &fl), SERVE_FILES);
    /* By period: the index after HHMM is not padded, so 11 and 10 come after 9. */
    const char *want[SERVE_FILES] = {
        "20261204161811.txt", "20261204161810.txt", "2026120416189.txt", "2026120416188.txt.zst",
        "2026120416187.txt",  "2026120416186.txt",  "2026120416185.txt", "2026120416184.txt"};
    for (size_t i = 0; i < SERVE_FILES; i++)
        assert_string_equal(fl.f[i].name, want[i]);
    assert_int_equal(fl.f[0].bytes, 3);
    assert_int_equal(fl.f[1].bytes, 12);
    tu_rm_rf(dir);
    assert_int_equal(serve_files_scan(dir, &fl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge_routes_the_page_metrics_and_book),
        cmocka_unit_test(test_judge_refuses_bad_book_queries_with_400),
        cmocka_unit_test(test_judge_unknown_paths_404_and_other_methods_405),
        cmocka_unit_test(test_judge_bounds_give_414_and_431),
        cmocka_unit_test(test_judge_on_loopback_wants_a_loopback_host),
        cmocka_unit_test(test_parse_listen_takes_addresses_and_ports),
        cmocka_unit_test(test_files_lists_capture_files_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
