/*
 * alog's zstd files against its plain files, on records shaped like orderbook's depth records
 * (depth_records.h: shaped by the real capture when it is there, never copied).
 *   bench_zstd [ROUNDS [RECORDS [CAPTURE_DIR]]]
 *   defaults: 5 rounds, 300000 records (~130 MB), the capture in ../shared/data next to the
 *   source tree
 *
 * Each round runs, in an order that alternates from round to round:
 *   plain  alog_write_at of every record (stamped at the capture's rate) into daily files,
 *          block_when_full, timed until ALOG_STOP_FLUSH returns
 *   zstd   the same with ALOG_COMPRESS_ZSTD at the default level
 * and reports the medians: lines/s, MB/s of input (record bytes with their '\n') and the
 * ratio bytes_in / bytes_out. The producer outruns the writer, so this is the writer's rate.
 * Then the compressor alone (ZSTD_compress2 on this thread, medians of the rounds) at levels
 * 1, 3, 6 and 9 over frames of the two sizes the writer makes: full 256 KiB batches (a busy
 * logger), and one second of records at the capture's rate (a quiet logger: the writer
 * keeps a file's lines at most about a second before it writes them as a frame). Files go under
 * $TMPDIR (or /tmp) and are removed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "alog.h"
#include "depth_records.h"

#define SEED        20261204
#define START_NS    1796342400000000000LL /* 2026-12-04T00:00:00Z */
#define BATCH_BYTES ((size_t)256 * 1024)  /* alog's batch: one frame when busy */
#define MAX_ROUNDS  99
#define N_LEVELS    4

static const int levels[N_LEVELS] = {1, 3, 6, 9};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096 + 256 + 2]; /* dir, '/', a name */
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
}

/* Every record through a logger; seconds until ALOG_STOP_FLUSH returned, or -1. */
static double run_logger(const depth_records *r, const char *dir, alog_compress c, alog_stats *st)
{
    empty_dir(dir);
    sync();
    alog_options o = {.dir = dir,
                      .rollover = ALOG_ROLL_DAILY,
                      .utc = 1,
                      .queue_bytes = (size_t)64 << 20, /* orderbook's default queue_mb */
                      .block_when_full = 1,
                      .compress = c};
    alog *lg = alog_open(&o);
    if (lg == NULL)
        return -1;
    double t0 = now_s();
    for (size_t i = 0; i < r->n; i++) {
        size_t len = r->offset[i + 1] - r->offset[i] - 1;
        if (alog_write_at(lg, r->ts_ns[i], r->text + r->offset[i], len) != ALOG_OK)
            return -1;
    }
    alog_stop(lg, ALOG_STOP_FLUSH);
    double t = now_s() - t0;
    alog_get_stats(lg, st);
    alog_close(lg);
    empty_dir(dir);
    return st->written == r->n && st->lost_io == 0 ? t : -1;
}

/* The records in frames of whole records of about `frame` bytes at `level`: seconds, and the
 * compressed size in *out. */
static double run_compressor(const depth_records *r, size_t frame, int level, size_t *out)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(BATCH_BYTES + 4096);
    void *dst = malloc(cap);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1); /* as alog writes them */
    *out = 0;
    double t0 = now_s();
    for (size_t i = 0; i < r->n;) {
        size_t j = i + 1;
        while (j < r->n && r->offset[j + 1] - r->offset[i] <= frame)
            j++;
        size_t k =
            ZSTD_compress2(cc, dst, cap, r->text + r->offset[i], r->offset[j] - r->offset[i]);
        if (ZSTD_isError(k)) {
            *out = 0;
            break;
        }
        *out += k;
        i = j;
    }
    double t = now_s() - t0;
    free(dst);
    ZSTD_freeCCtx(cc);
    return t;
}

static void compressor_table(const depth_records *r, int rounds, size_t frame, const char *what)
{
    printf("\ncompressor alone, frames of %s (ZSTD_compress2 on one thread, checksums on):\n",
           what);
    printf("| level | ratio | MB/s of input |\n|---:|---:|---:|\n");
    for (int l = 0; l < N_LEVELS; l++) {
        double mbs[MAX_ROUNDS];
        size_t out = 0;
        for (int k = 0; k < rounds; k++)
            mbs[k] = (double)r->bytes / 1e6 / run_compressor(r, frame, levels[l], &out);
        printf("| %d | %.2f | %.0f |\n", levels[l], (double)r->bytes / (double)out,
               median(mbs, rounds));
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 300000;
    const char *capture = argc > 3 ? argv[3] : DEPTHLOG_CAPTURE_DIR;
    if (rounds < 1 || rounds > MAX_ROUNDS || n < 1) {
        fprintf(stderr, "usage: bench_zstd [ROUNDS 1..%d [RECORDS [CAPTURE_DIR]]]\n", MAX_ROUNDS);
        return 2;
    }
    depth_records r;
    if (depth_records_make(&r, n, capture, START_NS, SEED) != 0) {
        fprintf(stderr, "bench_zstd: out of memory\n");
        return 1;
    }
    printf("%zu depth records of %zu symbols, %.1f MB, %.0f bytes each on average, %.1f a "
           "second; shaped by %s\n",
           r.n, r.n_symbols, (double)r.bytes / 1e6, (double)r.bytes / (double)r.n, r.per_second,
           r.from_capture ? capture : "the built-in values (no capture found)");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bench_zstd-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        perror("bench_zstd: mkdtemp");
        return 1;
    }
    double secs[2][MAX_ROUNDS];
    alog_stats st[2];
    int failed = 0;
    for (int k = 0; k < rounds; k++) {
        for (int m = 0; m < 2; m++) {
            int c = (k + m) % 2; /* plain first in even rounds, zstd first in odd ones */
            secs[c][k] = run_logger(&r, dir, c ? ALOG_COMPRESS_ZSTD : ALOG_COMPRESS_NONE, &st[c]);
            failed |= secs[c][k] < 0;
        }
    }
    rmdir(dir);
    if (failed) {
        fprintf(stderr, "bench_zstd: a run lost or refused lines: no numbers\n");
        return 1;
    }
    printf("\nalog end to end, medians of %d rounds (until ALOG_STOP_FLUSH returned):\n", rounds);
    printf(
        "| files | lines/s | MB/s of input | bytes written | ratio |\n|---|---:|---:|---:|---:|\n");
    const char *name[2] = {"plain `.txt`", "zstd level 3 `.txt.zst`"};
    for (int c = 0; c < 2; c++) {
        double s = median(secs[c], rounds);
        printf("| %s | %.0f | %.0f | %llu | %.2f |\n", name[c], (double)r.n / s,
               (double)r.bytes / 1e6 / s, (unsigned long long)st[c].bytes_out,
               (double)st[c].bytes_in / (double)st[c].bytes_out);
    }
    compressor_table(&r, rounds, BATCH_BYTES, "256 KiB (a busy logger)");
    size_t per_sec = (size_t)((double)r.bytes / (double)r.n * r.per_second);
    char what[80];
    snprintf(what, sizeof what, "%zu bytes (one second of the capture's %zu symbols)", per_sec,
             r.n_symbols);
    compressor_table(&r, rounds, per_sec, what);
    depth_records_free(&r);
    return 0;
}
