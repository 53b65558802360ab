/*
 * The real orderbook binary against a hostile fake Binance (TLS on 127.0.0.1): a websocket
 * that goes silent, a 16 MiB frame, a flood of frames, a TLS handshake that never completes
 * (on the stream and on the snapshot endpoint), a 5000-level snapshot, a 418 ban with a
 * long Retry-After. Each test asserts the promised outcome and that the records still equal
 * the server's truth, with every event accounted for. (1024 symbols of the longest names on
 * one connection, subscribed in batches, are test_feed's.)
 *
 * A certificate for the wrong host name is test_orderbook's
 * test_orderbook_refuses_certificate_for_another_host; it is not repeated here.
 */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "test_util.h"

#define POLL_MS     50 /* between looks at files that take a while to read */
#define PING_S      "1"
#define HANGUP_S    "3"
#define MAX_MESSAGE (8L << 20) /* the client's promise: no websocket message above 8 MiB */

/* Under a sanitizer (this binary is built like orderbook) resident memory is mostly shadow
 * and quarantine, and everything runs several times slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
#define FLOOD_EVENTS (SANITIZED ? 10000 : 50000) /* per symbol, two symbols */

typedef ob_run run;

/* A nap between looks at something slow to read (records, truth): still a poll. */
static void poll_pause(void)
{
    struct timespec ts = {0, POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
}

/* A config for the fake server with snapshot_limit and, when not 0, other ports for the
 * stream and the snapshots; `more` adds settings (NULL-terminated, may be NULL). */
static void write_config(run *r, int snapshot_limit, int ws_port, int rest_port,
                         const char *const more[])
{
    char limit[64], ws[64], rest[64];
    snprintf(limit, sizeof limit, "binance.snapshot_limit = %d", snapshot_limit);
    snprintf(ws, sizeof ws, "binance.ws_url = wss://localhost:%d", ws_port ? ws_port : r->fs.port);
    snprintf(rest, sizeof rest, "binance.rest_url = https://localhost:%d",
             rest_port ? rest_port : r->fs.port);
    const char *settings[16] = {limit, ws, rest};
    for (size_t i = 0; more != NULL && more[i] != NULL && i < 12; i++)
        settings[3 + i] = more[i];
    ob_write_config_v(r, settings);
}

static char *const btc[] = {"BTCUSDT"};
static char *const two[] = {"BTCUSDT", "ETHUSDT"};

/* a. Open, then nothing, pings unanswered: the client's ping/hangup policy finds it dead and
 * replaces it within the window (ping 1 s, hang up after 3 s without valid traffic). */
static void test_hostile_silent_connection_is_replaced(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 20\nevents 200\nsilent 1\n");
    write_config(
        r, 100, 0, 0,
        (const char *[]){"binance.ping_s = " PING_S, "binance.hangup_s = " HANGUP_S, NULL});
    ob_capture(r, 1, btc);

    /* Replaced once: after the silence could be judged (a ping unanswered), and well before
     * lws's default of 400 s: the hang-up window, the first reconnect backoff (at most
     * 625 ms) and a generous allowance for a loaded machine. */
    assert_int_equal(fake_log_count(&r->fs, "ws"), 2);
    long gap = fake_log_ms(&r->fs, "ws", 2) - fake_log_ms(&r->fs, "ws", 1);
    print_message("replaced %ld ms after it opened\n", gap);
    assert_true(gap >= atoi(PING_S) * 1000);
    assert_true(gap <= atoi(HANGUP_S) * 1000 + 625 + 10000);

    tr_records rs;
    tr_truth t;
    ob_read_records(r, &rs);
    ob_read_truth(r, &t);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 2);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, NULL), 1);
    assert_int_equal(tr_count(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    tr_account a = ob_check_symbol(r, &rs, &t, "BTCUSDT");
    assert_true(a.recorded >= 100); /* most of the 200 events came over the second one */
    tr_records_free(&rs);
    tr_truth_free(&t);
}

/* b. A 16 MiB frame: refused at the 8 MiB cap without holding it all, the connection
 * dropped and replaced, and the capture goes on equal to the truth. */
static void test_hostile_huge_frame_is_refused(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 20\nevents 160\nhuge 40 16777216\n");
    /* A small queue, so the logger's pre-faulted ring doesn't hide the message buffer. */
    write_config(r, 100, 0, 0, (const char *[]){"log.queue_mb = 4", NULL});
    ob_start(r, NULL, 1, btc);

    /* The baseline: the peak so far, once the capture runs (before frame 40). */
    ob_wait_for_records(r, "depth", "BTCUSDT", 10, 20);
    long base_kb = proc_status_kb(r->pid, "VmHWM");
    assert_true(base_kb > 0);

    char want[64];
    snprintf(want, sizeof want, "larger than %ld bytes", MAX_MESSAGE);
    long max_rss_kb = 0;
    ob_poll p = ob_poll_start(20);
    while (!ob_file_contains(r->err, want)) {
        long rss = proc_status_kb(r->pid, "VmRSS");
        if (rss > max_rss_kb)
            max_rss_kb = rss;
        ob_poll_next(r, &p, "the huge frame was not refused");
    }
    ob_wait_captured(r, btc, 1, 60);
    long peak_kb = proc_status_kb(r->pid, "VmHWM");
    assert_int_equal(ob_stop(r, 30), 0);

    /* The peak grew by the capped message at most, never by the whole 16 MiB frame. */
    print_message("VmHWM %ld kB before the frame, %ld kB after; VmRSS sampled up to %ld kB\n",
                  base_kb, peak_kb, max_rss_kb);
    if (!SANITIZED) {
        assert_true(peak_kb - base_kb < 16L * 1024);
        assert_true(max_rss_kb - base_kb < 16L * 1024);
    }

    assert_int_equal(fake_log_count(&r->fs, "ws"), 2);
    tr_records rs;
    tr_truth t;
    ob_read_records(r, &rs);
    ob_read_truth(r, &t);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, NULL), 1);
    assert_int_equal(tr_count(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    tr_account a = ob_check_symbol(r, &rs, &t, "BTCUSDT");
    assert_true(a.recorded >= 60); /* events 41..160 came after it, most of them recorded */
    tr_records_free(&rs);
    tr_truth_free(&t);
}

/* c. Frames as fast as the server can send them: every one is counted, every event applied
 * or folded into the snapshot, every record written or counted as refused. */
static void test_hostile_flood_is_kept_up_with_or_counted(void **state)
{
    run *r = *state;
    char scenario[128];
    snprintf(scenario, sizeof scenario, "symbols BTCUSDT ETHUSDT\nflood\nevents %d\n",
             FLOOD_EVENTS);
    ob_start_server(r, "localhost", scenario);
    write_config(r, 100, 0, 0, NULL);
    int64_t t0 = tu_mono_ns();
    ob_start(r, NULL, 2, two);
    ob_wait_captured(r, two, 2, 120);
    double seconds = (double)(tu_mono_ns() - t0) / 1e9;
    int rc = ob_stop(r, 60);
    fake_server_stop(&r->fs); /* its "closed" line has the frames it sent */

    ob_summary sum;
    ob_read_summary(r, &sum);
    /* Exit 3 says records were lost: here only when some were refused (queue full). */
    assert_int_equal(rc, sum.refused > 0 ? 3 : 0);
    assert_int_equal(fake_log_count(&r->fs, "ws"), 1);
    long sent = -1, ms = 0;
    int conn = 0;
    char *closed = fake_log_line(&r->fs, "closed", 1);
    if (closed == NULL || sscanf(closed, "closed %ld %d %ld", &ms, &conn, &sent) != 3)
        ob_fail_with_logs(r, "no closed line in the server log");
    free(closed);
    print_message("%ld frames in %.1f s; summary: %llu messages, %llu records, %llu written, "
                  "%llu refused\n",
                  sent, seconds, sum.messages, sum.records, sum.written, sum.refused);
    /* Every frame sent was received and counted; every record written or counted. */
    assert_int_equal(sent, 2 * FLOOD_EVENTS);
    assert_int_equal(sum.messages, (unsigned long long)sent);
    assert_int_equal(sum.malformed, 0);
    assert_int_equal(sum.records, sum.written + sum.refused + sum.lost_io + sum.discarded);
    assert_int_equal(sum.written, ob_log_count(r, "\n"));

    tr_records rs;
    tr_truth t;
    ob_read_records(r, &rs);
    ob_read_truth(r, &t);
    for (int i = 0; i < 2; i++) {
        const ob_symbol_summary *s = ob_summary_symbol(&sum, two[i]);
        tr_account a;
        char msg[512];
        tr_account_symbol(&rs, &t, two[i], &a, msg, sizeof msg);
        assert_int_equal(a.truth, FLOOD_EVENTS);
        assert_int_equal(a.mismatched, 0);
        if (sum.refused == 0) {
            /* Kept up: each event is a record equal to the truth, or in the snapshot. */
            a = ob_check_symbol(r, &rs, &t, two[i]);
            assert_int_equal(s->events, a.recorded);
            assert_int_equal(s->resyncs, a.resyncs);
        } else {
            /* Fell behind writing: the refused records are the only ones missing. */
            assert_true(s->events >= a.recorded);
            assert_true(s->events - a.recorded <= sum.refused);
        }
    }
    tr_records_free(&rs);
    tr_truth_free(&t);
}

/* d. The stream's TLS handshake never completes (TCP accepted, never answered): the client
 * times out, says so, retries, and still stops at once on SIGTERM with exit 0. */
static void test_hostile_stream_tls_handshake_never_completes(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT\nrate 20\nevents 100\ntlsstall\ntimeout 300\n");
    assert_true(r->fs.stall_port > 0);
    write_config(r, 100, r->fs.stall_port, 0, NULL);
    ob_start(r, NULL, 1, btc);
    /* The first attempt, its timeout, the retry: lws's handshake timeout plus a backoff. */
    ob_wait_for_log(r, "tcp", 2, 120);
    ob_wait_for_text(r, r->err, "timed out", 5);
    int64_t t0 = tu_mono_ns();
    assert_int_equal(ob_stop(r, 10), 0);
    print_message("stopped %.2f s after SIGTERM, in the middle of a handshake\n",
                  (double)(tu_mono_ns() - t0) / 1e9);
    assert_true(ob_file_contains(r->err, "retrying"));
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 0);
    tr_records_free(&rs);
}

/* d, the snapshot side: the REST endpoint's handshake never completes. The request times
 * out and is retried (it must not hold a request slot for ever), and SIGTERM exits 0. */
static void test_hostile_snapshot_tls_handshake_never_completes(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT\nrate 20\nevents 2000\ntlsstall\ntimeout 300\n");
    write_config(r, 100, 0, r->fs.stall_port, NULL);
    ob_start(r, NULL, 1, btc);
    ob_wait_for_log(r, "tcp", 2, 120);
    ob_wait_for_text(r, r->err, "timed out", 5);
    assert_int_equal(ob_stop(r, 10), 0);
    assert_true(ob_file_contains(r->err, "retrying"));
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 1);
    assert_int_equal(tr_count(&rs, "snapshot", NULL, NULL), 0);
    assert_int_equal(tr_count(&rs, "depth", NULL, NULL), 0);
    tr_records_free(&rs);
}

/* f. A snapshot of 5000 levels per side: loaded whole, every record equal to the truth
 * 1000 levels deep, and the final book as big as the server's. */
static void test_hostile_snapshot_of_5000_levels(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT\nlevels 5000\ndepth 1000\nrate 20\nevents 100\n");
    write_config(r, 5000, 0, 0, (const char *[]){"book.depth = 1000", NULL});
    ob_capture(r, 1, btc);

    tr_records rs;
    tr_truth t;
    ob_read_records(r, &rs);
    ob_read_truth(r, &t);
    assert_int_equal(tr_count(&rs, "snapshot", "BTCUSDT", NULL), 1);
    assert_int_equal(tr_count(&rs, "resync", NULL, NULL), 0);
    tr_account a = ob_check_symbol(r, &rs, &t, "BTCUSDT");
    assert_true(a.recorded >= 90);
    /* Each record shows 1000 levels a side: the book is at least that deep. */
    for (size_t i = 0; i < rs.n; i++) {
        if (strcmp(rs.r[i].event, "snapshot") != 0)
            continue;
        size_t levels = 0;
        for (const char *p = rs.r[i].book; (p = strstr(p, "],[")) != NULL; p++)
            levels++;
        assert_int_equal(levels + 2, 2000); /* 1000 + 1000, two groups joined by "]|[" */
    }
    ob_summary sum;
    ob_read_summary(r, &sum);
    unsigned long long bids, asks;
    if (fake_log_book(&r->fs, "BTCUSDT", &bids, &asks) != 0)
        ob_fail_with_logs(r, "no final book size of BTCUSDT in the server log");
    const ob_symbol_summary *s = ob_summary_symbol(&sum, "BTCUSDT");
    assert_true(bids > 4900 && asks > 4900);
    assert_int_equal(s->bids, bids);
    assert_int_equal(s->asks, asks);
    assert_int_equal(s->events, a.recorded);
    tr_records_free(&rs);
    tr_truth_free(&t);
}

/* g. 418 with Retry-After: 3600: the client says the IP is banned, sends no other snapshot
 * request during the test's window, and SIGTERM still exits 0 at once. */
static void test_hostile_ban_418_is_honoured(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 20\nevents 400\nrest418 1 3600\n");
    write_config(r, 100, 0, 0, NULL);
    ob_start(r, NULL, 1, btc);
    ob_wait_for_text(r, r->err, "banned", 20);
    assert_true(ob_file_contains(r->err, "HTTP 418"));
    assert_true(ob_file_contains(r->err, "3600 s"));
    /* The window: absence can only be watched for a while. The stream stays up meanwhile,
     * so its events (buffered while no snapshot can come) go on arriving. */
    ob_poll window = ob_poll_start(5);
    while (!ob_poll_over(&window)) {
        assert_int_equal(fake_log_count(&r->fs, "rest"), 1);
        poll_pause();
    }
    assert_int_equal(fake_log_count(&r->fs, "ws"), 1);
    int64_t t0 = tu_mono_ns();
    assert_int_equal(ob_stop(r, 10), 0);
    print_message("stopped %.2f s after SIGTERM, with 3600 s of ban to go\n",
                  (double)(tu_mono_ns() - t0) / 1e9);
    assert_int_equal(fake_log_count(&r->fs, "rest"), 1);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(tr_count(&rs, "snapshot", NULL, NULL), 0);
    assert_int_equal(tr_count(&rs, "depth", NULL, NULL), 0);
    tr_records_free(&rs);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_hostile_silent_connection_is_replaced),
        T(test_hostile_huge_frame_is_refused),
        T(test_hostile_flood_is_kept_up_with_or_counted),
        T(test_hostile_stream_tls_handshake_never_completes),
        T(test_hostile_snapshot_tls_handshake_never_completes),
        T(test_hostile_snapshot_of_5000_levels),
        T(test_hostile_ban_418_is_honoured),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
