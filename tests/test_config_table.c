/* The table of configuration keys agrees with everything that shows it: the shipped file is
 * the defaults and sets every key, an empty file is the defaults, each key refuses a bad
 * value in its own words, the examples load, and README's table is the table. (Each key's
 * values and errors: test_config_values.c.) */
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
#include "config_fixture.h"
#include "test_util.h"

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
    cf_write_conf("");
    cfg c, defaults;
    cfg_defaults(&defaults);
    memset(&c, 0x5a, sizeof c);
    char err[512] = "";
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), 0);
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
        cf_assert_error(text, want);
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
        cmocka_unit_test(test_config_empty_file_is_the_defaults),
        cmocka_unit_test(test_config_every_key_refuses_a_bad_value_in_its_words),
        cmocka_unit_test(test_config_readme_table_is_the_table),
    };
    return cmocka_run_group_tests(tests, cf_setup, cf_teardown);
}
