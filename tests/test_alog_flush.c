/* alog_flush: lines accepted before the call are in their files when it returns. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define THREADS        4
#define LINES_PER_CALL 20000

static void test_flush_waits_for_lines_the_writer_has_not_taken(void **state)
{
    af_fixture *f = *state;
    af_hold_writer(f);
    f->opt.queue_bytes = 64u << 20;
    alog *lg = alog_open(&f->opt);
    /* A line with no file makes the writer report it, and hold there. */
    assert_int_equal(alog_write_at(lg, -1, "no file", 7), ALOG_OK);
    af_wait_held(f);
    for (int i = 0; i < 10 * LINES_PER_CALL; i++)
        assert_int_equal(alog_printf(lg, "queued line %d", i), ALOG_OK);
    af_release(f);
    errno = 0;
    assert_int_equal(alog_flush(lg), -1); /* the line without a file was lost */
    assert_int_equal(errno, EOVERFLOW);
    assert_int_equal(tu_count_lines(f->path), 10 * LINES_PER_CALL);
    assert_int_equal(alog_flush(lg), 0); /* that loss was reported once */
    alog_close(lg);
}

static void test_flush_returns_with_every_line_in_the_file(void **state)
{
    af_fixture *f = *state;
    f->opt.block_when_full = 1;
    alog *lg = alog_open(&f->opt);
    for (int round = 1; round <= 3; round++) {
        for (int i = 0; i < 5 * LINES_PER_CALL; i++)
            assert_int_equal(alog_printf(lg, "round %d line %d", round, i), ALOG_OK);
        assert_int_equal(alog_flush(lg), 0);
        /* Still running: only the flush can have put them all there already. */
        assert_int_equal(tu_count_lines(f->path), round * 5 * LINES_PER_CALL);
        alog_stats st;
        alog_get_stats(lg, &st);
        assert_true(st.written == (uint64_t)round * 5 * LINES_PER_CALL);
    }
    alog_close(lg);
}

typedef struct flusher_arg {
    alog *lg;
    const char *dir;
    int id;
    int failures;
} flusher_arg;

static void *write_then_flush(void *p)
{
    flusher_arg *a = p;
    char last[64];
    for (int i = 0; i < LINES_PER_CALL; i++)
        alog_printf(a->lg, "thread %d line %d", a->id, i);
    snprintf(last, sizeof last, "thread %d line %d\n", a->id, LINES_PER_CALL - 1);
    if (alog_flush(a->lg) != 0)
        a->failures++;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/20261125.txt", a->dir);
    char *text = tu_read_file(path, NULL);
    if (text == NULL || strstr(text, last) == NULL)
        a->failures++;
    free(text);
    return NULL;
}

static void test_flush_from_several_threads_covers_each_callers_lines(void **state)
{
    af_fixture *f = *state;
    f->opt.block_when_full = 1;
    alog *lg = alog_open(&f->opt);
    pthread_t t[THREADS];
    flusher_arg a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (flusher_arg){.lg = lg, .dir = f->dir, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, write_then_flush, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].failures, 0);
    }
    alog_close(lg);
    assert_int_equal(tu_count_lines(f->path), THREADS * LINES_PER_CALL);
}

static void test_flush_reports_lines_lost_to_io_once(void **state)
{
    af_fixture *f = *state;
    af_block_dir(f);
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "lost", 4), ALOG_OK);
    errno = 0;
    assert_int_equal(alog_flush(lg), -1);
    assert_int_equal(errno, ENOTDIR);
    unlink(f->blocker);
    /* The cause is gone and the loss was reported: the next flush is clean. The writer may
     * still wait up to 100 ms before it tries to open the file again: that is a loss too. */
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    for (;;) {
        assert_true(tu_mono_ns() < deadline);
        assert_int_equal(alog_write(lg, "kept", 4), ALOG_OK);
        if (alog_flush(lg) == 0)
            break;
        tu_pause();
    }
    alog_close(lg);
}

static void test_flush_idle_stopped_and_null(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    int64_t t0 = tu_mono_ns();
    assert_int_equal(alog_flush(lg), 0); /* nothing accepted: nothing to wait for */
    assert_true(tu_mono_ns() - t0 < 1000000000LL);
    assert_int_equal(alog_write(lg, "a", 1), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    assert_int_equal(alog_flush(lg), 0);
    alog_close(lg);
    errno = 0;
    assert_int_equal(alog_flush(NULL), -1);
    assert_int_equal(errno, EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_flush_waits_for_lines_the_writer_has_not_taken),
        AF_TEST(test_flush_returns_with_every_line_in_the_file),
        AF_TEST(test_flush_from_several_threads_covers_each_callers_lines),
        AF_TEST(test_flush_reports_lines_lost_to_io_once),
        AF_TEST(test_flush_idle_stopped_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
