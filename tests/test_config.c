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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "url.h"
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

/* Whether the text of the shipped file sets `name` (as "name =") inside [section]. */
static int file_sets(const char *text, const char *section, const char *name)
{
    char header[64];
    snprintf(header, sizeof header, "\n[%s]", section);
    const char *p = strstr(text, header);
    if (p == NULL)
        return 0;
    size_t n = strlen(name);
    for (p = strchr(p + 1, '\n'); p != NULL && p[1] != '['; p = strchr(p + 1, '\n')) {
        const char *line = p + 1;
        if (strncmp(line, name, n) == 0 && line[n + strspn(line + n, " ")] == '=')
            return 1;
    }
    return 0;
}

static void test_config_shipped_file_equals_defaults(void **state)
{
    (void)state;
    cfg shipped, defaults;
    cfg_defaults(&defaults);
    char err[512] = "";
    assert_int_equal(
        cfg_load(&shipped, DEPTHLOG_SOURCE_DIR "/config/orderbook.conf", err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_memory_equal(&shipped, &defaults, sizeof shipped);
    assert_string_equal(defaults.ws.host, "stream.binance.com");
    assert_int_equal(defaults.ws.port, 9443);
    assert_string_equal(defaults.rest.host, "api.binance.com");
    assert_int_equal(defaults.rest.port, 443);
    assert_string_equal(defaults.ws_b.host, "stream.binance.com");

    /* The shipped file writes every key of the table, so it shows every default. */
    size_t n;
    const cfg_key *keys = cfg_keys(&n);
    char *text = tu_read_file(DEPTHLOG_SOURCE_DIR "/config/orderbook.conf", NULL);
    assert_non_null(text);
    for (size_t k = 0; k < n; k++)
        if (!file_sets(text, keys[k].section, keys[k].name))
            fail_msg("config/orderbook.conf does not set [%s] %s", keys[k].section, keys[k].name);
    free(text);
}

/* An empty file is the defaults; every default in the table is a value its key allows. */
static void test_config_empty_file_is_the_defaults(void **state)
{
    (void)state;
    write_conf("");
    cfg c, defaults;
    cfg_defaults(&defaults);
    memset(&c, 0x5a, sizeof c);
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_memory_equal(&c, &defaults, sizeof c);
}

/* For each key a bad value is refused with the key's own words for what it allows. */
static void test_config_every_key_refuses_a_bad_value_in_its_words(void **state)
{
    (void)state;
    size_t n;
    const cfg_key *keys = cfg_keys(&n);
    for (size_t k = 0; k < n; k++) {
        const char *bad = keys[k].kind == CFG_PATH ? "" : "@bad value@";
        char text[256], want[512], allowed[300];
        snprintf(text, sizeof text, "; key %zu\n[%s]\n%s = %s\n", k, keys[k].section, keys[k].name,
                 bad);
        if (keys[k].kind == CFG_URL)
            snprintf(allowed, sizeof allowed, "expected %s://host[:port][/path] (wrong scheme)",
                     keys[k].scheme);
        else if (keys[k].kind == CFG_PEM_FILE)
            snprintf(allowed, sizeof allowed,
                     "expected a readable file of PEM certificates (No such file or directory)");
        else
            snprintf(allowed, sizeof allowed, "expected %s",
                     cfg_allowed(&keys[k], CFG_MARKET_SPOT, want, sizeof want));
        snprintf(want, sizeof want, "3: [%s] %s = %s: %s", keys[k].section, keys[k].name, bad,
                 allowed);
        assert_error(text, want);
    }
}

static void test_config_examples_load(void **state)
{
    (void)state;
    const char *ex[] = {"daily-utc.conf", "raw-capture.conf", "binance-us.conf",
                        "usdm.conf",      "coinm.conf",       "all-spot-usdt.conf"};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char p[PATH_MAX], err[512];
        snprintf(p, sizeof p, "%s/config/examples/%s", DEPTHLOG_SOURCE_DIR, ex[i]);
        cfg c;
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
                 "2: [log] queue_mb = 0: expected a whole number of MiB from 1 to 2048");
    assert_error("[log]\nqueue_mb = 12abc\n",
                 "2: [log] queue_mb = 12abc: expected a whole number of MiB from 1 to 2048");
    assert_error("[log]\nqueue_mb = 99999999999999999999\n",
                 "2: [log] queue_mb = 99999999999999999999: expected a whole number of MiB from "
                 "1 to 2048");
    assert_error("[binance]\nspeed_ms = 250\n",
                 "2: [binance] speed_ms = 250: expected 100 or 1000 with market = spot");
    assert_error("[binance]\nsnapshot_limit = 5001\n",
                 "2: [binance] snapshot_limit = 5001: expected a whole number from 1 to 5000 "
                 "with market = spot");
    assert_error("[binance]\nws_url = ws://x\n",
                 "2: [binance] ws_url = ws://x: expected wss://host[:port][/path] (wrong scheme)");
    assert_error("[binance]\nrest_url = https://h:0\n",
                 "2: [binance] rest_url = https://h:0: expected https://host[:port][/path] (the "
                 "port must be 1..65535)");
    assert_error("[book]\ndepth = -1\n",
                 "2: [book] depth = -1: expected a whole number of levels from 1 to 1000");
    assert_error("[book]\nrecord = all\n", "2: [book] record = all: expected book, raw or both");
    assert_error("[log]\nrolover = 5sec\n",
                 "2: [log] rolover: unknown key (allowed: dir, rollover, clock, queue_mb, "
                 "compress, checksum)");
    assert_error("[logs]\ndir = x\n", "1: [logs]: unknown section (expected [log], [binance], "
                                      "[book], [nats] or [serve])");
    assert_error("[log]\n[extra]\n", "2: [extra]: unknown section (expected [log], [binance], "
                                     "[book], [nats] or [serve])");
    assert_error("[log]\ndir = a\ndir = b\n", "3: [log] dir: set twice (first on line 2)");
    assert_error("[log]\nthis is not ini\n", "2: not a [section] or key = value line");
    assert_error("[log]\nrollover = daily\nclock = x\nrollover = y\n",
                 "3: [log] clock = x: expected local or utc");
    /* Values are checked after the whole file is read, yet the earliest line is reported. */
    assert_error("[book]\ndepth = 0\n[log]\nclock = x\n",
                 "2: [book] depth = 0: expected a whole number of levels from 1 to 1000");
}

/* The issue's example: an unknown key lists what its section allows. */
static void test_config_unknown_key_lists_the_keys_of_its_section(void **state)
{
    (void)state;
    assert_error("[binance]\n\ncolour = red\n",
                 "3: [binance] colour: unknown key (allowed: market, ws_url, rest_url, speed_ms, "
                 "snapshot_limit, ca_file, legs, ws_url_b, max_connection_age_s, ping_s, "
                 "hangup_s, trades, exchange_info_s)");
    assert_error("[nats]\nsubject = x\n",
                 "2: [nats] subject: unknown key (allowed: url, stream, subject_prefix, "
                 "replicas, durable)");
}

/* Not "[]: unknown section": say that the key is outside any section, and where it belongs. */
static void test_config_key_outside_any_section(void **state)
{
    (void)state;
    assert_error("dir = x\n[log]\n", "1: dir: outside any section (it belongs under [log])");
    assert_error("; c\ncolour = red\n",
                 "2: colour: outside any section (sections: [log], [binance], [book], [nats] "
                 "or [serve])");
}

/* speed_ms and snapshot_limit depend on the market, wherever market is in the file. */
static void test_config_market_decides_speeds_limits_and_endpoints(void **state)
{
    (void)state;
    assert_error("[binance]\nspeed_ms = 1000\nmarket = usdm\n",
                 "2: [binance] speed_ms = 1000: expected 100, 250 or 500 with market = usdm");
    assert_error("[binance]\nmarket = coinm\nsnapshot_limit = 4\n",
                 "3: [binance] snapshot_limit = 4: expected a whole number from 5 to 1000 with "
                 "market = coinm");
    assert_error("[binance]\nmarket = coinm\nsnapshot_limit = 5000\n",
                 "3: [binance] snapshot_limit = 5000: expected a whole number from 5 to 1000 with "
                 "market = coinm");
    assert_error("[binance]\nmarket = margin\n",
                 "2: [binance] market = margin: expected spot, usdm or coinm");

    write_conf("[binance]\nspeed_ms = 500\nmarket = usdm\nsnapshot_limit = 5\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_int_equal(c.market, CFG_MARKET_USDM);
    assert_int_equal(c.speed_ms, 500);
    assert_int_equal(c.snapshot_limit, 5);
    assert_string_equal(c.ws.host, "fstream.binance.com");
    assert_int_equal(c.ws.port, 443);
    assert_string_equal(c.rest.host, "fapi.binance.com");
    assert_string_equal(c.ws_b.host, "fstream.binance.com");

    write_conf("[binance]\nmarket = coinm\nws_url = wss://127.0.0.1:9443\n"
               "ws_url_b = wss://data-stream.binance.vision\n");
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_string_equal(c.ws.host, "127.0.0.1");
    assert_string_equal(c.rest.host, "dapi.binance.com");
    assert_string_equal(c.ws_b.host, "data-stream.binance.vision");
}

static void test_config_ping_must_be_under_hangup(void **state)
{
    (void)state;
    assert_error("[binance]\nping_s = 60\n",
                 "2: [binance] ping_s = 60: expected less than hangup_s (60)");
    assert_error("[binance]\nping_s = 5\nhangup_s = 5\n",
                 "3: [binance] hangup_s = 5: expected more than ping_s (5)");
    assert_error("[binance]\nhangup_s = 3\n\nping_s = 5\n",
                 "4: [binance] ping_s = 5: expected less than hangup_s (3)");
    write_conf("[binance]\nping_s = 1\nhangup_s = 2\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    assert_int_equal(c.ping_s, 1);
    assert_int_equal(c.hangup_s, 2);
}

static void test_config_nats_and_serve_values(void **state)
{
    (void)state;
    write_conf("[nats]\nurl = nats://127.0.0.1:4222,nats://h2:4223\nstream = DL_2\n"
               "subject_prefix = a.b-c\nreplicas = 3\ndurable = arch\n[serve]\n"
               "listen = [::1]:8080\n[log]\ncompress = zstd\nchecksum = on\n[binance]\nlegs = "
               "1\ntrades = on\n"
               "max_connection_age_s = 5\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
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
        assert_error(text, want);
    }
    assert_error("[nats]\nsubject_prefix = a..b\n",
                 "2: [nats] subject_prefix = a..b: expected tokens of A-Z a-z 0-9 - _ separated "
                 "by dots, at most 64 characters");
    assert_error("[nats]\nstream = a.b\n",
                 "2: [nats] stream = a.b: expected 1 to 32 of A-Z a-z 0-9 - _");
    assert_error("[nats]\nreplicas = 6\n",
                 "2: [nats] replicas = 6: expected a whole number from 1 to 5");
    const char *bad_listen[] = {"8080", "localhost", "h:", "[::1]", "h:8080/x", "h:99999"};
    for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[serve]\nlisten = %s\n", bad_listen[i]);
        snprintf(want, sizeof want,
                 "2: [serve] listen = %s: expected empty, or host:port (e.g. 127.0.0.1:8080)",
                 bad_listen[i]);
        assert_error(text, want);
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

/* Issue 10.5: what alog would refuse after start is a configuration error. Its queue holds at
 * most 2 GiB (alog_open fails with EINVAL above it). */
static void test_config_queue_mb_within_alogs_limit(void **state)
{
    (void)state;
    assert_error("[log]\nqueue_mb = 4096\n",
                 "2: [log] queue_mb = 4096: expected a whole number of MiB from 1 to 2048");
    assert_error("[log]\nqueue_mb = 2049\n",
                 "2: [log] queue_mb = 2049: expected a whole number of MiB from 1 to 2048");
    write_conf("[log]\nqueue_mb = 2048\n");
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
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
    snprintf(p, sizeof p, "%s/%s", dir, name);
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
    assert_error("[binance]\nca_file = /etc/passwd\n",
                 "2: [binance] ca_file = /etc/passwd: expected a readable file of PEM "
                 "certificates (no \"-----BEGIN CERTIFICATE-----\" in it)");
    snprintf(text, sizeof text, "[binance]\nca_file = %s\n", dir);
    snprintf(want, sizeof want, "2: [binance] ca_file = %s: %s (this is a directory)", dir, pem);
    assert_error(text, want);
    assert_error("[binance]\nca_file = /nonexistent/ca.pem\n",
                 "2: [binance] ca_file = /nonexistent/ca.pem: expected a readable file of PEM "
                 "certificates (No such file or directory)");
    assert_error("[binance]\nca_file = /dev/zero\n",
                 "2: [binance] ca_file = /dev/zero: expected a readable file of PEM certificates "
                 "(not a regular file)");
    /* A PEM block that does not decode. */
    put("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n");
    snprintf(text, sizeof text, "[binance]\nca_file = %s/broken.pem\n", dir);
    snprintf(want, sizeof want,
             "2: [binance] ca_file = %s/broken.pem: %s (a PEM block in it "
             "cannot be read)",
             dir, pem);
    assert_error(text, want);

    put("ca.pem", test_cert);
    snprintf(text, sizeof text, "[binance]\nca_file = %s/ca.pem\n", dir);
    write_conf(text);
    cfg c;
    char err[512] = "";
    assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s/ca.pem", dir);
    assert_string_equal(c.ca_file, want);
}

/* Issue 10.5: -c some_directory, or a directory named ./orderbook.conf, ran on the defaults. */
static void test_config_a_directory_is_not_a_configuration(void **state)
{
    (void)state;
    char sub[PATH_MAX + 32], want[PATH_MAX + 128], err[PATH_MAX + 128];
    snprintf(sub, sizeof sub, "%s/orderbook.conf", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    cfg c;
    assert_int_equal(cfg_load(&c, sub, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: is a directory (expected a configuration file, e.g. config/orderbook.conf)", sub);
    assert_string_equal(err, want);
    assert_int_equal(cfg_load(&c, dir, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: is a directory (expected a configuration file, e.g. config/orderbook.conf)", dir);
    assert_string_equal(err, want);
    rmdir(sub);
}

/* ---- README's table of keys, derived from the table ---- */

static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

static void readme_rule(char *buf, size_t len, const cfg_int_rule *r)
{
    if (r->only == NULL) {
        append(buf, len, "%ld..%ld", r->lo, r->hi);
        return;
    }
    for (size_t i = 0; r->only[i] != 0; i++)
        append(buf, len, "%s`%ld`", i ? ", " : "", r->only[i]);
}

/* The "allowed" column of a key. */
static void readme_allowed(char *buf, size_t len, const cfg_key *k)
{
    switch (k->kind) {
    case CFG_CHOICE:
        for (size_t i = 0; k->choices[i].name != NULL; i++)
            append(buf, len, "%s`%s`", i ? ", " : "", k->choices[i].name);
        break;
    case CFG_INT:
    case CFG_UINT:
        if (k->futures.hi != 0)
            append(buf, len, "spot: ");
        readme_rule(buf, len, &k->rule);
        if (k->futures.hi != 0) {
            append(buf, len, "; usdm, coinm: ");
            readme_rule(buf, len, &k->futures);
        }
        break;
    case CFG_URL:
        append(buf, len, "empty, or `%s://host[:port][/path]`", k->scheme);
        break;
    case CFG_PATH:
        append(buf, len, "a path");
        break;
    case CFG_PEM_FILE:
        append(buf, len, "empty, or a file of PEM certificates");
        break;
    case CFG_NATS_URLS:
        append(buf, len, "empty, or `nats://host[:port]` separated by commas");
        break;
    case CFG_NAME:
        append(buf, len, "1 to 32 of `A-Z a-z 0-9 - _`");
        break;
    case CFG_SUBJECT:
        append(buf, len, "tokens of `A-Z a-z 0-9 - _` joined by dots");
        break;
    case CFG_LISTEN:
        append(buf, len, "empty, or `host:port`");
        break;
    }
}

/* README's Configuration table is the table: every key, its default, what it allows. */
static void test_config_readme_table_is_the_table(void **state)
{
    (void)state;
    static char want[16384];
    want[0] = '\0';
    append(want, sizeof want,
           "| key | default | allowed | meaning |\n"
           "|-----|---------|---------|---------|\n");
    size_t n;
    const cfg_key *keys = cfg_keys(&n);
    for (size_t k = 0; k < n; k++) {
        char allowed[256] = "";
        readme_allowed(allowed, sizeof allowed, &keys[k]);
        if (keys[k].def[0] != '\0')
            append(want, sizeof want, "| `[%s] %s` | `%s` | %s | %s%s |\n", keys[k].section,
                   keys[k].name, keys[k].def, allowed, keys[k].doc,
                   keys[k].used ? "" : " (not yet used)");
        else
            append(want, sizeof want, "| `[%s] %s` | empty | %s | %s%s |\n", keys[k].section,
                   keys[k].name, allowed, keys[k].doc, keys[k].used ? "" : " (not yet used)");
    }
    char *readme = tu_read_file(DEPTHLOG_SOURCE_DIR "/README.md", NULL);
    assert_non_null(readme);
    const char *start = strstr(readme, "| key | default | allowed | meaning |\n");
    const char *end = start ? strstr(start, "\n\n") : NULL;
    size_t got = end ? (size_t)(end - start) + 1 : 0;
    if (start == NULL || got != strlen(want) || memcmp(start, want, got) != 0) {
        fputs(want, stderr);
        fail_msg("%s", "README.md's configuration table is not the one above");
    }
    free(readme);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_shipped_file_equals_defaults),
        cmocka_unit_test(test_config_examples_load),
        cmocka_unit_test(test_config_values_and_inline_comments),
        cmocka_unit_test(test_config_empty_file_is_the_defaults),
        cmocka_unit_test(test_config_every_key_refuses_a_bad_value_in_its_words),
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
        cmocka_unit_test(test_config_readme_table_is_the_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
