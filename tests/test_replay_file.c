/* orderbook-replay's reading: lines of plain and zstd files with their numbers, every kind of
 * broken file named by file and line; the merge of many files in ts order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "rp_file.h"
#include "rp_merge.h"
#include "test_util.h"

/* Every line of a reader, joined by '|', and its end: "" or the error. */
static char *read_all(rp_file *f, char *err, size_t errlen)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    const char *line;
    size_t len;
    int rc;
    while ((rc = rp_file_next(f, &line, &len)) == 1) {
        while (n + len + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + n, line, len);
        n += len;
        out[n++] = '|';
        out[n] = '\0';
    }
    snprintf(err, errlen, "%s", rc < 0 ? rp_file_error(f) : "");
    assert_int_equal(rp_file_next(f, &line, &len), 0); /* after the end or an error: the end */
    return out;
}

static void test_rp_file_reads_lines_with_their_numbers(void **state)
{
    (void)state;
    const char text[] = "one\n\nthree\n";
    rp_file *f = rp_file_open_mem("m.txt", text, strlen(text), 0);
    const char *line;
    size_t len;
    assert_int_equal(rp_file_next(f, &line, &len), 1);
    assert_int_equal(rp_file_line(f), 1);
    assert_int_equal(rp_file_next(f, &line, &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(rp_file_next(f, &line, &len), 1);
    assert_int_equal(rp_file_line(f), 3);
    assert_memory_equal(line, "three", 5);
    assert_int_equal(rp_file_next(f, &line, &len), 0);
    rp_file_close(f);
}

static void test_rp_file_reads_a_line_longer_than_its_buffer(void **state)
{
    (void)state;
    size_t big = 3 << 20;
    char *text = malloc(big + 8);
    memset(text, 'x', big);
    memcpy(text + big, "\nend\n", 5);
    rp_file *f = rp_file_open_mem("m.txt", text, big + 5, 0);
    char err[256];
    char *all = read_all(f, err, sizeof err);
    assert_string_equal(err, "");
    assert_int_equal(strlen(all), big + 5);
    assert_string_equal(all + big, "|end|");
    free(all);
    rp_file_close(f);
    free(text);
}

/* `text` compressed as `frames` zstd frames back to back. */
static char *zstd_of(const char *text, size_t len, int frames, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len) + 64 * (size_t)frames;
    char *out = malloc(cap);
    size_t n = 0, step = len / (size_t)frames + 1;
    for (size_t at = 0; at < len; at += step) {
        size_t k = len - at < step ? len - at : step;
        size_t r = ZSTD_compress(out + n, cap - n, text + at, k, 3);
        assert_false(ZSTD_isError(r));
        n += r;
    }
    *out_len = n;
    return out;
}

static char *numbered_lines(int count, size_t *len)
{
    char *text = malloc((size_t)count * 32);
    size_t n = 0;
    for (int i = 1; i <= count; i++)
        n += (size_t)sprintf(text + n, "line %d\n", i);
    *len = n;
    return text;
}

static void test_rp_file_reads_zstd_of_several_frames(void **state)
{
    (void)state;
    size_t len, zlen;
    char *text = numbered_lines(100000, &len);
    char *z = zstd_of(text, len, 7, &zlen);
    rp_file *f = rp_file_open_mem("m.txt.zst", z, zlen, 1);
    char err[256];
    char *all = read_all(f, err, sizeof err);
    assert_string_equal(err, "");
    assert_int_equal(rp_file_line(f), 100000);
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = '|';
    assert_string_equal(all, text);
    free(all);
    rp_file_close(f);
    free(z);
    free(text);
}

static void test_rp_file_names_a_truncated_last_line(void **state)
{
    (void)state;
    const char text[] = "one\ntwo\nthr";
    rp_file *f = rp_file_open_mem("m.txt", text, strlen(text), 0);
    char err[256];
    char *all = read_all(f, err, sizeof err);
    assert_string_equal(all, "one|two|");
    assert_string_equal(err, "m.txt:3: truncated: the last line has no end (3 bytes ignored)");
    free(all);
    rp_file_close(f);
}

static void test_rp_file_names_a_cut_zstd_stream(void **state)
{
    (void)state;
    size_t len, zlen;
    char *text = numbered_lines(20000, &len);
    char *z = zstd_of(text, len, 2, &zlen);
    rp_file *f = rp_file_open_mem("m.txt.zst", z, zlen - 10, 1);
    char err[256];
    char *all = read_all(f, err, sizeof err);
    /* The first frame's lines come out whole; then the cut is named. */
    assert_true(rp_file_line(f) >= 9999);
    assert_non_null(strstr(all, "|line 9999|"));
    char expected[128];
    snprintf(expected, sizeof expected,
             "m.txt.zst:%llu: truncated: the zstd stream ends inside a frame",
             (unsigned long long)rp_file_line(f) + 1);
    assert_string_equal(err, expected);
    free(all);
    rp_file_close(f);
    free(z);
    free(text);
}

static void test_rp_file_names_bytes_that_are_not_zstd(void **state)
{
    (void)state;
    const char text[] = "{\"ts\":\"2026-11-23T23:59:59Z\",\"event\":\"connected\"}\n";
    rp_file *f = rp_file_open_mem("m.txt.zst", text, strlen(text), 1);
    char err[256];
    char *all = read_all(f, err, sizeof err);
    assert_string_equal(all, "");
    assert_string_equal(err, "m.txt.zst:1: not a zstd file");
    free(all);
    rp_file_close(f);
}

static void test_rp_file_names_a_missing_file(void **state)
{
    (void)state;
    char err[512];
    assert_null(rp_file_open("/nonexistent/x.txt", err, sizeof err));
    assert_string_equal(err, "/nonexistent/x.txt: No such file or directory");
    assert_null(rp_file_open("/tmp", err, sizeof err));
    assert_string_equal(err, "/tmp: is a directory");
}

/* ---- the merge ---- */

typedef struct seen {
    char problems[4096];
    size_t n_problems;
    size_t ended[64];
    size_t n_ended;
} seen;

static void on_problem(void *ctx, const char *msg)
{
    seen *s = ctx;
    size_t n = strlen(s->problems);
    snprintf(s->problems + n, sizeof s->problems - n, "%s\n", msg);
    s->n_problems++;
}

static void on_end(void *ctx, size_t i)
{
    seen *s = ctx;
    s->ended[s->n_ended++] = i;
}

#define REC(sec, ev) "{\"ts\":\"2026-11-23T00:00:" sec "Z\",\"event\":\"" ev "\"}\n"
#define FRAME(sec)   "{\"ts\":\"2026-11-23T00:00:" sec "Z\",\"event\":\"frame\",\"data\":{}}\n"
#define DEPTH(sec, u)                                                                              \
    "{\"ts\":\"2026-11-23T00:00:" sec "Z\",\"event\":\"depth\",\"s\":\"A\",\"u\":" u "}\n"

/* The merged records as "file:line" words. */
static void merged(rp_merge *m, char *out, size_t cap)
{
    rp_rec r;
    out[0] = '\0';
    while (rp_merge_next(m, &r)) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s:%llu", n ? " " : "", r.file, (unsigned long long)r.lineno);
    }
}

static void test_rp_merge_orders_files_by_ts_keeping_each_file_in_order(void **state)
{
    (void)state;
    seen s = {0};
    rp_merge_hooks hooks = {&s, on_problem, on_end};
    rp_merge *m = rp_merge_create(&hooks);
    /* b's derived record at :02 comes after its :05 input: file order wins within a file. */
    const char a[] = REC("01", "connected") FRAME("03") REC("07", "other");
    const char b[] = FRAME("02") FRAME("05") DEPTH("02", "9") FRAME("06");
    assert_int_equal(rp_merge_add_mem(m, "b", b, strlen(b), 0), 0);
    assert_int_equal(rp_merge_add_mem(m, "a", a, strlen(a), 0), 0);
    char out[512];
    merged(m, out, sizeof out);
    assert_string_equal(out, "a:1 b:1 a:2 b:2 b:3 b:4 a:3");
    assert_int_equal(s.n_problems, 0);
    assert_int_equal(s.n_ended, 2);
    rp_merge_progress p;
    rp_merge_get_progress(m, &p);
    assert_int_equal(p.files, 2);
    assert_int_equal(p.files_done, 2);
    assert_int_equal(p.records, 7);
    assert_int_equal(p.bytes, strlen(a) + strlen(b));
    assert_int_equal(p.bytes_done, p.bytes);
    rp_merge_destroy(m);
}

static void test_rp_merge_names_bad_lines_and_reads_on(void **state)
{
    (void)state;
    seen s = {0};
    rp_merge_hooks hooks = {&s, on_problem, on_end};
    rp_merge *m = rp_merge_create(&hooks);
    const char a[] =
        REC("01", "connected") "garbage\n"
                               "{\"event\":\"connected\",\"ts\":\"2026-11-23T00:00:02Z\"}\n" REC(
                                   "05", "connected") REC("04", "disconnected") DEPTH("03", "1")
                                   REC("06", "connected") "{\"ts\":";
    assert_int_equal(rp_merge_add_mem(m, "a.txt", a, strlen(a), 0), 0);
    char out[512];
    merged(m, out, sizeof out);
    assert_string_equal(out, "a.txt:1 a.txt:4 a.txt:5 a.txt:6 a.txt:7");
    assert_string_equal(s.problems,
                        "a.txt:2: not JSON: garbage\n"
                        "a.txt:3: not a record of orderbook's layout: {\"event\":\"connected\","
                        "\"ts\":\"2026-11-23T00:00:02Z\"}\n"
                        "a.txt:5: out of order: its ts is 1.000000 s before that of line 4\n"
                        "a.txt:8: truncated: the last line has no end (6 bytes ignored)\n");
    rp_merge_destroy(m);
}

static void test_rp_merge_opens_a_file_only_when_its_time_comes_and_reads_directories(void **state)
{
    (void)state;
    char dir[256];
    tu_mkdtemp(dir, sizeof dir);
    seen s = {0};
    rp_merge_hooks hooks = {&s, on_problem, NULL};
    rp_merge *m = rp_merge_create(&hooks);
    for (int i = 0; i < 300; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%03d.txt", dir, i);
        FILE *f = fopen(path, "w");
        for (int k = 0; k < 3; k++)
            fprintf(f, "{\"ts\":\"2026-11-23T%02d:%02d:%02dZ\",\"event\":\"connected\"}\n", i / 60,
                    i % 60, k);
        fclose(f);
        assert_int_equal(rp_merge_add(m, path), 0);
    }
    int base = tu_open_fds(), most = 0;
    rp_rec r;
    int64_t last = 0;
    size_t n = 0;
    while (rp_merge_next(m, &r)) {
        int fds = tu_open_fds() - base;
        most = fds > most ? fds : most;
        assert_true(r.h.ts_ns >= last);
        last = r.h.ts_ns;
        n++;
    }
    assert_int_equal(n, 900);
    assert_true(most <= 2);
    assert_int_equal(s.n_problems, 0);
    rp_merge_destroy(m);
    /* The directory itself: the same 900 records, and the other files in it are not read. */
    char other[300];
    snprintf(other, sizeof other, "%s/notes.md", dir);
    FILE *f = fopen(other, "w");
    fputs("not a capture\n", f);
    fclose(f);
    m = rp_merge_create(&hooks);
    assert_int_equal(rp_merge_add(m, dir), 0);
    for (n = 0; rp_merge_next(m, &r); n++)
        ;
    assert_int_equal(n, 900);
    assert_int_equal(s.n_problems, 0);
    rp_merge_destroy(m);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rp_file_reads_lines_with_their_numbers),
        cmocka_unit_test(test_rp_file_reads_a_line_longer_than_its_buffer),
        cmocka_unit_test(test_rp_file_reads_zstd_of_several_frames),
        cmocka_unit_test(test_rp_file_names_a_truncated_last_line),
        cmocka_unit_test(test_rp_file_names_a_cut_zstd_stream),
        cmocka_unit_test(test_rp_file_names_bytes_that_are_not_zstd),
        cmocka_unit_test(test_rp_file_names_a_missing_file),
        cmocka_unit_test(test_rp_merge_orders_files_by_ts_keeping_each_file_in_order),
        cmocka_unit_test(test_rp_merge_names_bad_lines_and_reads_on),
        cmocka_unit_test(test_rp_merge_opens_a_file_only_when_its_time_comes_and_reads_directories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
