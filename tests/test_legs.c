/* The merge of two legs in front of sync: first arrival applies, holds bounded and exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "legs.h"
#include "test_util.h"

#define MS 1000000LL

/* What sync asked the hooks to do, as text: "applied 101-105@7;loaded 100;resync gap;" with
 * the record's stamp in ms after "@". */
static char log_[65536];

static void applied(void *ctx, const sync_symbol *s, const depth_event *ev, int64_t ns)
{
    (void)ctx, (void)s;
    tu_appendf(log_, sizeof log_, "applied %llu-%llu@%lld;", (unsigned long long)ev->first_id,
               (unsigned long long)ev->last_id, (long long)(ns / MS));
}

static void loaded(void *ctx, const sync_symbol *s, uint64_t last_id, int64_t ns)
{
    (void)ctx, (void)s, (void)ns;
    tu_appendf(log_, sizeof log_, "loaded %llu;", (unsigned long long)last_id);
}

static void resync(void *ctx, const sync_symbol *s, const char *reason, int64_t ns)
{
    (void)ctx, (void)s, (void)ns;
    tu_appendf(log_, sizeof log_, "resync %s;", reason);
}

static void want(void *ctx, const sync_symbol *s)
{
    (void)ctx, (void)s;
    tu_appendf(log_, sizeof log_, "want;");
}

static const sync_hooks hooks = {NULL, applied, loaded, resync, want};

typedef struct fixture {
    sync_symbol s;
    legs_symbol l;
} fixture;

static depth_level lv[1];
static char pxs[24];

/* Event U..u (futures: with pu) setting the bid at `px`, from any leg, received at ms. */
static int feed_pu(fixture *f, uint64_t first, uint64_t last, uint64_t pu, int px, int64_t ms)
{
    snprintf(pxs, sizeof pxs, "%d", px);
    lv[0] = (depth_level){(int64_t)px * DEC_SCALE, 0, pxs, strlen(pxs), "1", 1};
    depth_event e = {.symbol = "BTCUSDT",
                     .first_id = first,
                     .last_id = last,
                     .prev_id = pu,
                     .has_prev = pu != 0,
                     .bids = lv,
                     .n_bids = 1};
    int rc = legs_event_in(&f->l, &f->s, &hooks, &e, ms * MS);
    /* The held copy must not point into the caller's event. */
    memset(pxs, 'x', sizeof pxs - 1);
    return rc;
}

static void feed(fixture *f, uint64_t first, uint64_t last, int64_t ms)
{
    assert_int_equal(feed_pu(f, first, last, 0, (int)last, ms), 0);
}

static void load(fixture *f, uint64_t last_id)
{
    static depth_level bid = {50 * DEC_SCALE, 0, "50", 2, "9", 1};
    depth_snapshot sn = {.last_id = last_id, .bids = &bid, .n_bids = 1};
    assert_int_equal(sync_snapshot_in(&f->s, &hooks, &sn, 0), 0);
}

static int setup(void **state)
{
    static fixture f;
    sync_init(&f.s, "BTCUSDT");
    legs_init(&f.l);
    log_[0] = '\0';
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    legs_free(&f->l);
    sync_free(&f->s);
    return 0;
}

/* Connected, snapshot 100 loaded and confirmed by 101-105: the log starts empty. */
static fixture *live(void **state)
{
    fixture *f = *state;
    sync_connected(&f->s, &hooks);
    feed(f, 101, 105, 0);
    load(f, 100);
    assert_string_equal(log_, "want;loaded 100;applied 101-105@0;");
    log_[0] = '\0';
    return f;
}

static void test_legs_first_arrival_applies_the_other_is_a_duplicate(void **state)
{
    fixture *f = live(state);
    feed(f, 106, 110, 1); /* leg a */
    feed(f, 106, 110, 2); /* leg b */
    feed(f, 111, 115, 3); /* leg b first this time */
    feed(f, 111, 115, 3); /* leg a */
    feed(f, 101, 105, 4); /* leg b, late: older than the book */
    assert_string_equal(log_, "applied 106-110@1;applied 111-115@3;");
    assert_int_equal(f->l.stats.duplicates, 3);
    assert_int_equal(f->s.stats.duplicates, 0); /* sync never saw them */
    assert_int_equal(f->s.stats.resyncs, 0);
}

static void test_legs_gap_is_held_until_the_other_leg_brings_the_missing_ids(void **state)
{
    fixture *f = live(state);
    feed(f, 111, 115, 10); /* leg a lost 106-110 */
    feed(f, 116, 120, 20); /* leg a goes on */
    assert_string_equal(log_, "");
    assert_int_equal(legs_held_count(&f->l), 2);
    feed(f, 106, 110, 30); /* leg b has it */
    /* In id order, the held ones stamped when they could be applied. */
    assert_string_equal(log_, "applied 106-110@30;applied 111-115@30;applied 116-120@30;");
    feed(f, 111, 115, 31); /* leg b's copies of the held ones */
    feed(f, 116, 120, 32);
    feed(f, 121, 125, 33);
    assert_string_equal(log_, "applied 106-110@30;applied 111-115@30;applied 116-120@30;"
                              "applied 121-125@33;");
    assert_int_equal(legs_held_count(&f->l), 0);
    assert_int_equal(f->l.stats.held, 2);
    assert_int_equal(f->l.stats.filled, 1);
    assert_int_equal(f->s.stats.resyncs, 0);
    /* The held copies kept their own levels (the caller's strings were overwritten). */
    assert_string_equal(book_level_at(&f->s.book, BOOK_BID, 0)->px, "125");
    assert_string_equal(book_level_at(&f->s.book, BOOK_BID, 1)->px, "120");
}

static void test_legs_held_events_are_applied_in_id_order_whatever_leg_they_came_on(void **state)
{
    fixture *f = live(state);
    feed(f, 116, 120, 1); /* leg a lost 106-115 */
    feed(f, 111, 115, 2); /* leg b lost 106-110 and is behind */
    feed(f, 116, 120, 3); /* leg b: the same as a held one */
    assert_int_equal(legs_held_count(&f->l), 2);
    assert_int_equal(f->l.stats.duplicates, 1);
    feed(f, 106, 110, 4);
    assert_string_equal(log_, "applied 106-110@4;applied 111-115@4;applied 116-120@4;");
}

static void test_legs_partly_filled_hold_keeps_waiting_for_the_rest(void **state)
{
    fixture *f = live(state);
    feed(f, 111, 115, 10);
    feed(f, 121, 125, 20);
    feed(f, 106, 110, 30); /* fills the first hole, not the second */
    assert_string_equal(log_, "applied 106-110@30;applied 111-115@30;");
    assert_int_equal(legs_held_count(&f->l), 1);
    /* The remaining hold counts from its own arrival (20 ms): not expired at 1019 ms. */
    legs_tick(&f->l, &f->s, &hooks, 1019 * MS);
    assert_int_equal(legs_held_count(&f->l), 1);
    feed(f, 116, 120, 1019);
    assert_string_equal(log_, "applied 106-110@30;applied 111-115@30;"
                              "applied 116-120@1019;applied 121-125@1019;");
    assert_int_equal(f->s.stats.resyncs, 0);
}

static void test_legs_hold_expires_by_receive_time_then_sync_resyncs(void **state)
{
    fixture *f = live(state);
    feed(f, 111, 115, 100);
    legs_tick(&f->l, &f->s, &hooks, 1099 * MS); /* 999 ms: still waiting */
    assert_string_equal(log_, "");
    assert_int_equal(legs_held_count(&f->l), 1);
    legs_tick(&f->l, &f->s, &hooks, 1100 * MS); /* 1 s: neither leg had it */
    assert_string_equal(log_, "resync gap;want;");
    assert_int_equal(legs_held_count(&f->l), 0);
    assert_int_equal(f->l.stats.expired, 1);
    assert_int_equal(f->s.stats.resyncs, 1);
    /* The missing event now comes too late: the merge has moved past it. */
    feed(f, 106, 110, 1200);
    assert_int_equal(f->l.stats.duplicates, 1);
    assert_string_equal(log_, "resync gap;want;");
}

static void test_legs_hold_expires_on_the_next_event_too(void **state)
{
    fixture *f = live(state);
    feed(f, 111, 115, 0);
    feed(f, 116, 120, 999);
    assert_string_equal(log_, "");
    feed(f, 121, 125, 1000); /* the oldest held waited 1 s */
    assert_string_equal(log_, "resync gap;want;");
    assert_int_equal(f->l.stats.expired, 1);
    /* All three went to sync in order, stamped when given up: the gap one and the rest
     * buffered for the snapshot. */
    assert_int_equal(f->s.buf_n, 3);
    load(f, 118);
    assert_string_equal(log_, "resync gap;want;loaded 118;applied 116-120@1000;"
                              "applied 121-125@1000;");
}

static void test_legs_hold_is_bounded_in_count(void **state)
{
    fixture *f = live(state);
    uint64_t u = 110; /* 106..110 never comes */
    for (int i = 0; i < LEGS_HOLD_MAX; i++, u += 5)
        feed(f, u + 1, u + 5, 1);
    assert_int_equal(legs_held_count(&f->l), LEGS_HOLD_MAX);
    assert_string_equal(log_, "");
    feed(f, u + 1, u + 5, 2); /* one more than the bound: given up */
    assert_int_equal(legs_held_count(&f->l), 0);
    assert_int_equal(f->l.stats.overflowed, 1);
    assert_int_equal(f->s.stats.resyncs, 1);
    assert_int_equal(f->s.buf_n, LEGS_HOLD_MAX + 1); /* every held event reached sync */
}

static void test_legs_hold_of_zero_passes_a_gap_at_once(void **state)
{
    fixture *f = live(state);
    legs_set_hold(&f->l, 0);
    feed(f, 111, 115, 1);
    assert_string_equal(log_, "resync gap;want;");
    assert_int_equal(f->l.stats.held, 0);
}

static void test_legs_events_reach_the_loading_buffer_in_order(void **state)
{
    fixture *f = *state;
    sync_connected(&f->s, &hooks);
    feed(f, 1, 5, 1);   /* leg a */
    feed(f, 11, 15, 2); /* leg a lost 6-10: held, not buffered out of order */
    feed(f, 1, 5, 3);   /* leg b */
    feed(f, 6, 10, 4);  /* leg b */
    load(f, 3);
    assert_string_equal(log_, "want;loaded 3;applied 1-5@1;applied 6-10@4;applied 11-15@4;");
    assert_int_equal(f->s.stats.resyncs, 0);
}

static void test_legs_futures_links_by_pu(void **state)
{
    fixture *f = *state;
    legs_set_rule(&f->l, SYNC_RULE_FUTURES);
    sync_set_rule(&f->s, SYNC_RULE_FUTURES);
    sync_connected(&f->s, &hooks);
    assert_int_equal(feed_pu(f, 90, 100, 80, 1, 0), 0);
    load(f, 95);
    /* Ids jump on futures: 100 is followed by 107 (pu 100), then 120 (pu 107). */
    assert_int_equal(feed_pu(f, 110, 120, 107, 3, 1), 0); /* leg a lost 107: held */
    assert_int_equal(legs_held_count(&f->l), 1);
    assert_int_equal(feed_pu(f, 101, 107, 100, 2, 2), 0); /* leg b */
    assert_int_equal(feed_pu(f, 110, 120, 107, 3, 3), 0); /* leg b's copy */
    assert_string_equal(log_, "want;loaded 95;applied 90-100@0;applied 101-107@2;"
                              "applied 110-120@2;");
    assert_int_equal(f->l.stats.duplicates, 1);
    assert_int_equal(f->s.stats.resyncs, 0);
}

static void test_legs_reset_forgets_what_was_passed_and_held(void **state)
{
    fixture *f = live(state);
    feed(f, 111, 115, 1);
    legs_reset(&f->l);
    sync_disconnected(&f->s, &hooks, 2 * MS);
    assert_int_equal(legs_held_count(&f->l), 0);
    sync_connected(&f->s, &hooks);
    log_[0] = '\0';
    feed(f, 50, 60, 3); /* older than anything passed before the reset: not a duplicate */
    assert_int_equal(f->s.buf_n, 1);
    assert_string_equal(log_, "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_legs_first_arrival_applies_the_other_is_a_duplicate),
        T(test_legs_gap_is_held_until_the_other_leg_brings_the_missing_ids),
        T(test_legs_held_events_are_applied_in_id_order_whatever_leg_they_came_on),
        T(test_legs_partly_filled_hold_keeps_waiting_for_the_rest),
        T(test_legs_hold_expires_by_receive_time_then_sync_resyncs),
        T(test_legs_hold_expires_on_the_next_event_too),
        T(test_legs_hold_is_bounded_in_count),
        T(test_legs_hold_of_zero_passes_a_gap_at_once),
        T(test_legs_events_reach_the_loading_buffer_in_order),
        T(test_legs_futures_links_by_pu),
        T(test_legs_reset_forgets_what_was_passed_and_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
