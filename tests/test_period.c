/* Period arithmetic: file names and bounds in UTC, local time and across DST changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alog_period.h"
#include "test_util.h"

#define SEC  1000000000LL
#define HOUR (3600 * SEC)

static void use_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static alog_period period(int64_t stamp, alog_rollover r, int utc)
{
    alog_period p;
    assert_int_equal(alog__period_of(stamp, r, utc, &p), 0);
    return p;
}

static void test_period_daily_name_and_bounds_utc(void **state)
{
    (void)state;
    int64_t t = tu_utc_ns(2026, 11, 25, 13, 14, 15) + 123;
    alog_period p = period(t, ALOG_ROLL_DAILY, 1);
    assert_string_equal(p.name, "20261125.txt");
    assert_true(p.start_ns == tu_utc_ns(2026, 11, 25, 0, 0, 0));
    assert_true(p.end_ns == tu_utc_ns(2026, 11, 26, 0, 0, 0));
}

static void test_period_5sec_names_unpadded_index(void **state)
{
    (void)state;
    alog_period p = period(tu_utc_ns(2026, 11, 25, 23, 59, 3), ALOG_ROLL_5SEC, 1);
    assert_string_equal(p.name, "2026112523590.txt");
    p = period(tu_utc_ns(2026, 11, 25, 23, 59, 57) + 999999999, ALOG_ROLL_5SEC, 1);
    assert_string_equal(p.name, "20261125235911.txt");
    assert_true(p.start_ns == tu_utc_ns(2026, 11, 25, 23, 59, 55));
    assert_true(p.end_ns == tu_utc_ns(2026, 11, 26, 0, 0, 0));
}

static void test_period_5sec_across_a_minute(void **state)
{
    (void)state;
    int64_t t = tu_utc_ns(2026, 11, 25, 10, 0, 55);
    alog_period a = period(t, ALOG_ROLL_5SEC, 1);
    alog_period b = period(a.end_ns, ALOG_ROLL_5SEC, 1);
    assert_string_equal(a.name, "20261125100011.txt");
    assert_string_equal(b.name, "2026112510010.txt");
    assert_true(b.start_ns == a.end_ns);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_period_5sec_day_has_17280_contiguous_periods(void **state)
{
    (void)state;
    static char names[17280][24];
    int64_t t = tu_utc_ns(2026, 11, 25, 0, 0, 0);
    int64_t day_end = tu_utc_ns(2026, 11, 26, 0, 0, 0);
    int n = 0;
    while (t < day_end) {
        alog_period p = period(t, ALOG_ROLL_5SEC, 1);
        assert_true(p.start_ns == t);
        assert_true(p.end_ns == t + 5 * SEC);
        assert_true(n < 17280);
        strcpy(names[n++], p.name);
        t = p.end_ns;
    }
    assert_int_equal(n, 17280);
    /* Every period has a name of its own. */
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 1; i < n; i++)
        assert_string_not_equal(names[i - 1], names[i]);
}

static void test_period_local_time_differs_from_utc(void **state)
{
    (void)state;
    use_tz("Asia/Tokyo");
    int64_t t = tu_utc_ns(2026, 11, 24, 20, 0, 0); /* 05:00 on the 25th in Tokyo */
    assert_string_equal(period(t, ALOG_ROLL_DAILY, 1).name, "20261124.txt");
    alog_period p = period(t, ALOG_ROLL_DAILY, 0);
    assert_string_equal(p.name, "20261125.txt");
    assert_true(p.start_ns == tu_utc_ns(2026, 11, 24, 15, 0, 0));
    assert_true(p.end_ns - p.start_ns == 24 * HOUR);
    assert_string_equal(period(t, ALOG_ROLL_5SEC, 0).name, "2026112505000.txt");
}

static void test_period_dst_day_without_midnight(void **state)
{
    (void)state;
    /* America/Sao_Paulo 2018-11-04: 00:00 -03 became 01:00 -02, so the day starts at 01:00. */
    use_tz("America/Sao_Paulo");
    alog_period before = period(tu_utc_ns(2018, 11, 4, 2, 59, 59), ALOG_ROLL_DAILY, 0);
    alog_period after = period(tu_utc_ns(2018, 11, 4, 3, 0, 0), ALOG_ROLL_DAILY, 0);
    assert_string_equal(before.name, "20181103.txt");
    assert_string_equal(after.name, "20181104.txt");
    assert_true(before.end_ns == after.start_ns);
    assert_true(after.start_ns == tu_utc_ns(2018, 11, 4, 3, 0, 0));
    assert_true(after.end_ns - after.start_ns == 23 * HOUR);
}

static void test_period_dst_day_with_repeated_hour(void **state)
{
    (void)state;
    /* America/Sao_Paulo 2018-02-17: at 24:00 -02 the clocks went back to 23:00 -03. */
    use_tz("America/Sao_Paulo");
    alog_period first = period(tu_utc_ns(2018, 2, 18, 1, 30, 0), ALOG_ROLL_DAILY, 0);
    alog_period again = period(tu_utc_ns(2018, 2, 18, 2, 30, 0), ALOG_ROLL_DAILY, 0);
    alog_period next = period(tu_utc_ns(2018, 2, 18, 3, 0, 0), ALOG_ROLL_DAILY, 0);
    assert_string_equal(first.name, "20180217.txt");
    assert_string_equal(again.name, "20180217.txt");
    assert_string_equal(next.name, "20180218.txt");
    assert_true(first.start_ns == tu_utc_ns(2018, 2, 17, 2, 0, 0));
    assert_true(first.end_ns - first.start_ns == 25 * HOUR);
    assert_true(next.start_ns == first.end_ns);
    /* Both 23:30s share one 5-second name: they go to the same file, appended. */
    assert_string_equal(period(tu_utc_ns(2018, 2, 18, 1, 30, 0), ALOG_ROLL_5SEC, 0).name,
                        period(tu_utc_ns(2018, 2, 18, 2, 30, 0), ALOG_ROLL_5SEC, 0).name);
}

static void test_period_ordinary_local_day_lasts_24_hours(void **state)
{
    (void)state;
    use_tz("Europe/Berlin");
    alog_period p = period(tu_utc_ns(2026, 7, 1, 12, 0, 0), ALOG_ROLL_DAILY, 0);
    assert_string_equal(p.name, "20260701.txt");
    assert_true(p.start_ns == tu_utc_ns(2026, 6, 30, 22, 0, 0));
    assert_true(p.end_ns - p.start_ns == 24 * HOUR);
}

/* The last stamps int64 holds are in a period that ends no later than INT64_MAX, without
 * overflowing on the way (found by fuzz/fuzz_alog under UBSan). */
static void test_period_last_int64_nanosecond_has_a_period(void **state)
{
    (void)state;
    /* INT64_MAX ns is 2262-04-11T23:47:16.854775807Z. */
    alog_period p = period(INT64_MAX, ALOG_ROLL_5SEC, 1);
    assert_string_equal(p.name, "2262041123473.txt");
    assert_true(p.start_ns == tu_utc_ns(2262, 4, 11, 23, 47, 15));
    assert_true(p.end_ns == INT64_MAX);
    p = period(INT64_MAX, ALOG_ROLL_DAILY, 1);
    assert_string_equal(p.name, "22620411.txt");
    assert_true(p.start_ns == tu_utc_ns(2262, 4, 11, 0, 0, 0));
    assert_true(p.end_ns == INT64_MAX);
    use_tz("CET-1CEST,M3.5.0,M10.5.0/3");
    p = period(INT64_MAX, ALOG_ROLL_DAILY, 0);
    assert_string_equal(p.name, "22620412.txt");
    assert_true(p.end_ns == INT64_MAX);
    unsetenv("TZ");
    tzset();
}

/* When the UTC offset changes by seconds that are not a multiple of 5, a 5-second period
 * ends at the change: a late line stamped before it must not go to the file of the period
 * after it (found with fuzz/fuzz_alog). */
static void test_period_5sec_offset_change_by_odd_seconds(void **state)
{
    (void)state;
    /* Summer time ends at 03:00 local (+0:20) = 02:40:00 UTC; the clock goes back 28 s. */
    use_tz("<+001932>-0:19:32<+0020>-0:20,M3.5.0/2,M10.5.0/3");
    int64_t change = tu_utc_ns(2021, 10, 31, 2, 40, 0);
    alog_period before = period(change - SEC, ALOG_ROLL_5SEC, 0); /* 02:59:59 local */
    assert_string_equal(before.name, "20211031025911.txt");
    assert_true(before.start_ns == change - 5 * SEC);
    assert_true(before.end_ns == change);
    alog_period after = period(change + SEC, ALOG_ROLL_5SEC, 0); /* 02:59:33 local */
    assert_string_equal(after.name, "2021103102596.txt");
    assert_true(after.start_ns == change);
    assert_true(after.end_ns == change + 3 * SEC);
    alog_period next = period(change + 3 * SEC, ALOG_ROLL_5SEC, 0); /* 02:59:35 */
    assert_string_equal(next.name, "2021103102597.txt");
    assert_true(next.start_ns == change + 3 * SEC);
    assert_true(next.end_ns == change + 8 * SEC);
    /* An ordinary zone keeps the aligned 5 seconds. */
    use_tz("Europe/Berlin");
    alog_period p = period(tu_utc_ns(2026, 11, 25, 13, 14, 17), ALOG_ROLL_5SEC, 0);
    assert_string_equal(p.name, "2026112514143.txt");
    assert_true(p.start_ns == tu_utc_ns(2026, 11, 25, 13, 14, 15));
    assert_true(p.end_ns == tu_utc_ns(2026, 11, 25, 13, 14, 20));
}

static void test_period_rejects_negative_stamp(void **state)
{
    (void)state;
    alog_period p;
    assert_int_equal(alog__period_of(-1, ALOG_ROLL_DAILY, 1, &p), -1);
}

static void test_period_near_the_epoch_starts_no_earlier_than_it(void **state)
{
    (void)state;
    /* Local midnight of 1970-01-01 in Berlin is before the epoch: its day starts at 0. */
    use_tz("Europe/Berlin");
    alog_period day = period(13, ALOG_ROLL_DAILY, 0);
    assert_string_equal(day.name, "19700101.txt");
    assert_true(day.start_ns == 0);
    /* At +0:19:32 the epoch is 00:19:32 local: the 5 seconds 00:19:30-34 start at 0 too. */
    use_tz("<+001932>-0:19:32<+0020>-0:20,M3.5.0/2,M10.5.0/3");
    alog_period five = period(13, ALOG_ROLL_5SEC, 0);
    assert_string_equal(five.name, "1970010100196.txt");
    assert_true(five.start_ns == 0);
    assert_true(five.end_ns == 3 * SEC);
}

static void test_file_name_matches_the_period_and_compression(void **state)
{
    (void)state;
    char name[32];
    int64_t t = tu_utc_ns(2026, 11, 23, 23, 59, 57);
    assert_int_equal(alog_file_name(t, ALOG_ROLL_DAILY, 1, ALOG_COMPRESS_NONE, name, sizeof name),
                     12);
    assert_string_equal(name, "20261123.txt");
    assert_int_equal(alog_file_name(t, ALOG_ROLL_5SEC, 1, ALOG_COMPRESS_ZSTD, name, sizeof name),
                     22);
    assert_string_equal(name, "20261123235911.txt.zst");
    t = tu_utc_ns(2026, 11, 23, 23, 59, 25);
    alog_file_name(t, ALOG_ROLL_5SEC, 1, ALOG_COMPRESS_NONE, name, sizeof name);
    assert_string_equal(name, "2026112323595.txt");
    use_tz("Europe/Berlin"); /* 23:59:57 UTC is the next day in Berlin */
    alog_file_name(tu_utc_ns(2026, 11, 23, 23, 59, 57), ALOG_ROLL_DAILY, 0, ALOG_COMPRESS_ZSTD,
                   name, sizeof name);
    assert_string_equal(name, "20261124.txt.zst");
    unsetenv("TZ");
    tzset();
}

static void test_file_name_cuts_like_snprintf_and_rejects_no_period(void **state)
{
    (void)state;
    char name[8];
    int64_t t = tu_utc_ns(2026, 11, 23, 12, 0, 0);
    assert_int_equal(alog_file_name(t, ALOG_ROLL_DAILY, 1, ALOG_COMPRESS_NONE, name, sizeof name),
                     12);
    assert_string_equal(name, "2026112");
    assert_int_equal(alog_file_name(t, ALOG_ROLL_DAILY, 1, ALOG_COMPRESS_NONE, NULL, 0), 12);
    assert_int_equal(alog_file_name(-1, ALOG_ROLL_DAILY, 1, ALOG_COMPRESS_NONE, name, sizeof name),
                     0);
    assert_string_equal(name, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_daily_name_and_bounds_utc),
        cmocka_unit_test(test_period_5sec_names_unpadded_index),
        cmocka_unit_test(test_period_5sec_across_a_minute),
        cmocka_unit_test(test_period_5sec_day_has_17280_contiguous_periods),
        cmocka_unit_test(test_period_local_time_differs_from_utc),
        cmocka_unit_test(test_period_dst_day_without_midnight),
        cmocka_unit_test(test_period_dst_day_with_repeated_hour),
        cmocka_unit_test(test_period_ordinary_local_day_lasts_24_hours),
        cmocka_unit_test(test_period_last_int64_nanosecond_has_a_period),
        cmocka_unit_test(test_period_5sec_offset_change_by_odd_seconds),
        cmocka_unit_test(test_period_rejects_negative_stamp),
        cmocka_unit_test(test_period_near_the_epoch_starts_no_earlier_than_it),
        cmocka_unit_test(test_file_name_matches_the_period_and_compression),
        cmocka_unit_test(test_file_name_cuts_like_snprintf_and_rejects_no_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
