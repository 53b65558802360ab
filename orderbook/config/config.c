#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 11

static const char *const key_names[KEYS][2] = {
    {"log", "dir"},          {"log", "rollover"},
    {"log", "clock"},        {"log", "queue_mb"},
    {"binance", "ws_url"},   {"binance", "rest_url"},
    {"binance", "speed_ms"}, {"binance", "snapshot_limit"},
    {"binance", "ca_file"},  {"book", "depth"},
    {"book", "record"},
};

typedef struct loader {
    cfg *c;
    char seen[KEYS];
    char msg[512]; /* the first error, without its file:line */
} loader;

void cfg_defaults(cfg *c)
{
    char err[128];
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "orderbook_logs");
    c->rollover_5sec = 1;
    c->utc = 0;
    c->queue_mb = 64;
    url_parse("wss://stream.binance.com:9443", "wss", &c->ws, err, sizeof err);
    url_parse("https://api.binance.com", "https", &c->rest, err, sizeof err);
    c->speed_ms = 100;
    c->snapshot_limit = 1000;
    c->depth = 5;
    c->record = CAP_RECORD_BOOK;
}

/* A whole decimal number in [lo, hi]: no sign games, no trailing characters. */
static int get_int(const char *v, long lo, long hi, long *out)
{
    if (*v == '\0' || *v == '+' || *v == ' ')
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static int bad(loader *l, const char *section, const char *name, const char *value,
               const char *allowed)
{
    if (l->msg[0] == '\0')
        snprintf(l->msg, sizeof l->msg, "[%s] %s = %.200s: %s", section, name, value, allowed);
    return 0;
}

static int set(loader *l, int key, const char *s, const char *n, const char *v)
{
    cfg *c = l->c;
    long x;
    char err[160];
    switch (key) {
    case 0:
        if (*v == '\0' || strlen(v) >= sizeof c->dir)
            return bad(l, s, n, v, "expected a directory path");
        snprintf(c->dir, sizeof c->dir, "%s", v);
        return 1;
    case 1:
        if (strcmp(v, "5sec") != 0 && strcmp(v, "daily") != 0)
            return bad(l, s, n, v, "expected 5sec or daily");
        c->rollover_5sec = strcmp(v, "5sec") == 0;
        return 1;
    case 2:
        if (strcmp(v, "local") != 0 && strcmp(v, "utc") != 0)
            return bad(l, s, n, v, "expected local or utc");
        c->utc = strcmp(v, "utc") == 0;
        return 1;
    case 3:
        if (get_int(v, 1, 4096, &x) != 0)
            return bad(l, s, n, v, "expected a whole number of MiB from 1 to 4096");
        c->queue_mb = (unsigned)x;
        return 1;
    case 4:
    case 5:
        if (url_parse(v, key == 4 ? "wss" : "https", key == 4 ? &c->ws : &c->rest, err,
                      sizeof err) != 0)
            return bad(l, s, n, v, err);
        return 1;
    case 6:
        if (get_int(v, 100, 1000, &x) != 0 || (x != 100 && x != 1000))
            return bad(l, s, n, v, "expected 100 or 1000");
        c->speed_ms = (int)x;
        return 1;
    case 7:
        if (get_int(v, 1, 5000, &x) != 0)
            return bad(l, s, n, v, "expected a whole number from 1 to 5000");
        c->snapshot_limit = (int)x;
        return 1;
    case 8:
        if (strlen(v) >= sizeof c->ca_file)
            return bad(l, s, n, v, "path too long");
        snprintf(c->ca_file, sizeof c->ca_file, "%s", v);
        return 1;
    case 9:
        if (get_int(v, 1, 1000, &x) != 0)
            return bad(l, s, n, v, "expected a whole number of levels from 1 to 1000");
        c->depth = (unsigned)x;
        return 1;
    default:
        if (strcmp(v, "book") == 0)
            c->record = CAP_RECORD_BOOK;
        else if (strcmp(v, "raw") == 0)
            c->record = CAP_RECORD_RAW;
        else if (strcmp(v, "both") == 0)
            c->record = CAP_RECORD_BOTH;
        else
            return bad(l, s, n, v, "expected book, raw or both");
        return 1;
    }
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    loader *l = user;
    int known_section = 0;
    for (int k = 0; k < KEYS; k++) {
        if (strcmp(section, key_names[k][0]) != 0)
            continue;
        known_section = 1;
        if (strcmp(name, key_names[k][1]) != 0)
            continue;
        if (l->seen[k]) {
            if (l->msg[0] == '\0')
                snprintf(l->msg, sizeof l->msg, "[%s] %s: set twice", section, name);
            return 0;
        }
        l->seen[k] = 1;
        return set(l, k, section, name, value);
    }
    if (l->msg[0] == '\0') {
        if (!known_section)
            snprintf(l->msg, sizeof l->msg,
                     "[%s]: unknown section (expected [log], [binance] or [book])", section);
        else
            snprintf(l->msg, sizeof l->msg, "[%s] %s: unknown key", section, name);
    }
    return 0;
}

/*
 * libinih reads a line in pieces of at most INI_MAX_LINE - 1 bytes (the limit it was built
 * with; its '\n' included) and takes each piece for a line of its own: the end of a long
 * comment would be read as a key = value line, and every line number after it would be
 * off. So a longer line is an error of its own.
 */
#define MAX_LINE_CHARS (INI_MAX_LINE - 2)

/* The section a line opens, as libinih sees the line: white space and, on the first line, a
 * UTF-8 byte-order mark skipped. NULL when the line opens none. */
static const char *section_start(const char *line, int lineno)
{
    const unsigned char *p = (const unsigned char *)line;
    if (lineno == 1 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        p += 3;
    while (isspace(*p))
        p++;
    return *p == '[' ? (const char *)p : NULL;
}

/* What libinih does not report by itself: a section with no keys (it calls the handler for
 * keys only) and a line longer than it reads at once. Returns the line of the first such
 * problem (its message in err), or 0. */
static int check_lines(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0; /* ini_parse reports it */
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while (rc == 0 && (len = getline(&line, &line_cap, f)) > 0) {
        lineno++;
        size_t chars = (size_t)len - (line[len - 1] == '\n');
        if (chars > MAX_LINE_CHARS) {
            snprintf(err, errlen, "%s:%d: line longer than %d characters", path, lineno,
                     MAX_LINE_CHARS);
            rc = lineno;
            break;
        }
        const char *p = section_start(line, lineno);
        if (p == NULL)
            continue;
        const char *end = strchr(p, ']');
        size_t n = end ? (size_t)(end - p - 1) : 0;
        if (end != NULL && ((n == 3 && strncmp(p + 1, "log", 3) == 0) ||
                            (n == 7 && strncmp(p + 1, "binance", 7) == 0) ||
                            (n == 4 && strncmp(p + 1, "book", 4) == 0)))
            continue;
        snprintf(err, errlen, "%s:%d: %.*s: unknown section (expected [log], [binance] or [book])",
                 path, lineno, (int)strcspn(p, "\r\n"), p);
        rc = lineno;
    }
    free(line);
    fclose(f);
    return rc;
}

int cfg_load(cfg *c, const char *path, char *err, size_t errlen)
{
    loader l = {.c = c};
    int line = ini_parse(path, on_value, &l);
    if (line == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (line == -2) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int bad_line = check_lines(path, err, errlen);
    if (bad_line != 0 && (line == 0 || bad_line <= line))
        return -1;
    if (line > 0) {
        if (l.msg[0] != '\0')
            snprintf(err, errlen, "%s:%d: %s", path, line, l.msg);
        else
            snprintf(err, errlen, "%s:%d: not a [section] or key = value line", path, line);
        return -1;
    }
    return 0;
}
