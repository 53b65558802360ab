/* A write ends up as that line in the file; the API's argument checks. */
#include <errno.h>
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

static void test_write_line_ends_up_in_file(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_non_null(lg);
    assert_int_equal(alog_write(lg, "hello, file", 11), ALOG_OK);
    alog_close(lg);
    size_t len;
    char *text = af_read(f, "20261125.txt", &len);
    assert_non_null(text);
    assert_string_equal(text, "hello, file\n");
    free(text);
}

static void test_write_keeps_bytes_as_given(void **state)
{
    af_fixture *f = *state;
    const char bytes[] = {'a', '\0', 'b', (char)0xff, '\n', 'c'};
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, bytes, sizeof bytes), ALOG_OK);
    assert_int_equal(alog_write(lg, "", 0), ALOG_OK);
    alog_close(lg);
    size_t len;
    char *text = af_read(f, "20261125.txt", &len);
    assert_int_equal(len, sizeof bytes + 2);
    assert_memory_equal(text, bytes, sizeof bytes);
    assert_memory_equal(text + sizeof bytes, "\n\n", 2);
    free(text);
}

static void test_write_lines_in_order_with_stats(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(alog_printf(lg, "line %d", i), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st;
    alog_get_stats(lg, &st);
    assert_int_equal(st.accepted, 1000);
    assert_int_equal(st.written, 1000);
    assert_int_equal(st.files_opened, 1);
    assert_int_equal(st.lost_io + st.discarded + st.dropped_full + st.dropped_stopped, 0);
    alog_close(lg);
    char *text = af_read(f, "20261125.txt", NULL);
    char *p = text;
    for (int i = 0; i < 1000; i++) {
        char want[32];
        int n = snprintf(want, sizeof want, "line %d\n", i);
        assert_memory_equal(p, want, (size_t)n);
        p += n;
    }
    assert_int_equal(*p, '\0');
    free(text);
}

static void test_stats_count_bytes_in_and_out(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "12345", 5), ALOG_OK);
    assert_int_equal(alog_write(lg, "", 0), ALOG_OK);
    assert_int_equal(alog_write_at(lg, -5, "lost", 4), ALOG_OK); /* no file: lost, not out */
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st;
    alog_get_stats(lg, &st);
    alog_close(lg);
    assert_int_equal(st.bytes_in, 6 + 1 + 5);
    assert_int_equal(st.bytes_out, 6 + 1);
}

static void test_printf_long_line_is_formatted_whole(void **state)
{
    af_fixture *f = *state;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_printf(lg, "<%s|%d>", big, 7), ALOG_OK);
    alog_close(lg);
    size_t len;
    char *text = af_read(f, "20261125.txt", &len);
    assert_int_equal(len, 1 + 4999 + 3 + 1);
    assert_memory_equal(text + len - 5, "x|7>\n", 5);
    free(text);
}

static void test_write_rejects_null_and_too_long(void **state)
{
    af_fixture *f = *state;
    f->opt.queue_bytes = 4096;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(NULL, "x", 1), ALOG_EINVAL);
    assert_int_equal(alog_write(lg, NULL, 1), ALOG_EINVAL);
    assert_int_equal(alog_printf(lg, NULL), ALOG_EINVAL);
    static char huge[8192];
    assert_int_equal(alog_write(lg, huge, sizeof huge), ALOG_EINVAL);
    assert_int_equal(alog_write(lg, huge, 1024), ALOG_OK);
    alog_close(lg);
}

static void test_default_queue_takes_lines_up_to_2mib_less_24_bytes(void **state)
{
    af_fixture *f = *state;
    size_t n = ((size_t)2 << 20) - 24; /* what alog.h promises for the default */
    char *line = malloc(n + 1);
    memset(line, 'm', n + 1);
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, line, n + 1), ALOG_EINVAL);
    assert_int_equal(alog_write(lg, line, n), ALOG_OK);
    alog_close(lg);
    size_t len;
    char *text = af_read(f, "20261125.txt", &len);
    assert_int_equal(len, n + 1);
    free(text);
    free(line);
}

static void test_write_line_with_newline_reads_as_two_lines(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "one\ntwo", 7), ALOG_OK);
    alog_close(lg);
    af_assert_file(f, "20261125.txt", "one\ntwo\n");
    assert_int_equal(tu_count_lines(f->path), 2);
}

static void test_open_rejects_queue_over_2gib(void **state)
{
    af_fixture *f = *state;
    f->opt.queue_bytes = ((size_t)2 << 30) + 1;
    errno = 0;
    assert_null(alog_open(&f->opt));
    assert_int_equal(errno, EINVAL);
}

static void test_open_rejects_bad_options(void **state)
{
    af_fixture *f = *state;
    errno = 0;
    assert_null(alog_open(NULL));
    assert_int_equal(errno, EINVAL);
    alog_options o = f->opt;
    o.dir = NULL;
    assert_null(alog_open(&o));
    o.dir = "";
    assert_null(alog_open(&o));
    o = f->opt;
    o.rollover = (alog_rollover)7;
    errno = 0;
    assert_null(alog_open(&o));
    assert_int_equal(errno, EINVAL);
    o = f->opt;
    o.compress_level = 20;
    errno = 0;
    assert_null(alog_open(&o));
    assert_int_equal(errno, EINVAL);
    o.compress_level = -1;
    assert_null(alog_open(&o));
}

static void test_open_level_without_compression_changes_nothing(void **state)
{
    af_fixture *f = *state;
    f->opt.compress_level = 19; /* accepted, and without compression it changes nothing */
    alog *lg = alog_open(&f->opt);
    assert_non_null(lg);
    assert_int_equal(alog_write(lg, "plain", 5), ALOG_OK);
    alog_close(lg);
    af_assert_file(f, "20261125.txt", "plain\n");
}

static void test_open_creates_dir_with_parents(void **state)
{
    af_fixture *f = *state;
    char deep[PATH_MAX + 16];
    snprintf(deep, sizeof deep, "%s/a/b/c", f->dir);
    f->opt.dir = deep;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "deep", 4), ALOG_OK);
    alog_close(lg);
    char path[PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/20261125.txt", deep);
    assert_int_equal(tu_count_lines(path), 1);
}

static void test_default_clock_names_todays_file(void **state)
{
    af_fixture *f = *state;
    f->opt.clock = NULL;
    time_t before = time(NULL);
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "now", 3), ALOG_OK);
    alog_close(lg);
    time_t after = time(NULL);
    /* The write happened between the two readings: its day is one of theirs. */
    char name[2][64];
    time_t t[2] = {before, after};
    for (int i = 0; i < 2; i++) {
        struct tm tm;
        gmtime_r(&t[i], &tm);
        strftime(name[i], sizeof name[i], "%Y%m%d.txt", &tm);
    }
    long found = 0;
    for (int i = 0; i < (strcmp(name[0], name[1]) == 0 ? 1 : 2); i++) {
        char path[PATH_MAX + 160];
        snprintf(path, sizeof path, "%s/%s", f->dir, name[i]);
        long n = tu_count_lines(path);
        found += n > 0 ? n : 0;
    }
    assert_int_equal(found, 1);
}

static void test_null_logger_calls_are_harmless(void **state)
{
    (void)state;
    alog_stats st = {.accepted = 99};
    alog_get_stats(NULL, &st);
    assert_int_equal(st.accepted, 99);
    assert_int_equal(alog_stop(NULL, ALOG_STOP_FLUSH), -1);
    alog_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_write_line_ends_up_in_file),
        AF_TEST(test_write_keeps_bytes_as_given),
        AF_TEST(test_write_lines_in_order_with_stats),
        AF_TEST(test_stats_count_bytes_in_and_out),
        AF_TEST(test_printf_long_line_is_formatted_whole),
        AF_TEST(test_write_rejects_null_and_too_long),
        AF_TEST(test_default_queue_takes_lines_up_to_2mib_less_24_bytes),
        AF_TEST(test_write_line_with_newline_reads_as_two_lines),
        AF_TEST(test_open_rejects_queue_over_2gib),
        AF_TEST(test_open_rejects_bad_options),
        AF_TEST(test_open_level_without_compression_changes_nothing),
        AF_TEST(test_open_creates_dir_with_parents),
        AF_TEST(test_default_clock_names_todays_file),
        AF_TEST(test_null_logger_calls_are_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
