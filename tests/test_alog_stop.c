/* Both stops: flush writes everything, now discards and returns; afterwards writes are
 * refused and counted. */
#include <limits.h>
#include <pthread.h>
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

static void test_stop_flush_writes_everything(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(alog_printf(lg, "flush me %d", i), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st;
    alog_get_stats(lg, &st);
    assert_int_equal(st.accepted, 20000);
    assert_int_equal(st.written, 20000);
    af_assert_identity(&st);
    assert_int_equal(tu_count_lines(f->path), 20000);
    alog_close(lg);
}

static void *stop_now(void *arg)
{
    return (void *)(intptr_t)alog_stop(arg, ALOG_STOP_NOW);
}

static void test_stop_now_discards_queue(void **state)
{
    af_fixture *f = *state;
    /* The directory runs through a regular file: the first line's open fails and the
     * writer is held in on_error while more lines queue up behind it. */
    af_block_dir(f);
    af_hold_writer(f);
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "first", 5), ALOG_OK);
    af_wait_held(f);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(alog_printf(lg, "queued %d", i), ALOG_OK);

    pthread_t t;
    pthread_create(&t, NULL, stop_now, lg);
    /* Once writes are refused the stop has begun; then let the writer go on. */
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    uint64_t late_ok = 0;
    for (int rc; (rc = alog_write(lg, "late", 4)) != ALOG_ESTOPPED;) {
        late_ok += rc == ALOG_OK;
        assert_true(tu_mono_ns() < deadline);
        tu_pause();
    }
    af_release(f);
    void *rc;
    pthread_join(t, &rc);
    assert_int_equal((intptr_t)rc, 0);

    alog_stats st;
    alog_get_stats(lg, &st);
    assert_int_equal(st.accepted, 1001 + late_ok);
    assert_true(st.dropped_stopped >= 1);
    assert_int_equal(st.lost_io, 1);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.discarded, st.accepted - 1);
    assert_true(st.discarded >= 1000);
    af_assert_identity(&st);
    alog_close(lg);
}

static void test_writes_after_stop_are_refused_and_counted(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_write(lg, "before", 6), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    assert_int_equal(alog_write(lg, "after", 5), ALOG_ESTOPPED);
    assert_int_equal(alog_printf(lg, "after %d", 2), ALOG_ESTOPPED);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), -1);
    assert_int_equal(alog_stop(lg, ALOG_STOP_NOW), -1);
    alog_stats st;
    alog_get_stats(lg, &st);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.written, 1);
    assert_int_equal(st.dropped_stopped, 2);
    af_assert_identity(&st);
    alog_close(lg);
    assert_int_equal(tu_count_lines(f->path), 1);
}

static void test_stop_now_on_idle_logger_returns(void **state)
{
    af_fixture *f = *state;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(alog_stop(lg, ALOG_STOP_NOW), 0);
    assert_int_equal(alog_write(lg, "x", 1), ALOG_ESTOPPED);
    alog_close(lg);
}

typedef struct producer {
    alog *lg;
    long ok;      /* ALOG_OK results */
    long refused; /* ALOG_ESTOPPED results */
} producer;

static atomic_long total_ok;

static void *produce_until_stopped(void *arg)
{
    producer *p = arg;
    for (long i = 0;; i++) {
        int rc = alog_printf(p->lg, "p%p %ld", (void *)p, i);
        if (rc == ALOG_OK) {
            p->ok++;
            atomic_fetch_add(&total_ok, 1);
        } else if (rc == ALOG_ESTOPPED) {
            if (++p->refused == 100)
                return NULL;
        }
    }
}

static void test_stop_while_threads_write(void **state)
{
    af_fixture *f = *state;
    f->opt.block_when_full = 1;
    alog *lg = alog_open(&f->opt);
    producer p[2] = {{.lg = lg}, {.lg = lg}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, produce_until_stopped, &p[i]);
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (atomic_load(&total_ok) < 50000 && tu_mono_ns() < deadline)
        tu_pause();
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    alog_stats st;
    alog_get_stats(lg, &st);
    assert_true(st.accepted == (uint64_t)(p[0].ok + p[1].ok));
    assert_true(st.dropped_stopped == (uint64_t)(p[0].refused + p[1].refused));
    assert_true(st.written == st.accepted);
    af_assert_identity(&st);
    assert_true(tu_count_lines(f->path) == (long)st.written);
    alog_close(lg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_stop_flush_writes_everything),
        AF_TEST(test_stop_now_discards_queue),
        AF_TEST(test_writes_after_stop_are_refused_and_counted),
        AF_TEST(test_stop_now_on_idle_logger_returns),
        AF_TEST(test_stop_while_threads_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
