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

/*
 * The parser of both forms. `person`: the date alone, minutes without seconds, a space for
 * the 'T', an offset without its colon and no zone at all (local time) are allowed.
 */
static int parse_iso(const char *s, size_t len, int person, int64_t *ns)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    size_t i = 10;
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if ((y = num(s, 4)) < 0 || (mo = num(s + 5, 2)) < 1 || mo > 12 || (d = num(s + 8, 2)) < 1 ||
        d > days_in_month(y, mo))
        return -1;
    if (i < len && (s[i] == 'T' || (person && s[i] == ' '))) {
        if (len < i + 6 || s[i + 3] != ':' || (h = num(s + i + 1, 2)) < 0 || h > 23 ||
            (mi = num(s + i + 4, 2)) < 0 || mi > 59)
            return -1;
        i += 6;
        if (i < len && s[i] == ':') {
            if (len < i + 3 || (sec = num(s + i + 1, 2)) < 0 || sec > 60)
                return -1;
            i += 3;
            if (i < len && s[i] == '.') {
                int64_t scale = 100000000;
                size_t k = i + 1;
                for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
                    frac += (s[k] - '0') * scale;
                    scale /= 10;
                }
                if (k == i + 1 || k - i - 1 > 9)
                    return -1;
                i = k;
            }
        } else if (!person) {
            return -1;
        }
    } else if (!person) {
        return -1;
    }
    int64_t secs;
    if (i == len) {
        if (!person)
            return -1;
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_sec = sec,
                        .tm_isdst = -1};
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            return -1;
        secs = (int64_t)t;
    } else {
        int64_t off = 0;
        if (s[i] == 'Z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int oh, om;
            size_t colon = i + 3 < len && s[i + 3] == ':';
            if (len < i + 5 + colon || (!colon && !person) || (oh = num(s + i + 1, 2)) < 0 ||
                oh > 23 || (om = num(s + i + 3 + colon, 2)) < 0 || om > 59)
                return -1;
            off = (oh * 60 + om) * 60;
            if (s[i] == '-')
                off = -off;
            i += 5 + colon;
        } else {
            return -1;
        }
        if (i != len)
            return -1;
        secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    }
    if (secs < -9223372035LL || secs > 9223372035LL)
        return -1; /* beyond what ns in an int64 hold (years 1677..2262) */
    *ns = secs * 1000000000LL + frac;
    return 0;
}

int rp_parse_ts(const char *s, size_t len, int64_t *ns)
{
    return parse_iso(s, len, 0, ns);
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

/* The unsigned integer after `key` (e.g. `,"u":`) somewhere in [p, end); -1 if none. */
static int id_after(const char *p, const char *end, const char *key, uint64_t *out)
{
    size_t klen = strlen(key);
    const char *k = memmem(p, (size_t)(end - p), key, klen);
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

static const struct {
    const char *name;
    rp_kind kind;
} kinds[] = {{"frame", RP_FRAME},
             {"depth", RP_DEPTH},
             {"rest", RP_REST},
             {"snapshot", RP_SNAPSHOT},
             {"resync", RP_RESYNC},
             {"connected", RP_CONNECTED},
             {"disconnected", RP_DISCONNECTED}};

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
        if (strlen(kinds[i].name) == ev_len && memcmp(kinds[i].name, ev, ev_len) == 0)
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
        if (id_after(p, end, ",\"u\":", &out->id) != 0)
            return -1;
    } else if (out->kind == RP_SNAPSHOT) {
        if (id_after(p, end, ",\"lastUpdateId\":", &out->id) != 0)
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
    const char *k = memmem(frame, len, key, sizeof key - 1);
    if (k == NULL)
        return -1;
    k += sizeof key - 1;
    return symbol_at(k, (size_t)(frame + len - k), out) ? 0 : -1;
}
