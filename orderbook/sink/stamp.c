#include "stamp.h"

#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at p as a number, or -1. */
static int64_t digits(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

int stamp_parse(const char *ts, size_t len, int64_t *ns)
{
    /* 2026-11-23T23:59:59 */
    if (len < 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' || ts[16] != ':')
        return -1;
    int64_t y = digits(ts, 4), mo = digits(ts + 5, 2), d = digits(ts + 8, 2);
    int64_t h = digits(ts + 11, 2), mi = digits(ts + 14, 2), s = digits(ts + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60)
        return -1;
    size_t i = 19;
    int64_t frac = 0;
    if (ts[i] == '.') {
        size_t k = 0;
        for (i++; i < len && ts[i] >= '0' && ts[i] <= '9'; i++, k++) {
            if (k >= 9)
                return -1;
            frac = frac * 10 + (ts[i] - '0');
        }
        if (k == 0)
            return -1;
        for (; k < 9; k++)
            frac *= 10;
    }
    int64_t offset_s = 0;
    if (i < len && ts[i] == 'Z' && i + 1 == len) {
        offset_s = 0;
    } else if (i + 6 == len && (ts[i] == '+' || ts[i] == '-') && ts[i + 3] == ':') {
        int64_t oh = digits(ts + i + 1, 2), om = digits(ts + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        offset_s = (oh * 3600 + om * 60) * (ts[i] == '-' ? -1 : 1);
    } else {
        return -1;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
    *ns = secs * 1000000000LL + frac;
    return 0;
}

int stamp_of(const char *line, size_t len, int64_t *ns)
{
    static const char head[] = "{\"ts\":\"";
    size_t h = sizeof head - 1;
    if (len < h || memcmp(line, head, h) != 0)
        return -1;
    const char *q = memchr(line + h, '"', len - h);
    if (q == NULL)
        return -1;
    return stamp_parse(line + h, (size_t)(q - (line + h)), ns);
}
