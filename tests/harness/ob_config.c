#include "ob_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

enum { MAX_SETTINGS = 64, MAX_SECTIONS = 8 };

typedef struct setting {
    char section[32];
    char key[48];
    char value[PATH_MAX + 64];
} setting;

typedef struct conf {
    setting s[MAX_SETTINGS];
    size_t n;
} conf;

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t lead = strspn(s, " \t");
    memmove(s, s + lead, n - lead + 1);
}

/* Set section.key to value: replace it where it is, else add it. */
static void set(conf *c, const char *section, const char *key, const char *value)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->s[i].section, section) == 0 && strcmp(c->s[i].key, key) == 0) {
            snprintf(c->s[i].value, sizeof c->s[i].value, "%s", value);
            return;
        }
    }
    assert_true(c->n < MAX_SETTINGS);
    setting *s = &c->s[c->n++];
    snprintf(s->section, sizeof s->section, "%s", section);
    snprintf(s->key, sizeof s->key, "%s", key);
    snprintf(s->value, sizeof s->value, "%s", value);
}

/* "section.key = value" onto c; a malformed setting fails the test. */
static void parse_setting(conf *c, const char *text)
{
    char buf[PATH_MAX + 160];
    snprintf(buf, sizeof buf, "%s", text);
    char *dot = strchr(buf, '.'), *eq = strchr(buf, '=');
    if (dot == NULL || eq == NULL || dot > eq)
        fail_msg("ob_write_config: \"%s\" is not \"section.key = value\"", text);
    *dot = '\0';
    *eq = '\0';
    char *section = buf, *key = dot + 1, *value = eq + 1;
    trim(section);
    trim(key);
    trim(value);
    set(c, section, key, value);
}

void ob_write_config_v(ob_run *r, const char *const settings[])
{
    static conf c; /* large; tests run one at a time */
    memset(&c, 0, sizeof c);
    char url[64];
    set(&c, "log", "dir", r->logs);
    snprintf(url, sizeof url, "wss://localhost:%d", r->fs.port);
    set(&c, "binance", "ws_url", url);
    snprintf(url, sizeof url, "https://localhost:%d", r->fs.port);
    set(&c, "binance", "rest_url", url);
    set(&c, "binance", "snapshot_limit", "100");
    char ca[PATH_MAX + 16];
    snprintf(ca, sizeof ca, "%s/ca.pem", ob_certs);
    set(&c, "binance", "ca_file", ca);
    /* One connection per stream unless a test asks for two legs: most tests count
     * connections and resyncs as one connection makes them. */
    set(&c, "binance", "legs", "1");
    if (r->fs.port_b > 0) {
        snprintf(url, sizeof url, "wss://localhost:%d", r->fs.port_b);
        set(&c, "binance", "ws_url_b", url);
    }
    for (size_t i = 0; settings != NULL && settings[i] != NULL; i++)
        parse_setting(&c, settings[i]);

    FILE *f = fopen(r->conf, "w");
    assert_non_null(f);
    const char *done[MAX_SECTIONS];
    size_t n_done = 0;
    for (size_t i = 0; i < c.n; i++) {
        const char *section = c.s[i].section;
        int seen = 0;
        for (size_t k = 0; k < n_done; k++)
            seen |= strcmp(done[k], section) == 0;
        if (seen)
            continue;
        assert_true(n_done < MAX_SECTIONS);
        done[n_done++] = section;
        fprintf(f, "%s[%s]\n", i > 0 ? "\n" : "", section);
        for (size_t k = i; k < c.n; k++)
            if (strcmp(c.s[k].section, section) == 0)
                fprintf(f, "%s = %s\n", c.s[k].key, c.s[k].value);
    }
    assert_int_equal(fclose(f), 0);
}

void ob_write_config(ob_run *r, ...)
{
    const char *settings[MAX_SETTINGS + 1];
    size_t n = 0;
    va_list ap;
    va_start(ap, r);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(n < MAX_SETTINGS);
        settings[n++] = s;
    }
    va_end(ap);
    settings[n] = NULL;
    ob_write_config_v(r, settings);
}

void ob_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}
