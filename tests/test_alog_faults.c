/* Faults of the disk never halt the caller: lines are counted lost, the error is reported,
 * no half line stays in a file, and logging resumes by itself once the cause is gone. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define LINE_BYTES 1000

/* A line of exactly LINE_BYTES bytes that names its number, so half lines show. */
static int write_numbered(alog *lg, long n)
{
    char line[LINE_BYTES];
    memset(line, '.', sizeof line);
    int k = snprintf(line, sizeof line, "L%08ld", n);
    line[k] = ' ';
    return alog_write(lg, line, sizeof line);
}

/* Every line in the file is complete; returns how many there are. */
static long complete_lines_in(const char *path)
{
    size_t len;
    char *text = tu_read_file(path, &len);
    if (text == NULL)
        return 0;
    assert_int_equal(len % (LINE_BYTES + 1), 0);
    for (size_t off = 0; off < len; off += LINE_BYTES + 1) {
        assert_int_equal(text[off], 'L');
        assert_int_equal(text[off + LINE_BYTES], '\n');
    }
    free(text);
    return (long)(len / (LINE_BYTES + 1));
}

/* Keep writing numbered lines until `written` exceeds `target` (bounded by a deadline). */
static long write_until_written(alog *lg, long n, uint64_t target)
{
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (af_stats(lg).written <= target) {
        assert_true(tu_mono_ns() < deadline);
        assert_int_equal(write_numbered(lg, n++), ALOG_OK);
        tu_pause();
    }
    return n;
}

static void test_fault_dir_through_regular_file_then_recovers(void **state)
{
    af_fixture *f = *state;
    af_block_dir(f);
    alog *lg = alog_open(&f->opt);
    assert_non_null(lg);

    long n = 0;
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (af_stats(lg).lost_io == 0 || atomic_load(&f->errors) == 0) {
        assert_true(tu_mono_ns() < deadline);
        assert_int_equal(write_numbered(lg, n++), ALOG_OK);
        tu_pause();
    }
    assert_int_equal(atomic_load(&f->last_errno), ENOTDIR);
    assert_true(af_stats(lg).io_errors >= 1);

    unlink(f->blocker); /* the cause goes: the writer creates file/logs itself */
    n = write_until_written(lg, n, 0);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    af_assert_identity(&st);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/20261125.txt", f->blocked);
    assert_true(complete_lines_in(path) == (long)st.written);
}

static void test_fault_dir_deleted_while_running_is_recreated(void **state)
{
    af_fixture *f = *state;
    char dir[PATH_MAX + 16], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/logs", f->dir);
    snprintf(path, sizeof path, "%s/20261125.txt", dir);
    f->opt.dir = dir;
    alog *lg = alog_open(&f->opt);
    long n = write_until_written(lg, 0, 0);
    tu_rm_rf(dir);
    /* Lines go on; within about a second the writer notices and recreates the file. */
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (complete_lines_in(path) == 0) {
        assert_true(tu_mono_ns() < deadline);
        assert_int_equal(write_numbered(lg, n++), ALOG_OK);
        tu_pause();
    }
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    af_assert_identity(&st);
    assert_true(st.files_opened >= 2);
    assert_true(complete_lines_in(path) >= 1);
}

static void test_fault_enospc_leaves_no_half_line_and_recovers(void **state)
{
    af_fixture *f = *state;
    char mnt[PATH_MAX + 16], path[PATH_MAX + 32];
    snprintf(mnt, sizeof mnt, "%s/small", f->dir);
    mkdir(mnt, 0755);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
        fprintf(stderr, "skipped: cannot mount a small tmpfs here (%s)\n", strerror(errno));
        skip();
    }
    snprintf(path, sizeof path, "%s/20261125.txt", mnt);
    f->opt.dir = mnt;
    alog *lg = alog_open(&f->opt);
    long n = 0;
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    /* Both: the writer counts a loss before it reports it through on_error. */
    while (af_stats(lg).lost_io == 0 || atomic_load(&f->errors) == 0) {
        assert_true(tu_mono_ns() < deadline);
        if (af_stats(lg).lost_io == 0)
            assert_int_equal(write_numbered(lg, n++), ALOG_OK);
        if (n % 16 == 0)
            tu_pause();
    }
    assert_int_equal(atomic_load(&f->last_errno), ENOSPC);
    uint64_t written_full = af_stats(lg).written;
    assert_true(complete_lines_in(path) == (long)written_full);

    assert_int_equal(truncate(path, 0), 0); /* space comes back */
    write_until_written(lg, n, written_full);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    af_assert_identity(&st);
    assert_true(complete_lines_in(path) >= 1);
    umount(mnt);
}

static void test_fault_efbig_child_exits_normally(void **state)
{
    af_fixture *f = *state;
    char dir[PATH_MAX + 16], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/big", f->dir);
    snprintf(path, sizeof path, "%s/20261125.txt", dir);
    f->opt.dir = dir;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* 50 and a half lines fit: the 51st is cut by the limit and must be truncated away. */
        struct rlimit rl = {50 * (LINE_BYTES + 1) + 500, 50 * (LINE_BYTES + 1) + 500};
        setrlimit(RLIMIT_FSIZE, &rl);
        f->opt.block_when_full = 1;
        alog *lg = alog_open(&f->opt);
        for (long i = 0; i < 200; i++)
            write_numbered(lg, i);
        alog_stop(lg, ALOG_STOP_FLUSH);
        alog_stats st = af_stats(lg);
        alog_close(lg);
        int ok = st.accepted == 200 && st.lost_io > 0 && st.written == 50 &&
                 st.accepted == st.written + st.discarded + st.lost_io &&
                 atomic_load(&f->last_errno) == EFBIG;
        _exit(ok ? 0 : 3);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status)); /* not killed by SIGXFSZ */
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(complete_lines_in(path), 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_fault_dir_through_regular_file_then_recovers),
        AF_TEST(test_fault_dir_deleted_while_running_is_recreated),
        AF_TEST(test_fault_enospc_leaves_no_half_line_and_recovers),
        AF_TEST(test_fault_efbig_child_exits_normally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
