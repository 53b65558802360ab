/*
 * Loading the configuration: libinih finds the key = value lines, the table (config_table.c)
 * says what each key allows and where it goes.
 *
 * Two passes: the first collects what the file sets (and the lines where), the second fills
 * every key from the file or its default, checks values that depend on each other (a
 * market's speeds and limits, ping_s < hangup_s) and resolves empty URLs to the market's.
 * Of several errors, the one on the earliest line is reported.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_check.h"

#define MAX_KEYS 32
#define FILE_MAX (1024 * 1024) /* a configuration is a few hundred bytes */

/*
 * libinih reads a line into a buffer of INI_MAX_LINE bytes (the limit it was built with; its
 * '\n' included): a longer line would be read in pieces, each taken for a line of its own.
 * Our reader skips the rest of such a line and it is reported as an error of its own.
 */
#define MAX_LINE_CHARS (INI_MAX_LINE - 2)

typedef struct loader {
    const cfg_key *keys;
    size_t n_keys;
    const char *text;                   /* the file */
    size_t len, pos;                    /* its size, and how far libinih has read */
    int line;                           /* the line libinih was last given */
    int set_line[MAX_KEYS];             /* where the file sets each key; 0: it does not */
    char value[MAX_KEYS][INI_MAX_LINE]; /* and to what */
    int err_line;                       /* the earliest error's line; 0: none yet */
    int has_err;
    int oom;       /* memory ran out: not the file's fault */
    char msg[640]; /* that error, without its file:line */
} loader;

static const char *const market_ws[] = {"wss://stream.binance.com:9443",
                                        "wss://fstream.binance.com", "wss://dstream.binance.com"};
static const char *const market_rest[] = {"https://api.binance.com", "https://fapi.binance.com",
                                          "https://dapi.binance.com"};

static void blame(loader *l, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Keep an error unless one on an earlier (or the same) line is already kept. */
static void blame(loader *l, int line, const char *fmt, ...)
{
    if (l->has_err && l->err_line <= line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->msg, sizeof l->msg, fmt, ap);
    va_end(ap);
    l->has_err = 1;
    l->err_line = line;
}

/* ---- sections and keys by name ---- */

static int section_known(const loader *l, const char *s, size_t n)
{
    for (size_t k = 0; k < l->n_keys; k++)
        if (strlen(l->keys[k].section) == n && strncmp(l->keys[k].section, s, n) == 0)
            return 1;
    return 0;
}

/* "[log], [binance], [book], [nats] or [serve]" */
static const char *section_list(const loader *l, char *buf, size_t len)
{
    const char *names[MAX_KEYS];
    size_t n = 0, used = 0;
    for (size_t k = 0; k < l->n_keys; k++)
        if (n == 0 || strcmp(names[n - 1], l->keys[k].section) != 0)
            names[n++] = l->keys[k].section;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + used, len - used, "%s[%s]", sep, names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

/* "ws_url, rest_url, ..." : the keys of a section. */
static const char *key_list(const loader *l, const char *section, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < l->n_keys && used < len; k++) {
        if (strcmp(l->keys[k].section, section) != 0)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", l->keys[k].name);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

static void blame_unknown(loader *l, const char *section, const char *name)
{
    char list[400];
    if (section[0] == '\0') {
        const char *home = NULL;
        for (size_t k = 0; k < l->n_keys && home == NULL; k++)
            if (strcmp(l->keys[k].name, name) == 0)
                home = l->keys[k].section;
        if (home != NULL)
            blame(l, l->line, "%.100s: outside any section (it belongs under [%s])", name, home);
        else
            blame(l, l->line, "%.100s: outside any section (sections: %s)", name,
                  section_list(l, list, sizeof list));
    } else if (!section_known(l, section, strlen(section))) {
        blame(l, l->line, "[%.100s]: unknown section (expected %s)", section,
              section_list(l, list, sizeof list));
    } else {
        blame(l, l->line, "[%s] %.100s: unknown key (allowed: %s)", section, name,
              key_list(l, section, list, sizeof list));
    }
}

/* ---- pass 1: what the file sets ---- */

/* libinih's reader: like fgets over the text, but a line longer than libinih's buffer is cut
 * and the rest skipped, so it never takes the tail of a line for a line of its own. */
static char *next_line(char *str, int num, void *stream)
{
    loader *l = stream;
    if (l->pos >= l->len || num < 2)
        return NULL;
    size_t room = (size_t)num - 1, n = 0;
    const char *p = l->text + l->pos;
    size_t left = l->len - l->pos;
    const char *nl = memchr(p, '\n', left);
    size_t whole = nl ? (size_t)(nl - p) + 1 : left;
    n = whole < room ? whole : room;
    memcpy(str, p, n);
    str[n] = '\0';
    l->pos += whole;
    l->line++;
    return str;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    loader *l = user;
    for (size_t k = 0; k < l->n_keys; k++) {
        if (strcmp(section, l->keys[k].section) != 0 || strcmp(name, l->keys[k].name) != 0)
            continue;
        if (l->set_line[k] != 0)
            blame(l, l->line, "[%s] %s: set twice (first on line %d)", section, name,
                  l->set_line[k]);
        else {
            l->set_line[k] = l->line;
            snprintf(l->value[k], sizeof l->value[k], "%s", value);
        }
        return 1;
    }
    blame_unknown(l, section, name);
    return 1;
}

/* The section a line opens, as libinih sees the line: white space and, on the first line, a
 * UTF-8 byte-order mark skipped. NULL when the line opens none. */
static const char *section_start(const char *line, size_t len, int lineno)
{
    const unsigned char *p = (const unsigned char *)line, *end = p + len;
    if (lineno == 1 && len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        p += 3;
    while (p < end && isspace(*p))
        p++;
    return p < end && *p == '[' ? (const char *)p : NULL;
}

/* What libinih does not report by itself: a section with no keys (it calls the handler for
 * keys only) and a line longer than it reads at once. */
static void check_lines(loader *l)
{
    char list[200];
    int lineno = 0;
    for (size_t pos = 0; pos < l->len;) {
        const char *line = l->text + pos;
        const char *nl = memchr(line, '\n', l->len - pos);
        size_t len = nl ? (size_t)(nl - line) : l->len - pos;
        pos += len + 1;
        lineno++;
        if (len > MAX_LINE_CHARS) {
            blame(l, lineno, "line longer than %d characters", MAX_LINE_CHARS);
            continue;
        }
        const char *p = section_start(line, len, lineno);
        if (p == NULL)
            continue;
        const char *end = memchr(p, ']', len - (size_t)(p - line));
        if (end != NULL && section_known(l, p + 1, (size_t)(end - p - 1)))
            continue;
        size_t shown = strcspn(p, "\r\n");
        if (shown > len - (size_t)(p - line))
            shown = len - (size_t)(p - line);
        blame(l, lineno, "%.*s: unknown section (expected %s)", (int)(shown > 100 ? 100 : shown), p,
              section_list(l, list, sizeof list));
    }
}

/* ---- pass 2: every key from the file or its default ---- */

static const char *value_of(const loader *l, size_t k)
{
    return l->set_line[k] != 0 ? l->value[k] : l->keys[k].def;
}

static size_t key_index(const loader *l, const char *section, const char *name)
{
    for (size_t k = 0; k < l->n_keys; k++)
        if (strcmp(l->keys[k].section, section) == 0 && strcmp(l->keys[k].name, name) == 0)
            return k;
    return l->n_keys; /* not reached: the names below are in the table */
}

static void fill_key(loader *l, cfg *c, size_t k, cfg_market market)
{
    const cfg_key *key = &l->keys[k];
    char why[400];
    const char *v = value_of(l, k);
    int rc = cfg__set(key, v, market, (char *)c + key->offset, why, sizeof why);
    l->oom |= rc == CFG__ENOMEM;
    if (rc != 0)
        blame(l, l->set_line[k], "[%s] %s = %.200s: %s", key->section, key->name, v, why);
}

/* An empty URL is the market's endpoint (ws_url_b: ws_url's). */
static void resolve_urls(cfg *c)
{
    char why[200];
    if (c->ws.host[0] == '\0')
        url_parse(market_ws[c->market], "wss", &c->ws, why, sizeof why);
    if (c->rest.host[0] == '\0')
        url_parse(market_rest[c->market], "https", &c->rest, why, sizeof why);
    if (c->ws_b.host[0] == '\0')
        c->ws_b = c->ws;
}

static void check_together(loader *l, const cfg *c)
{
    size_t ping = key_index(l, "binance", "ping_s"), hangup = key_index(l, "binance", "hangup_s");
    if (c->ping_s < c->hangup_s)
        return;
    /* Blame the one the file sets, or the later of the two. */
    if (l->set_line[hangup] != 0 && l->set_line[hangup] > l->set_line[ping])
        blame(l, l->set_line[hangup], "[binance] hangup_s = %s: expected more than ping_s (%u)",
              value_of(l, hangup), c->ping_s);
    else
        blame(l, l->set_line[ping], "[binance] ping_s = %s: expected less than hangup_s (%u)",
              value_of(l, ping), c->hangup_s);
}

static void fill(loader *l, cfg *c)
{
    memset(c, 0, sizeof *c);
    /* The market first: other keys' allowed values depend on it. */
    size_t m = key_index(l, "binance", "market");
    fill_key(l, c, m, CFG_MARKET_SPOT);
    for (size_t k = 0; k < l->n_keys; k++)
        if (k != m)
            fill_key(l, c, k, c->market);
    resolve_urls(c);
    check_together(l, c);
}

void cfg_defaults(cfg *c)
{
    loader l; /* nothing set: every key at its default (about 7 KiB) */
    memset(&l, 0, sizeof l);
    l.keys = cfg_keys(&l.n_keys);
    fill(&l, c);
}

/* ---- the file ---- */

/* The whole file into *text (malloc'ed). Returns 0, or -1 with the error in err and errno
 * ENOMEM (no memory for it) or EINVAL (any other reason). */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        errno = EINVAL;
        return -1;
    }
    struct stat st;
    char *buf = NULL;
    size_t used = 0;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "%s: is a directory (expected a configuration file, e.g. "
                 "config/orderbook.conf)",
                 path);
        goto fail;
    }
    buf = malloc(FILE_MAX + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "cannot start: out of memory reading %s", path);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf + used, FILE_MAX + 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > FILE_MAX) {
            snprintf(err, errlen, "%s: larger than %d bytes (expected a configuration file)", path,
                     FILE_MAX);
            goto fail;
        }
    }
    close(fd);
    *text = buf;
    *len = used;
    return 0;
fail:
    free(buf);
    close(fd);
    errno = EINVAL;
    return -1;
}

int cfg_load(cfg *c, const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if (read_file(path, &text, &len, err, errlen) != 0)
        return -1;
    loader *l = calloc(1, sizeof *l);
    if (l == NULL) {
        free(text);
        snprintf(err, errlen, "cannot start: out of memory reading %s", path);
        errno = ENOMEM;
        return -1;
    }
    l->keys = cfg_keys(&l->n_keys);
    l->text = text;
    l->len = len;
    check_lines(l);
    int line = ini_parse_stream(next_line, l, on_value, l);
    if (line == -2)
        l->oom = 1;
    else if (line > 0)
        blame(l, line, "not a [section] or key = value line");
    fill(l, c);
    int rc = 0;
    errno = EINVAL;
    if (l->oom) {
        snprintf(err, errlen, "cannot start: out of memory reading %s", path);
        errno = ENOMEM;
        rc = -1;
    } else if (l->has_err) {
        if (l->err_line > 0)
            snprintf(err, errlen, "%s:%d: %s", path, l->err_line, l->msg);
        else
            snprintf(err, errlen, "%s: %s", path, l->msg);
        rc = -1;
    }
    free(text);
    free(l);
    return rc;
}
