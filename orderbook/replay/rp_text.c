#include "rp_text.h"

#include <string.h>
#include <time.h>

int rp_kind_derived(rp_kind k)
{
    return k == RP_DEPTH || k == RP_SNAPSHOT || k == RP_RESYNC;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exactly n digits at s (n <= 9); -1 when one is not a digit. */
static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

typedef struct civil {
    int y, mo, d, h, mi, sec;
} civil;

/*
 * The date and the time of day up to the seconds, when there: the index after them in *end,
 * whether seconds came in *has_sec. `person`: the date alone, minutes without seconds and a
 * space for the 'T' are allowed.
 */
static int clock_part(const char *s, size_t len, int person, civil *c, size_t *end, int *has_sec)
{
    size_t i = 10;
    *c = (civil){0};
    *has_sec = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if ((c->y = num(s, 4)) < 0 || (c->mo = num(s + 5, 2)) < 1 || c->mo > 12 ||
        (c->d = num(s + 8, 2)) < 1 || c->d > days_in_month(c->y, c->mo))
        return -1;
    if (i < len && (s[i] == 'T' || (person && s[i] == ' '))) {
        if (len < i + 6 || s[i + 3] != ':' || (c->h = num(s + i + 1, 2)) < 0 || c->h > 23 ||
            (c->mi = num(s + i + 4, 2)) < 0 || c->mi > 59)
            return -1;
        i += 6;
        if (i < len && s[i] == ':') {
            if (len < i + 3 || (c->sec = num(s + i + 1, 2)) < 0 || c->sec > 60)
                return -1;
            i += 3;
            *has_sec = 1;
        } else if (!person) {
            return -1;
        }
    } else if (!person) {
        return -1;
    }
    *end = i;
    return 0;
}

/* ".123456789" at s[*i] if there (1 to 9 digits): its ns into *frac, *i past it. */
static int fraction(const char *s, size_t len, size_t *i, int64_t *frac)
{
    *frac = 0;
    if (*i == len || s[*i] != '.')
        return 0;
    int64_t scale = 100000000;
    size_t k = *i + 1;
    for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
        *frac += (s[k] - '0') * scale;
        scale /= 10;
    }
    if (k == *i + 1 || k - *i - 1 > 9)
        return -1;
    *i = k;
    return 0;
}

/* "Z" or an offset ("+01:00"; for a person "+0100" too) that ends the text at s[i]: its
 * seconds east of UTC into *off. */
static int zone(const char *s, size_t len, size_t i, int person, int64_t *off)
{
    *off = 0;
    if (s[i] == 'Z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        size_t colon = i + 3 < len && s[i + 3] == ':';
        if (len < i + 5 + colon || (!colon && !person) || (oh = num(s + i + 1, 2)) < 0 || oh > 23 ||
            (om = num(s + i + 3 + colon, 2)) < 0 || om > 59)
            return -1;
        *off = (oh * 60 + om) * 60;
        if (s[i] == '-')
            *off = -*off;
        i += 5 + colon;
    } else {
        return -1;
    }
    return i == len ? 0 : -1;
}

static int64_t utc_secs(const civil *c)
{
    return days_from_civil(c->y, c->mo, c->d) * 86400 + c->h * 3600 + c->mi * 60 + c->sec;
}

static int to_ns(int64_t secs, int64_t frac, int64_t *ns)
{
    if (secs < -9223372035LL || secs > 9223372035LL)
        return -1; /* beyond what ns in an int64 hold (years 1677..2262) */
    *ns = secs * 1000000000LL + frac;
    return 0;
}

/* The parser of both forms; `person`: see clock_part, an offset without its colon and no
 * zone at all (local time) are allowed too. */
static int parse_iso(const char *s, size_t len, int person, int64_t *ns)
{
    civil c;
    size_t i;
    int has_sec;
    int64_t frac = 0, off, secs;
    if (clock_part(s, len, person, &c, &i, &has_sec) != 0 ||
        (has_sec && fraction(s, len, &i, &frac) != 0))
        return -1;
    if (i < len) {
        if (zone(s, len, i, person, &off) != 0)
            return -1;
        return to_ns(utc_secs(&c) - off, frac, ns);
    }
    if (!person)
        return -1;
    struct tm tm = {.tm_year = c.y - 1900,
                    .tm_mon = c.mo - 1,
                    .tm_mday = c.d,
                    .tm_hour = c.h,
                    .tm_min = c.mi,
                    .tm_sec = c.sec,
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    secs = (int64_t)t;
    return to_ns(secs, frac, ns);
}

#define CLOCK_LEN 19 /* "2026-11-23T23:59:59", where a record's ts must have its seconds */

/*
 * Records come in order, many to a second: the calendar work for the date and time of day
 * (a third of the replay's reading of a line, callgrind) is done once for all the records
 * that share them. Per thread, so the parser stays safe from any thread; the 19 bytes
 * decide alone whether that part is valid, so a match is as good as parsing it again.
 */
static _Thread_local struct {
    char clock[CLOCK_LEN];
    int64_t secs;
    int valid;
} last_clock;

int rp_parse_ts(const char *s, size_t len, int64_t *ns)
{
    size_t i = CLOCK_LEN;
    int64_t secs, frac, off;
    if (len > CLOCK_LEN && last_clock.valid && memcmp(s, last_clock.clock, CLOCK_LEN) == 0) {
        secs = last_clock.secs;
    } else {
        civil c;
        int has_sec;
        /* Without a person's leniency, a clock part that parses is exactly CLOCK_LEN bytes. */
        if (clock_part(s, len, 0, &c, &i, &has_sec) != 0)
            return -1;
        secs = utc_secs(&c);
        memcpy(last_clock.clock, s, CLOCK_LEN);
        last_clock.secs = secs;
        last_clock.valid = 1;
    }
    if (fraction(s, len, &i, &frac) != 0 || i == len || zone(s, len, i, 0, &off) != 0)
        return -1;
    return to_ns(secs - off, frac, ns);
}

int rp_parse_time(const char *s, int64_t *ns)
{
    return parse_iso(s, strlen(s), 1, ns);
}

static int symbol_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A symbol in quotes' contents at s (up to the next quote): its length, or 0. */
static size_t symbol_at(const char *s, size_t n, char out[DEPTH_SYMBOL_MAX + 1])
{
    size_t k = 0;
    while (k < n && k <= DEPTH_SYMBOL_MAX && symbol_char(s[k]))
        k++;
    if (k == 0 || k > DEPTH_SYMBOL_MAX || k == n || s[k] != '"')
        return 0;
    memcpy(out, s, k);
    out[k] = '\0';
    return k;
}

/*
 * The first `key` (klen bytes) in [p, end), or NULL. Its byte at `pivot`, one that is rare in
 * records, is looked for with memchr and the rest checked there: glibc's memmem took three
 * times as long over the few dozen bytes before these keys (callgrind).
 */
static const char *find_key(const char *p, const char *end, const char *key, size_t klen,
                            size_t pivot)
{
    if ((size_t)(end - p) < klen)
        return NULL;
    for (const char *q = p + pivot; q < end; q++) {
        q = memchr(q, key[pivot], (size_t)(end - q));
        if (q == NULL)
            return NULL;
        const char *at = q - pivot;
        if ((size_t)(end - at) >= klen && memcmp(at, key, klen) == 0)
            return at;
    }
    return NULL;
}

/* The unsigned integer after `key` (e.g. `,"u":`, a literal) somewhere in [p, end); -1 if
 * none. Its third byte is the pivot: the first letter of the member's name. */
#define ID_AFTER(p, end, key, out) id_after((p), (end), (key), sizeof(key) - 1, (out))

static int id_after(const char *p, const char *end, const char *key, size_t klen, uint64_t *out)
{
    const char *k = find_key(p, end, key, klen, 2);
    if (k == NULL)
        return -1;
    k += klen;
    uint64_t v = 0;
    const char *d = k;
    while (d < end && *d >= '0' && *d <= '9' && d - k < 20)
        v = v * 10 + (uint64_t)(*d++ - '0');
    if (d == k)
        return -1;
    *out = v;
    return 0;
}

#define KIND(name, kind)                                                                           \
    {                                                                                              \
        name, sizeof name - 1, kind                                                                \
    }

static const struct {
    const char *name;
    size_t len;
    rp_kind kind;
} kinds[] = {KIND("frame", RP_FRAME),
             KIND("depth", RP_DEPTH),
             KIND("rest", RP_REST),
             KIND("snapshot", RP_SNAPSHOT),
             KIND("resync", RP_RESYNC),
             KIND("connected", RP_CONNECTED),
             KIND("disconnected", RP_DISCONNECTED)};

int rp_head_parse(const char *line, size_t len, rp_head *out)
{
    static const char ts_key[] = "{\"ts\":\"", event_key[] = "\",\"event\":\"",
                      s_key[] = ",\"s\":\"", data_key[] = ",\"data\":";
    const char *end = line + len;
    memset(out, 0, sizeof *out);
    if (len < sizeof ts_key || memcmp(line, ts_key, sizeof ts_key - 1) != 0 || line[len - 1] != '}')
        return -1;
    const char *ts = line + sizeof ts_key - 1;
    const char *q = memchr(ts, '"', (size_t)(end - ts));
    if (q == NULL || rp_parse_ts(ts, (size_t)(q - ts), &out->ts_ns) != 0)
        return -1;
    out->rest = q;
    out->rest_len = (size_t)(end - q);
    if ((size_t)(end - q) < sizeof event_key || memcmp(q, event_key, sizeof event_key - 1) != 0)
        return -1;
    const char *ev = q + sizeof event_key - 1;
    const char *ev_end = memchr(ev, '"', (size_t)(end - ev));
    if (ev_end == NULL)
        return -1;
    size_t ev_len = (size_t)(ev_end - ev);
    out->kind = RP_OTHER;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].len == ev_len && memcmp(kinds[i].name, ev, ev_len) == 0)
            out->kind = kinds[i].kind;
    const char *p = ev_end + 1;
    if (out->kind == RP_REST || rp_kind_derived(out->kind)) {
        if ((size_t)(end - p) < sizeof s_key || memcmp(p, s_key, sizeof s_key - 1) != 0)
            return -1;
        p += sizeof s_key - 1;
        size_t n = symbol_at(p, (size_t)(end - p), out->symbol);
        if (n == 0)
            return -1;
        p += n + 1;
    }
    if (out->kind == RP_FRAME || out->kind == RP_REST) {
        if ((size_t)(end - p) < sizeof data_key || memcmp(p, data_key, sizeof data_key - 1) != 0)
            return -1;
        out->data = p + sizeof data_key - 1;
        if (out->data >= end - 1)
            return -1;
        out->data_len = (size_t)(end - 1 - out->data);
        /* An object or a string must end where the record does (a line cut short may not);
         * JSON's white space may surround it, as a frame may have. */
        const char *a = out->data, *z = end - 2;
        while (a < z && (*a == ' ' || *a == '\t' || *a == '\r'))
            a++;
        while (z > a && (*z == ' ' || *z == '\t' || *z == '\r'))
            z--;
        if ((*a == '{' && (*z != '}' || z == a)) || (*a == '"' && (*z != '"' || z == a)))
            return -1;
    } else if (out->kind == RP_DEPTH) {
        if (ID_AFTER(p, end, ",\"u\":", &out->id) != 0)
            return -1;
    } else if (out->kind == RP_SNAPSHOT) {
        if (ID_AFTER(p, end, ",\"lastUpdateId\":", &out->id) != 0)
            return -1;
    }
    return 0;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

long rp_unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c < 0x20)
            return -1;
        if (c != '\\') {
            out[o++] = (char)c;
            continue;
        }
        if (++i == n)
            return -1;
        switch (s[i]) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '/':
            out[o++] = '/';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (n - i - 1 < 4 || hex4(s + i + 1, &cp) != 0)
                return -1;
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (n - i - 1 < 6 || s[i + 1] != '\\' || s[i + 2] != 'u' ||
                    hex4(s + i + 3, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            if (cp < 0x80) {
                out[o++] = (char)cp;
            } else if (cp < 0x800) {
                out[o++] = (char)(0xC0 | (cp >> 6));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out[o++] = (char)(0xE0 | (cp >> 12));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            } else {
                out[o++] = (char)(0xF0 | (cp >> 18));
                out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return -1;
        }
    }
    return (long)o;
}

int rp_frame_symbol(const char *frame, size_t len, char out[DEPTH_SYMBOL_MAX + 1])
{
    static const char key[] = "\"s\":\"";
    const char *k = find_key(frame, frame + len, key, sizeof key - 1, 1);
    if (k == NULL)
        return -1;
    k += sizeof key - 1;
    return symbol_at(k, (size_t)(frame + len - k), out) ? 0 : -1;
}
