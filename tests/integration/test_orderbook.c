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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ob_run.h"
#include "records.h"
#include "test_util.h"

typedef ob_run run;

typedef struct records {
    cJSON **r;
    size_t n;
} records;

/* A config for the fake server: `extra` lines are appended to [log] and [binance]. */
static void write_config(run *r, const char *log_extra, const char *binance_extra, int with_ca)
{
    FILE *f = fopen(r->conf, "w");
    fprintf(f,
            "[log]\ndir = %s\n%s\n[binance]\nws_url = wss://localhost:%d\n"
            "rest_url = https://localhost:%d\nsnapshot_limit = 100\n",
            r->logs, log_extra, r->fs.port, r->fs.port);
    if (with_ca)
        fprintf(f, "ca_file = %s/ca.pem\n", ob_certs);
    fprintf(f, "%s\n", binance_extra);
    fclose(f);
}

static void start_orderbook(run *r, char *const env[], char *sym1, char *sym2)
{
    char *args[] = {"-q", "-c", r->conf, sym1, sym2, NULL};
    ob_spawn(r, args, env);
}

static int stop_orderbook(run *r)
{
    return ob_stop(r, 30);
}

static int count_in_file(const char *path, const char *needle)
{
    char *text = tu_read_file(path, NULL);
    int n = 0;
    for (char *p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++)
        n++;
    free(text);
    return n;
}

static void records_free(records *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        cJSON_Delete(rs->r[i]);
    free(rs->r);
    rs->r = NULL;
    rs->n = 0;
}

static int by_ts(const void *a, const void *b)
{
    const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
    return strcmp(cJSON_GetObjectItemCaseSensitive(x, "ts")->valuestring,
                  cJSON_GetObjectItemCaseSensitive(y, "ts")->valuestring);
}

/* Every record of every file, in time order; each line must be one JSON object. While the
 * program runs (`running`), a file may end in the part of a line whose write() is still
 * under way: only complete lines count. Once it has stopped, every file ends in a whole line. */
static records read_records_of(const char *logs, int running)
{
    records rs = {NULL, 0};
    DIR *d = opendir(logs);
    if (d == NULL)
        return rs;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", logs, e->d_name);
        size_t len = 0;
        char *text = tu_read_file(path, &len);
        if (text == NULL)
            fail_msg("cannot read %s", path);
        char *end = strrchr(text, '\n');
        if (running)
            *(end ? end : text) = '\0';
        else if (len > 0 && (end == NULL || end[1] != '\0'))
            fail_msg("%s ends in half a line: %s", e->d_name, end ? end + 1 : text);
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            cJSON *j = cJSON_Parse(line);
            if (j == NULL)
                fail_msg("not JSON in %s: %s", e->d_name, line);
            rs.r = realloc(rs.r, (rs.n + 1) * sizeof *rs.r);
            rs.r[rs.n++] = j;
        }
        free(text);
    }
    closedir(d);
    /* A stable order by receive time (equal ts keep file order is not needed here). */
    if (rs.n > 1) /* no records yet is a NULL array, which qsort may not be given */
        qsort(rs.r, rs.n, sizeof *rs.r, by_ts);
    return rs;
}

static records read_records(const char *logs)
{
    return read_records_of(logs, 0);
}

static const char *event_of(const cJSON *r)
{
    return cJSON_GetObjectItemCaseSensitive(r, "event")->valuestring;
}

static int has_depth_u(const records *rs, const char *symbol, double u)
{
    for (size_t i = 0; i < rs->n; i++) {
        const cJSON *x = rs->r[i];
        if (strcmp(event_of(x), "depth") == 0 &&
            strcmp(cJSON_GetObjectItemCaseSensitive(x, "s")->valuestring, symbol) == 0 &&
            cJSON_GetObjectItemCaseSensitive(x, "u")->valuedouble == u)
            return 1;
    }
    return 0;
}

/* Wait until the server sent everything and the last event of each symbol is recorded. */
static void wait_until_captured(run *r, const char *const *symbols, int n)
{
    int64_t deadline = tu_mono_ns() + 60LL * 1000000000LL;
    for (;;) {
        if (tu_mono_ns() > deadline) {
            char *log = tu_read_file(r->fs.log, NULL), *err = tu_read_file(r->err, NULL);
            fail_msg("not captured in 60 s\nserver log:\n%s\norderbook stderr:\n%s",
                     log ? log : "(none)", err ? err : "(none)");
        }
        if (ob_file_contains(r->fs.log, "done")) {
            /* The truth is complete once the server says done: read it once per look. */
            tr_truth truth = {NULL, 0};
            char err[512];
            if (tr_read_truth(&truth, r->fs.truth, err, sizeof err) != 0)
                fail_msg("%s", err);
            records rs = read_records_of(r->logs, 1);
            int all = 1;
            for (int i = 0; i < n && all; i++)
                all = has_depth_u(&rs, symbols[i], tr_truth_last_u(&truth, symbols[i]));
            records_free(&rs);
            tr_truth_free(&truth);
            if (all)
                return;
        }
        tu_pause();
    }
}

/* Every depth record equals the truth at its (s, u); returns how many were checked. */
static size_t check_depth_against_truth(run *r, const records *rs)
{
    char *text = tu_read_file(r->fs.truth, NULL);
    size_t n_truth = 0, cap = 0;
    cJSON **truth = NULL;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (n_truth == cap) {
            cap = cap ? cap * 2 : 256;
            truth = realloc(truth, cap * sizeof *truth);
        }
        truth[n_truth++] = cJSON_Parse(line);
    }
    free(text);
    size_t checked = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const cJSON *x = rs->r[i];
        if (strcmp(event_of(x), "depth") != 0)
            continue;
        const char *s = cJSON_GetObjectItemCaseSensitive(x, "s")->valuestring;
        double u = cJSON_GetObjectItemCaseSensitive(x, "u")->valuedouble;
        const cJSON *t = NULL;
        for (size_t k = 0; k < n_truth && t == NULL; k++)
            if (strcmp(cJSON_GetObjectItemCaseSensitive(truth[k], "s")->valuestring, s) == 0 &&
                cJSON_GetObjectItemCaseSensitive(truth[k], "u")->valuedouble == u)
                t = truth[k];
        if (t == NULL)
            fail_msg("%s u=%.0f: no such event in the truth", s, u);
        char *got = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(x, "bids"));
        char *want = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(t, "bids"));
        if (strcmp(got, want) != 0)
            fail_msg("%s u=%.0f bids: %s, truth %s", s, u, got, want);
        free(got);
        free(want);
        got = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(x, "asks"));
        want = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(t, "asks"));
        if (strcmp(got, want) != 0)
            fail_msg("%s u=%.0f asks: %s, truth %s", s, u, got, want);
        free(got);
        free(want);
        checked++;
    }
    for (size_t k = 0; k < n_truth; k++)
        cJSON_Delete(truth[k]);
    free(truth);
    return checked;
}

static int count_events(const records *rs, const char *event, const char *symbol,
                        const char *reason)
{
    int n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const cJSON *x = rs->r[i];
        if (strcmp(event_of(x), event) != 0)
            continue;
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(x, "s");
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(x, "reason");
        if (symbol != NULL && (s == NULL || strcmp(s->valuestring, symbol) != 0))
            continue;
        if (reason != NULL && (why == NULL || strstr(why->valuestring, reason) == NULL))
            continue;
        n++;
    }
    return n;
}

/* The counters of orderbook's exit summary. */
typedef struct summary {
    unsigned long long records, written, refused, lost, discarded;
} summary;

static summary read_summary(const char *err_path)
{
    summary s;
    char *text = tu_read_file(err_path, NULL);
    const char *p = text ? strstr(text, "summary: ") : NULL;
    if (p == NULL || sscanf(p,
                            "summary: %*u messages, %*u malformed, %llu records; files: %llu "
                            "lines written, %llu refused (queue full), %llu lost to I/O, "
                            "%llu discarded",
                            &s.records, &s.written, &s.refused, &s.lost, &s.discarded) != 5)
        fail_msg("no summary in:\n%s", text ? text : "(nothing)");
    free(text);
    return s;
}

static size_t count_depth_records(const char *logs)
{
    records rs = read_records_of(logs, 1);
    size_t n = (size_t)count_events(&rs, "depth", NULL, NULL);
    records_free(&rs);
    return n;
}

/* In the order written, a symbol's depth records come only after a snapshot, and none
 * between a resync and the next snapshot; the last resync is followed by a snapshot. */
static void assert_resyncs_followed_by_snapshots(const char *logs, const char *symbol)
{
    tr_records rs = {NULL, 0};
    char err[512];
    if (tr_read_records(&rs, logs, err, sizeof err) != 0)
        fail_msg("%s", err);
    int synced = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const tr_record *x = &rs.r[i];
        if (strcmp(x->s, symbol) != 0)
            continue;
        if (strcmp(x->event, "snapshot") == 0)
            synced = 1;
        else if (strcmp(x->event, "resync") == 0)
            synced = 0;
        else if (strcmp(x->event, "depth") == 0 && !synced)
            fail_msg("%s: depth record %zu has no snapshot before it", symbol, i);
    }
    tr_records_free(&rs);
    assert_true(synced);
}

static const char *const two[] = {"BTCUSDT", "ETHUSDT"};

static void test_orderbook_records_equal_truth_through_every_fault(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 200\ngap ETHUSDT 150\n"
                    "duplicate BTCUSDT 20\noverlap BTCUSDT 30\nmalformed 40\nbinary 41\n"
                    "wrongtype 42\nfragment 64\nstale BTCUSDT 1\nrest429 2 1\nclose 170\n");
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "btcusdt", "ETHUSDT");
    wait_until_captured(r, two, 2);
    assert_int_equal(stop_orderbook(r), 0);

    records rs = read_records(r->logs);
    size_t checked = check_depth_against_truth(r, &rs);
    assert_true(checked > 200); /* of 400 events: the rest fell in resync windows */
    /* The gap resynced ETHUSDT, and only it; the stale snapshot was fetched again, not
     * applied; malformed frames were skipped; the cut connection came back and both books
     * resynced on it. */
    assert_int_equal(count_events(&rs, "resync", "ETHUSDT", "gap"), 1);
    assert_int_equal(count_events(&rs, "resync", "BTCUSDT", "gap"), 0);
    assert_int_equal(count_events(&rs, "resync", "ETHUSDT", "disconnect"), 1);
    assert_int_equal(count_events(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    /* Every resync is followed by a fresh snapshot (a disconnect may come before the first
     * snapshot loaded, when the 429s and a slow start delay it: then there is one fewer). */
    assert_true(count_events(&rs, "snapshot", "ETHUSDT", NULL) >= 2);
    assert_true(count_events(&rs, "snapshot", "BTCUSDT", NULL) >= 1);
    assert_resyncs_followed_by_snapshots(r->logs, "ETHUSDT");
    assert_resyncs_followed_by_snapshots(r->logs, "BTCUSDT");
    assert_int_equal(count_events(&rs, "connected", NULL, NULL), 2);
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
    records_free(&rs);
}

/* Two symbols through a scenario that drops the first connection once (`fault`): one
 * reconnect, both books resynced on it, every depth record equal to the truth. */
static void assert_reconnected_once(run *r, const char *fault)
{
    char scenario[256];
    snprintf(scenario, sizeof scenario, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 100\n%s\n",
             fault);
    ob_start_server(r, "localhost", scenario);
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "BTCUSDT", "ETHUSDT");
    wait_until_captured(r, two, 2);
    assert_int_equal(stop_orderbook(r), 0);
    records rs = read_records(r->logs);
    assert_true(check_depth_against_truth(r, &rs) > 100);
    assert_int_equal(count_events(&rs, "connected", NULL, NULL), 2);
    assert_int_equal(count_events(&rs, "disconnected", NULL, NULL), 1);
    assert_int_equal(count_events(&rs, "resync", "BTCUSDT", "disconnect"), 1);
    assert_int_equal(count_events(&rs, "resync", "ETHUSDT", "disconnect"), 1);
    assert_int_equal(count_in_file(r->fs.log, "ws "), 2);
    records_free(&rs);
}

static void test_orderbook_reconnects_after_abrupt_close(void **state)
{
    assert_reconnected_once(*state, "close 60");
}

static void test_orderbook_replaces_stalled_connection(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 20\nevents 60\nstall 10 4000\n");
    write_config(r, "", "", 1);
    char *env[] = {"ORDERBOOK_PING_S=1", "ORDERBOOK_HANGUP_S=2", NULL};
    start_orderbook(r, env, "BTCUSDT", NULL);
    const char *one[] = {"BTCUSDT"};
    wait_until_captured(r, one, 1);
    assert_int_equal(stop_orderbook(r), 0);
    records rs = read_records(r->logs);
    check_depth_against_truth(r, &rs);
    assert_true(count_events(&rs, "disconnected", NULL, NULL) >= 1);
    assert_true(count_in_file(r->fs.log, "ws ") >= 2);
    records_free(&rs);
}

static void test_orderbook_sigterm_drains_every_received_event(void **state)
{
    run *r = *state;
    /* Still streaming when the signal comes: 2 x 200 events/s for 20 s. */
    ob_start_server(r, "localhost", "symbols BTCUSDT ETHUSDT\nrate 200\nevents 4000\n");
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "BTCUSDT", "ETHUSDT");
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (count_depth_records(r->logs) < 300) {
        assert_true(tu_mono_ns() < deadline);
        tu_pause();
    }
    assert_int_equal(stop_orderbook(r), 0);
    /* Every record the pipeline made from what was received is in the files. */
    summary sum = read_summary(r->err);
    assert_true(sum.records > 300);
    assert_int_equal(sum.written, sum.records);
    assert_int_equal(sum.refused + sum.lost + sum.discarded, 0);
    records rs = read_records(r->logs);
    assert_int_equal(rs.n, sum.records);
    check_depth_against_truth(r, &rs);
    records_free(&rs);
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
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 100\nevents 2000\n");
    write_config(r, "rollover = daily\nclock = utc", "", 1);
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->fs.log, "rest ", 20);
    ob_wait_for_text(r, r->err, "ev/s", 20); /* the first status line: events are flowing */
    kill(r->pid, SIGINT);
    ob_wait_for_text(r, r->err, "stopping: writing what was received", 20);
    kill(r->pid, SIGINT);
    ob_wait_for_text(r, r->err, "stopping now: queued records are dropped", 20);
    /* Let the writer through: it finishes the write in progress and drops the rest. */
    int rd[2];
    for (int i = 0; i < 2; i++)
        rd[i] = open(fifo[i], O_RDONLY | O_NONBLOCK);
    int rc = -1;
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (rc < 0) {
        char buf[65536];
        for (int i = 0; i < 2; i++)
            while (read(rd[i], buf, sizeof buf) > 0)
                ;
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid)
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        assert_true(tu_mono_ns() < deadline);
        tu_pause();
    }
    r->pid = 0;
    for (int i = 0; i < 2; i++)
        close(rd[i]);
    assert_int_equal(rc, 3); /* records were discarded: exit 3 says so */
    summary sum = read_summary(r->err);
    assert_true(sum.discarded > 0);
    assert_int_equal(sum.written + sum.discarded + sum.lost, sum.records);
}

static void test_orderbook_server_shutdown_reconnects_and_resyncs(void **state)
{
    assert_reconnected_once(*state, "shutdown 50");
}

static void test_orderbook_region_block_names_the_alternatives(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\nrest451\n");
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    ob_wait_for_text(r, r->err, "HTTP 451", 20);
    assert_int_equal(stop_orderbook(r), 0);
    assert_true(ob_file_contains(r->err, "Binance blocks this region"));
    assert_true(ob_file_contains(r->err, "api.binance.us"));
    assert_true(ob_file_contains(r->err, "data-stream.binance.vision"));
}

static void test_orderbook_status_line_names_symbol_and_file(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 200\n");
    write_config(r, "", "", 1);
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->err, "orderbook: BTCUSDT ", 20);
    assert_int_equal(stop_orderbook(r), 0);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "| %s/", r->logs);
    assert_true(ob_file_contains(r->err, want));
    assert_true(ob_file_contains(r->err, "ev/s"));
    assert_true(ob_file_contains(r->err, "drops 0"));
}

/* Read what the pty's other end has for us (non-blocking) onto `acc`. */
static void drain_pty(int master, char *acc, size_t cap, size_t *len)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(master, buf, sizeof buf)) > 0) {
        size_t take = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(acc + *len, buf, take);
        *len += take;
        acc[*len] = '\0';
    }
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
    write_config(r, "", "", 1);
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    /* stderr is the terminal: orderbook's isatty sees one. */
    snprintf(r->err, sizeof r->err, "%s", ptsname(master));
    char *args[] = {"-c", r->conf, "BTCUSDT", NULL};
    ob_spawn(r, args, NULL);
    static char out[1 << 20];
    size_t len = 0;
    /* Three redraws of one line: at one a second they come long before the deadline; the
     * 10-second pace of a non-terminal would need 20 s and more. */
    int64_t deadline = tu_mono_ns() + 18LL * 1000000000LL;
    while (count_text(out, "\r\033[KBTCUSDT ") < 3) {
        if (tu_mono_ns() > deadline)
            fail_msg("fewer than 3 redrawn status lines in 18 s:\n%s", out);
        drain_pty(master, out, sizeof out, &len);
        tu_pause();
    }
    kill(r->pid, SIGTERM);
    int rc = -1;
    deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (rc < 0) {
        drain_pty(master, out, sizeof out, &len); /* a full pty would block its writes */
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid)
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        assert_true(tu_mono_ns() < deadline);
        tu_pause();
    }
    r->pid = 0;
    drain_pty(master, out, sizeof out, &len);
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
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    const char *one[] = {"BTCUSDT"};
    wait_until_captured(r, one, 1); /* over a second: a status line would have been due */
    assert_int_equal(stop_orderbook(r), 0);
    assert_false(ob_file_contains(r->err, "ev/s"));
    assert_false(ob_file_contains(r->err, "capturing"));
    assert_true(ob_file_contains(r->err, "summary: "));
}

static void test_orderbook_daily_utc_file_names_from_config(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    write_config(r, "rollover = daily\nclock = utc", "", 1);
    time_t before = time(NULL);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    const char *one[] = {"BTCUSDT"};
    wait_until_captured(r, one, 1);
    assert_int_equal(stop_orderbook(r), 0);
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
    records rs = read_records(r->logs);
    const char *ts = cJSON_GetObjectItemCaseSensitive(rs.r[0], "ts")->valuestring;
    assert_int_equal(strlen(ts), strlen("2026-11-25T03:15:42.217886Z"));
    assert_int_equal(ts[strlen(ts) - 1], 'Z');
    records_free(&rs);
}

static void test_orderbook_5sec_file_names(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    const char *one[] = {"BTCUSDT"};
    wait_until_captured(r, one, 1);
    assert_int_equal(stop_orderbook(r), 0);
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

static void test_orderbook_bad_config_exits_2_naming_the_line(void **state)
{
    run *r = *state;
    FILE *f = fopen(r->conf, "w");
    fputs("[log]\ndir = x\nrollover = weekly\n", f);
    fclose(f);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    assert_int_equal(proc_wait(r->pid, 30), 2);
    r->pid = 0;
    char want[PATH_MAX + 100];
    snprintf(want, sizeof want, "%s:3: [log] rollover = weekly: expected 5sec or daily", r->conf);
    assert_true(ob_file_contains(r->err, want));
}

static void test_orderbook_unknown_symbol_exits_1_naming_it(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 20\n");
    write_config(r, "", "", 1);
    start_orderbook(r, NULL, "NOSUCHCOIN", NULL);
    assert_int_equal(proc_wait(r->pid, 30), 1);
    r->pid = 0;
    assert_true(ob_file_contains(r->err, "Binance does not know the symbol NOSUCHCOIN"));
}

/* The handshake is refused, the certificate problem named on stderr, nothing connected; the
 * program keeps retrying and still stops cleanly. */
static void assert_tls_refused(run *r, const char *cert, int with_ca, const char *problem)
{
    ob_start_server(r, cert, "symbols BTCUSDT\nrate 50\nevents 20\n");
    write_config(r, "", "", with_ca);
    start_orderbook(r, NULL, "BTCUSDT", NULL);
    ob_wait_for_text(r, r->err, "certificate verify failed", 20);
    assert_int_equal(stop_orderbook(r), 0);
    assert_true(ob_file_contains(r->err, problem));
    records rs = read_records(r->logs);
    assert_int_equal(count_events(&rs, "connected", NULL, NULL), 0);
    records_free(&rs);
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
    FILE *probe = fopen(DEPTHLOG_CAPTURE_DIR "/frames.txt", "r");
    if (probe == NULL) {
        fprintf(stderr, "skipped: %s is not here\n", DEPTHLOG_CAPTURE_DIR);
        skip();
    }
    fclose(probe);
    ob_start_server(r, "localhost",
                    "symbols NKNUSDT BLZETH LRCBTC RUNEEUR\nrate 200\nreplay " DEPTHLOG_CAPTURE_DIR
                    "\n");
    write_config(r, "", "", 1);
    char *args[] = {"-q", "-c", r->conf, "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR", NULL};
    ob_spawn(r, args, NULL);
    const char *four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    wait_until_captured(r, four, 4);
    assert_int_equal(stop_orderbook(r), 0);
    records rs = read_records(r->logs);
    assert_true(check_depth_against_truth(r, &rs) > 100);
    assert_int_equal(count_events(&rs, "resync", NULL, NULL), 0);
    records_free(&rs);
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
        T(test_orderbook_bad_config_exits_2_naming_the_line),
        T(test_orderbook_unknown_symbol_exits_1_naming_it),
        T(test_orderbook_refuses_server_without_trusted_ca),
        T(test_orderbook_refuses_certificate_for_another_host),
        T(test_orderbook_replays_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
