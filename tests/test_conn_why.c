/* Why a connection failed or ended, in words a person can act on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn_why.h"

static void test_why_connect_says_a_name_did_not_resolve(void **state)
{
    (void)state;
    char out[300];
    /* What lws 4.1.6 says when getaddrinfo fails. */
    why_connect("ipv6 lws_getaddrinfo46 failed", "", 0, "stream.binance.com", out, sizeof out);
    assert_string_equal(out, "cannot resolve stream.binance.com (DNS lookup failed)");
}

static void test_why_connect_says_descriptors_ran_out(void **state)
{
    (void)state;
    char out[300];
    why_connect("Unable to connect", "", EMFILE, "api.binance.com", out, sizeof out);
    assert_non_null(strstr(out, "no file descriptor left"));
    why_connect("Unable to connect", "", ENFILE, "api.binance.com", out, sizeof out);
    assert_non_null(strstr(out, "no file descriptor left"));
}

static void test_why_connect_prefers_the_certificate_problem(void **state)
{
    (void)state;
    char out[300];
    why_connect("connect SSL err 1: error:00000001:lib(0)::reason(1)",
                "certificate verify failed: unable to get local issuer certificate", 0, "h", out,
                sizeof out);
    assert_string_equal(out, "certificate verify failed: unable to get local issuer certificate");
}

static void test_why_connect_refused_and_otherwise_lws_text(void **state)
{
    (void)state;
    char out[300];
    why_connect("Unable to connect", "", ECONNREFUSED, "127.0.0.1", out, sizeof out);
    assert_string_equal(out, "connection refused by 127.0.0.1");
    why_connect("HS: ws upgrade response not 101", "", 0, "h", out, sizeof out);
    assert_string_equal(out, "HS: ws upgrade response not 101");
    why_connect(NULL, "", 0, "h", out, sizeof out);
    assert_string_equal(out, "connection failed");
}

static void test_why_closed_names_silence_close_code_or_a_cut(void **state)
{
    (void)state;
    char out[200];
    /* lws hung up after 60 s without valid traffic. */
    why_closed(0, 60200, 60, out, sizeof out);
    assert_string_equal(out, "no data for 60 s");
    why_closed(0, 3000, 3, out, sizeof out);
    assert_string_equal(out, "no data for 3 s");
    /* The server said goodbye. */
    why_closed(1001, 60200, 60, out, sizeof out);
    assert_string_equal(out, "closed by the server (code 1001)");
    /* Data a moment ago, then the socket went: a cut, not silence. */
    why_closed(0, 20, 60, out, sizeof out);
    assert_string_equal(out, "connection closed (no close frame)");
}

static void test_why_start_failed_tells_no_descriptor_from_no_name(void **state)
{
    (void)state;
    char out[300];
    why_start_failed("nonexistent.invalid", 0, out, sizeof out);
    assert_non_null(strstr(out, "cannot resolve nonexistent.invalid"));
    /* With no descriptor left the lookup fails too: that is not the name's fault. */
    struct rlimit lim, none;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &lim), 0);
    int lowest = dup(0);
    assert_true(lowest >= 0);
    close(lowest);
    none = lim;
    none.rlim_cur = (rlim_t)lowest;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &none), 0);
    why_start_failed("localhost", 0, out, sizeof out);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
    assert_non_null(strstr(out, "no file descriptor left"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_why_connect_says_a_name_did_not_resolve),
        cmocka_unit_test(test_why_connect_says_descriptors_ran_out),
        cmocka_unit_test(test_why_connect_prefers_the_certificate_problem),
        cmocka_unit_test(test_why_connect_refused_and_otherwise_lws_text),
        cmocka_unit_test(test_why_closed_names_silence_close_code_or_a_cut),
        cmocka_unit_test(test_why_start_failed_tells_no_descriptor_from_no_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
