/* The default clock stays with CLOCK_REALTIME, never runs backwards on a thread, and can be
 * re-synced while other threads read it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "alog_clock.h"

#define CLOSE_NS 1000000LL /* 1 ms: far above the calibration error, far below a file period */

static int64_t realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The clock read between two real-time readings lies between them, give or take CLOSE_NS. */
static void assert_tracks_realtime(void)
{
    for (int i = 0; i < 10000; i++) {
        int64_t before = realtime();
        int64_t now = alog__clock_now();
        int64_t after = realtime();
        assert_true(now >= before - CLOSE_NS);
        assert_true(now <= after + CLOSE_NS);
    }
}

static void test_clock_tracks_realtime(void **state)
{
    (void)state;
    alog__clock_init();
    assert_tracks_realtime();
}

static void test_clock_tracks_realtime_after_resync(void **state)
{
    (void)state;
    alog__clock_init();
    for (int i = 0; i < 5; i++) {
        alog__clock_resync();
        assert_tracks_realtime();
    }
}

static void test_clock_never_goes_backwards_on_a_thread(void **state)
{
    (void)state;
    alog__clock_init();
    int64_t last = alog__clock_now();
    for (int i = 0; i < 1000000; i++) {
        int64_t now = alog__clock_now();
        assert_true(now >= last);
        last = now;
    }
}

static atomic_int readers_done;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200000; i++) {
        int64_t before = realtime();
        int64_t now = alog__clock_now();
        int64_t after = realtime();
        if (now < before - CLOSE_NS || now > after + CLOSE_NS)
            return (void *)1;
    }
    atomic_fetch_add(&readers_done, 1);
    return NULL;
}

static void test_clock_resync_while_threads_read(void **state)
{
    (void)state;
    alog__clock_init();
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
    /* Re-sync as often as possible while the readers run; a reader that fails exits early
     * without counting itself done, so the bound on rounds ends the loop. */
    for (int rounds = 0; atomic_load(&readers_done) < 2 && rounds < 200000; rounds++)
        alog__clock_resync();
    for (int i = 0; i < 2; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_tracks_realtime),
        cmocka_unit_test(test_clock_tracks_realtime_after_resync),
        cmocka_unit_test(test_clock_never_goes_backwards_on_a_thread),
        cmocka_unit_test(test_clock_resync_while_threads_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
