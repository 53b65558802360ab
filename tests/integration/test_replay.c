/*
 * orderbook-replay against what the real orderbook binary recorded from the local fake Binance
 * (and from the real Binance capture it serves): --verify passes on a `record = both` capture
 * with every scripted fault, in plain and zstd files given in any order, and fails naming the
 * place on doctored copies; --out at depth 50 and --at equal the server's truth; bad input is
 * named by file and line while the rest is still read; usage errors exit 2.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ob_run.h"
#include "records.h"
#include "test_util.h"

typedef ob_run run;

static char *const two[] = {"BTCUSDT", "ETHUSDT"};

/* `book`: lines of [book]; `binance`: more lines of [binance]. One connection (legs = 1): the
 * records and resyncs counted here are one connection's (two legs: test_legs.c). */
static void write_config_with(run *r, const char *book, const char *binance)
{
    FILE *f = fopen(r->conf, "w");
    assert_non_null(f);
    fprintf(f,
            "[log]\ndir = %s\nrollover = 5sec\nclock = utc\n[binance]\nlegs = 1\n"
            "ws_url = wss://localhost:%d\n"
            "rest_url = https://localhost:%d\nsnapshot_limit = 100\nca_file = %s/ca.pem\n%s\n"
            "[book]\n%s\n",
            r->logs, r->fs.port, r->fs.port, ob_certs, binance, book);
    fclose(f);
}

/* Run orderbook on the scenario until the server is done and every symbol's last event is in
 * the files, then stop it. */
static void capture_with(run *r, const char *scenario, const char *book, const char *binance,
                         char *const *symbols, int n)
{
    ob_start_server(r, "localhost", scenario);
    write_config_with(r, book, binance);
    char *args[8] = {"-q", "-c", r->conf};
    for (int i = 0; i < n; i++)
        args[3 + i] = symbols[i];
    args[3 + n] = NULL;
    ob_spawn(r, args, NULL);
    int64_t deadline = tu_mono_ns() + 90LL * 1000000000LL;
    for (;;) {
        if (tu_mono_ns() > deadline)
            ob_fail_with_logs(r, "not captured in 90 s");
        if (ob_file_contains(r->fs.log, "done")) {
            tr_truth t = {NULL, 0};
            char err[512];
            if (tr_read_truth(&t, r->fs.truth, err, sizeof err) != 0)
                fail_msg("%s", err);
            int all = 1;
            for (int i = 0; i < n && all; i++)
                all = tr_files_have_u(r->logs, symbols[i], tr_truth_last_u(&t, symbols[i]));
            tr_truth_free(&t);
            if (all)
                break;
        }
        tu_pause();
    }
    assert_int_equal(ob_stop(r, 30), 0);
}

static void capture(run *r, const char *scenario, const char *book, char *const *symbols, int n)
{
    capture_with(r, scenario, book, "", symbols, n);
}

/* The files of a directory, sorted by name (malloc'ed paths, NULL-terminated). */
static char **files_of(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **v = calloc(4096, sizeof *v);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < 4095) {
        if (e->d_name[0] == '.')
            continue;
        v[*n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(v[*n], "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

static void free_files(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Run orderbook-replay with `opts` (NULL-terminated) and the files; its stdout and stderr go to
 * `out`. Returns its exit status. */
static int replay(const char *out, char *const opts[], char **files, size_t n_files)
{
    char *argv[4200];
    size_t n = 0;
    argv[n++] = DEPTHLOG_REPLAY;
    for (size_t i = 0; opts[i] != NULL; i++)
        argv[n++] = opts[i];
    for (size_t i = 0; i < n_files && n < 4198; i++)
        argv[n++] = files[i];
    argv[n] = NULL;
    pid_t pid = proc_spawn(argv, out, NULL);
    assert_true(pid > 0);
    return proc_wait(pid, 120);
}

/* Run orderbook-replay with `opts` on every file of r->logs (in name order); its output goes to
 * out (r->dir/replay.out, cap bytes for the path). Returns its exit status. */
static int replay_logs(run *r, char *const opts[], char *out, size_t cap)
{
    size_t n;
    char **files = files_of(r->logs, &n);
    snprintf(out, cap, "%s/replay.out", r->dir);
    int rc = replay(out, opts, files, n);
    free_files(files, n);
    return rc;
}

static void fail_with(const char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_with(const char *out, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *text = tu_read_file(out, NULL);
    fail_msg("%s\norderbook-replay said:\n%s", msg, text ? text : "(nothing)");
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

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
    run *r = *state;
    capture(r,
            "symbols BTCUSDT ETHUSDT\nrate 40\nevents 200\ngap ETHUSDT 150\nduplicate BTCUSDT 20\n"
            "overlap BTCUSDT 30\nmalformed 40\nbinary 41\nwrongtype 42\nfragment 64\n"
            "stale BTCUSDT 1\nrest429 2 1\nclose 170\n",
            "record = both", two, 2);
    /* Half the files compressed by the zstd command: a mix of .txt and .txt.zst. */
    size_t n;
    char **files = files_of(r->logs, &n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i += 2)
        sh("zstd -q --rm '%s'", files[i]);
    free_files(files, n);
    files = files_of(r->logs, &n);
    /* Given newest first: they are read in ts order anyway. */
    for (size_t i = 0; i < n / 2; i++) {
        char *t = files[i];
        files[i] = files[n - 1 - i];
        files[n - 1 - i] = t;
    }
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *opts[] = {"-q", "-c", r->conf, "--verify", NULL};
    int rc = replay(out, opts, files, n);
    if (rc != 0)
        fail_with(out, "exit %d", rc);
    if (checked(out) < 200)
        fail_with(out, "fewer than 200 events checked");
    if (!ob_file_contains(out, "3 resyncs seen") || !ob_file_contains(out, "2 books"))
        fail_with(out, "expected 3 resyncs (a gap and two disconnects) and 2 books");
    free_files(files, n);
}

/* Verify all the files of a capture; fail unless it passes with at least `events` checked and
 * says `text`. (How many resyncs a fault costs is test_orderbook's to say.) */
static void assert_verifies(run *r, long events, const char *text)
{
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "-c", r->conf, "--verify", NULL};
    int rc = replay_logs(r, opts, out, sizeof out);
    if (rc != 0 || checked(out) < events || !ob_file_contains(out, text))
        fail_with(out, "exit %d; expected 0, %ld events checked at least, \"%s\"", rc, events,
                  text);
}

static void test_replay_verify_passes_through_a_stalled_connection(void **state)
{
    run *r = *state;
    capture_with(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nstall 30 4000\n",
                 "record = both", "ping_s = 1\nhangup_s = 2", two, 2);
    assert_verifies(r, 100, " resyncs seen");
}

static void test_replay_verify_passes_through_a_server_shutdown_and_a_418(void **state)
{
    run *r = *state;
    capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nshutdown 100\nrest418 1 1\n",
            "record = both", two, 2);
    assert_verifies(r, 100, " resyncs seen");
}

/* The first line after line `after` of the file holding `a` (and `b`, unless NULL); its number
 * (from 1), or 0. */
static size_t find_line(const char *path, size_t after, const char *a, const char *b, char **line)
{
    char *text = tu_read_file(path, NULL);
    size_t no = 0;
    for (char *p = text, *nl; p != NULL && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        no++;
        if (no > after && strstr(p, a) && (b == NULL || strstr(p, b))) {
            *line = strdup(p);
            free(text);
            return no;
        }
    }
    free(text);
    return 0;
}

/* A depth record of BTCUSDT after the 20th line of the longest file: its file and line. */
static size_t a_depth_record(run *r, char *file, size_t cap, char **line)
{
    size_t n;
    char **files = files_of(r->logs, &n);
    size_t best = 0;
    long most = -1;
    for (size_t i = 0; i < n; i++) {
        long lines = tu_count_lines(files[i]);
        if (lines > most) {
            most = lines;
            best = i;
        }
    }
    size_t no = find_line(files[best], 20, "\"event\":\"depth\",\"s\":\"BTCUSDT\"", NULL, line);
    if (no > 0) {
        snprintf(file, cap, "%s", files[best]);
        free_files(files, n);
        return no;
    }
    free_files(files, n);
    fail_msg("no depth record of BTCUSDT");
    return 0;
}

/* Line `no` (from 1) of the file replaced by `with`, or removed when `with` is NULL; the line
 * that was there (malloc'ed). */
static char *replace_line(const char *path, size_t no, const char *with)
{
    char *text = tu_read_file(path, NULL);
    assert_non_null(text);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char *was = NULL;
    size_t k = 0;
    for (char *p = text, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        *nl = '\0';
        if (++k == no)
            was = strdup(p);
        const char *keep = k == no ? with : p;
        if (keep != NULL)
            fprintf(f, "%s\n", keep);
    }
    fclose(f);
    free(text);
    assert_non_null(was);
    return was;
}

static void test_replay_verify_fails_on_a_changed_quantity_naming_it(void **state)
{
    run *r = *state;
    capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 120\n", "record = both", two, 2);
    char file[PATH_MAX], *line;
    size_t no = a_depth_record(r, file, sizeof file, &line);
    /* The first bid's quantity of that record, one digit changed. */
    char *q = strstr(line, "\"bids\":[[\"");
    q = strchr(q + 10, '"') + 3;
    char old = *q;
    *q = old == '9' ? '8' : '9';
    free(replace_line(file, no, line));
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = replay_logs(r, opts, out, sizeof out);
    char where[PATH_MAX + 64];
    snprintf(where, sizeof where, "%s:%zu: BTCUSDT u=", file, no);
    if (rc != 1 || !ob_file_contains(out, where) || !ob_file_contains(out, "bids[0] quantity"))
        fail_with(out, "exit %d; expected 1 and a divergence at %s", rc, where);
    free(line);
}

static void test_replay_verify_fails_on_a_removed_frame_naming_the_place(void **state)
{
    run *r = *state;
    capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 120\n", "record = both", two, 2);
    char file[PATH_MAX], *line;
    size_t no = a_depth_record(r, file, sizeof file, &line);
    /* Remove the frame right before that depth record (the one it was made of). */
    char *gone = replace_line(file, no - 1, NULL);
    assert_non_null(strstr(gone, "\"event\":\"frame\""));
    free(gone);
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = replay_logs(r, opts, out, sizeof out);
    /* The depth record is now the line before where it was. */
    char where[PATH_MAX + 64];
    snprintf(where, sizeof where, "%s:%zu: BTCUSDT u=", file, no - 1);
    if (rc != 1 || !ob_file_contains(out, where) || !ob_file_contains(out, "was not rebuilt"))
        fail_with(out, "exit %d; expected 1 and a divergence at %s", rc, where);
    free(line);
}

static void test_replay_out_at_depth_50_equals_the_truth(void **state)
{
    run *r = *state;
    capture(r,
            "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nlevels 80\ndepth 50\ngap ETHUSDT 60\n",
            "record = raw", two, 2);
    char out[PATH_MAX + 32], dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/rebuilt", r->dir);
    char *opts[] = {"-q", "-c", r->conf, "--out", dir, "--depth", "50", NULL};
    int rc = replay_logs(r, opts, out, sizeof out);
    if (rc != 0)
        fail_with(out, "exit %d", rc);
    tr_records rs = {NULL, 0};
    tr_truth t = {NULL, 0};
    char err[512];
    assert_int_equal(tr_read_records(&rs, dir, err, sizeof err), 0);
    assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
    size_t equal = 0, levels50 = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const tr_record *x = &rs.r[i];
        if (strcmp(x->event, "depth") != 0)
            continue;
        const tr_event *e = NULL;
        for (size_t k = 0; k < t.n && e == NULL; k++)
            if (strcmp(t.e[k].s, x->s) == 0 && t.e[k].u == x->u)
                e = &t.e[k];
        if (e == NULL || strcmp(e->book, x->book) != 0)
            fail_msg("%s u=%.0f: rebuilt %s\ntruth %s", x->s, x->u, x->book,
                     e ? e->book : "(none)");
        equal++;
        /* 50 levels a side: 49 commas between levels of one side at least. */
        size_t commas = 0;
        for (const char *p = x->book; *p && *p != '|'; p++)
            commas += p[0] == ']' && p[1] == ',';
        levels50 += commas == 49;
    }
    if (equal < 150 || levels50 < 150)
        fail_with(out, "%zu depth records equal to the truth, %zu with 50 bids", equal, levels50);
    assert_int_equal(tr_count(&rs, "resync", "ETHUSDT", "gap"), 1);
    assert_true(tr_count(&rs, "snapshot", NULL, NULL) >= 3);
    tr_records_free(&rs);
    tr_truth_free(&t);
}

/* The ts of a record line in ns (the helper parses with strptime-free arithmetic: UTC only). */
static int64_t ts_of(const char *line)
{
    const char *p = strstr(line, "\"ts\":\"") + 6;
    int y, mo, d, h, mi, s, us;
    assert_int_equal(sscanf(p, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ", &y, &mo, &d, &h, &mi, &s, &us), 7);
    return tu_utc_ns(y, mo, d, h, mi, s) + (int64_t)us * 1000;
}

static void test_replay_at_equals_the_truth_at_that_time(void **state)
{
    run *r = *state;
    capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\n", "record = both", two, 2);
    char file[PATH_MAX], *line;
    a_depth_record(r, file, sizeof file, &line);
    /* TIME: 1 ms after that record. The truth at TIME: each symbol's last depth record with
     * ts <= TIME in the files (orderbook's own, checked against the server's truth by
     * test_orderbook), and the truth at its u. */
    int64_t at = ts_of(line) + 1000000;
    free(line);
    char when[64];
    time_t sec = (time_t)(at / 1000000000LL);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + strlen(when), sizeof when - strlen(when), ".%06dZ",
             (int)(at % 1000000000LL / 1000));
    size_t n;
    char **files = files_of(r->logs, &n);
    double last_u[2] = {-1, -1};
    for (size_t i = 0; i < n; i++) {
        char *text = tu_read_file(files[i], NULL);
        for (char *p = strtok(text, "\n"); p != NULL; p = strtok(NULL, "\n")) {
            if (strstr(p, "\"event\":\"depth\"") == NULL || ts_of(p) > at)
                continue;
            for (int s = 0; s < 2; s++) {
                char key[40];
                snprintf(key, sizeof key, "\"s\":\"%s\"", two[s]);
                if (strstr(p, key) != NULL) {
                    double u = strtod(strstr(p, ",\"u\":") + 5, NULL);
                    if (u > last_u[s])
                        last_u[s] = u;
                }
            }
        }
        free(text);
    }
    assert_true(last_u[0] > 0 && last_u[1] > 0);
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *opts[] = {"-q", "-c", r->conf, "--at", when, NULL};
    int rc = replay(out, opts, files, n);
    if (rc != 0)
        fail_with(out, "exit %d", rc);
    tr_truth t = {NULL, 0};
    char err[512];
    assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
    char *text = tu_read_file(out, NULL);
    int seen = 0;
    for (char *p = strtok(text, "\n"); p != NULL; p = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(p);
        if (j == NULL)
            continue;
        const char *s = cJSON_GetObjectItemCaseSensitive(j, "s")->valuestring;
        int k = strcmp(s, two[0]) == 0 ? 0 : 1;
        if (strcmp(cJSON_GetObjectItemCaseSensitive(j, "ts")->valuestring, when) != 0 ||
            strcmp(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "live") != 0 ||
            cJSON_GetObjectItemCaseSensitive(j, "u")->valuedouble != last_u[k])
            fail_with(out, "%s: expected live at u=%.0f as of %s", s, last_u[k], when);
        char *b = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(j, "bids"));
        char *a = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(j, "asks"));
        char book[8192];
        snprintf(book, sizeof book, "%s|%s", b, a);
        free(b);
        free(a);
        const tr_event *e = NULL;
        for (size_t i = 0; i < t.n && e == NULL; i++)
            if (strcmp(t.e[i].s, s) == 0 && t.e[i].u == last_u[k])
                e = &t.e[i];
        if (e == NULL || strcmp(e->book, book) != 0)
            fail_with(out, "%s at u=%.0f: %s, the truth %s", s, last_u[k], book,
                      e ? e->book : "(none)");
        seen++;
        cJSON_Delete(j);
    }
    free(text);
    assert_int_equal(seen, 2);
    tr_truth_free(&t);
    free_files(files, n);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_replay_bad_input_is_named_and_the_rest_is_read(void **state)
{
    run *r = *state;
    capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 60\n", "record = both", two, 2);
    size_t n;
    char **files = files_of(r->logs, &n);
    assert_true(n >= 1);
    char bad[PATH_MAX + 32];
    snprintf(bad, sizeof bad, "%s/bad", r->dir);
    mkdir(bad, 0755);
    /* Not zstd, though named so; a zstd file cut short; a line that is not JSON and a last
     * line without its end; records out of order; a file that is not there. */
    char p_notzst[PATH_MAX + 64], p_cut[PATH_MAX + 64], p_json[PATH_MAX + 64],
        p_order[PATH_MAX + 64], p_missing[PATH_MAX + 64];
    snprintf(p_notzst, sizeof p_notzst, "%s/a.txt.zst", bad);
    snprintf(p_cut, sizeof p_cut, "%s/b.txt.zst", bad);
    snprintf(p_json, sizeof p_json, "%s/c.txt", bad);
    snprintf(p_order, sizeof p_order, "%s/d.txt", bad);
    snprintf(p_missing, sizeof p_missing, "%s/missing.txt", bad);
    write_text(p_notzst, "{\"ts\":\"2026-01-01T00:00:00.000000Z\",\"event\":\"connected\"}\n");
    sh("zstd -q -c '%s' | head -c 200 > '%s'", files[0], p_cut);
    write_text(p_json, "{\"ts\":\"2026-01-01T00:00:01.000000Z\",\"event\":\"connected\"}\n"
                       "this is not JSON\n"
                       "{\"ts\":\"2026-01-01T00:00:02.000000Z\",\"event\":\"disconnected\"");
    write_text(p_order, "{\"ts\":\"2026-01-01T00:00:05.000000Z\",\"event\":\"connected\"}\n"
                        "{\"ts\":\"2026-01-01T00:00:04.000000Z\",\"event\":\"disconnected\","
                        "\"reason\":\"x\"}\n");
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *argv_files[4100];
    size_t k = 0;
    argv_files[k++] = p_missing;
    argv_files[k++] = p_notzst;
    argv_files[k++] = p_cut;
    argv_files[k++] = p_json;
    argv_files[k++] = p_order;
    for (size_t i = 0; i < n; i++)
        argv_files[k++] = files[i];
    char *opts[] = {"-q", "--at", "2100-01-01", NULL};
    int rc = replay(out, opts, argv_files, k);
    char expect[6][PATH_MAX + 128];
    snprintf(expect[0], sizeof expect[0], "%s: No such file or directory", p_missing);
    snprintf(expect[1], sizeof expect[1], "%s:1: not a zstd file", p_notzst);
    snprintf(expect[2], sizeof expect[2], "%s:", p_cut); /* line depends on the cut */
    snprintf(expect[3], sizeof expect[3], "%s:2: not JSON: this is not JSON", p_json);
    snprintf(expect[4], sizeof expect[4], "%s:3: truncated: the last line has no end", p_json);
    snprintf(expect[5], sizeof expect[5], "%s:2: out of order", p_order);
    if (rc != 1)
        fail_with(out, "exit %d, expected 1", rc);
    for (int i = 0; i < 6; i++)
        if (!ob_file_contains(out, expect[i]))
            fail_with(out, "no \"%s\"", expect[i]);
    if (!ob_file_contains(out, "truncated: the zstd stream ends inside a frame"))
        fail_with(out, "the cut zstd file is not named as truncated");
    /* The good files were still read: both books live at the end. */
    if (!ob_file_contains(out, "\"s\":\"BTCUSDT\",\"state\":\"live\"") ||
        !ob_file_contains(out, "\"s\":\"ETHUSDT\",\"state\":\"live\""))
        fail_with(out, "the books of the good files are not live");
    free_files(files, n);
}

static void test_replay_usage_errors_exit_2(void **state)
{
    run *r = *state;
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *none[] = {NULL};
    char *depth[] = {"--depth", "0", NULL};
    char *at[] = {"--at", "yesterday", NULL};
    char *f[] = {"x.txt"};
    assert_int_equal(replay(out, none, NULL, 0), 2);
    assert_true(ob_file_contains(out, "no files given"));
    assert_int_equal(replay(out, depth, f, 1), 2);
    assert_true(ob_file_contains(out, "--depth 0"));
    assert_int_equal(replay(out, at, f, 1), 2);
    assert_true(ob_file_contains(out, "--at yesterday"));
}

/* A record = both file of BTCUSDT made here: a snapshot, then `n` events (no orderbook). */
static void synthetic_capture(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"ts\":\"2026-01-01T00:00:00.000000Z\",\"event\":\"rest\",\"s\":\"BTCUSDT\","
               "\"data\":{\"lastUpdateId\":1000,\"bids\":[[\"1.00\",\"1\"]],\"asks\":[[\"2.00\","
               "\"1\"]]}}\n");
    for (int i = 1; i <= n; i++)
        fprintf(
            f,
            "{\"ts\":\"2026-01-01T00:%02d:%02d.%06dZ\",\"event\":\"frame\",\"data\":{\"stream\":"
            "\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\","
            "\"U\":%d,\"u\":%d,\"b\":[[\"1.%02d\",\"%d\"]],\"a\":[]}}}\n",
            i / 60000 % 60, i / 1000 % 60, i % 1000 * 1000, 1000 + i, 1000 + i, i % 100, i % 3);
    fclose(f);
}

static void test_replay_progress_line_on_a_terminal_only(void **state)
{
    run *r = *state;
    char file[PATH_MAX + 32], out[PATH_MAX + 32];
    snprintf(file, sizeof file, "%s/cap.txt", r->dir);
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    synthetic_capture(file, 400000);
    /* On a terminal (script(1) gives it a pty): the line, redrawn in place. */
    sh("script -qfec '%s %s' /dev/null > '%s' 2>&1", DEPTHLOG_REPLAY, file, out);
    if (!ob_file_contains(out, "\r\033[Korderbook-replay: file 1 of 1 | ") ||
        !ob_file_contains(out, " MB/s | ") || !ob_file_contains(out, " k events/s | ") ||
        !ob_file_contains(out, "% | ETA "))
        fail_with(out, "no progress line on a terminal");
    /* Not a terminal: no progress line, the summary only. */
    char *f[] = {file};
    char *none[] = {NULL};
    assert_int_equal(replay(out, none, f, 1), 0);
    if (ob_file_contains(out, "ETA") || !ob_file_contains(out, "400000 frames"))
        fail_with(out, "a progress line without a terminal, or no summary");
}

static void test_replay_verify_passes_on_the_real_binance_capture(void **state)
{
    run *r = *state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    char *const four[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    capture(r, "symbols NKNUSDT BLZETH LRCBTC RUNEEUR\nrate 200\nreplay " DEPTHLOG_CAPTURE_DIR "\n",
            "record = both", four, 4);
    char out[PATH_MAX + 32];
    char *opts[] = {"-q", "--verify", NULL};
    int rc = replay_logs(r, opts, out, sizeof out);
    if (rc != 0 || checked(out) < 100 || !ob_file_contains(out, "0 resyncs seen, 4 books"))
        fail_with(out, "exit %d; expected 0, over 100 events checked, no resync, 4 books", rc);
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
        T(test_replay_out_at_depth_50_equals_the_truth),
        T(test_replay_at_equals_the_truth_at_that_time),
        T(test_replay_bad_input_is_named_and_the_rest_is_read),
        T(test_replay_usage_errors_exit_2),
        T(test_replay_progress_line_on_a_terminal_only),
        T(test_replay_verify_passes_on_the_real_binance_capture),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
