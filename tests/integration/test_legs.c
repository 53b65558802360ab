/*
 * Two legs (legs = 2): the real orderbook binary against the fake Binance serving the same
 * market on two ports. A loss that one leg covers costs no resync and no event; only when
 * both legs go at once does each book resync, and then it is true again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

typedef ob_run run;

static char *const two[] = {"BTCUSDT", "ETHUSDT"};

/* The symbol's depth records carry each u at most once (the other leg's copy is dropped). */
static void assert_each_u_once(run *r, const tr_records *rs, const char *symbol)
{
    size_t n;
    const tr_record **own = tr_symbol_records(rs, symbol, &n);
    double last = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(own[i]->event, "depth") != 0)
            continue;
        if (own[i]->u <= last)
            ob_fail_with_logs(r, "%s: depth record u=%.0f after u=%.0f", symbol, own[i]->u, last);
        last = own[i]->u;
    }
    free(own);
}

/* Every event of every symbol once, equal to the truth, on one snapshot and no resync. */
static void assert_gapless(run *r, const tr_records *rs, char *const symbols[], int n)
{
    tr_truth t;
    ob_read_truth(r, &t);
    for (int i = 0; i < n; i++) {
        tr_account a = ob_check_symbol(r, rs, &t, symbols[i]);
        if (a.resyncs != 0 || a.snapshots != 1)
            ob_fail_with_logs(r, "%s: %zu resyncs, %zu snapshots", symbols[i], a.resyncs,
                              a.snapshots);
        assert_each_u_once(r, rs, symbols[i]);
    }
    tr_truth_free(&t);
    assert_int_equal(tr_count(rs, "resync", NULL, NULL), 0);
}

/* How many websocket connections the server saw on leg `leg` ('a' or 'b'). */
static int leg_connections(const run *r, char leg)
{
    int n = 0;
    char want[8];
    snprintf(want, sizeof want, " %c", leg);
    for (int k = 1;; k++) {
        char *line = fake_log_line(&r->fs, "leg", k);
        if (line == NULL)
            return n;
        n += strstr(line, want) != NULL;
        free(line);
    }
}

/* The server's log: when connection `conn` opened ("ws") or closed ("closed"), -1 if not. */
static long conn_ms(const run *r, const char *word, int conn)
{
    for (int k = 1;; k++) {
        char *line = fake_log_line(&r->fs, word, k);
        if (line == NULL)
            return -1;
        long ms;
        int n;
        int ok = sscanf(line + strlen(word), " %ld %d", &ms, &n) == 2 && n == conn;
        free(line);
        if (ok)
            return ms;
    }
}

/* Make-before-break, as the server saw it: on each leg, every connection after the first
 * opened before the one it follows closed. Returns how many replacements there were. */
static int assert_replacements_overlap(run *r)
{
    int replacements = 0;
    for (int leg = 0; leg < 2; leg++) {
        int prev = 0;
        for (int k = 1;; k++) {
            char *line = fake_log_line(&r->fs, "leg", k);
            if (line == NULL)
                break;
            int conn;
            char l;
            int ok = sscanf(line, "leg %d %c", &conn, &l) == 2 && l == "ab"[leg];
            free(line);
            if (!ok)
                continue;
            if (prev != 0) {
                long closed = conn_ms(r, "closed", prev), opened = conn_ms(r, "ws", conn);
                if (closed >= 0 && opened >= closed)
                    ob_fail_with_logs(r,
                                      "leg %c: connection %d opened at %ld ms, after %d "
                                      "closed at %ld ms",
                                      "ab"[leg], conn, opened, prev, closed);
                replacements++;
            }
            prev = conn;
        }
    }
    return replacements;
}

static void test_legs_one_leg_lost_at_a_time_costs_nothing(void **state)
{
    run *r = *state;
    /* Leg a loses a BTCUSDT event, leg b an ETHUSDT event (about 0.5 s and 0.75 s in);
     * leg a is cut (1.5 s); leg b loses another ETHUSDT event once a is back (5 s); leg b
     * stalls (no frames, no pongs: 6.25 s) until orderbook hangs up on it. (A withheld event
     * while the other leg is down is a loss no leg covers: that resyncs, as it must.) */
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 400\nlegs\n"
                    "leg-withhold a BTCUSDT 20\nleg-withhold b ETHUSDT 30\n"
                    "leg-withhold b ETHUSDT 200\nleg-cut a 120\nleg-stall b 500\n");
    assert_true(r->fs.port_b > 0);
    ob_write_config(r, "binance.legs = 2", "binance.ping_s = 1", "binance.hangup_s = 2", NULL);
    ob_capture(r, 2, two);

    tr_records rs;
    ob_read_records(r, &rs);
    assert_gapless(r, &rs, two, 2);
    /* Both faults happened and were survived: each leg came back once. */
    assert_true(fake_log_count(&r->fs, "stall") == 1);
    assert_int_equal(leg_connections(r, 'a'), 2);
    assert_int_equal(leg_connections(r, 'b'), 2);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 4);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, NULL), 2);
    tr_records_free(&rs);
}

static void test_legs_both_cut_at_once_resync_each_book_once(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 300\nlegs\ncut-all 100\n");
    ob_write_config(r, "binance.legs = 2", NULL);
    ob_capture(r, 2, two);

    tr_records rs;
    ob_read_records(r, &rs);
    tr_truth t;
    ob_read_truth(r, &t);
    for (int i = 0; i < 2; i++) {
        tr_account a = ob_check_symbol(r, &rs, &t, two[i]);
        assert_int_equal(a.resyncs, 1);
        assert_int_equal(tr_count(&rs, "resync", two[i], "disconnect"), 1);
        assert_int_equal(a.snapshots, 2); /* and the book is true again after it */
        assert_each_u_once(r, &rs, two[i]);
    }
    tr_truth_free(&t);
    assert_int_equal(fake_log_count(&r->fs, "cutall"), 1);
    assert_int_equal(leg_connections(r, 'a'), 2);
    assert_int_equal(leg_connections(r, 'b'), 2);
    tr_records_free(&rs);
}

static void test_legs_replacements_make_before_break_on_age_and_server_shutdown(void **state)
{
    run *r = *state;
    /* Connections age out after 4 s; leg b's first gets serverShutdown about 1.3 s in and is
     * cut 5 s after it. */
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 480\nlegs\n"
                    "leg-shutdown b 100 5000\n");
    ob_write_config(r, "binance.legs = 2", "binance.max_connection_age_s = 4", NULL);
    ob_capture(r, 2, two);

    tr_records rs;
    ob_read_records(r, &rs);
    assert_gapless(r, &rs, two, 2);
    assert_int_equal(fake_log_count(&r->fs, "shutdown"), 1);
    assert_true(assert_replacements_overlap(r) >= 4);
    assert_true(tr_count(&rs, "disconnected", NULL, "replaced: serverShutdown") == 1);
    assert_true(tr_count(&rs, "disconnected", NULL, "replaced: max_connection_age_s") >= 3);
    tr_records_free(&rs);
}

static void test_legs_one_leg_replaced_on_age_and_server_shutdown_without_resync(void **state)
{
    run *r = *state;
    /* legs = 1: the only connection gets serverShutdown about 1.3 s in (cut 5 s later), its
     * replacement ages out after 10 s. */
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 600\nlegs\n"
                    "leg-shutdown a 100 5000\n");
    ob_write_config(r, "binance.legs = 1", "binance.max_connection_age_s = 10", NULL);
    ob_capture(r, 2, two);

    tr_records rs;
    ob_read_records(r, &rs);
    assert_gapless(r, &rs, two, 2);
    assert_int_equal(leg_connections(r, 'b'), 0);
    assert_int_equal(assert_replacements_overlap(r), 2);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, "replaced: serverShutdown"), 1);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, "replaced: max_connection_age_s"), 1);
    tr_records_free(&rs);
}

static void test_legs_connection_cut_while_its_replacement_opens_is_not_reopened(void **state)
{
    run *r = *state;
    /* legs = 1: serverShutdown about 1.3 s in, and the cut 300 ms later: after orderbook
     * started the replacement (it looks every 200 ms), before the replacement delivered for
     * the second it waits. The replacement takes the place: no third connection. */
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 200\nlegs\n"
                    "leg-shutdown a 100 300\n");
    ob_write_config(r, "binance.legs = 1", NULL);
    ob_capture(r, 2, two);

    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(fake_log_count(&r->fs, "shutdown"), 1);
    if (leg_connections(r, 'a') != 2)
        ob_fail_with_logs(r, "%d connections, not 2", leg_connections(r, 'a'));
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 2);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, NULL), 1);
    /* Whether the books resynced depends on whether the replacement was up at the cut; either
     * way every event is accounted for and true. */
    tr_truth t;
    ob_read_truth(r, &t);
    for (int i = 0; i < 2; i++)
        ob_check_symbol(r, &rs, &t, two[i]);
    tr_truth_free(&t);
    tr_records_free(&rs);
}

/* Receive latency of the depth records in r->logs (clock = utc): ts minus "E" (the time the
 * fake made the event), in ms, sorted, into lat (at most max); returns how many. */
static size_t latencies(const run *r, double *lat, size_t max)
{
    size_t n = 0;
    char *text = ob_log_text(r);
    for (char *line = strtok(text, "\n"); line != NULL && n < max; line = strtok(NULL, "\n")) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        long usec;
        long long ev_ms;
        const char *ep = strstr(line, "\"E\":");
        if (strstr(line, "\"event\":\"depth\"") == NULL || ep == NULL ||
            sscanf(line, "{\"ts\":\"%d-%d-%dT%d:%d:%d.%ldZ\"", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec) != 7 ||
            sscanf(ep, "\"E\":%lld", &ev_ms) != 1)
            continue;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        double ts_ms = (double)timegm(&tm) * 1000.0 + (double)usec / 1000.0;
        lat[n++] = ts_ms - (double)ev_ms;
    }
    free(text);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
            double t = lat[j];
            lat[j] = lat[j - 1];
            lat[j - 1] = t;
        }
    return n;
}

/* One run with `legs` legs against a fake whose frames are each held back 0..100 ms on each
 * connection independently; the p50 and p99 of ts - E. */
static void latency_run(int legs, double *p50, double *p99)
{
    void *st;
    assert_int_equal(ob_run_setup(&st), 0);
    run *r = st;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 300\nlegs\nleg-jitter 100\n");
    char setting[32];
    snprintf(setting, sizeof setting, "binance.legs = %d", legs);
    ob_write_config(r, setting, "log.clock = utc", NULL);
    ob_capture(r, 2, two);
    static double lat[1000];
    size_t n = latencies(r, lat, 1000);
    assert_true(n > 500);
    *p50 = lat[n / 2];
    *p99 = lat[n * 99 / 100];
    fprintf(stderr, "latency: legs = %d: %zu depth records, p50 %.1f ms, p99 %.1f ms\n", legs, n,
            *p50, *p99);
    ob_run_teardown(&st);
}

static void test_legs_first_arrival_cuts_receive_latency(void **state)
{
    (void)state;
    double p50_1, p99_1, p50_2, p99_2;
    latency_run(1, &p50_1, &p99_1);
    latency_run(2, &p50_2, &p99_2);
    /* The earlier of two independent delays: the median drops the most. */
    assert_true(p50_2 < p50_1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_legs_one_leg_lost_at_a_time_costs_nothing),
        T(test_legs_both_cut_at_once_resync_each_book_once),
        T(test_legs_replacements_make_before_break_on_age_and_server_shutdown),
        T(test_legs_one_leg_replaced_on_age_and_server_shutdown_without_resync),
        T(test_legs_connection_cut_while_its_replacement_opens_is_not_reopened),
        cmocka_unit_test(test_legs_first_arrival_cuts_receive_latency),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
