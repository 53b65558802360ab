/*
 * The real orderbook binary against the local fake Binance (TLS on 127.0.0.1): every depth
 * record equals the server's truth, through every scripted fault; files roll by the config;
 * SIGTERM drains; bad configs, unknown symbols and untrusted certificates fail as promised.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "test_util.h"

typedef ob_run run;

/* In the order written, a symbol's depth records come only after a snapshot, and none
 * between a resync and the next snapshot; the last resync is followed by a snapshot. */
static void assert_resyncs_followed_by_snapshots(const tr_records *rs, const char *symbol)
{
    size_t n;
    const tr_record **own = tr_symbol_records(rs, symbol, &n);
    int synced = 0;
    for (size_t i = 0; i < n; i++) {
        const tr_record *x = own[i];
        if (strcmp(x->event, "snapshot") == 0)
            synced = 1;
        else if (strcmp(x->event, "resync") == 0)
            synced = 0;
        else if (strcmp(x->event, "depth") == 0 && !synced)
            fail_msg("%s: depth record %zu (u=%.0f) has no snapshot before it", symbol, i, x->u);
    }
    free(own);
    assert_true(synced);
}

/* Each symbol's events are all accounted for (none lost, none differing, none missing at the
 * end) and at least one was recorded as a depth record, not only folded into snapshots. */
static void assert_every_event_accounted(run *r, const tr_records *rs, char *const symbols[], int n)
{
    tr_truth t;
    ob_read_truth(r, &t);
    for (int i = 0; i < n; i++) {
        tr_account a = ob_check_symbol(r, rs, &t, symbols[i]);
        assert_true(a.recorded > 0);
    }
    tr_truth_free(&t);
}

static char *const two[] = {"BTCUSDT", "ETHUSDT"};
static char *const btc[] = {"BTCUSDT"};

static void test_orderbook_records_equal_truth_through_every_fault(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 200\ngap ETHUSDT 150\n"
                    "duplicate BTCUSDT 20\noverlap BTCUSDT 30\nmalformed 40\nbinary 41\n"
                    "wrongtype 42\nfragment 64\nstale BTCUSDT 1\nrest429 2 1\nclose 170\n");
    ob_write_config(r, NULL);
    ob_start(r, NULL, 2, (char *[]){"btcusdt", "ETHUSDT"});
    ob_wait_captured(r, two, 2, 60);
    assert_int_equal(ob_stop(r, 30), 0);

    tr_records rs;
    ob_read_records(r, &rs);
    /* Every depth record equals the truth, and every event of each symbol is accounted for:
     * recorded, or folded into a snapshot that (re)started the book. How many fall in
     * snapshots depends on how fast orderbook starts and resyncs (under valgrind, most may),
     * so the bound is on the accounting, not on a count of records. */
    assert_true(ob_check_depth(r, &rs) > 0);
    assert_every_event_accounted(r, &rs, two, 2);
    /* The gap resynced ETHUSDT, and only it; the stale snapshot was fetched again, not
     * applied; malformed frames were skipped; the cut connection came back and both books
     * resynced on it. */
    assert_int_equal(tr_count(&rs, "resync", "ETHUSDT", "gap"), 1);
    assert_int_equal(tr_count(&rs, "resync", "BTCUSDT", "gap"), 0);
    assert_int_equal(tr_count(&rs, "resync", "ETHUSDT", "disconnect"), 1);
    assert_int_equal(tr_count(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    /* Every resync is followed by a fresh snapshot (a disconnect may come before the first
     * snapshot loaded, when the 429s and a slow start delay it: then there is one fewer). */
    assert_true(tr_count(&rs, "snapshot", "ETHUSDT", NULL) >= 2);
    assert_true(tr_count(&rs, "snapshot", "BTCUSDT", NULL) >= 1);
    assert_resyncs_followed_by_snapshots(&rs, "ETHUSDT");
    assert_resyncs_followed_by_snapshots(&rs, "BTCUSDT");
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 2);
    /* The first 429's Retry-After (1 s) was honoured before the next request. Two requests
     * may be in flight at once, so both of the first two get a 429: a request already on its
     * way when the first 429 arrived cannot be held back, and is not a success too early. */
    char *log = tu_read_file(r->fs.log, NULL);
    long t429 = -1, next = -1;
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        long t;
        char sym[32];
        int status;
        if (sscanf(line, "rest %ld %31s %d", &t, sym, &status) != 3)
            continue;
        if (status == 429 && t429 < 0)
            t429 = t;
        else if (status != 429 && t429 >= 0 && next < 0)
            next = t;
    }
    free(log);
    assert_true(t429 >= 0 && next >= 0);
    assert_true(next - t429 >= 1000);
    assert_true(ob_file_contains(r->err, "HTTP 429"));
    tr_records_free(&rs);
}

/* Two symbols through a scenario that drops the first connection once (`fault`): one
 * reconnect, both books resynced on it, every depth record equal to the truth. */
static void assert_reconnected_once(run *r, const char *fault)
{
    char scenario[256];
    snprintf(scenario, sizeof scenario, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 100\n%s\n",
             fault);
    ob_start_server(r, "localhost", scenario);
    ob_write_config(r, NULL);
    ob_capture(r, 2, two);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_true(ob_check_depth(r, &rs) > 0);
    assert_every_event_accounted(r, &rs, two, 2);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 2);
    assert_int_equal(tr_count(&rs, "disconnected", NULL, NULL), 1);
    assert_int_equal(tr_count(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    assert_int_equal(tr_count(&rs, "resync", "ETHUSDT", "disconnect"), 1);
    assert_int_equal(fake_log_count(&r->fs, "ws"), 2);
    tr_records_free(&rs);
}

static void test_orderbook_reconnects_after_abrupt_close(void **state)
{
    assert_reconnected_once(*state, "close 60");
}

static void test_orderbook_replaces_stalled_connection(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 20\nevents 60\nstall 10 4000\n");
    ob_write_config(r, "binance.ping_s = 1", "binance.hangup_s = 2", NULL);
    ob_capture(r, 1, btc);
    tr_records rs;
    ob_read_records(r, &rs);
    ob_check_depth(r, &rs);
    assert_true(tr_count(&rs, "disconnected", NULL, NULL) >= 1);
    assert_true(fake_log_count(&r->fs, "ws") >= 2);
    tr_records_free(&rs);
}

static void test_orderbook_sigterm_drains_every_received_event(void **state)
{
    run *r = *state;
    /* Still streaming when the signal comes: 2 x 200 events/s for 20 s. */
    ob_start_server(r, "localhost", "symbols BTCUSDT ETHUSDT\nrate 200\nevents 4000\n");
    ob_write_config(r, NULL);
    ob_start(r, NULL, 2, two);
    ob_wait_for_records(r, "depth", NULL, 300, 20);
    assert_int_equal(ob_stop(r, 30), 0);
    /* Every record the pipeline made from what was received is in the files. */
    ob_summary sum;
    ob_read_summary(r, &sum);
    assert_true(sum.records > 300);
    assert_int_equal(sum.written, sum.records);
    assert_int_equal(sum.refused + sum.lost_io + sum.discarded, 0);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(rs.n, sum.records);
    ob_check_depth(r, &rs);
    tr_records_free(&rs);
}

/* Has a non-terminal status line ("orderbook: BTCUSDT R ev/s ...") shown the book synced with
 * R > 0 right after one that showed it synced already, with no resync between? Then events
 * arrived while the book was synced, and each of them made a depth record. */
static int synced_twice_with_events(const char *text)
{
    int synced_before = 0;
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (end == NULL)
            break; /* a line still being written */
        double rate;
        if (strncmp(line, "orderbook: BTCUSDT ", 19) == 0 &&
            sscanf(line + 19, "%lf ev/s", &rate) == 1) {
            const char *bar = strstr(line, " |");
            const char *ok = strstr(line, " 0 resyncs |");
            int synced = ok != NULL && ok < end && bar != NULL && ok + 10 == bar;
            if (synced && synced_before && rate > 0)
                return 1;
            synced_before = synced;
        }
        line = end + 1;
    }
    return 0;
}

static void test_orderbook_second_sigint_drops_what_is_queued(void **state)
{
    run *r = *state;
    /* The day's file is a FIFO nobody reads yet: the writer thread blocks opening it, like a
     * hung disk, so the first SIGINT's drain cannot finish and records pile up queued. */
    char fifo[2][PATH_MAX + 64];
    time_t now = time(NULL);
    mkdir(r->logs, 0755);
    for (int i = 0; i < 2; i++) {
        time_t day = now + i * 86400; /* tomorrow's too, should the test straddle midnight */
        struct tm tm;
        gmtime_r(&day, &tm);
        char name[32];
        strftime(name, sizeof name, "%Y%m%d.txt", &tm);
        snprintf(fifo[i], sizeof fifo[i], "%s/%s", r->logs, name);
        assert_int_equal(mkfifo(fifo[i], 0644), 0);
    }
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 100\nevents 6000\n"); /* 60 s */
    ob_write_config(r, "log.rollover = daily", "log.clock = utc", NULL);
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->fs.log, "rest ", 20);
    /* Records are queued behind the blocked writer once a status line shows the book synced
     * and events arriving throughout the interval before it (the previous line synced too):
     * each of those events made a depth record. The first status line alone proves nothing:
     * under valgrind it can come before the connection, with nothing queued. */
    ob_poll p = ob_poll_start(90);
    for (;;) {
        char *err = tu_read_file(r->err, NULL);
        int flowing = synced_twice_with_events(err);
        free(err);
        if (flowing)
            break;
        ob_poll_next(r, &p, "no synced status line with events after a synced one in %d s",
                     p.seconds);
    }
    kill(r->pid, SIGINT);
    ob_wait_for_text(r, r->err, "stopping: writing what was received", 20);
    kill(r->pid, SIGINT);
    ob_wait_for_text(r, r->err, "stopping now: queued records are dropped", 20);
    /* Let the writer through: it finishes the write in progress and drops the rest. */
    int rd[2];
    for (int i = 0; i < 2; i++)
        rd[i] = open(fifo[i], O_RDONLY | O_NONBLOCK);
    p = ob_poll_start(20);
    int rc = -1;
    for (;;) {
        char buf[65536];
        for (int i = 0; i < 2; i++)
            while (read(rd[i], buf, sizeof buf) > 0)
                ;
        rc = ob_exited(r);
        if (rc >= 0)
            break;
        ob_poll_next(r, &p, "no exit within %d s of the second SIGINT", p.seconds);
    }
    for (int i = 0; i < 2; i++)
        close(rd[i]);
    ob_summary sum;
    ob_read_summary(r, &sum);
    assert_true(sum.discarded > 0);
    assert_int_equal(rc, 3); /* records were discarded: exit 3 says so */
    assert_int_equal(sum.written + sum.discarded + sum.lost_io, sum.records);
}

static void test_orderbook_server_shutdown_reconnects_and_resyncs(void **state)
{
    assert_reconnected_once(*state, "shutdown 50");
}

static void test_orderbook_region_block_names_the_alternatives(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\nrest451\n");
    ob_write_config(r, NULL);
    ob_start(r, NULL, 1, btc);
    ob_wait_for_text(r, r->err, "HTTP 451", 20);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_true(ob_file_contains(r->err, "Binance blocks this region"));
    assert_true(ob_file_contains(r->err, "api.binance.us"));
    assert_true(ob_file_contains(r->err, "data-stream.binance.vision"));
}

static void test_orderbook_status_line_names_symbol_and_file(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 200\n");
    ob_write_config(r, NULL);
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->err, "orderbook: BTCUSDT ", 20);
    assert_int_equal(ob_stop(r, 30), 0);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "| %s/", r->logs);
    assert_true(ob_file_contains(r->err, want));
    assert_true(ob_file_contains(r->err, "ev/s"));
    assert_true(ob_file_contains(r->err, "drops 0"));
}

static int count_text(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_orderbook_status_line_on_a_terminal_redraws_every_second(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 1500\n");
    ob_write_config(r, NULL);
    int master = ob_pty_open(r); /* stderr is the terminal: orderbook's isatty sees one */
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    static char out[1 << 20];
    size_t len = 0;
    /* The first redraw comes once orderbook is up, which under valgrind on a loaded machine
     * takes a while; the pace is counted from it. Two more redraws: at one a second they
     * come long before the deadline; the 10-second pace of a non-terminal would need 18 s
     * and more (two intervals of over 9 s: the pace is counted in whole seconds). */
    ob_poll p = ob_poll_start(60);
    for (;;) {
        ob_pty_drain(master, out, sizeof out, &len);
        if (count_text(out, "\r\033[KBTCUSDT ") >= 1)
            break;
        ob_poll_next(r, &p, "no status line on the terminal in 60 s:\n%.4000s", out);
    }
    p = ob_poll_start(17);
    for (;;) {
        ob_pty_drain(master, out, sizeof out, &len);
        if (count_text(out, "\r\033[KBTCUSDT ") >= 3)
            break;
        ob_poll_next(r, &p, "fewer than 2 more redrawn status lines in 17 s:\n%.4000s", out);
    }
    kill(r->pid, SIGTERM);
    int rc = ob_pty_wait_exit(r, master, out, sizeof out, &len, 20);
    close(master);
    assert_int_equal(rc, 0);
    assert_true(strstr(out, "ev/s") != NULL);
    assert_null(strstr(out, "orderbook: BTCUSDT ")); /* the non-terminal form */
    assert_non_null(strstr(out, "summary: "));
}

static void test_orderbook_quiet_prints_no_status_line(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 60\n");
    ob_write_config(r, NULL);
    ob_capture(r, 1, btc); /* over a second: a status line would have been due */
    assert_false(ob_file_contains(r->err, "ev/s"));
    assert_false(ob_file_contains(r->err, "capturing"));
    assert_true(ob_file_contains(r->err, "summary: "));
}

static void test_orderbook_daily_utc_file_names_from_config(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    ob_write_config(r, "log.rollover = daily", "log.clock = utc", NULL);
    time_t before = time(NULL);
    ob_capture(r, 1, btc);
    time_t after = time(NULL);
    char want[2][64];
    struct tm tm;
    gmtime_r(&before, &tm);
    strftime(want[0], sizeof want[0], "%Y%m%d.txt", &tm);
    gmtime_r(&after, &tm);
    strftime(want[1], sizeof want[1], "%Y%m%d.txt", &tm);
    DIR *d = opendir(r->logs);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        assert_true(strcmp(e->d_name, want[0]) == 0 || strcmp(e->d_name, want[1]) == 0);
    }
    closedir(d);
    assert_true(files >= 1);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_true(rs.n > 0);
    const char *ts = rs.r[0].ts;
    assert_int_equal(strlen(ts), strlen("2026-11-25T03:15:42.217886Z"));
    assert_int_equal(ts[strlen(ts) - 1], 'Z');
    tr_records_free(&rs);
}

static void test_orderbook_5sec_file_names(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    ob_write_config(r, NULL);
    ob_capture(r, 1, btc);
    DIR *d = opendir(r->logs);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        /* YYYYMMDDHHMM then i = second / 5, 0..11 unpadded */
        size_t n = strlen(e->d_name);
        assert_true(n == 17 || n == 18);
        assert_string_equal(e->d_name + n - 4, ".txt");
        int i = atoi(e->d_name + 12);
        assert_true(i >= 0 && i <= 11);
    }
    closedir(d);
    assert_true(files >= 1);
}

/* [log] compress = zstd, checksum = on: the status line names a .txt.zst file; every file is
 * one that zstd reads whole, with a .sha256 that sha256sum accepts; together they hold every
 * record the summary says was written. */
static void test_orderbook_zstd_files_with_checksums(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 200\n");
    ob_write_config(r, "log.compress = zstd", "log.checksum = on", NULL);
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->err, ".txt.zst | ", 30);
    assert_int_equal(ob_stop(r, 30), 0);
    ob_summary sum;
    ob_read_summary(r, &sum);
    assert_true(sum.written > 0);
    DIR *d = opendir(r->logs);
    struct dirent *e;
    int zst = 0, sums = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        int is_zst = n > 8 && strcmp(e->d_name + n - 8, ".txt.zst") == 0;
        int is_sum = n > 15 && strcmp(e->d_name + n - 15, ".txt.zst.sha256") == 0;
        assert_true(is_zst || is_sum);
        zst += is_zst;
        sums += is_sum;
    }
    closedir(d);
    assert_true(zst >= 1);
    assert_int_equal(sums, zst);
    char cmd[PATH_MAX + 256];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sha256sum -c --quiet *.sha256 && zstd -tq *.txt.zst && "
             "test \"$(zstdcat *.txt.zst | wc -l)\" -eq %llu",
             r->logs, sum.written);
    assert_int_equal(system(cmd), 0);
}

static void test_orderbook_bad_config_exits_2_naming_the_line(void **state)
{
    run *r = *state;
    ob_write_file(r->conf, "[log]\ndir = x\nrollover = weekly\n");
    ob_start(r, NULL, 1, btc);
    assert_int_equal(ob_wait_exit(r, 30), 2);
    char want[PATH_MAX + 100];
    snprintf(want, sizeof want, "%s:3: [log] rollover = weekly: expected 5sec or daily", r->conf);
    assert_true(ob_file_contains(r->err, want));
}

static void test_orderbook_unknown_symbol_exits_1_naming_it(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    ob_write_config(r, NULL);
    ob_start(r, NULL, 1, (char *[]){"NOSUCHCOIN"});
    assert_int_equal(ob_wait_exit(r, 30), 1);
    assert_true(ob_file_contains(r->err, "Binance does not know the symbol NOSUCHCOIN"));
}

/* The handshake is refused, the certificate problem named on stderr, nothing connected; the
 * program keeps retrying and still stops cleanly. */
static void assert_tls_refused(run *r, const char *cert, int with_ca, const char *problem)
{
    ob_start_server(r, cert, "symbols BTCUSDT\nrate 50\nevents 20\n");
    if (with_ca)
        ob_write_config(r, NULL);
    else
        ob_write_config(r, "binance.ca_file =", NULL);
    ob_start(r, NULL, 1, btc);
    ob_wait_for_text(r, r->err, "certificate verify failed", 20);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_true(ob_file_contains(r->err, problem));
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(tr_count(&rs, "connected", NULL, NULL), 0);
    tr_records_free(&rs);
}

static void test_orderbook_refuses_server_without_trusted_ca(void **state)
{
    assert_tls_refused(*state, "localhost", 0, "unable to get local issuer certificate");
}

static void test_orderbook_refuses_certificate_for_another_host(void **state)
{
    assert_tls_refused(*state, "wrong.example", 1, "mismatch");
}

static void test_orderbook_replays_real_binance_capture(void **state)
{
    run *r = *state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    ob_start_server(r, "localhost",
                    "symbols NKNUSDT BLZETH LRCBTC RUNEEUR\nrate 200\nreplay " DEPTHLOG_CAPTURE_DIR
                    "\n");
    ob_write_config(r, NULL);
    char *const four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    ob_capture(r, 4, four);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_true(ob_check_depth(r, &rs) > 100);
    assert_int_equal(tr_count(&rs, "resync", NULL, NULL), 0);
    tr_records_free(&rs);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_orderbook_records_equal_truth_through_every_fault),
        T(test_orderbook_reconnects_after_abrupt_close),
        T(test_orderbook_replaces_stalled_connection),
        T(test_orderbook_sigterm_drains_every_received_event),
        T(test_orderbook_second_sigint_drops_what_is_queued),
        T(test_orderbook_server_shutdown_reconnects_and_resyncs),
        T(test_orderbook_region_block_names_the_alternatives),
        T(test_orderbook_status_line_names_symbol_and_file),
        T(test_orderbook_status_line_on_a_terminal_redraws_every_second),
        T(test_orderbook_quiet_prints_no_status_line),
        T(test_orderbook_daily_utc_file_names_from_config),
        T(test_orderbook_5sec_file_names),
        T(test_orderbook_zstd_files_with_checksums),
        T(test_orderbook_bad_config_exits_2_naming_the_line),
        T(test_orderbook_unknown_symbol_exits_1_naming_it),
        T(test_orderbook_refuses_server_without_trusted_ca),
        T(test_orderbook_refuses_certificate_for_another_host),
        T(test_orderbook_replays_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
