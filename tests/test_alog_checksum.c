/* checksum = 1: every file the writer closes gets NAME.sha256 in sha256sum's format, equal to
 * what the sha256sum command says of the file, also after a restart that repaired the file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define SEC 1000000000LL

static void write_at(af_fixture *f, alog *lg, int64_t stamp, const char *line)
{
    atomic_store(&f->clock.now, stamp);
    assert_int_equal(alog_write(lg, line, strlen(line)), ALOG_OK);
}

/* What the sha256sum command prints for dir/name, run in dir. */
static void sha256sum_of(const af_fixture *f, const char *name, char *out, size_t cap)
{
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "cd '%s' && sha256sum '%s'", f->dir, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
}

/* NAME.sha256 exists and says what sha256sum says of NAME. */
static void assert_checksum(const af_fixture *f, const char *name)
{
    char sum_name[64], want[256];
    snprintf(sum_name, sizeof sum_name, "%s.sha256", name);
    char *have = af_read(f, sum_name, NULL);
    if (have == NULL)
        fail_msg("%s is missing", sum_name);
    sha256sum_of(f, name, want, sizeof want);
    assert_string_equal(have, want);
    free(have);
}

static int exists(const af_fixture *f, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return access(path, F_OK) == 0;
}

static void test_checksum_off_by_default(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 12, 0, 0), "a line");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 12, 0, 0), "another");
    alog_close(lg);
    assert_int_equal(tu_count_files(f->dir), 2);
}

static void test_checksum_of_each_file_at_stop_matches_sha256sum(void **state)
{
    af_fixture *f = *state;
    f->opt.checksum = 1;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 23, 59, 59), "last of the 24th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 0), "first of the 25th");
    alog_close(lg);
    assert_checksum(f, "20261124.txt");
    assert_checksum(f, "20261125.txt");
    assert_int_equal(tu_count_files(f->dir), 4); /* no temporary file left */
}

static void test_checksum_of_zstd_files_matches_sha256sum(void **state)
{
    af_fixture *f = *state;
    f->opt.checksum = 1;
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    f->opt.rollover = ALOG_ROLL_5SEC;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 9, 59, 59), "b");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 0), "c");
    alog_close(lg);
    assert_checksum(f, "20261125095911.txt.zst");
    assert_checksum(f, "2026112510000.txt.zst");
}

static void test_checksum_comes_once_the_period_is_over_and_again_after_a_late_line(void **state)
{
    af_fixture *f = *state;
    f->opt.checksum = 1;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 23, 59, 59), "the 24th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 1), "the 25th, 1 s in");
    assert_int_equal(alog_flush(lg), 0);
    assert_false(exists(f, "20261124.txt.sha256")); /* late lines may still come */
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 2), "the 25th, 2 s in");
    /* The writer closes the 24th's file at its next once-a-second look. */
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (!exists(f, "20261124.txt.sha256")) {
        assert_true(tu_mono_ns() < deadline);
        tu_pause();
    }
    assert_checksum(f, "20261124.txt");
    assert_false(exists(f, "20261125.txt.sha256")); /* still being written */

    /* A late line reopens the file: its checksum is written again when it closes. */
    assert_int_equal(alog_write_at(lg, tu_utc_ns(2026, 11, 24, 23, 59, 59), "late", 4), ALOG_OK);
    alog_close(lg);
    af_assert_file(f, "20261124.txt", "the 24th\nlate\n");
    assert_checksum(f, "20261124.txt");
    assert_checksum(f, "20261125.txt");
}

static void test_checksum_covers_an_earlier_process_and_a_repaired_tail(void **state)
{
    af_fixture *f = *state;
    f->opt.checksum = 1;
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 12, 0, 0), "before the crash");
    alog_close(lg);
    /* A crash in the middle of an append: half a frame more. */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/20261125.txt.zst", f->dir);
    size_t len;
    char *frame = af_read(f, "20261125.txt.zst", &len);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, frame, len / 2), (ssize_t)(len / 2));
    close(fd);
    free(frame);

    lg = alog_open(&f->opt);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 12, 0, 1), "after the restart");
    alog_close(lg);
    af_assert_zst(f, "20261125.txt.zst", "before the crash\nafter the restart\n");
    assert_checksum(f, "20261125.txt.zst");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_checksum_off_by_default),
        AF_TEST(test_checksum_of_each_file_at_stop_matches_sha256sum),
        AF_TEST(test_checksum_of_zstd_files_matches_sha256sum),
        AF_TEST(test_checksum_comes_once_the_period_is_over_and_again_after_a_late_line),
        AF_TEST(test_checksum_covers_an_earlier_process_and_a_repaired_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
