/* The configuration: the shipped file is the defaults; every error names file, line, key
 * and what is allowed. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "test_util.h"

static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

static int setup(void **state)
{
    (void)state;
    tu_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/test.conf", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rm_rf(dir);
    return 0;
}

static void write_conf(const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Load text; expect an error "<path>:<suffix>". */
static void assert_error(const char *text, const char *suffix)
{
    write_conf(text);
    cfg c;
    cfg_defaults(&c);
    char err[1024], want[PATH_MAX + 512];
    assert_int_equal(cfg_load(&c, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:%s", path, suffix);
    assert_string_equal(err, want);
}

static void test_config_shipped_file_equals_defaults(void **state)
{
    (void)state;
    cfg shipped, defaults;
    cfg_defaults(&defaults);
    cfg_defaults(&shipped);
    memset(shipped.dir, 'x', 10); /* every default must come from the file */
    char err[512] = "";
    assert_int_equal(
        cfg_load(&shipped, DEPTHLOG_SOURCE_DIR "/config/orderbook.conf", err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_memory_equal(&shipped, &defaults, sizeof shipped);
    assert_string_equal(defaults.ws.host, "stream.binance.com");
    assert_int_equal(defaults.ws.port, 9443);
    assert_string_equal(defaults.rest.host, "api.binance.com");
    assert_int_equal(defaults.rest.port, 443);
}

static void test_config_examples_load(void **state)
{
    (void)state;
    const char *ex[] = {"daily-utc.conf", "raw-capture.conf", "binance-us.conf"};
    for (size_t i = 0; i < 3; i++) {
        char p[PATH_MAX], err[512];
        snprintf(p, sizeof p, "%s/config/examples/%s", DEPTHLOG_SOURCE_DIR, ex[i]);
        cfg c;
        cfg_defaults(&c);
        if (cfg_load(&c, p, err, sizeof err) != 0)
            fail_msg("%s", err);
    }
}

static void test_config_values_and_inline_comments(void **state)
{
    (void)state;
    write_conf("; comment\n[log]\ndir = /tmp/x y   ; where\nrollover = daily\nclock = utc\n"
               "queue_mb = 8\n[binance]\nws_url = wss://127.0.0.1:9443/\n"
               "rest_url = https://localhost:8443/api/\nspeed_ms = 1000\nsnapshot_limit = 5000\n"
               "ca_file =\n[book]\ndepth = 20\nrecord = both\n");
    cfg c;
    cfg_defaults(&c);
    char err[512];
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_string_equal(c.dir, "/tmp/x y");
    assert_int_equal(c.rollover_5sec, 0);
    assert_int_equal(c.utc, 1);
    assert_int_equal(c.queue_mb, 8);
    assert_string_equal(c.ws.host, "127.0.0.1");
    assert_int_equal(c.ws.port, 9443);
    assert_string_equal(c.ws.path, "");
    assert_string_equal(c.rest.host, "localhost");
    assert_string_equal(c.rest.path, "/api");
    assert_int_equal(c.speed_ms, 1000);
    assert_int_equal(c.snapshot_limit, 5000);
    assert_string_equal(c.ca_file, "");
    assert_int_equal(c.depth, 20);
    assert_int_equal(c.record, CAP_RECORD_BOTH);
}

static void test_config_errors_name_line_key_and_allowed_values(void **state)
{
    (void)state;
    assert_error("[log]\n\nrollover = weekly\n",
                 "3: [log] rollover = weekly: expected 5sec or daily");
    assert_error("[log]\nclock = mars\n", "2: [log] clock = mars: expected local or utc");
    assert_error("[log]\nqueue_mb = 0\n",
                 "2: [log] queue_mb = 0: expected a whole number of MiB from 1 to 4096");
    assert_error("[log]\nqueue_mb = 12abc\n",
                 "2: [log] queue_mb = 12abc: expected a whole number of MiB from 1 to 4096");
    assert_error("[log]\nqueue_mb = 99999999999999999999\n",
                 "2: [log] queue_mb = 99999999999999999999: expected a whole number of MiB from "
                 "1 to 4096");
    assert_error("[binance]\nspeed_ms = 250\n",
                 "2: [binance] speed_ms = 250: expected 100 or 1000");
    assert_error("[binance]\nsnapshot_limit = 5001\n",
                 "2: [binance] snapshot_limit = 5001: expected a whole number from 1 to 5000");
    assert_error("[binance]\nws_url = ws://x\n",
                 "2: [binance] ws_url = ws://x: expected wss://host[:port][/path] (wrong scheme)");
    assert_error("[binance]\nrest_url = https://h:0\n",
                 "2: [binance] rest_url = https://h:0: expected https://host[:port][/path] (the "
                 "port must be 1..65535)");
    assert_error("[book]\ndepth = -1\n",
                 "2: [book] depth = -1: expected a whole number of levels from 1 to 1000");
    assert_error("[book]\nrecord = all\n", "2: [book] record = all: expected book, raw or both");
    assert_error("[log]\nrolover = 5sec\n", "2: [log] rolover: unknown key");
    assert_error("[logs]\ndir = x\n",
                 "1: [logs]: unknown section (expected [log], [binance] or [book])");
    assert_error("[log]\n[extra]\n",
                 "2: [extra]: unknown section (expected [log], [binance] or [book])");
    assert_error("[log]\ndir = a\ndir = b\n", "3: [log] dir: set twice");
    assert_error("[log]\nthis is not ini\n", "2: not a [section] or key = value line");
    assert_error("[log]\nrollover = daily\nclock = x\nrollover = y\n",
                 "3: [log] clock = x: expected local or utc");
}

/* libinih reads a long line in pieces and takes each for a line of its own, so the end of a
 * long comment could set a key: such a line is an error, named with its own line number
 * (found by fuzz/fuzz_config). */
static void test_config_long_line_is_an_error_not_split(void **state)
{
    (void)state;
    char text[512];
    /* 198 characters of comment, then what libinih would read as a line of its own. */
    snprintf(text, sizeof text, "[log]\n;%0197d dir = elsewhere\nrollover = daily\n", 0);
    assert_error(text, "2: line longer than 198 characters");
    /* An error before the long line is still the first. */
    snprintf(text, sizeof text, "[log]\nclock = x\n;%0300d\n", 0);
    assert_error(text, "2: [log] clock = x: expected local or utc");
    /* And one after it does not hide it, whatever libinih made of the pieces. */
    snprintf(text, sizeof text, "[log]\n;%0300d\n[nope]\n", 0);
    assert_error(text, "2: line longer than 198 characters");
}

static void test_config_line_of_198_characters_is_read_whole(void **state)
{
    (void)state;
    char text[512], want[256];
    /* "dir = ", 191 characters and a '\r': 198 before the '\n'. */
    memset(want, 'd', 191);
    want[191] = '\0';
    snprintf(text, sizeof text, "[log]\ndir = %s\r\nrollover = daily\n", want);
    write_conf(text);
    cfg c;
    cfg_defaults(&c);
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_string_equal(c.dir, want);
    assert_int_equal(c.rollover_5sec, 0);
}

static void test_config_missing_file_names_it(void **state)
{
    (void)state;
    cfg c;
    cfg_defaults(&c);
    char err[512];
    assert_int_equal(cfg_load(&c, "/nonexistent/orderbook.conf", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/orderbook.conf: cannot open: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_shipped_file_equals_defaults),
        cmocka_unit_test(test_config_examples_load),
        cmocka_unit_test(test_config_values_and_inline_comments),
        cmocka_unit_test(test_config_errors_name_line_key_and_allowed_values),
        cmocka_unit_test(test_config_long_line_is_an_error_not_split),
        cmocka_unit_test(test_config_line_of_198_characters_is_read_whole),
        cmocka_unit_test(test_config_missing_file_names_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
