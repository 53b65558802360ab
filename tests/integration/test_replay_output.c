/*
 * What orderbook-replay writes of what the real orderbook binary recorded from the local fake
 * Binance: --out at depth 50 and --at equal the server's truth; bad input is named by file and
 * line while the rest is still read; usage errors exit 2; a progress line on a terminal only.
 */
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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ob_run.h"
#include "records.h"
#include "replay_run.h"
#include "test_util.h"

static void test_replay_out_at_depth_50_equals_the_truth(void **state)
{
    ob_run *r = *state;
    rr_capture(
        r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\nlevels 80\ndepth 50\ngap ETHUSDT 60\n",
        "record = raw", rr_two, 2);
    char out[PATH_MAX + 32], dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/rebuilt", r->dir);
    char *opts[] = {"-q", "-c", r->conf, "--out", dir, "--depth", "50", NULL};
    int rc = rr_replay_logs(r, opts, out, sizeof out);
    if (rc != 0)
        rr_fail_with(out, "exit %d", rc);
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
        rr_fail_with(out, "%zu depth records equal to the truth, %zu with 50 bids", equal,
                     levels50);
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
    ob_run *r = *state;
    rr_capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 150\n", "record = both", rr_two, 2);
    char file[PATH_MAX], *line;
    rr_a_depth_record(r, file, sizeof file, &line);
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
    char **files = rr_files_of(r->logs, &n);
    double last_u[2] = {-1, -1};
    for (size_t i = 0; i < n; i++) {
        char *text = tu_read_file(files[i], NULL);
        for (char *p = strtok(text, "\n"); p != NULL; p = strtok(NULL, "\n")) {
            if (strstr(p, "\"event\":\"depth\"") == NULL || ts_of(p) > at)
                continue;
            for (int s = 0; s < 2; s++) {
                char key[40];
                snprintf(key, sizeof key, "\"s\":\"%s\"", rr_two[s]);
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
    int rc = rr_replay(out, opts, files, n);
    if (rc != 0)
        rr_fail_with(out, "exit %d", rc);
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
        int k = strcmp(s, rr_two[0]) == 0 ? 0 : 1;
        if (strcmp(cJSON_GetObjectItemCaseSensitive(j, "ts")->valuestring, when) != 0 ||
            strcmp(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "live") != 0 ||
            cJSON_GetObjectItemCaseSensitive(j, "u")->valuedouble != last_u[k])
            rr_fail_with(out, "%s: expected live at u=%.0f as of %s", s, last_u[k], when);
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
            rr_fail_with(out, "%s at u=%.0f: %s, the truth %s", s, last_u[k], book,
                         e ? e->book : "(none)");
        seen++;
        cJSON_Delete(j);
    }
    free(text);
    assert_int_equal(seen, 2);
    tr_truth_free(&t);
    rr_free_files(files, n);
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
    ob_run *r = *state;
    rr_capture(r, "symbols BTCUSDT ETHUSDT\nrate 40\nevents 60\n", "record = both", rr_two, 2);
    size_t n;
    char **files = rr_files_of(r->logs, &n);
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
    /* Cut at half its length, so the cut is inside a frame however little the file holds
     * (a fixed 200 bytes was the whole file when the first 5 s held few records). */
    rr_sh("zstd -q -c '%s' > '%s.whole' && head -c $(($(stat -c %%s '%s.whole') / 2)) '%s.whole' "
          "> '%s'",
          files[n > 1 ? 1 : 0], p_cut, p_cut, p_cut, p_cut);
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
    int rc = rr_replay(out, opts, argv_files, k);
    char expect[6][PATH_MAX + 128];
    snprintf(expect[0], sizeof expect[0], "%s: No such file or directory", p_missing);
    snprintf(expect[1], sizeof expect[1], "%s:1: not a zstd file", p_notzst);
    snprintf(expect[2], sizeof expect[2], "%s:", p_cut); /* line depends on the cut */
    snprintf(expect[3], sizeof expect[3], "%s:2: not JSON: this is not JSON", p_json);
    snprintf(expect[4], sizeof expect[4], "%s:3: truncated: the last line has no end", p_json);
    snprintf(expect[5], sizeof expect[5], "%s:2: out of order", p_order);
    if (rc != 1)
        rr_fail_with(out, "exit %d, expected 1", rc);
    for (int i = 0; i < 6; i++)
        if (!ob_file_contains(out, expect[i]))
            rr_fail_with(out, "no \"%s\"", expect[i]);
    if (!ob_file_contains(out, "truncated: the zstd stream ends inside a frame"))
        rr_fail_with(out, "the cut zstd file is not named as truncated");
    /* The good files were still read: both books live at the end. */
    if (!ob_file_contains(out, "\"s\":\"BTCUSDT\",\"state\":\"live\"") ||
        !ob_file_contains(out, "\"s\":\"ETHUSDT\",\"state\":\"live\""))
        rr_fail_with(out, "the books of the good files are not live");
    rr_free_files(files, n);
}

static void test_replay_usage_errors_exit_2(void **state)
{
    ob_run *r = *state;
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    char *none[] = {NULL};
    char *depth[] = {"--depth", "0", NULL};
    char *at[] = {"--at", "yesterday", NULL};
    char *f[] = {"x.txt"};
    assert_int_equal(rr_replay(out, none, NULL, 0), 2);
    assert_true(ob_file_contains(out, "no files given"));
    assert_int_equal(rr_replay(out, depth, f, 1), 2);
    assert_true(ob_file_contains(out, "--depth 0"));
    assert_int_equal(rr_replay(out, at, f, 1), 2);
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
    ob_run *r = *state;
    char file[PATH_MAX + 32], out[PATH_MAX + 32];
    snprintf(file, sizeof file, "%s/cap.txt", r->dir);
    snprintf(out, sizeof out, "%s/replay.out", r->dir);
    /* The line is drawn with the first 4096 records, however fast the replay: 20 k frames are
     * enough (400 k here, meant to outlast half a second, came and went with the machine's
     * speed). */
    synthetic_capture(file, 20000);
    /* On a terminal (script(1) gives it a pty): the line, redrawn in place. */
    rr_sh("script -qfec '%s %s' /dev/null > '%s' 2>&1", DEPTHLOG_REPLAY, file, out);
    if (!ob_file_contains(out, "\r\033[Korderbook-replay: file 1 of 1 | ") ||
        !ob_file_contains(out, " MB/s | ") || !ob_file_contains(out, " k events/s | ") ||
        !ob_file_contains(out, "% | ETA "))
        rr_fail_with(out, "no progress line on a terminal");
    /* Not a terminal: no progress line, the summary only. */
    char *f[] = {file};
    char *none[] = {NULL};
    assert_int_equal(rr_replay(out, none, f, 1), 0);
    if (ob_file_contains(out, "ETA") || !ob_file_contains(out, "20000 frames"))
        rr_fail_with(out, "a progress line without a terminal, or no summary");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_replay_out_at_depth_50_equals_the_truth),
        T(test_replay_at_equals_the_truth_at_that_time),
        T(test_replay_bad_input_is_named_and_the_rest_is_read),
        T(test_replay_usage_errors_exit_2),
        T(test_replay_progress_line_on_a_terminal_only),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
