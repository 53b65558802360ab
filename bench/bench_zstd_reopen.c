/*
 * What reopening a large .txt.zst costs: a restart within the same day appends to the day's
 * file, and the writer first checks (repairs) its tail while producers' lanes fill up.
 *
 *   bench_zstd_reopen [MB [ROUNDS [DIR]]]   defaults: 500 MB of lines, 5 rounds, /var/tmp
 *
 * Writes MB megabytes of depth-like lines (about 7x compressible) into one daily file, then
 * times ROUNDS reopens, each alog_open, one line, alog_flush (the line is in the file) and
 * alog_close, first with the file in the page cache ("warm"), then evicted from it before
 * each round ("cold": fsync and POSIX_FADV_DONTNEED, the state after a reboot). Prints
 * each round's milliseconds and the median; "base" is the same for a file of one line (what
 * a reopen costs whatever the file). The directories are removed afterwards.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"

#define DAY_NS     (1764547200LL * 1000000000LL) /* 2025-12-01 00:00 UTC: every line one file */
#define MAX_ROUNDS 64

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return DAY_NS + 3600LL * 1000000000LL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static alog *open_logger(const char *dir)
{
    alog_options opt = {.dir = dir,
                        .utc = 1,
                        .block_when_full = 1,
                        .clock = fixed_clock,
                        .compress = ALOG_COMPRESS_ZSTD};
    alog *lg = alog_open(&opt);
    if (lg == NULL) {
        perror("alog_open");
        exit(1);
    }
    return lg;
}

/* Lines like a depth record: a rising id, prices and quantities from a cheap generator. */
static void fill(const char *dir, uint64_t bytes)
{
    alog *lg = open_logger(dir);
    uint64_t x = 88172645463325252ull, done = 0;
    char line[256];
    for (uint64_t id = 1; done < bytes; id++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int n = snprintf(line, sizeof line,
                         "{\"e\":\"depth\",\"s\":\"BTCUSDT\",\"u\":%llu,\"b\":[[\"%llu.%02llu\","
                         "\"%llu.%03llu\"]],\"a\":[[\"%llu.%02llu\",\"%llu.%03llu\"]]}",
                         (unsigned long long)id, 90000 + (unsigned long long)(x % 512),
                         (unsigned long long)(x >> 9) % 100, (unsigned long long)(x >> 16) % 40,
                         (unsigned long long)(x >> 22) % 1000,
                         90001 + (unsigned long long)(x % 512), (unsigned long long)(x >> 32) % 100,
                         (unsigned long long)(x >> 40) % 40, (unsigned long long)(x >> 46) % 1000);
        alog_write(lg, line, (size_t)n);
        done += (uint64_t)n + 1;
    }
    alog_close(lg);
}

static void evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
        perror(path);
        exit(1);
    }
    close(fd);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void rounds(const char *label, const char *dir, const char *path, int n, int cold)
{
    double ms[MAX_ROUNDS];
    printf("%-5s", label);
    for (int i = 0; i < n; i++) {
        if (cold)
            evict(path);
        double t0 = now_ms();
        alog *lg = open_logger(dir);
        alog_write(lg, "reopened", 8);
        alog_flush(lg);
        ms[i] = now_ms() - t0;
        alog_close(lg);
        printf(" %9.1f", ms[i]);
    }
    qsort(ms, (size_t)n, sizeof ms[0], by_value);
    printf("   median %.1f ms\n", ms[n / 2]);
}

int main(int argc, char **argv)
{
    uint64_t mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 500;
    int n = argc > 2 ? atoi(argv[2]) : 5;
    const char *parent = argc > 3 ? argv[3] : "/var/tmp";
    if (n < 1 || n > MAX_ROUNDS) {
        fprintf(stderr, "usage: %s [MB [ROUNDS (1..%d) [DIR]]]\n", argv[0], MAX_ROUNDS);
        return 2;
    }
    char dir[4096], path[4200], small[4096], small_path[4200];
    snprintf(dir, sizeof dir, "%s/bench-zstd-reopen-XXXXXX", parent);
    snprintf(small, sizeof small, "%s/bench-zstd-reopen-XXXXXX", parent);
    if (mkdtemp(dir) == NULL || mkdtemp(small) == NULL) {
        perror(parent);
        return 1;
    }
    snprintf(path, sizeof path, "%s/20251201.txt.zst", dir);
    snprintf(small_path, sizeof small_path, "%s/20251201.txt.zst", small);
    fill(small, 1);
    double t0 = now_ms();
    fill(dir, mb << 20);
    struct stat st;
    stat(path, &st);
    printf("%llu MB of lines -> %.1f MB of zstd in %.1f s; reopen, ms per round:\n",
           (unsigned long long)mb, (double)st.st_size / (1 << 20), (now_ms() - t0) / 1e3);
    rounds("base", small, small_path, n, 0);
    rounds("warm", dir, path, n, 0);
    rounds("cold", dir, path, n, 1);
    unlink(path);
    rmdir(dir);
    unlink(small_path);
    rmdir(small);
    return 0;
}
