#include "record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rec_init(rec_writer *w, size_t depth, int utc)
{
    memset(w, 0, sizeof *w);
    w->depth = depth ? depth : 1;
    w->utc = utc;
    w->cached_sec = (time_t)-1;
}

void rec_free(rec_writer *w)
{
    sbuf_free(&w->line);
}

static void put(rec_writer *w, const char *s, size_t n)
{
    char *p = sbuf_room(&w->line, n);
    if (p == NULL)
        return;
    memcpy(p, s, n);
    w->line.len += n;
}

static void puts_(rec_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Decimal digits by hand: snprintf, four times per depth record (three ids and the ts),
 * was 40% of the record's cost (perf). */
static void put_u64(rec_writer *w, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(w, tmp + i, sizeof tmp - i);
}

/* A JSON string with what must be escaped escaped. */
static void put_str(rec_writer *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + run, i - run);
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        puts_(w, esc);
        run = i + 1;
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

/* The ts of `ns` into out (REC_TS_MAX bytes, not terminated); returns its length. */
static size_t format_ts(rec_writer *w, int64_t ns, char *out)
{
    time_t sec = (time_t)(ns / 1000000000LL);
    long usec = (long)((ns % 1000000000LL) / 1000);
    if (ns < 0)
        sec = 0, usec = 0;
    if (sec != w->cached_sec) {
        /* One calendar conversion per second, not per record. */
        struct tm tm;
        if (w->utc)
            gmtime_r(&sec, &tm);
        else
            localtime_r(&sec, &tm);
        strftime(w->prefix, sizeof w->prefix, "%Y-%m-%dT%H:%M:%S", &tm);
        if (w->utc) {
            strcpy(w->offset, "Z");
        } else {
            long off = tm.tm_gmtoff;
            char sign = off < 0 ? '-' : '+';
            off = off < 0 ? -off : off;
            snprintf(w->offset, sizeof w->offset, "%c%02ld:%02ld", sign, (off / 3600) % 100,
                     (off / 60) % 60);
        }
        w->cached_sec = sec;
    }
    /* The cached parts and six fraction digits, by hand: this runs for every record. */
    size_t n = strlen(w->prefix);
    memcpy(out, w->prefix, n);
    out[n] = '.';
    for (int i = 6; i >= 1; i--) {
        out[n + (size_t)i] = (char)('0' + usec % 10);
        usec /= 10;
    }
    n += 7;
    size_t off_len = strlen(w->offset);
    memcpy(out + n, w->offset, off_len);
    return n + off_len;
}

void rec_timestamp(rec_writer *w, int64_t ns, char *out)
{
    out[format_ts(w, ns, out)] = '\0';
}

static void begin(rec_writer *w, int64_t ns, const char *event)
{
    char ts[REC_TS_MAX];
    sbuf_reset(&w->line);
    size_t n = format_ts(w, ns, ts);
    puts_(w, "{\"ts\":\"");
    put(w, ts, n);
    puts_(w, "\",\"event\":\"");
    puts_(w, event);
    put(w, "\"", 1);
}

static size_t end(rec_writer *w)
{
    put(w, "}", 1);
    return w->line.oom ? 0 : w->line.len;
}

static void put_symbol(rec_writer *w, const char *symbol)
{
    puts_(w, ",\"s\":");
    put_str(w, symbol, strlen(symbol));
}

static char *copy(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define FIELD 24 /* bytes of a level's px and qty: DEC_MAX_CHARS and the NUL */
_Static_assert(sizeof(((book_level *)0)->px) == FIELD && sizeof(((book_level *)0)->qty) == FIELD,
               "copy_field reads a whole field");

/*
 * A level's string, copied as its whole field to p (which has FIELD bytes of room): p past
 * the string. Two moves and a search for the NUL eight bytes at a time, where strlen and a
 * copy of that length were two calls into libc per string, 40% of put_side (callgrind).
 */
static char *copy_field(char *p, const char *f)
{
    memcpy(p, f, FIELD);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (size_t w = 0; w < FIELD; w += 8) {
        uint64_t x;
        memcpy(&x, f + w, sizeof x);
        /* The lowest set bit marks the first zero byte (false positives lie above it). */
        uint64_t z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
        if (z != 0)
            return p + w + (size_t)(__builtin_ctzll(z) >> 3);
    }
    return p + FIELD; /* not reached: the field holds a NUL */
#else
    return p + strlen(f);
#endif
}

/* Room for the whole side is made once: a level is five pieces, and checking for room
 * before each piece was two thirds of this function's instructions (callgrind). A level
 * takes at most 2 * DEC_MAX_CHARS + 8 bytes, and its whole-field copies write no further:
 * the quantity's FIELD bytes start 1 + 2 + DEC_MAX_CHARS + 3 bytes in at most. */
static void put_side(rec_writer *w, const book *b, book_side_id side)
{
    char *start = sbuf_room(&w->line, w->depth * (2 * DEC_MAX_CHARS + 8) + 2);
    if (start == NULL)
        return;
    char *p = start;
    *p++ = '[';
    for (size_t i = 0; i < w->depth; i++) {
        const book_level *l = book_level_at(b, side, i);
        if (l == NULL)
            break;
        if (i > 0)
            *p++ = ',';
        /* Validated decimals: nothing in them needs escaping. */
        p = copy(p, "[\"", 2);
        p = copy_field(p, l->px);
        p = copy(p, "\",\"", 3);
        p = copy_field(p, l->qty);
        p = copy(p, "\"]", 2);
    }
    *p++ = ']';
    w->line.len += (size_t)(p - start);
}

static void put_book(rec_writer *w, const book *b)
{
    puts_(w, ",\"bids\":");
    put_side(w, b, BOOK_BID);
    puts_(w, ",\"asks\":");
    put_side(w, b, BOOK_ASK);
}

size_t rec_depth(rec_writer *w, int64_t ns, const char *symbol, const depth_event *ev,
                 const book *b)
{
    begin(w, ns, "depth");
    put_symbol(w, symbol);
    puts_(w, ",\"E\":");
    put_u64(w, (uint64_t)ev->event_ms);
    puts_(w, ",\"U\":");
    put_u64(w, ev->first_id);
    puts_(w, ",\"u\":");
    put_u64(w, ev->last_id);
    put_book(w, b);
    return end(w);
}

size_t rec_snapshot(rec_writer *w, int64_t ns, const char *symbol, uint64_t last_id, const book *b)
{
    begin(w, ns, "snapshot");
    put_symbol(w, symbol);
    puts_(w, ",\"lastUpdateId\":");
    put_u64(w, last_id);
    put_book(w, b);
    return end(w);
}

size_t rec_resync(rec_writer *w, int64_t ns, const char *symbol, const char *reason)
{
    begin(w, ns, "resync");
    put_symbol(w, symbol);
    puts_(w, ",\"reason\":");
    put_str(w, reason, strlen(reason));
    return end(w);
}

size_t rec_removed(rec_writer *w, int64_t ns, const char *symbol, const char *reason)
{
    begin(w, ns, "removed");
    put_symbol(w, symbol);
    puts_(w, ",\"reason\":");
    put_str(w, reason, strlen(reason));
    return end(w);
}

size_t rec_trade(rec_writer *w, int64_t ns, const trade_event *t)
{
    begin(w, ns, "trade");
    put_symbol(w, t->symbol);
    puts_(w, ",\"E\":");
    put_u64(w, (uint64_t)t->event_ms);
    puts_(w, ",\"T\":");
    put_u64(w, (uint64_t)t->trade_ms);
    puts_(w, ",\"t\":");
    put_u64(w, t->id);
    puts_(w, ",\"p\":");
    put_str(w, t->px, t->px_len);
    puts_(w, ",\"q\":");
    put_str(w, t->qty, t->qty_len);
    puts_(w, t->buyer_maker ? ",\"m\":true" : ",\"m\":false");
    return end(w);
}

/* ,"<key>":"<value>" unless value is NULL. */
static void put_opt(rec_writer *w, const char *key, const char *value)
{
    if (value == NULL)
        return;
    puts_(w, key);
    put_str(w, value, strlen(value));
}

size_t rec_connected_on(rec_writer *w, int64_t ns, const char *market, const char *leg,
                        const char *url)
{
    begin(w, ns, "connected");
    put_opt(w, ",\"market\":", market);
    put_opt(w, ",\"leg\":", leg);
    put_opt(w, ",\"url\":", url);
    return end(w);
}

size_t rec_disconnected_on(rec_writer *w, int64_t ns, const char *market, const char *leg,
                           const char *reason)
{
    begin(w, ns, "disconnected");
    put_opt(w, ",\"market\":", market);
    put_opt(w, ",\"leg\":", leg);
    put_opt(w, ",\"reason\":", reason);
    return end(w);
}

size_t rec_connected(rec_writer *w, int64_t ns)
{
    return rec_connected_on(w, ns, NULL, NULL, NULL);
}

size_t rec_disconnected(rec_writer *w, int64_t ns, const char *reason)
{
    return rec_disconnected_on(w, ns, NULL, NULL, reason);
}

static int number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Length of the strict JSON number at s: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or 0
 * when what is there is not one, or runs on into more number characters ("01", "1.", "1.e5"). */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i == n || s[i] < '0' || s[i] > '9')
        return 0;
    if (s[i++] != '0')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && s[j] >= '0' && s[j] <= '9') {
            for (i = j; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                ;
        }
    }
    return i < n && number_char(s[i]) ? 0 : i;
}

/*
 * Whether text that cJSON parsed is one line of strict JSON (RFC 8259) too, so that a record
 * may hold it as it is. cJSON tolerates what JSON does not: control characters (NUL and
 * line breaks included) inside strings and between tokens, numbers such as +1, 01, 1. or .5,
 * \u without four hex digits (it reads U+0000), a byte-order mark. The structure is cJSON's
 * to check; this looks at the bytes.
 */
static int strict_json_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            for (i++; i < n && s[i] != '"'; i++) {
                if ((unsigned char)s[i] < 0x20)
                    return 0;
                if (s[i] != '\\')
                    continue;
                i++; /* cJSON checked the escaped character, but not the digits of \u */
                if (i < n && s[i] == 'u') {
                    for (int k = 1; k <= 4; k++)
                        if (i + (size_t)k >= n || !isxdigit((unsigned char)s[i + (size_t)k]))
                            return 0;
                    i += 4;
                }
            }
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t len = number_len(s + i, n - i);
            if (len == 0)
                return 0;
            i += len;
        } else if (c == 't' || c == 'n') {
            i += 4; /* true, null: cJSON checked the word */
        } else if (c == 'f') {
            i += 5; /* false */
        } else if ((c < 0x20 && c != '\t') || c >= 0x80 || number_char((char)c)) {
            return 0;
        } else {
            i++;
        }
    }
    return 1;
}

static void put_data(rec_writer *w, const char *data, size_t len, int is_json)
{
    puts_(w, ",\"data\":");
    if (is_json && strict_json_line(data, len))
        put(w, data, len);
    else
        put_str(w, data, len);
}

size_t rec_frame(rec_writer *w, int64_t ns, const char *data, size_t len, int is_json)
{
    begin(w, ns, "frame");
    put_data(w, data, len, is_json);
    return end(w);
}

size_t rec_rest(rec_writer *w, int64_t ns, const char *symbol, const char *data, size_t len,
                int is_json)
{
    begin(w, ns, "rest");
    put_symbol(w, symbol);
    put_data(w, data, len, is_json);
    return end(w);
}
