/* The configuration's values: what each key takes, and every error names file, line, key and
 * what is allowed (the key table's agreement with the shipped file and README:
 * test_config_table.c). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"
#include "url.h"
#include "test_util.h"

static void test_config_values_and_inline_comments(void **state)
{
    (void)state;
    cf_write_conf("; comment\n[log]\ndir = /tmp/x y   ; where\nrollover = daily\nclock = utc\n"
                  "queue_mb = 8\n[binance]\nws_url = wss://127.0.0.1:9443/\n"
                  "rest_url = https://localhost:8443/api/\nspeed_ms = 1000\nsnapshot_limit = 5000\n"
                  "ca_file =\n[book]\ndepth = 20\nrecord = both\n");
    cfg c;
    cfg_defaults(&c);
    char err[512];
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
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
    cf_assert_error("[log]\n\nrollover = weekly\n",
                    "3: [log] rollover = weekly: expected 5sec or daily");
    cf_assert_error("[log]\nclock = mars\n", "2: [log] clock = mars: expected local or utc");
    cf_assert_error("[log]\nqueue_mb = 0\n",
                    "2: [log] queue_mb = 0: expected a whole number of MiB from 1 to 2048");
    cf_assert_error("[log]\nqueue_mb = 12abc\n",
                    "2: [log] queue_mb = 12abc: expected a whole number of MiB from 1 to 2048");
    cf_assert_error("[log]\nqueue_mb = 99999999999999999999\n",
                    "2: [log] queue_mb = 99999999999999999999: expected a whole number of MiB from "
                    "1 to 2048");
    cf_assert_error("[binance]\nspeed_ms = 250\n",
                    "2: [binance] speed_ms = 250: expected 100 or 1000 with market = spot");
    cf_assert_error("[binance]\nsnapshot_limit = 5001\n",
                    "2: [binance] snapshot_limit = 5001: expected a whole number from 1 to 5000 "
                    "with market = spot");
    cf_assert_error(
        "[binance]\nws_url = ws://x\n",
        "2: [binance] ws_url = ws://x: expected wss://host[:port][/path] (wrong scheme)");
    cf_assert_error("[binance]\nrest_url = https://h:0\n",
                    "2: [binance] rest_url = https://h:0: expected https://host[:port][/path] (the "
                    "port must be 1..65535)");
    cf_assert_error("[book]\ndepth = -1\n",
                    "2: [book] depth = -1: expected a whole number of levels from 1 to 1000");
    cf_assert_error("[book]\nrecord = all\n", "2: [book] record = all: expected book, raw or both");
    cf_assert_error("[log]\nrolover = 5sec\n",
                    "2: [log] rolover: unknown key (allowed: dir, rollover, clock, queue_mb, "
                    "compress, checksum)");
    cf_assert_error("[logs]\ndir = x\n", "1: [logs]: unknown section (expected [log], [binance], "
                                         "[book], [nats] or [serve])");
    cf_assert_error("[log]\n[extra]\n", "2: [extra]: unknown section (expected [log], [binance], "
                                        "[book], [nats] or [serve])");
    cf_assert_error("[log]\ndir = a\ndir = b\n", "3: [log] dir: set twice (first on line 2)");
    cf_assert_error("[log]\nthis is not ini\n", "2: not a [section] or key = value line");
    cf_assert_error("[log]\nrollover = daily\nclock = x\nrollover = y\n",
                    "3: [log] clock = x: expected local or utc");
    /* Values are checked after the whole file is read, yet the earliest line is reported. */
    cf_assert_error("[book]\ndepth = 0\n[log]\nclock = x\n",
                    "2: [book] depth = 0: expected a whole number of levels from 1 to 1000");
}

/* The example: an unknown key lists what its section allows. */
static void test_config_unknown_key_lists_the_keys_of_its_section(void **state)
{
    (void)state;
    cf_assert_error(
        "[binance]\n\ncolour = red\n",
        "3: [binance] colour: unknown key (allowed: market, ws_url, rest_url, speed_ms, "
        "snapshot_limit, ca_file, legs, ws_url_b, max_connection_age_s, ping_s, "
        "hangup_s, trades, exchange_info_s)");
    cf_assert_error("[nats]\nsubject = x\n",
                    "2: [nats] subject: unknown key (allowed: url, stream, subject_prefix, "
                    "replicas, durable)");
}

/* Not "[]: unknown section": say that the key is outside any section, and where it belongs. */
static void test_config_key_outside_any_section(void **state)
{
    (void)state;
    cf_assert_error("dir = x\n[log]\n", "1: dir: outside any section (it belongs under [log])");
    cf_assert_error("; c\ncolour = red\n",
                    "2: colour: outside any section (sections: [log], [binance], [book], [nats] "
                    "or [serve])");
}

/* speed_ms and snapshot_limit depend on the market, wherever market is in the file. */
static void test_config_market_decides_speeds_limits_and_endpoints(void **state)
{
    (void)state;
    cf_assert_error("[binance]\nspeed_ms = 1000\nmarket = usdm\n",
                    "2: [binance] speed_ms = 1000: expected 100, 250 or 500 with market = usdm");
    cf_assert_error("[binance]\nmarket = coinm\nsnapshot_limit = 4\n",
                    "3: [binance] snapshot_limit = 4: expected a whole number from 5 to 1000 with "
                    "market = coinm");
    cf_assert_error(
        "[binance]\nmarket = coinm\nsnapshot_limit = 5000\n",
        "3: [binance] snapshot_limit = 5000: expected a whole number from 5 to 1000 with "
        "market = coinm");
    cf_assert_error("[binance]\nmarket = margin\n",
                    "2: [binance] market = margin: expected spot, usdm or coinm");

    cf_write_conf("[binance]\nspeed_ms = 500\nmarket = usdm\nsnapshot_limit = 5\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    assert_int_equal(c.market, CFG_MARKET_USDM);
    assert_int_equal(c.speed_ms, 500);
    assert_int_equal(c.snapshot_limit, 5);
    assert_string_equal(c.ws.host, "fstream.binance.com");
    assert_int_equal(c.ws.port, 443);
    assert_string_equal(c.rest.host, "fapi.binance.com");
    assert_string_equal(c.ws_b.host, "fstream.binance.com");

    cf_write_conf("[binance]\nmarket = coinm\nws_url = wss://127.0.0.1:9443\n"
                  "ws_url_b = wss://data-stream.binance.vision\n");
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    assert_string_equal(c.ws.host, "127.0.0.1");
    assert_string_equal(c.rest.host, "dapi.binance.com");
    assert_string_equal(c.ws_b.host, "data-stream.binance.vision");
}

static void test_config_ping_must_be_under_hangup(void **state)
{
    (void)state;
    cf_assert_error("[binance]\nping_s = 60\n",
                    "2: [binance] ping_s = 60: expected less than hangup_s (60)");
    cf_assert_error("[binance]\nping_s = 5\nhangup_s = 5\n",
                    "3: [binance] hangup_s = 5: expected more than ping_s (5)");
    cf_assert_error("[binance]\nhangup_s = 3\n\nping_s = 5\n",
                    "4: [binance] ping_s = 5: expected less than hangup_s (3)");
    cf_write_conf("[binance]\nping_s = 1\nhangup_s = 2\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    assert_int_equal(c.ping_s, 1);
    assert_int_equal(c.hangup_s, 2);
}

static void test_config_nats_and_serve_values(void **state)
{
    (void)state;
    cf_write_conf("[nats]\nurl = nats://127.0.0.1:4222,nats://h2:4223\nstream = DL_2\n"
                  "subject_prefix = a.b-c\nreplicas = 3\ndurable = arch\n[serve]\n"
                  "listen = [::1]:8080\n[log]\ncompress = zstd\nchecksum = on\n[binance]\nlegs = "
                  "1\ntrades = on\n"
                  "max_connection_age_s = 5\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    assert_string_equal(c.nats_url, "nats://127.0.0.1:4222,nats://h2:4223");
    assert_string_equal(c.nats_stream, "DL_2");
    assert_string_equal(c.nats_subject_prefix, "a.b-c");
    assert_int_equal(c.nats_replicas, 3);
    assert_string_equal(c.nats_durable, "arch");
    assert_string_equal(c.listen.host, "::1");
    assert_int_equal(c.listen.port, 8080);
    assert_int_equal(c.compress, CFG_COMPRESS_ZSTD);
    assert_int_equal(c.checksum, 1);
    assert_int_equal(c.legs, 1);
    assert_int_equal(c.trades, 1);
    assert_int_equal(c.max_connection_age_s, 5);

    const char *urls = "expected empty, or nats://host[:port] separated by commas";
    const char *bad_urls[] = {"nats://h,", ",nats://h", "nats://h/x", "http://h", "nats://h:0"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[nats]\nurl = %s\n", bad_urls[i]);
        snprintf(want, sizeof want, "2: [nats] url = %s: %s", bad_urls[i], urls);
        cf_assert_error(text, want);
    }
    cf_assert_error("[nats]\nsubject_prefix = a..b\n",
                    "2: [nats] subject_prefix = a..b: expected tokens of A-Z a-z 0-9 - _ separated "
                    "by dots, at most 64 characters");
    cf_assert_error("[nats]\nstream = a.b\n",
                    "2: [nats] stream = a.b: expected 1 to 32 of A-Z a-z 0-9 - _");
    cf_assert_error("[nats]\nreplicas = 6\n",
                    "2: [nats] replicas = 6: expected a whole number from 1 to 5");
    const char *bad_listen[] = {"8080", "localhost", "h:", "[::1]", "h:8080/x", "h:99999"};
    for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[serve]\nlisten = %s\n", bad_listen[i]);
        snprintf(want, sizeof want,
                 "2: [serve] listen = %s: expected empty, or host:port (e.g. 127.0.0.1:8080)",
                 bad_listen[i]);
        cf_assert_error(text, want);
    }
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
    cf_assert_error(text, "2: line longer than 198 characters");
    /* An error before the long line is still the first. */
    snprintf(text, sizeof text, "[log]\nclock = x\n;%0300d\n", 0);
    cf_assert_error(text, "2: [log] clock = x: expected local or utc");
    /* And one after it does not hide it, whatever libinih made of the pieces. */
    snprintf(text, sizeof text, "[log]\n;%0300d\n[nope]\n", 0);
    cf_assert_error(text, "2: line longer than 198 characters");
}

static void test_config_line_of_198_characters_is_read_whole(void **state)
{
    (void)state;
    char text[512], want[256];
    /* "dir = ", 191 characters and a '\r': 198 before the '\n'. */
    memset(want, 'd', 191);
    want[191] = '\0';
    snprintf(text, sizeof text, "[log]\ndir = %s\r\nrollover = daily\n", want);
    cf_write_conf(text);
    cfg c;
    cfg_defaults(&c);
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
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

/* Issue 10.5: what alog would refuse after start is a configuration error. Its queue holds at
 * most 2 GiB (alog_open fails with EINVAL above it). */
static void test_config_queue_mb_within_alogs_limit(void **state)
{
    (void)state;
    cf_assert_error("[log]\nqueue_mb = 4096\n",
                    "2: [log] queue_mb = 4096: expected a whole number of MiB from 1 to 2048");
    cf_assert_error("[log]\nqueue_mb = 2049\n",
                    "2: [log] queue_mb = 2049: expected a whole number of MiB from 1 to 2048");
    cf_write_conf("[log]\nqueue_mb = 2048\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    assert_int_equal(c.queue_mb, 2048);
}

/* A self-signed certificate, to show that a real PEM file is taken. */
static const char test_cert[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBdjCCARugAwIBAgIUOXcTgkzrmokY+rNp6KbRwpZLzB0wCgYIKoZIzj0EAwIw\n"
                                "DzENMAsGA1UEAwwEdGVzdDAgFw0yNjEyMDQxNjI3MzFaGA8yMTI2MTExMDE2Mjcz\n"
                                "MVowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIK7\n"
                                "sAdxwCAvbkxyOdHi90GwbdmjW44ZF7OLSY0zZ6gHVrH8Ojnr5CNpourqUiZ9rLy5\n"
                                "UoH4VRIybPIpV70WP/2jUzBRMB0GA1UdDgQWBBQYfW5/+tLkp4H0MZyLcS4Q2USu\n"
                                "cjAfBgNVHSMEGDAWgBQYfW5/+tLkp4H0MZyLcS4Q2USucjAPBgNVHRMBAf8EBTAD\n"
                                "AQH/MAoGCCqGSM49BAMCA0kAMEYCIQCjxT5tmU/PLTOxXR50jg+f23AQayjWlqMF\n"
                                "I4F+a90UTAIhAJiIl7KspT3F1uBRZjdT74iUijTr1VXSZfKmHQEF/Ams\n"
                                "-----END CERTIFICATE-----\n";

static void put(const char *name, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", cf_dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Issue 10.5: ca_file = /etc/passwd ran forever printing a TLS library error. It is read as
 * OpenSSL will read it, when the configuration is loaded. */
static void test_config_ca_file_must_hold_pem_certificates(void **state)
{
    (void)state;
    const char *pem = "expected a readable file of PEM certificates";
    char text[PATH_MAX + 128], want[PATH_MAX + 256];
    cf_assert_error("[binance]\nca_file = /etc/passwd\n",
                    "2: [binance] ca_file = /etc/passwd: expected a readable file of PEM "
                    "certificates (no \"-----BEGIN CERTIFICATE-----\" in it)");
    snprintf(text, sizeof text, "[binance]\nca_file = %s\n", cf_dir);
    snprintf(want, sizeof want, "2: [binance] ca_file = %s: %s (this is a directory)", cf_dir, pem);
    cf_assert_error(text, want);
    cf_assert_error("[binance]\nca_file = /nonexistent/ca.pem\n",
                    "2: [binance] ca_file = /nonexistent/ca.pem: expected a readable file of PEM "
                    "certificates (No such file or directory)");
    cf_assert_error(
        "[binance]\nca_file = /dev/zero\n",
        "2: [binance] ca_file = /dev/zero: expected a readable file of PEM certificates "
        "(not a regular file)");
    /* A PEM block that does not decode. */
    put("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n");
    snprintf(text, sizeof text, "[binance]\nca_file = %s/broken.pem\n", cf_dir);
    snprintf(want, sizeof want,
             "2: [binance] ca_file = %s/broken.pem: %s (a PEM block in it "
             "cannot be read)",
             cf_dir, pem);
    cf_assert_error(text, want);

    put("ca.pem", test_cert);
    snprintf(text, sizeof text, "[binance]\nca_file = %s/ca.pem\n", cf_dir);
    cf_write_conf(text);
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s/ca.pem", cf_dir);
    assert_string_equal(c.ca_file, want);
}

/* Issue 10.5: -c some_directory, or a directory named ./orderbook.conf, ran on the defaults. */
static void test_config_a_directory_is_not_a_configuration(void **state)
{
    (void)state;
    char sub[PATH_MAX + 32], want[PATH_MAX + 128], err[PATH_MAX + 128];
    snprintf(sub, sizeof sub, "%s/orderbook.conf", cf_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    cfg c;
    assert_int_equal(cfg_load(&c, sub, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: is a directory (expected a configuration file, e.g. config/orderbook.conf)", sub);
    assert_string_equal(err, want);
    assert_int_equal(cfg_load(&c, cf_dir, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: is a directory (expected a configuration file, e.g. config/orderbook.conf)",
             cf_dir);
    assert_string_equal(err, want);
    rmdir(sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_values_and_inline_comments),
        cmocka_unit_test(test_config_errors_name_line_key_and_allowed_values),
        cmocka_unit_test(test_config_unknown_key_lists_the_keys_of_its_section),
        cmocka_unit_test(test_config_key_outside_any_section),
        cmocka_unit_test(test_config_market_decides_speeds_limits_and_endpoints),
        cmocka_unit_test(test_config_ping_must_be_under_hangup),
        cmocka_unit_test(test_config_nats_and_serve_values),
        cmocka_unit_test(test_config_long_line_is_an_error_not_split),
        cmocka_unit_test(test_config_line_of_198_characters_is_read_whole),
        cmocka_unit_test(test_config_missing_file_names_it),
        cmocka_unit_test(test_config_queue_mb_within_alogs_limit),
        cmocka_unit_test(test_config_ca_file_must_hold_pem_certificates),
        cmocka_unit_test(test_config_a_directory_is_not_a_configuration),
    };
    return cmocka_run_group_tests(tests, cf_setup, cf_teardown);
}
