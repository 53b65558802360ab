/* Rollover with an injected clock: every line lands in the file of its own stamp. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define SEC 1000000000LL
#define MS  1000000LL

static void write_at(af_fixture *f, alog *lg, int64_t stamp, const char *line)
{
    atomic_store(&f->clock.now, stamp);
    assert_int_equal(alog_write(lg, line, strlen(line)), ALOG_OK);
}

static void test_rollover_crossing_midnight_opens_new_file(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 23, 59, 59) + 999 * MS, "last of the 24th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 0), "first of the 25th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 1), "second of the 25th");
    alog_close(lg);
    af_assert_file(f, "20261124.txt", "last of the 24th\n");
    af_assert_file(f, "20261125.txt", "first of the 25th\nsecond of the 25th\n");
    assert_int_equal(tu_count_files(f->dir), 2);
}

static void test_rollover_5sec_names_across_a_minute(void **state)
{
    af_fixture *f = *state;
    f->opt.rollover = ALOG_ROLL_5SEC;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 9, 59, 54), "a");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 9, 59, 59), "b");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 0), "c");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 4), "d");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 5), "e");
    alog_close(lg);
    af_assert_file(f, "20261125095910.txt", "a\n");
    af_assert_file(f, "20261125095911.txt", "b\n");
    af_assert_file(f, "2026112510000.txt", "c\nd\n");
    af_assert_file(f, "2026112510001.txt", "e\n");
}

static void test_rollover_late_line_goes_to_its_own_period(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 1), "new day");
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 23, 59, 59), "stamped yesterday");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 2), "new day again");
    alog_close(lg);
    af_assert_file(f, "20261124.txt", "stamped yesterday\n");
    af_assert_file(f, "20261125.txt", "new day\nnew day again\n");
}

static void test_write_at_stamp_decides_the_file_not_the_clock(void **state)
{
    af_fixture *f = *state;
    atomic_store(&f->clock.now, tu_utc_ns(2026, 11, 25, 12, 0, 0));
    alog *lg = alog_open(&f->opt);
    int64_t at = tu_utc_ns(2026, 11, 23, 23, 59, 59);
    assert_int_equal(alog_write_at(lg, at, "replayed", 8), ALOG_OK);
    assert_int_equal(alog_write(lg, "now", 3), ALOG_OK);
    assert_int_equal(alog_write_at(lg, at + SEC, "replayed next day", 17), ALOG_OK);
    alog_close(lg);
    af_assert_file(f, "20261123.txt", "replayed\n");
    af_assert_file(f, "20261124.txt", "replayed next day\n");
    af_assert_file(f, "20261125.txt", "now\n");
}

static void test_write_at_with_the_default_clock_uses_the_given_stamp(void **state)
{
    af_fixture *f = *state;
    f->opt.clock = NULL; /* raw TSC stamps for alog_write; alog_write_at's are ns */
    f->opt.rollover = ALOG_ROLL_5SEC;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write_at(lg, tu_utc_ns(2001, 2, 3, 4, 5, 59), "old", 3), ALOG_OK);
    alog_close(lg);
    af_assert_file(f, "20010203040511.txt", "old\n");
    assert_int_equal(tu_count_files(f->dir), 1);
}

static void test_write_at_before_the_epoch_is_lost_and_counted(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write_at(lg, -1, "too early", 9), ALOG_OK);
    assert_int_equal(alog_write_at(lg, 0, "epoch", 5), ALOG_OK);
    assert_int_equal(alog_write_at(NULL, 0, "x", 1), ALOG_EINVAL);
    assert_int_equal(alog_write_at(lg, 0, NULL, 1), ALOG_EINVAL);
    alog_stop(lg, ALOG_STOP_FLUSH);
    alog_stats st;
    alog_get_stats(lg, &st);
    alog_close(lg);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.written, 1);
    assert_int_equal(st.lost_io, 1);
    af_assert_file(f, "19700101.txt", "epoch\n");
}

static void test_rollover_day_of_17280_periods_leaks_no_descriptor(void **state)
{
    af_fixture *f = *state;
    f->opt.rollover = ALOG_ROLL_5SEC;
    int fds_before = tu_open_fds();
    alog *lg = alog_open(&f->opt);
    int64_t day = tu_utc_ns(2026, 11, 25, 0, 0, 0);
    int most_fds = 0;
    for (int i = 0; i < 17280; i++) {
        char line[32];
        snprintf(line, sizeof line, "period %d", i);
        write_at(f, lg, day + (int64_t)i * 5 * SEC + 1234 * MS, line);
        if (i % 1000 == 0 && tu_open_fds() > most_fds)
            most_fds = tu_open_fds();
    }
    alog_stats st;
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_get_stats(lg, &st);
    alog_close(lg);
    assert_int_equal(st.written, 17280);
    assert_int_equal(st.files_opened, 17280);
    assert_int_equal(tu_count_files(f->dir), 17280);
    assert_int_equal(tu_open_fds(), fds_before);
    assert_true(most_fds <= fds_before + 8); /* "a few": the open files and the writer's */
    /* Spot-check names and contents at both ends and in the middle. */
    af_assert_file(f, "2026112500000.txt", "period 0\n");
    af_assert_file(f, "2026112512000.txt", "period 8640\n");
    af_assert_file(f, "20261125235911.txt", "period 17279\n");
}

static void test_rollover_local_time_versus_utc(void **state)
{
    af_fixture *f = *state;
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    int64_t t = tu_utc_ns(2026, 11, 24, 20, 0, 0); /* 05:00 on the 25th in Tokyo */
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, t, "utc");
    alog_close(lg);
    f->opt.utc = 0;
    lg = alog_open(&f->opt);
    write_at(f, lg, t, "local");
    alog_close(lg);
    af_assert_file(f, "20261124.txt", "utc\n");
    af_assert_file(f, "20261125.txt", "local\n");
}

static void test_rollover_dst_day_without_midnight(void **state)
{
    af_fixture *f = *state;
    setenv("TZ", "America/Sao_Paulo", 1);
    tzset();
    f->opt.utc = 0;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2018, 11, 4, 2, 59, 59), "23:59:59 on the 3rd");
    write_at(f, lg, tu_utc_ns(2018, 11, 4, 3, 0, 0), "01:00:00 on the 4th");
    write_at(f, lg, tu_utc_ns(2018, 11, 5, 1, 59, 59), "23:59:59 on the 4th");
    write_at(f, lg, tu_utc_ns(2018, 11, 5, 2, 0, 0), "00:00:00 on the 5th");
    alog_close(lg);
    af_assert_file(f, "20181103.txt", "23:59:59 on the 3rd\n");
    af_assert_file(f, "20181104.txt", "01:00:00 on the 4th\n23:59:59 on the 4th\n");
    af_assert_file(f, "20181105.txt", "00:00:00 on the 5th\n");
}

static void test_rollover_dst_day_with_repeated_hour(void **state)
{
    af_fixture *f = *state;
    setenv("TZ", "America/Sao_Paulo", 1);
    tzset();
    f->opt.utc = 0;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2018, 2, 18, 1, 30, 0), "23:30 -02");
    write_at(f, lg, tu_utc_ns(2018, 2, 18, 2, 30, 0), "23:30 -03");
    write_at(f, lg, tu_utc_ns(2018, 2, 18, 3, 0, 0), "00:00 -03");
    alog_close(lg);
    af_assert_file(f, "20180217.txt", "23:30 -02\n23:30 -03\n");
    af_assert_file(f, "20180218.txt", "00:00 -03\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_rollover_crossing_midnight_opens_new_file),
        AF_TEST(test_rollover_5sec_names_across_a_minute),
        AF_TEST(test_rollover_late_line_goes_to_its_own_period),
        AF_TEST(test_write_at_stamp_decides_the_file_not_the_clock),
        AF_TEST(test_write_at_with_the_default_clock_uses_the_given_stamp),
        AF_TEST(test_write_at_before_the_epoch_is_lost_and_counted),
        AF_TEST(test_rollover_day_of_17280_periods_leaks_no_descriptor),
        AF_TEST(test_rollover_local_time_versus_utc),
        AF_TEST(test_rollover_dst_day_without_midnight),
        AF_TEST(test_rollover_dst_day_with_repeated_hour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
