#include "route.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A piece of the line: not NUL-terminated. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Past the JSON string starting at p (a '"'), or NULL when it does not end before `end`. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Past the JSON value starting at p, or NULL when it does not end before `end`. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                if (p == NULL)
                    return NULL;
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']')
                depth--;
            p++;
            if (depth == 0)
                return p;
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
           *p != '\r' && *p != '\n')
        p++;
    return p;
}

/* The value of member `key` of the object `obj` (which starts with '{'), as the span of the
 * whole value (quotes included for a string). 0, or -1 when there is no such member. */
static int member(span obj, const char *key, span *out)
{
    const char *end = obj.p + obj.n;
    const char *p = skip_ws(obj.p, end);
    if (p >= end || *p != '{')
        return -1;
    size_t klen = strlen(key);
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '"')
            return -1;
        const char *k = p + 1;
        const char *after = skip_string(p, end);
        if (after == NULL)
            return -1;
        int match = (size_t)(after - 1 - k) == klen && memcmp(k, key, klen) == 0;
        p = skip_ws(after, end);
        if (p >= end || *p != ':')
            return -1;
        p = skip_ws(p + 1, end);
        const char *v_end = skip_value(p, end);
        if (v_end == NULL)
            return -1;
        if (match) {
            out->p = p;
            out->n = (size_t)(v_end - p);
            return 0;
        }
        p = skip_ws(v_end, end);
        if (p >= end || *p != ',')
            return -1;
        p++;
    }
}

/* The inside of a string member without escapes, or -1. */
static int string_member(span obj, const char *key, span *out)
{
    span v;
    if (member(obj, key, &v) != 0 || v.n < 2 || v.p[0] != '"')
        return -1;
    out->p = v.p + 1;
    out->n = v.n - 2;
    if (memchr(out->p, '\\', out->n) != NULL)
        return -1;
    return 0;
}

/* A member that is a non-negative integer (digits only), or -1. */
static int id_member(span obj, const char *key, span *out)
{
    span v;
    if (member(obj, key, &v) != 0 || v.n == 0 || v.n > 20)
        return -1;
    for (size_t i = 0; i < v.n; i++)
        if (!isdigit((unsigned char)v.p[i]))
            return -1;
    *out = v;
    return 0;
}

/* Appends to a bounded NUL-terminated buffer; sets *over when it does not fit. */
typedef struct outbuf {
    char *buf;
    size_t cap, len;
    int over;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->over = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_str(outbuf *o, const char *s)
{
    out_put(o, s, strlen(s));
}

/* A subject token: upper-cased when asked, reserved characters replaced by '_'. */
static void out_token(outbuf *o, span s, int upper)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        char t = (char)(upper ? toupper(c) : c);
        if (c <= ' ' || c == '.' || c == '*' || c == '>' || c >= 0x7f)
            t = '_';
        out_put(o, &t, 1);
    }
}

static void out_upper(outbuf *o, span s)
{
    for (size_t i = 0; i < s.n; i++) {
        char t = (char)toupper((unsigned char)s.p[i]);
        out_put(o, &t, 1);
    }
}

/* The symbol of a stream name ("btcusdt@depth@100ms" -> btcusdt). */
static span stream_symbol(span stream)
{
    const char *at = memchr(stream.p, '@', stream.n);
    span s = {stream.p, at ? (size_t)(at - stream.p) : stream.n};
    return s;
}

int route_of(const char *line, size_t len, const char *prefix, const char *market, route *out)
{
    span rec = {line, len}, event, ts;
    if (string_member(rec, "event", &event) != 0 || event.n == 0)
        return -1;
    if (string_member(rec, "ts", &ts) != 0)
        ts = (span){"", 0};

    span symbol = {"_", 1}, id = {NULL, 0}, stream = {NULL, 0};
    int has_symbol = string_member(rec, "s", &symbol) == 0 && symbol.n > 0;
    if (!has_symbol) {
        symbol.p = "_";
        symbol.n = 1;
    }
    int is_frame = event.n == 5 && memcmp(event.p, "frame", 5) == 0;
    if (is_frame) {
        /* {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","s":..,"u":..}} */
        span frame, data;
        if (member(rec, "data", &frame) == 0 && string_member(frame, "stream", &stream) == 0 &&
            stream.n > 0) {
            symbol = stream_symbol(stream);
            has_symbol = symbol.n > 0;
            if (member(frame, "data", &data) == 0) {
                span s;
                if (string_member(data, "s", &s) == 0 && s.n > 0)
                    symbol = s;
                if (id_member(data, "u", &id) != 0 && id_member(data, "t", &id) != 0 &&
                    id_member(data, "a", &id) != 0)
                    id.n = 0;
            }
        }
        if (!has_symbol) {
            symbol.p = "_";
            symbol.n = 1;
        }
    } else if (event.n == 5 && memcmp(event.p, "depth", 5) == 0) {
        (void)id_member(rec, "u", &id);
    } else if ((event.n == 8 && memcmp(event.p, "snapshot", 8) == 0)) {
        (void)id_member(rec, "lastUpdateId", &id);
    } else if (event.n == 4 && memcmp(event.p, "rest", 4) == 0) {
        span body;
        if (member(rec, "data", &body) == 0)
            (void)id_member(body, "lastUpdateId", &id);
    } else if (event.n == 5 && memcmp(event.p, "trade", 5) == 0) {
        if (id_member(rec, "t", &id) != 0)
            (void)id_member(rec, "a", &id);
    }

    outbuf sub = {out->subject, sizeof out->subject, 0, 0};
    out->subject[0] = '\0';
    out_str(&sub, prefix);
    out_put(&sub, ".", 1);
    out_str(&sub, market);
    out_put(&sub, ".", 1);
    out_token(&sub, symbol, 1);
    out_put(&sub, ".", 1);
    out_token(&sub, event, 0);

    outbuf mid = {out->msg_id, sizeof out->msg_id, 0, 0};
    out->msg_id[0] = '\0';
    out_str(&mid, market);
    out_put(&mid, ":", 1);
    out_upper(&mid, symbol);
    out_put(&mid, ":", 1);
    out_put(&mid, event.p, event.n);
    out_put(&mid, ":", 1);
    if (id.n > 0 && is_frame) {
        out_put(&mid, stream.p, stream.n);
        out_put(&mid, ":", 1);
        out_put(&mid, id.p, id.n);
    } else if (id.n > 0) {
        out_put(&mid, id.p, id.n);
    } else {
        out_put(&mid, ts.p, ts.n);
    }
    return sub.over || mid.over ? -1 : 0;
}
