/*
 * orderbook-replay --verify on what the real orderbook binary recorded from the local fake
 * Binance (and from the real Binance capture it serves): it passes on a `record = both` capture
 * with every scripted fault, in plain and zstd files given in any order, through a stalled
 * connection and a server shutdown, and fails naming the place on doctored copies.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ob_run.h"
#include "replay_run.h"
#include "test_util.h"

/* The number of events --verify says it checked ("verify: ok: N events checked"), or -1. */
static long checked(const char *out)
{
    char *text = tu_read_file(out, NULL);
    const char *p = text ? strstr(text, "verify: ok: ") : NULL;
    long n = p ? strtol(p + 12, NULL, 10) : -1;
    free(text);
    return n;
}

static void test_replay_verify_passes_on_a_capture_with_every_fault(void **state)
{
    ob_run *r = *state;
    rr_capture(
        r,
        "symbols BTCUSDT ETHUSDT\nrate 40\nevents 200\ngap ETHUSDT 150\nduplicate BTCUSDT 20\n"
        "overlap BTCUSDT 30\nmalformed 40\nbinary 41\nwrongtype 42\nfragment 64\n"
        "stale BTCUSDT 1\nrest429 2 1\nclose 170\n",
        "record = both", rr_two, 2);
    /* Half the files compressed by the zstd command: a mix of .txt and .txt.zst. */
    size_t n;
    char **files = rr_files_of(r->logs, &n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i += 2)
        rr_sh("zstd -q --rm '%s'", files[i]);
    rr_free_files(files, n);
    files = rr_files_of(r->logs, &n);
    /* Given newest first: they are read in ts order anyway. */
    for (size_t i = 0; i < n / 2; i++) {
        char *t = files[i];
        files[i] = files[n - 1 - i];
        files[n - 1 - i] = t;
    }
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *opts[] = {"-q", "-c", r->conf, "--verify", NULL};
    int rc = rr_replay(out, opts, files, n);
    if (rc != 0)
        rr_fail_with(out, "exit %d", rc);
    if (checked(out) < 200)
        rr_fail_with(out, "fewer than 200 events checked");
    if (!ob_file_contains(out, "3 resyncs seen") || !ob_file_contains(out, "2 books"))
        rr_fail_with(out, "expected 3 resyncs (a gap and two disconnects) and 2 books");
    rr_free_files(files, n);
}

/* Verify all the files of a capture; fail unless it passes with at least `events` checked and
 * says `text`. (How many resyncs a fault costs is test_orderbook's to say.) */
static void assert_verifies(ob_run *r, long events, const char *text)
{
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "-c", r->conf, "--verify", NULL};
    int rc = rr_replay_logs(r, opts, out, sizeof out);
    if (rc != 0 || checked(out) < events || !ob_file_contains(out, text))
        rr_fail_with(out, "exit %d; expected 0, %ld events checked at least, \"%s\"", rc, events,
                     text);
}

static void test_replay_verify_passes_through_a_stalled_connection(void **state)
{
    ob_run *r = *state;
    rr_capture_with(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nstall 30 4000\n",
                    "record = both", "ping_s = 1\nhangup_s = 2", rr_two, 2);
    assert_verifies(r, 100, " resyncs seen");
}

static void test_replay_verify_passes_through_a_server_shutdown_and_a_418(void **state)
{
    ob_run *r = *state;
    rr_capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nshutdown 100\nrest418 1 1\n",
               "record = both", rr_two, 2);
    assert_verifies(r, 100, " resyncs seen");
}

static void test_replay_verify_fails_on_a_changed_quantity_naming_it(void **state)
{
    ob_run *r = *state;
    rr_capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 120\n", "record = both", rr_two, 2);
    char file[PATH_MAX], *line;
    size_t no = rr_a_depth_record(r, file, sizeof file, &line);
    /* The first bid's quantity of that record, one digit changed. */
    char *q = strstr(line, "\"bids\":[[\"");
    q = strchr(q + 10, '"') + 3;
    char old = *q;
    *q = old == '9' ? '8' : '9';
    free(rr_replace_line(file, no, line));
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = rr_replay_logs(r, opts, out, sizeof out);
    char where[PATH_MAX + 64];
    snprintf(where, sizeof where, "%s:%zu: BTCUSDT u=", file, no);
    if (rc != 1 || !ob_file_contains(out, where) || !ob_file_contains(out, "bids[0] quantity"))
        rr_fail_with(out, "exit %d; expected 1 and a divergence at %s", rc, where);
    free(line);
}

static void test_replay_verify_fails_on_a_removed_frame_naming_the_place(void **state)
{
    ob_run *r = *state;
    rr_capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 120\n", "record = both", rr_two, 2);
    char file[PATH_MAX], *line;
    size_t no = rr_a_depth_record(r, file, sizeof file, &line);
    /* Remove the frame right before that depth record (the one it was made of). */
    char *gone = rr_replace_line(file, no - 1, NULL);
    assert_non_null(strstr(gone, "\"event\":\"frame\""));
    free(gone);
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = rr_replay_logs(r, opts, out, sizeof out);
    /* The depth record is now the line before where it was. */
    char where[PATH_MAX + 64];
    snprintf(where, sizeof where, "%s:%zu: BTCUSDT u=", file, no - 1);
    if (rc != 1 || !ob_file_contains(out, where) || !ob_file_contains(out, "was not rebuilt"))
        rr_fail_with(out, "exit %d; expected 1 and a divergence at %s", rc, where);
    free(line);
}

static void test_replay_verify_passes_on_the_real_binance_capture(void **state)
{
    ob_run *r = *state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    char *const four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    rr_capture(r,
               "symbols NKNUSDT BLZETH LRCBTC RUNEEUR\nrate 200\nreplay " DEPTHLOG_CAPTURE_DIR "\n",
               "record = both", four, 4);
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = rr_replay_logs(r, opts, out, sizeof out);
    if (rc != 0 || checked(out) < 100 || !ob_file_contains(out, "0 resyncs seen, 4 books"))
        rr_fail_with(out, "exit %d; expected 0, over 100 events checked, no resync, 4 books", rc);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_replay_verify_passes_on_a_capture_with_every_fault),
        T(test_replay_verify_passes_through_a_stalled_connection),
        T(test_replay_verify_passes_through_a_server_shutdown_and_a_418),
        T(test_replay_verify_fails_on_a_changed_quantity_naming_it),
        T(test_replay_verify_fails_on_a_removed_frame_naming_the_place),
        T(test_replay_verify_passes_on_the_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
