/* ALOG_COMPRESS_ZSTD: every file is a valid zstd stream that decodes to exactly the lines
 * written to it, whatever the rollover, the order of the stamps or the number of producers;
 * bytes_in and bytes_out count the lines and the compressed bytes. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "alog.h"
#include "alog_fixture.h"

#define SEC 1000000000LL
#define MS  1000000LL

static void write_at(af_fixture *f, alog *lg, int64_t stamp, const char *line)
{
    atomic_store(&f->clock.now, stamp);
    assert_int_equal(alog_write(lg, line, strlen(line)), ALOG_OK);
}

static alog *open_zstd(af_fixture *f)
{
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    assert_non_null(lg);
    return lg;
}

static long file_size(const af_fixture *f, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_zstd_daily_files_decode_to_the_lines_written(void **state)
{
    af_fixture *f = *state;
    alog *lg = open_zstd(f);
    write_at(f, lg, tu_utc_ns(2026, 11, 24, 23, 59, 59) + 999 * MS, "last of the 24th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 0), "first of the 25th");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 0, 0, 1), "second of the 25th");
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    af_assert_zst(f, "20261124.txt.zst", "last of the 24th\n");
    af_assert_zst(f, "20261125.txt.zst", "first of the 25th\nsecond of the 25th\n");
    assert_int_equal(tu_count_files(f->dir), 2); /* and no plain .txt */
    af_assert_identity(&st);
    assert_int_equal(st.written, 3);
    assert_int_equal(st.bytes_in,
                     strlen("last of the 24th\nfirst of the 25th\nsecond of the 25th\n"));
    assert_int_equal(st.bytes_out, (uint64_t)(file_size(f, "20261124.txt.zst") +
                                              file_size(f, "20261125.txt.zst")));
}

static void test_zstd_5sec_files_decode_to_the_lines_written(void **state)
{
    af_fixture *f = *state;
    f->opt.rollover = ALOG_ROLL_5SEC;
    alog *lg = open_zstd(f);
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 9, 59, 54), "a");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 9, 59, 59), "b");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 0), "c");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 4), "d");
    write_at(f, lg, tu_utc_ns(2026, 11, 25, 10, 0, 5), "e");
    alog_close(lg);
    af_assert_zst(f, "20261125095910.txt.zst", "a\n");
    af_assert_zst(f, "20261125095911.txt.zst", "b\n");
    af_assert_zst(f, "2026112510000.txt.zst", "c\nd\n");
    af_assert_zst(f, "2026112510001.txt.zst", "e\n");
    assert_int_equal(tu_count_files(f->dir), 4);
}

static void test_zstd_late_lines_go_to_their_own_files(void **state)
{
    af_fixture *f = *state;
    alog *lg = open_zstd(f);
    int64_t today = tu_utc_ns(2026, 11, 25, 0, 0, 1);
    int64_t before = tu_utc_ns(2026, 11, 23, 23, 59, 59);
    write_at(f, lg, today, "new day");
    assert_int_equal(alog_write_at(lg, before, "two days ago", 12), ALOG_OK);
    write_at(f, lg, today + SEC, "new day again");
    assert_int_equal(alog_write_at(lg, before + SEC, "yesterday", 9), ALOG_OK);
    assert_int_equal(alog_flush(lg), 0);
    /* Late again after the first frames went out: the files get a second frame each. */
    assert_int_equal(alog_write_at(lg, before, "two days ago, later", 19), ALOG_OK);
    write_at(f, lg, today + 2 * SEC, "new day, third");
    alog_close(lg);
    af_assert_zst(f, "20261123.txt.zst", "two days ago\ntwo days ago, later\n");
    af_assert_zst(f, "20261124.txt.zst", "yesterday\n");
    af_assert_zst(f, "20261125.txt.zst", "new day\nnew day again\nnew day, third\n");
}

static void test_zstd_flush_leaves_a_file_that_decodes(void **state)
{
    af_fixture *f = *state;
    alog *lg = open_zstd(f);
    assert_int_equal(alog_write(lg, "one", 3), ALOG_OK);
    assert_int_equal(alog_flush(lg), 0);
    af_assert_zst(f, "20261125.txt.zst", "one\n"); /* while the logger runs */
    assert_int_equal(alog_write(lg, "two", 3), ALOG_OK);
    assert_int_equal(alog_flush(lg), 0);
    af_assert_zst(f, "20261125.txt.zst", "one\ntwo\n");
    size_t len;
    int frames, whole;
    char *text = af_read_zst(f, "20261125.txt.zst", &len, &frames, &whole);
    assert_int_equal(frames, 2); /* one frame per batch, each complete */
    free(text);
    alog_close(lg);
}

static void test_zstd_line_longer_than_a_batch_is_one_frame(void **state)
{
    af_fixture *f = *state;
    alog *lg = open_zstd(f);
    size_t n = 1536 * 1024; /* 6 batches; the default lane takes it */
    char *line = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        line[i] = (char)('a' + (i * 7919 + i / 13) % 26);
    line[n] = '\0';
    assert_int_equal(alog_write(lg, "short", 5), ALOG_OK);
    assert_int_equal(alog_write(lg, line, n), ALOG_OK);
    assert_int_equal(alog_write(lg, "after", 5), ALOG_OK);
    alog_close(lg);
    size_t len;
    int frames, whole;
    char *text = af_read_zst(f, "20261125.txt.zst", &len, &frames, &whole);
    assert_true(whole);
    assert_int_equal(len, 6 + n + 1 + 6);
    assert_memory_equal(text, "short\n", 6);
    assert_memory_equal(text + 6, line, n);
    assert_string_equal(text + 6 + n, "\nafter\n");
    free(text);
    free(line);
}

#define PRODUCER_LINES 40000

typedef struct producer {
    alog *lg;
    int id;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    char line[160];
    for (int i = 0; i < PRODUCER_LINES; i++) {
        int k = snprintf(line, sizeof line,
                         "{\"t\":%d,\"i\":%d,\"bids\":[[\"37000.%02d\",\"1.5\"]],\"pad\":\"%0*d\"}",
                         p->id, i, i % 100, 40 + i % 50, i);
        if (alog_write(p->lg, line, (size_t)k) != ALOG_OK)
            return "refused";
    }
    return NULL;
}

static void test_zstd_two_producers_lose_nothing_and_keep_order(void **state)
{
    af_fixture *f = *state;
    f->opt.block_when_full = 1;
    f->opt.queue_bytes = 64 * 1024; /* many small passes: many frames */
    alog *lg = open_zstd(f);
    producer p[2] = {{lg, 0}, {lg, 1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        assert_null(rc);
    }
    alog_close(lg);
    size_t len;
    int frames, whole;
    char *text = af_read_zst(f, "20261125.txt.zst", &len, &frames, &whole);
    assert_non_null(text);
    assert_true(whole);
    assert_true(frames > 1);
    int next[2] = {0, 0};
    for (char *s = text, *nl; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
        int t, i;
        *nl = '\0'; /* sscanf would measure the rest of the text for every line */
        assert_int_equal(sscanf(s, "{\"t\":%d,\"i\":%d,", &t, &i), 2);
        assert_true(t == 0 || t == 1);
        assert_int_equal(i, next[t]); /* each producer's lines in order, none missing */
        next[t]++;
    }
    assert_int_equal(next[0], PRODUCER_LINES);
    assert_int_equal(next[1], PRODUCER_LINES);
    free(text);
}

static void test_zstd_open_takes_levels_1_to_19(void **state)
{
    af_fixture *f = *state;
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    f->opt.compress_level = 19;
    alog *lg = alog_open(&f->opt);
    assert_non_null(lg);
    assert_int_equal(alog_write(lg, "at level 19", 11), ALOG_OK);
    alog_close(lg);
    af_assert_zst(f, "20261125.txt.zst", "at level 19\n");
    f->opt.compress_level = 20;
    errno = 0;
    assert_null(alog_open(&f->opt));
    assert_int_equal(errno, EINVAL);
    f->opt.compress_level = 0;
    f->opt.compress = (alog_compress)2;
    errno = 0;
    assert_null(alog_open(&f->opt));
    assert_int_equal(errno, EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_zstd_daily_files_decode_to_the_lines_written),
        AF_TEST(test_zstd_5sec_files_decode_to_the_lines_written),
        AF_TEST(test_zstd_late_lines_go_to_their_own_files),
        AF_TEST(test_zstd_flush_leaves_a_file_that_decodes),
        AF_TEST(test_zstd_line_longer_than_a_batch_is_one_frame),
        AF_TEST(test_zstd_two_producers_lose_nothing_and_keep_order),
        AF_TEST(test_zstd_open_takes_levels_1_to_19),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
