#include "depth_plain.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "symbol.h"

#define COPY_SLACK 32 /* > DEC_MAX_CHARS */
/* Longer messages go through cJSON: the scratch stays small. */
#define PLAIN_MAX ((size_t)1 << 20)

typedef struct scan {
    const char *p, *end;
    char *out; /* the next free byte of the parser's text scratch */
} scan;

static int lit(scan *s, char c)
{
    if (s->p == s->end || *s->p != c)
        return 0;
    s->p++;
    return 1;
}

/* `"name":` exactly. */
static int key(scan *s, const char *quoted, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, quoted, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

/* A string without backslash or NUL: its contents at *v, *n. */
static int str(scan *s, const char **v, size_t *n)
{
    if (!lit(s, '"'))
        return 0;
    const char *q = s->p;
    for (; q < s->end; q++) {
        if (*q == '"')
            break;
        if (*q == '\\' || *q == '\0')
            return 0;
    }
    if (q == s->end)
        return 0;
    *v = s->p;
    *n = (size_t)(q - s->p);
    s->p = q + 1;
    return 1;
}

/* Such a string, copied NUL-terminated into the scratch (which has room: the message's
 * length and COPY_SLACK more). */
static int str_copy(scan *s, const char **v, size_t *n)
{
    const char *in;
    if (!str(s, &in, n))
        return 0;
    memcpy(s->out, in, *n);
    s->out[*n] = '\0';
    *v = s->out;
    s->out += *n + 1;
    return 1;
}

/* 1 to 15 digits, no leading zero (but "0"): below 2^53, so exact in cJSON's double. What
 * follows is the caller's to check (a '.', 'e' or more digits then fail it). */
static int id(scan *s, uint64_t *v)
{
    const char *d = s->p;
    uint64_t x = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && s->p - d < 16)
        x = x * 10 + (uint64_t)(*s->p++ - '0');
    size_t n = (size_t)(s->p - d);
    if (n == 0 || n > 15 || (n > 1 && d[0] == '0'))
        return 0;
    *v = x;
    return 1;
}

_Static_assert(DEC_MAX_CHARS + 1 == 24, "quote_in_24 reads the longest decimal and its quote");

/* The index of the first '"' among q[0..24), or 24 (q has 24 bytes). */
static size_t quote_in_24(const char *q)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes a step: a byte of x is zero where q has a quote; the lowest set bit of z
     * is exact (the false positives of this test only lie above a true zero byte). */
    for (size_t w = 0; w < 24; w += 8) {
        uint64_t x;
        memcpy(&x, q + w, sizeof x);
        x ^= 0x2222222222222222ULL;
        uint64_t z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
        if (z != 0)
            return w + (size_t)(__builtin_ctzll(z) >> 3);
    }
    return 24;
#else
    size_t k = 0;
    while (k < 24 && q[k] != '"')
        k++;
    return k;
#endif
}

/*
 * A string that dec_parse takes (so without a backslash, quote or NUL: nothing to check
 * before): its value into *val, its text copied NUL-terminated into the scratch. Most are
 * copied as a fixed COPY_SLACK bytes (two moves, where a copy of their own length is a call
 * into libc): the scratch has that much room past the message's length.
 */
static int decimal(scan *s, const char **v, size_t *n, int64_t *val)
{
    if (!lit(s, '"'))
        return 0;
    const char *q = s->p;
    size_t left = (size_t)(s->end - q), k;
    if (left >= COPY_SLACK) {
        k = quote_in_24(q);
        memcpy(s->out, q, COPY_SLACK);
    } else {
        for (k = 0; k < left && k < DEC_MAX_CHARS + 1 && q[k] != '"'; k++)
            ;
        if (k == left)
            return 0; /* no end quote */
        memcpy(s->out, q, k);
    }
    if (k == DEC_MAX_CHARS + 1 || dec_parse(q, k, val) != 0)
        return 0; /* too long, or not a decimal */
    s->out[k] = '\0';
    *v = s->out;
    *n = k;
    s->out += k + 1;
    s->p = q + k + 1;
    return 1;
}

/* [] or [[px,qty],...] of decimal strings, as get_levels would collect them. */
static int levels(scan *s, depth_levels *out)
{
    if (!lit(s, '['))
        return 0;
    size_t n = 0;
    if (!lit(s, ']')) {
        do {
            if (n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                depth_level *v = realloc(out->v, cap * sizeof *v);
                if (v == NULL)
                    return 0;
                out->v = v;
                out->cap = cap;
            }
            depth_level *d = &out->v[n++];
            int64_t q;
            if (!lit(s, '[') || !decimal(s, &d->px, &d->px_len, &d->price) || !lit(s, ',') ||
                !decimal(s, &d->qty, &d->qty_len, &q) || !lit(s, ']'))
                return 0;
            d->qty_is_zero = q == 0;
        } while (lit(s, ','));
        if (!lit(s, ']'))
            return 0;
    }
    out->n = n;
    return 1;
}

enum {
    F_E_TYPE = 1,
    F_TIME = 2,
    F_SYM = 4,
    F_FIRST = 8,
    F_LAST = 16,
    F_PREV = 32,
    F_B = 64,
    F_A = 128,
    F_NEEDED = F_E_TYPE | F_TIME | F_SYM | F_FIRST | F_LAST | F_B | F_A
};

/* The members of a depth update read so far. */
typedef struct plain_fields {
    unsigned seen; /* F_* */
    const char *type, *sym;
    size_t type_len, sym_len;
    uint64_t event_ms, first, last, prev;
} plain_fields;

/* Which field a member's name is (0: another member). */
static unsigned field_of(const char *k, size_t kn)
{
    if (kn == 2 && k[0] == 'p' && k[1] == 'u')
        return F_PREV;
    if (kn != 1)
        return 0;
    switch (k[0]) {
    case 'e':
        return F_E_TYPE;
    case 'E':
        return F_TIME;
    case 's':
        return F_SYM;
    case 'U':
        return F_FIRST;
    case 'u':
        return F_LAST;
    case 'b':
        return F_B;
    case 'a':
        return F_A;
    default:
        return 0;
    }
}

/* One member of the event, `"name":value`: 1, or 0 when it is not of the plain shape or
 * comes twice. */
static int member(scan *s, depth_parser *p, plain_fields *v)
{
    const char *k, *other;
    size_t kn, on;
    uint64_t x;
    if (!str(s, &k, &kn) || !lit(s, ':'))
        return 0;
    unsigned f = field_of(k, kn);
    if (v->seen & f)
        return 0;
    v->seen |= f;
    switch (f) {
    case F_E_TYPE:
        return str(s, &v->type, &v->type_len);
    case F_SYM:
        return str(s, &v->sym, &v->sym_len);
    case F_TIME:
        return id(s, &v->event_ms);
    case F_FIRST:
        return id(s, &v->first);
    case F_LAST:
        return id(s, &v->last);
    case F_PREV:
        return id(s, &v->prev);
    case F_B:
        return levels(s, &p->bids);
    case F_A:
        return levels(s, &p->asks);
    default: /* another member: a string or a number of the plain shape */
        return s->p < s->end && *s->p == '"' ? str(s, &other, &on) : id(s, &x);
    }
}

/* Room in the parser's scratch for the strings of a message of `len` bytes. */
static int scratch(depth_parser *p, size_t len)
{
    if (len + COPY_SLACK <= p->text_cap)
        return 1;
    size_t cap = p->text_cap ? p->text_cap : 4096;
    while (cap < len + COPY_SLACK)
        cap *= 2;
    char *t = realloc(p->text, cap);
    if (t == NULL)
        return 0;
    p->text = t;
    p->text_cap = cap;
    return 1;
}

int depth_plain_read(depth_parser *p, const char *msg, size_t len, depth_msg *out)
{
    static const char stream_key[] = "{\"stream\":", data_key[] = ",\"data\":";
    if (len < sizeof stream_key || len > PLAIN_MAX ||
        memcmp(msg, stream_key, sizeof stream_key - 1) != 0 || !scratch(p, len))
        return 0;
    scan s = {msg + sizeof stream_key - 1, msg + len, p->text};
    const char *stream;
    size_t stream_len;
    plain_fields v = {0};
    if (!str_copy(&s, &stream, &stream_len) || !key(&s, data_key, sizeof data_key - 1) ||
        !lit(&s, '{'))
        return 0;
    do {
        if (!member(&s, p, &v))
            return 0;
    } while (lit(&s, ','));
    if (!lit(&s, '}') || !lit(&s, '}') || s.p != s.end || (v.seen & F_NEEDED) != F_NEEDED ||
        v.type_len != 11 || memcmp(v.type, "depthUpdate", 11) != 0 ||
        !sym_valid(v.sym, v.sym_len) || v.first > v.last)
        return 0;
    out->kind = DEPTH_UPDATE;
    out->json = 1;
    out->stream = stream;
    depth_event *ev = &out->ev;
    memcpy(ev->symbol, v.sym, v.sym_len);
    ev->symbol[v.sym_len] = '\0';
    ev->event_ms = (int64_t)v.event_ms;
    ev->first_id = v.first;
    ev->last_id = v.last;
    ev->has_prev = (v.seen & F_PREV) != 0;
    ev->prev_id = v.prev;
    ev->bids = p->bids.v;
    ev->n_bids = p->bids.n;
    ev->asks = p->asks.v;
    ev->n_asks = p->asks.n;
    return 1;
}
