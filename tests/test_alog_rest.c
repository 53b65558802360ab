/* The writer's rest between passes (alog_rest.h), driven by a clock of the test's own: how
 * often an idle writer wakes, and that lines or a flush keep it from sleeping deep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alog_rest.h"

#define MS  1000000LL
#define SEC 1000000000LL

/* A writer as alog_writer.c runs it, on a simulated clock: each pass takes `pass_ns`, finds
 * `lines(since, now)` lane bytes (what came since the last pass), and a rest lasts its whole
 * timeout (nobody wakes it). */
typedef struct sim {
    int64_t now;
    int64_t idle_since;
    int64_t pass_ns;
    long naps, deep, passes; /* rests of each kind, and passes, counted from `count_from` */
    int64_t count_from;
    int flush_pending, flushing;
} sim;

static void run(sim *s, int64_t until, uint64_t (*lines)(int64_t since, int64_t now))
{
    int64_t looked = s->now; /* when the last pass looked at the lanes */
    while (s->now < until) {
        s->now += s->pass_ns;
        uint64_t progress = lines(looked, s->now);
        looked = s->now;
        alog__rest r =
            alog__rest_after_pass(&s->idle_since, s->now, progress, s->flush_pending, s->flushing);
        int counted = s->now >= s->count_from;
        s->passes += counted;
        if (r == ALOG__REST_NAP) {
            s->now += ALOG__NAP_NS;
            s->naps += counted;
        } else if (r == ALOG__REST_DEEP) {
            s->now += ALOG__DEEP_SLEEP_NS;
            s->deep += counted;
        }
    }
}

static uint64_t nothing(int64_t since, int64_t now)
{
    (void)since;
    (void)now;
    return 0;
}

/* A line of 120 bytes in every millisecond: a trickle. */
static uint64_t trickle(int64_t since, int64_t now)
{
    return (uint64_t)(now / MS - since / MS) * 120;
}

static uint64_t flood(int64_t since, int64_t now)
{
    (void)since;
    (void)now;
    return 1u << 20;
}

static void test_idle_writer_wakes_at_most_20_times_a_second(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000, .count_from = 1 * SEC};
    run(&s, 11 * SEC, nothing);
    long per_second = s.passes / 10;
    print_message("idle writer: %ld wake-ups a second (%ld deep sleeps, %ld naps in 10 s)\n",
                  per_second, s.deep, s.naps);
    assert_true(per_second <= 20);
    assert_int_equal(s.naps, 0); /* long idle: only deep sleeps */
}

static void test_writer_naps_for_its_first_20_ms_of_idleness_then_sleeps_deep(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000};
    run(&s, ALOG__DEEP_AFTER_NS + 2 * ALOG__DEEP_SLEEP_NS, nothing);
    /* About one nap per ms until DEEP_AFTER, then deep sleeps only. */
    assert_true(s.naps >= ALOG__DEEP_AFTER_NS / (ALOG__NAP_NS + s.pass_ns));
    assert_true(s.naps <= ALOG__DEEP_AFTER_NS / ALOG__NAP_NS + 1);
    assert_true(s.deep >= 2);
}

static void test_writer_never_sleeps_deep_while_lines_trickle_in(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000};
    run(&s, 2 * SEC, trickle);
    assert_int_equal(s.deep, 0);
    assert_true(s.naps > 0);
}

static void test_writer_goes_on_at_once_while_passes_are_long(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000};
    run(&s, 100 * MS, flood);
    assert_int_equal(s.naps + s.deep, 0);
}

static void test_writer_goes_on_at_once_for_a_waiting_flush(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000, .flush_pending = 1};
    run(&s, 1 * SEC, nothing);
    assert_int_equal(s.naps + s.deep, 0);
}

static void test_writer_serving_a_flush_naps_but_never_sleeps_deep(void **state)
{
    (void)state;
    sim s = {.pass_ns = 20000, .flushing = 1};
    run(&s, 1 * SEC, nothing);
    assert_int_equal(s.deep, 0);
    assert_true(s.naps > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_writer_wakes_at_most_20_times_a_second),
        cmocka_unit_test(test_writer_naps_for_its_first_20_ms_of_idleness_then_sleeps_deep),
        cmocka_unit_test(test_writer_never_sleeps_deep_while_lines_trickle_in),
        cmocka_unit_test(test_writer_goes_on_at_once_while_passes_are_long),
        cmocka_unit_test(test_writer_goes_on_at_once_for_a_waiting_flush),
        cmocka_unit_test(test_writer_serving_a_flush_naps_but_never_sleeps_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
