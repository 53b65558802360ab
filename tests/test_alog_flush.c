/* alog_flush: lines accepted before the call are in their files when it returns. */
#include <errno.h>
#include <fcntl.h>
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
#include "test_util.h"

#define THREADS        4
#define LINES_PER_CALL 20000

typedef struct fixture {
    char dir[PATH_MAX];
    tu_clock clock;
    alog_options opt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int held;    /* the writer waits in on_error */
    int release; /* let it go */
} fixture;

/* on_error that holds the writer until the test releases it, so lines pile up unwritten. */
static void holding_on_error(void *ctx, int errnum, const char *what)
{
    (void)errnum;
    (void)what;
    fixture *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->held = 1;
    pthread_cond_broadcast(&f->cv);
    while (!f->release)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tu_mkdtemp(f->dir, sizeof f->dir);
    atomic_store(&f->clock.now, tu_utc_ns(2026, 11, 25, 12, 0, 0));
    f->opt.dir = f->dir;
    f->opt.rollover = ALOG_ROLL_DAILY;
    f->opt.utc = 1;
    f->opt.clock = tu_clock_read;
    f->opt.clock_ctx = &f->clock;
    f->opt.block_when_full = 1;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tu_rm_rf(f->dir);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return 0;
}

static long lines_of_day(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/20261125.txt", dir);
    return tu_count_lines(path);
}

static void test_flush_waits_for_lines_the_writer_has_not_taken(void **state)
{
    fixture *f = *state;
    f->opt.on_error = holding_on_error;
    f->opt.error_ctx = f;
    f->opt.queue_bytes = 64u << 20;
    alog *lg = alog_open(&f->opt);
    /* A line with no file makes the writer report it, and hold there. */
    assert_int_equal(alog_write_at(lg, -1, "no file", 7), ALOG_OK);
    pthread_mutex_lock(&f->mu);
    while (!f->held)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
    for (int i = 0; i < 10 * LINES_PER_CALL; i++)
        assert_int_equal(alog_printf(lg, "queued line %d", i), ALOG_OK);
    pthread_mutex_lock(&f->mu);
    f->release = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    errno = 0;
    assert_int_equal(alog_flush(lg), -1); /* the line without a file was lost */
    assert_int_equal(errno, EOVERFLOW);
    assert_int_equal(lines_of_day(f->dir), 10 * LINES_PER_CALL);
    assert_int_equal(alog_flush(lg), 0); /* that loss was reported once */
    alog_close(lg);
}

static void test_flush_returns_with_every_line_in_the_file(void **state)
{
    fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    for (int round = 1; round <= 3; round++) {
        for (int i = 0; i < 5 * LINES_PER_CALL; i++)
            assert_int_equal(alog_printf(lg, "round %d line %d", round, i), ALOG_OK);
        assert_int_equal(alog_flush(lg), 0);
        /* Still running: only the flush can have put them all there already. */
        assert_int_equal(lines_of_day(f->dir), round * 5 * LINES_PER_CALL);
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
    fixture *f = *state;
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
    assert_int_equal(lines_of_day(f->dir), THREADS * LINES_PER_CALL);
}

static void test_flush_reports_lines_lost_to_io_once(void **state)
{
    fixture *f = *state;
    char blocker[PATH_MAX + 8], dir[PATH_MAX + 16];
    snprintf(blocker, sizeof blocker, "%s/file", f->dir);
    snprintf(dir, sizeof dir, "%s/logs", blocker);
    close(open(blocker, O_CREAT | O_WRONLY, 0644));
    f->opt.dir = dir;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "lost", 4), ALOG_OK);
    errno = 0;
    assert_int_equal(alog_flush(lg), -1);
    assert_int_equal(errno, ENOTDIR);
    unlink(blocker);
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
    fixture *f = *state;
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
        cmocka_unit_test_setup_teardown(test_flush_waits_for_lines_the_writer_has_not_taken, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_returns_with_every_line_in_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_from_several_threads_covers_each_callers_lines,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_reports_lines_lost_to_io_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_idle_stopped_and_null, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
