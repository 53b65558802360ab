/* Every rule of the sync state machine, with the off-by-ones of Binance's procedure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sync.h"
#include "test_util.h"

/* What the hooks were asked to do, as text: "applied 101-105;loaded 100;resync gap;want;" */
static char log_[8192];

static void applied(void *ctx, const sync_symbol *s, const depth_event *ev, int64_t ns)
{
    (void)ctx, (void)s, (void)ns;
    tu_appendf(log_, sizeof log_, "applied %llu-%llu;", (unsigned long long)ev->first_id,
               (unsigned long long)ev->last_id);
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
    (void)ctx;
    tu_appendf(log_, sizeof log_, "want %s;", s->symbol);
}

static const sync_hooks hooks = {NULL, applied, loaded, resync, want};

static const char *trail(void)
{
    return log_;
}

static depth_level lv[2];
static char pxs[2][24];

/* An event U..u that sets the bid at `px` to quantity 1. */
static depth_event ev(uint64_t first, uint64_t last, int px)
{
    snprintf(pxs[0], sizeof pxs[0], "%d", px);
    lv[0] = (depth_level){(int64_t)px * DEC_SCALE, 0, pxs[0], strlen(pxs[0]), "1", 1};
    depth_event e = {
        .symbol = "BTCUSDT", .first_id = first, .last_id = last, .bids = lv, .n_bids = 1};
    return e;
}

static depth_snapshot snap(uint64_t last_id)
{
    static depth_level bid = {50 * DEC_SCALE, 0, "50", 2, "9", 1};
    depth_snapshot s = {.last_id = last_id, .bids = &bid, .n_bids = 1};
    return s;
}

static void feed(sync_symbol *s, uint64_t first, uint64_t last, int px)
{
    depth_event e = ev(first, last, px);
    assert_int_equal(sync_event_in(s, &hooks, &e, 0), 0);
}

static void load(sync_symbol *s, uint64_t last_id)
{
    depth_snapshot sn = snap(last_id);
    assert_int_equal(sync_snapshot_in(s, &hooks, &sn, 0), 0);
}

static int setup(void **state)
{
    static sync_symbol s;
    sync_init(&s, "BTCUSDT");
    log_[0] = '\0';
    *state = &s;
    return 0;
}

static int teardown(void **state)
{
    sync_free(*state);
    return 0;
}

static void connect_(sync_symbol *s)
{
    sync_connected(s, &hooks);
    assert_string_equal(trail(), "want BTCUSDT;");
    log_[0] = '\0';
}

static void test_sync_drops_old_events_and_applies_the_straddling_one(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    feed(s, 90, 95, 1);  /* u <= L: dropped */
    feed(s, 96, 100, 2); /* u == L: dropped */
    feed(s, 99, 103, 3); /* U <= L+1 <= u: the first applied */
    feed(s, 104, 104, 4);
    load(s, 100);
    assert_string_equal(trail(), "loaded 100;applied 99-103;applied 104-104;");
    assert_int_equal(s->state, SYNC_LIVE);
    assert_true(s->id == 104);
    assert_int_equal(s->stats.duplicates, 2);
    assert_int_equal(book_depth(&s->book, BOOK_BID), 3); /* 50 from the snapshot, 3 and 4 */
}

static void test_sync_first_event_exactly_after_snapshot_applies(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    feed(s, 101, 101, 1);
    load(s, 100);
    assert_string_equal(trail(), "loaded 100;applied 101-101;");
}

static void test_sync_stale_snapshot_is_fetched_again(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    feed(s, 105, 110, 1);
    load(s, 103); /* 103 < 105 - 1: events 104 would be missing */
    assert_string_equal(trail(), "want BTCUSDT;");
    assert_int_equal(s->state, SYNC_LOADING);
    assert_int_equal(s->stats.refetches, 1);
    log_[0] = '\0';
    load(s, 104); /* exactly first U - 1: usable */
    assert_string_equal(trail(), "loaded 104;applied 105-110;");
}

/* Issue 10 (7b): a snapshot that loads before any event, then a first event beyond it, is a
 * stale snapshot (fetched again), not a gap in the stream: no resync, no snapshot record. */
static void
test_sync_snapshot_before_any_event_then_later_event_is_refetched_not_a_gap(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    load(s, 100);
    assert_string_equal(trail(), "");
    assert_int_equal(sync_get_state(s), SYNC_LOADING); /* loaded, but not known good */
    feed(s, 105, 106, 1);                              /* U > L + 1 */
    assert_string_equal(trail(), "want BTCUSDT;");
    assert_int_equal(sync_get_state(s), SYNC_LOADING);
    assert_int_equal(sync_get_stats(s)->resyncs, 0);
    assert_int_equal(sync_get_stats(s)->refetches, 1);
    assert_int_equal(book_depth(sync_book(s), BOOK_BID), 0);
    log_[0] = '\0';
    load(s, 104);
    assert_string_equal(trail(), "loaded 104;applied 105-106;");
    assert_int_equal(sync_get_state(s), SYNC_LIVE);
}

/* The same snapshot confirmed by a first event that continues it is recorded then, with the
 * snapshot's own receive time. */
static int64_t loaded_at;

static void loaded_ts(void *ctx, const sync_symbol *s, uint64_t last_id, int64_t ns)
{
    (void)ctx, (void)s, (void)last_id;
    loaded_at = ns;
}

static void test_sync_snapshot_before_any_event_is_recorded_when_continued(void **state)
{
    sync_symbol *s = *state;
    sync_hooks h = hooks;
    h.loaded = loaded_ts;
    sync_connected(s, &h);
    depth_snapshot sn = snap(100);
    assert_int_equal(sync_snapshot_in(s, &h, &sn, 7), 0);
    assert_int_equal(loaded_at, 0);
    depth_event e = ev(100, 101, 1);
    assert_int_equal(sync_event_in(s, &h, &e, 9), 0);
    assert_int_equal(loaded_at, 7);
    assert_int_equal(sync_get_state(s), SYNC_LIVE);
}

static void test_sync_rejected_symbol_ignores_everything(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    load(s, 100);
    sync_rejected(s);
    log_[0] = '\0';
    assert_int_equal(sync_get_state(s), SYNC_REJECTED);
    feed(s, 101, 102, 1);
    sync_disconnected(s, &hooks, 0);
    sync_connected(s, &hooks);
    load(s, 200);
    assert_string_equal(trail(), "");
    assert_int_equal(sync_get_state(s), SYNC_REJECTED);
}

static void test_sync_duplicate_ignored_overlap_applied(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    load(s, 100);
    feed(s, 101, 105, 1);
    feed(s, 103, 105, 2); /* u <= id: duplicate */
    feed(s, 104, 108, 3); /* U <= id+1 <= u: overlap applies */
    assert_string_equal(trail(), "loaded 100;applied 101-105;applied 104-108;");
    assert_int_equal(s->stats.duplicates, 1);
    assert_true(s->id == 108);
}

static void test_sync_gap_drops_book_and_resyncs(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    load(s, 100);
    feed(s, 101, 105, 1);
    feed(s, 107, 110, 2); /* U > id+1: gap */
    assert_string_equal(trail(), "loaded 100;applied 101-105;resync gap;want BTCUSDT;");
    assert_int_equal(s->state, SYNC_LOADING);
    assert_int_equal(book_depth(&s->book, BOOK_BID), 0);
    assert_int_equal(s->stats.resyncs, 1);
    log_[0] = '\0';
    /* The event after the gap was kept for the new snapshot. */
    feed(s, 111, 112, 3);
    load(s, 108);
    assert_string_equal(trail(), "loaded 108;applied 107-110;applied 111-112;");
}

static void test_sync_gap_inside_buffer_waits_for_next_snapshot(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    feed(s, 101, 102, 1);
    feed(s, 105, 106, 2); /* a hole: 103-104 never came */
    feed(s, 107, 108, 3);
    load(s, 100);
    assert_string_equal(trail(), "loaded 100;applied 101-102;resync gap;want BTCUSDT;");
    log_[0] = '\0';
    load(s, 104);
    assert_string_equal(trail(), "loaded 104;applied 105-106;applied 107-108;");
}

static void test_sync_buffer_keeps_newest_when_full(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    for (uint64_t i = 0; i < SYNC_BUFFER_MAX + 10; i++)
        feed(s, 1000 + i, 1000 + i, 1);
    assert_int_equal(s->buf_n, SYNC_BUFFER_MAX);
    assert_int_equal(s->stats.overflowed, 10);
    load(s, 1005); /* older than the oldest kept (1010) minus one: fetched again */
    assert_int_equal(s->stats.refetches, 1);
    load(s, 1009);
    assert_true(s->id == 1000 + SYNC_BUFFER_MAX + 9);
}

static void test_sync_disconnect_drops_book(void **state)
{
    sync_symbol *s = *state;
    connect_(s);
    load(s, 100);
    feed(s, 101, 101, 1);
    log_[0] = '\0';
    sync_disconnected(s, &hooks, 0);
    assert_string_equal(trail(), "resync disconnect;");
    assert_int_equal(s->state, SYNC_WAIT_CONNECT);
    assert_int_equal(book_depth(&s->book, BOOK_BID), 0);
    /* A snapshot asked for before the drop is not this connection's: ignored. */
    log_[0] = '\0';
    load(s, 200);
    assert_string_equal(trail(), "");
    connect_(s);
    feed(s, 301, 302, 1);
    load(s, 300);
    assert_string_equal(trail(), "loaded 300;applied 301-302;");
}

static void test_sync_one_symbols_resync_leaves_another_alone(void **state)
{
    sync_symbol *a = *state;
    sync_symbol b;
    sync_init(&b, "ETHUSDT");
    connect_(a);
    sync_connected(&b, &hooks);
    load(a, 100);
    depth_snapshot sn = snap(500);
    sync_snapshot_in(&b, &hooks, &sn, 0);
    depth_event e = ev(501, 502, 7);
    sync_event_in(&b, &hooks, &e, 0);
    feed(a, 150, 151, 1); /* gap on a */
    assert_int_equal(a->state, SYNC_LOADING);
    assert_int_equal(b.state, SYNC_LIVE);
    assert_true(b.id == 502);
    assert_int_equal(book_depth(&b.book, BOOK_BID), 2);
    assert_int_equal(b.stats.resyncs, 0);
    sync_free(&b);
}

/* Futures: an event U..u whose previous event ended at pu. */
static void ffeed(sync_symbol *s, uint64_t first, uint64_t last, uint64_t pu, int px)
{
    depth_event e = ev(first, last, px);
    e.prev_id = pu;
    e.has_prev = 1;
    assert_int_equal(sync_event_in(s, &hooks, &e, 0), 0);
}

static void futures_connect(sync_symbol *s)
{
    sync_set_rule(s, SYNC_RULE_FUTURES);
    connect_(s);
}

/* Drop u < L; the event ending at L is in the snapshot; then pu links the events across gaps
 * in the ids. */
static void test_sync_futures_follows_pu_across_id_gaps_from_the_event_ending_at_L(void **state)
{
    sync_symbol *s = *state;
    futures_connect(s);
    ffeed(s, 90, 95, 80, 1);    /* u < L: dropped */
    ffeed(s, 96, 100, 95, 2);   /* u == L: in the snapshot already */
    ffeed(s, 104, 110, 100, 3); /* ids 101..103 never exist: pu links it (spot: a gap) */
    load(s, 100);
    ffeed(s, 120, 121, 110, 4);
    assert_string_equal(trail(), "loaded 100;applied 104-110;applied 120-121;");
    assert_int_equal(s->stats.duplicates, 2);
    assert_int_equal(s->stats.resyncs, 0);
    assert_true(s->id == 121);
    assert_int_equal(book_depth(&s->book, BOOK_BID), 3); /* 50 from the snapshot, 3 and 4 */
}

/* The same when the snapshot comes first: the event ending at L confirms nothing yet, the
 * next one (pu == L) does. */
static void test_sync_futures_snapshot_first_then_event_ending_at_L(void **state)
{
    sync_symbol *s = *state;
    futures_connect(s);
    load(s, 100);
    ffeed(s, 96, 100, 95, 1);
    assert_string_equal(trail(), "");
    ffeed(s, 104, 110, 100, 2);
    assert_string_equal(trail(), "loaded 100;applied 104-110;");
    assert_int_equal(sync_get_state(s), SYNC_LIVE);
}

/* An event whose pu is not the previous u is a gap even when its U is id + 1. */
static void test_sync_futures_pu_mismatch_resyncs(void **state)
{
    sync_symbol *s = *state;
    futures_connect(s);
    load(s, 100);
    ffeed(s, 95, 102, 90, 1);
    ffeed(s, 103, 105, 101, 2); /* spot would apply it: U == id + 1 */
    assert_string_equal(trail(), "loaded 100;applied 95-102;resync gap;want BTCUSDT;");
    assert_int_equal(s->stats.resyncs, 1);
    assert_int_equal(s->state, SYNC_LOADING);
    log_[0] = '\0';
    /* The rule outlives the resync: the kept event straddles the next snapshot. */
    ffeed(s, 108, 109, 105, 3);
    load(s, 104);
    assert_string_equal(trail(), "loaded 104;applied 103-105;applied 108-109;");
}

/* The first event after the snapshot must straddle L itself: U == L + 1 is too late. */
static void test_sync_futures_snapshot_before_first_U_is_stale(void **state)
{
    sync_symbol *s = *state;
    futures_connect(s);
    ffeed(s, 101, 103, 99, 1);
    load(s, 100); /* spot would take it: U == L + 1 */
    assert_string_equal(trail(), "want BTCUSDT;");
    assert_int_equal(s->stats.refetches, 1);
    log_[0] = '\0';
    load(s, 101);
    assert_string_equal(trail(), "loaded 101;applied 101-103;");
}

/* A later duplicate (another leg's copy) is ignored; an event with no pu cannot continue. */
static void test_sync_futures_duplicate_ignored_missing_pu_is_a_gap(void **state)
{
    sync_symbol *s = *state;
    futures_connect(s);
    load(s, 100);
    ffeed(s, 99, 102, 98, 1);
    ffeed(s, 99, 102, 98, 1);
    assert_int_equal(s->stats.duplicates, 1);
    feed(s, 103, 104, 2); /* no "pu" */
    assert_string_equal(trail(), "loaded 100;applied 99-102;resync gap;want BTCUSDT;");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sync_drops_old_events_and_applies_the_straddling_one),
        T(test_sync_first_event_exactly_after_snapshot_applies),
        T(test_sync_stale_snapshot_is_fetched_again),
        T(test_sync_snapshot_before_any_event_then_later_event_is_refetched_not_a_gap),
        T(test_sync_snapshot_before_any_event_is_recorded_when_continued),
        T(test_sync_rejected_symbol_ignores_everything),
        T(test_sync_duplicate_ignored_overlap_applied),
        T(test_sync_gap_drops_book_and_resyncs),
        T(test_sync_gap_inside_buffer_waits_for_next_snapshot),
        T(test_sync_buffer_keeps_newest_when_full),
        T(test_sync_disconnect_drops_book),
        T(test_sync_one_symbols_resync_leaves_another_alone),
        T(test_sync_futures_follows_pu_across_id_gaps_from_the_event_ending_at_L),
        T(test_sync_futures_snapshot_first_then_event_ending_at_L),
        T(test_sync_futures_pu_mismatch_resyncs),
        T(test_sync_futures_snapshot_before_first_U_is_stale),
        T(test_sync_futures_duplicate_ignored_missing_pu_is_a_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
