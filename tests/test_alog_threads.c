/* Several producers: each thread's order is kept and the totals are exact, also when lines
 * are dropped because the queue is full. */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define LINES_PER_THREAD 100000

typedef struct producer {
    alog *lg;
    int id;
    long ok, full;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (long i = 0; i < LINES_PER_THREAD; i++) {
        int rc = alog_printf(p->lg, "t%d %ld", p->id, i);
        if (rc == ALOG_OK)
            p->ok++;
        else if (rc == ALOG_EFULL)
            p->full++;
    }
    return NULL;
}

/* Each thread's sequence numbers appear increasing; returns how many lines each wrote. */
static void check_order(const char *path, long seen[2])
{
    char *text = tu_read_file(path, NULL);
    assert_non_null(text);
    long last[2] = {-1, -1};
    seen[0] = seen[1] = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int id;
        long n;
        assert_int_equal(sscanf(line, "t%d %ld", &id, &n), 2);
        assert_true(id == 0 || id == 1);
        assert_true(n > last[id]);
        last[id] = n;
        seen[id]++;
    }
    free(text);
}

static void run_two(alog *lg, producer p[2])
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        p[i] = (producer){.lg = lg, .id = i};
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}

static void test_threads_keep_order_and_lose_nothing_when_blocking(void **state)
{
    af_fixture *f = *state;
    f->opt.block_when_full = 1;
    f->opt.queue_bytes = 64 * 1024; /* small: the producers wait for room often */
    alog *lg = alog_open(&f->opt);
    producer p[2];
    run_two(lg, p);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st;
    alog_get_stats(lg, &st);
    alog_close(lg);
    assert_int_equal(p[0].ok + p[1].ok, 2 * LINES_PER_THREAD);
    assert_int_equal(st.accepted, 2 * LINES_PER_THREAD);
    assert_int_equal(st.written, 2 * LINES_PER_THREAD);
    assert_int_equal(st.dropped_full, 0);
    long seen[2];
    check_order(f->path, seen);
    assert_int_equal(seen[0], LINES_PER_THREAD);
    assert_int_equal(seen[1], LINES_PER_THREAD);
}

static void test_threads_drop_mode_accounting_is_exact(void **state)
{
    af_fixture *f = *state;
    f->opt.queue_bytes = 4096; /* tiny: many lines are refused */
    alog *lg = alog_open(&f->opt);
    producer p[2];
    run_two(lg, p);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st;
    alog_get_stats(lg, &st);
    alog_close(lg);
    for (int i = 0; i < 2; i++)
        assert_int_equal(p[i].ok + p[i].full, LINES_PER_THREAD);
    assert_true(st.accepted == (uint64_t)(p[0].ok + p[1].ok));
    assert_true(st.dropped_full == (uint64_t)(p[0].full + p[1].full));
    assert_true(st.written == st.accepted);
    assert_true(st.accepted == st.written + st.discarded + st.lost_io);
    long seen[2];
    check_order(f->path, seen);
    assert_int_equal(seen[0], p[0].ok);
    assert_int_equal(seen[1], p[1].ok);
}

static void test_threads_never_refused_while_queue_has_room(void **state)
{
    af_fixture *f = *state;
    f->opt.queue_bytes = 16u << 20; /* every line of the run fits at once */
    alog *lg = alog_open(&f->opt);
    producer p[2];
    run_two(lg, p);
    alog_close(lg);
    assert_int_equal(p[0].full + p[1].full, 0);
    assert_int_equal(p[0].ok + p[1].ok, 2 * LINES_PER_THREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_threads_keep_order_and_lose_nothing_when_blocking),
        AF_TEST(test_threads_drop_mode_accounting_is_exact),
        AF_TEST(test_threads_never_refused_while_queue_has_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
