/* Period arithmetic: the calendar (local with DST, or UTC) decides every boundary. */
#include "alog_period.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL

/* Longest calendar day anywhere, with margin: DST and zone changes stay well inside it. */
#define MAX_DAY_SEC (30 * 3600)

static int broken_down(time_t t, int utc, struct tm *tm)
{
    if (utc)
        return gmtime_r(&t, tm) ? 0 : -1;
    return localtime_r(&t, tm) ? 0 : -1;
}

/* A calendar field already in range, bounded so the compiler sees each name fits. */
static unsigned field(int v, unsigned bound)
{
    return (unsigned)v % bound;
}

/* The calendar date of t as YYYYMMDD, or -1 when it cannot be represented. */
static long date_of(time_t t, int utc)
{
    struct tm tm;
    if (broken_down(t, utc, &tm) != 0)
        return -1;
    return (long)(tm.tm_year + 1900) * 10000L + (long)(tm.tm_mon + 1) * 100L + tm.tm_mday;
}

/*
 * The first second in [lo, hi] whose date is >= date, assuming dates never decrease with
 * time. They do not: a DST fall-back repeats an hour of the same date (Sao Paulo 2018-02-17
 * ends with 23:00 twice), it never steps back into the previous date. A search, rather than
 * mktime(00:00), because midnight itself may not exist (Sao Paulo 2018-11-04 starts at 01:00).
 */
static time_t first_second_of(long date, time_t lo, time_t hi, int utc)
{
    while (lo < hi) {
        time_t mid = lo + (hi - lo) / 2;
        if (date_of(mid, utc) >= date)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Whether second t reads, on the wall clock, as the same 5 seconds as `ref`. */
static int same_5sec(time_t t, const struct tm *ref, int utc)
{
    struct tm tm;
    if (broken_down(t, utc, &tm) != 0)
        return 0;
    return tm.tm_year == ref->tm_year && tm.tm_yday == ref->tm_yday && tm.tm_hour == ref->tm_hour &&
           tm.tm_min == ref->tm_min && tm.tm_sec / 5 == ref->tm_sec / 5;
}

int alog__period_of(int64_t stamp_ns, alog_rollover r, int utc, alog_period *out)
{
    if (stamp_ns < 0 || out == NULL)
        return -1;
    time_t s = (time_t)(stamp_ns / NS_PER_SEC);
    struct tm tm;
    if (broken_down(s, utc, &tm) != 0)
        return -1;
    int year = tm.tm_year + 1900;
    if (year > 9999)
        return -1;
    time_t start;
    time_t end;
    if (r == ALOG_ROLL_5SEC) {
        /* Aligned on the wall clock's seconds, so the name's digit is exact in any zone. */
        if (utc) {
            start = s - (time_t)(tm.tm_sec % 5);
            end = start + 5;
        } else {
            /* The seconds around s that read as its 5 seconds on the wall clock: usually
             * just the aligned ones, but a change of UTC offset by seconds that are not a
             * multiple of 5 (local mean times did that: Amsterdam went from +0:19:32 to
             * +0:20 in 1937) moves the wall clock's 5-second marks inside them. */
            start = s;
            while (start > s - 4 && same_5sec(start - 1, &tm, utc))
                start--;
            end = s + 1;
            while (end < s + 5 && same_5sec(end, &tm, utc))
                end++;
        }
        snprintf(out->name, sizeof out->name, "%04u%02u%02u%02u%02u%u.txt", field(year, 10000),
                 field(tm.tm_mon + 1, 100), field(tm.tm_mday, 100), field(tm.tm_hour, 100),
                 field(tm.tm_min, 100), field(tm.tm_sec / 5, 12));
    } else {
        long date = (long)year * 10000L + (long)(tm.tm_mon + 1) * 100L + tm.tm_mday;
        start = first_second_of(date, s - MAX_DAY_SEC, s, utc);
        end = first_second_of(date + 1, s + 1, s + MAX_DAY_SEC, utc);
        snprintf(out->name, sizeof out->name, "%04u%02u%02u.txt", field(year, 10000),
                 field(tm.tm_mon + 1, 100), field(tm.tm_mday, 100));
    }
    /* Stamps before the epoch have no period: neither may the first one reach back to them,
     * or a line stamped a moment before 1970 would join it through the writer's fast path
     * for lines of the current period (in zones ahead of UTC, or in 5-second periods whose
     * wall-clock seconds straddle the epoch). Found by fuzz_alog. */
    if (start < 0)
        start = 0;
    out->start_ns = (int64_t)start * NS_PER_SEC;
    /* The period of the last nanoseconds int64 holds (2262-04-11) ends after them: it ends
     * at INT64_MAX instead of overflowing. */
    out->end_ns = end > INT64_MAX / NS_PER_SEC ? INT64_MAX : (int64_t)end * NS_PER_SEC;
    return 0;
}

size_t alog_file_name(int64_t ns, alog_rollover r, int utc, alog_compress c, char *out, size_t cap)
{
    alog_period p;
    const char *ext = c == ALOG_COMPRESS_ZSTD ? ".zst" : "";
    if (alog__period_of(ns, r, utc != 0, &p) != 0)
        p.name[0] = '\0';
    int n = p.name[0] == '\0' ? 0 : snprintf(out, cap, "%s%s", p.name, ext);
    if (n == 0 && cap > 0)
        out[0] = '\0';
    return n > 0 ? (size_t)n : 0;
}
