/*
 * alog's side of the logger benchmark, and the raw write() limit.
 *   bench_alog latency THREADS CALLS DIR   per-call latency of alog_write, 100-byte lines
 *   bench_alog e2e LINES DIR               lines/s from the first write to ALOG_STOP_FLUSH
 *   bench_alog memory LINES DIR            RSS every LINES/10 lines: memory stays flat
 *   bench_alog raw LINES DIR               lines/s of write() in 64 KiB blocks + fsync
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alog.h"
#include "bench_harness.h"

#define WARMUP    10000
#define LINE_POOL 64

static char lines[LINE_POOL][BENCH_LINE_BYTES];

/* A bench_worker's run; its target is the logger. */
static void *measure(void *arg)
{
    bench_worker *w = arg;
    bench_pin(w->cpu);
    for (size_t i = 0; i < WARMUP; i++)
        w->refused += alog_write(w->target, lines[i % LINE_POOL], BENCH_LINE_BYTES) != ALOG_OK;
    pthread_barrier_wait(w->start);
    BENCH_MEASURE(w, lines, rc = alog_write(w->target, line, BENCH_LINE_BYTES) != ALOG_OK);
    return NULL;
}

static alog *open_logger(const char *dir, size_t queue_bytes, int block)
{
    alog_options opt = {.dir = dir,
                        .rollover = ALOG_ROLL_DAILY,
                        .queue_bytes = queue_bytes,
                        .block_when_full = block};
    alog *lg = alog_open(&opt);
    if (lg == NULL) {
        perror("alog_open");
        exit(1);
    }
    return lg;
}

static int latency(int threads, size_t calls, const char *dir)
{
    double tpn = bench_ticks_per_ns();
    uint64_t overhead = bench_timer_overhead();
    /* The default queue, in drop mode: a refusal would show in `refused`. */
    alog *lg = open_logger(dir, 0, 0);
    void *targets[BENCH_MAX_THREADS];
    for (int i = 0; i < threads; i++)
        targets[i] = lg;
    uint64_t *all = bench_samples(calls * (size_t)threads);
    size_t n_bursts = bench_bursts(calls) * (size_t)threads;
    uint64_t *bursts = bench_samples(n_bursts + 1);
    size_t refused =
        bench_run_workers(measure, targets, threads, calls, overhead, tpn, all, bursts);
    alog_close(lg);
    bench_report_latency("alog", threads, all, calls * (size_t)threads, bursts, n_bursts, tpn);
    printf("alog refused=%zu timer_overhead_ticks=%llu ticks_per_ns=%.3f\n", refused,
           (unsigned long long)overhead, tpn);
    return refused != 0;
}

static int end_to_end(size_t n, const char *dir)
{
    alog *lg = open_logger(dir, (size_t)64 << 20, 1);
    /* The first line makes this thread's lane, mapping and zeroing its 64 MiB (5 to 100 ms here,
     * varying with how much memory the VM has to get back from its host) before the clock
     * starts: the throughput, not a one-time setup, is measured; quill's e2e does the same. */
    alog_write(lg, lines[0], BENCH_LINE_BYTES);
    double t0 = bench_now();
    for (size_t i = 1; i < n; i++)
        alog_write(lg, lines[i % LINE_POOL], BENCH_LINE_BYTES);
    alog_stop(lg, ALOG_STOP_FLUSH);
    double t1 = bench_now();
    alog_stats st;
    alog_get_stats(lg, &st);
    alog_close(lg);
    printf("alog e2e lines=%zu written=%llu seconds=%.3f lines_per_s=%.0f peak_rss_kib=%ld\n", n,
           (unsigned long long)st.written, t1 - t0, (double)n / (t1 - t0), bench_peak_rss_kib());
    return st.written != n;
}

static int memory(size_t n, const char *dir)
{
    alog *lg = open_logger(dir, 0, 1);
    printf("alog memory lines=0 rss_kib=%ld\n", bench_rss_kib());
    for (size_t i = 1; i <= n; i++) {
        alog_write(lg, lines[i % LINE_POOL], BENCH_LINE_BYTES);
        if (i % (n / 10) == 0)
            printf("alog memory lines=%zu rss_kib=%ld\n", i, bench_rss_kib());
    }
    alog_close(lg);
    printf("alog memory peak_rss_kib=%ld\n", bench_peak_rss_kib());
    return 0;
}

static int raw(size_t n, const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/raw.txt", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    static char block[64 * 1024];
    size_t used = 0;
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        if (used + BENCH_LINE_BYTES + 1 > sizeof block) {
            if (write(fd, block, used) != (ssize_t)used)
                return 1;
            used = 0;
        }
        memcpy(block + used, lines[i % LINE_POOL], BENCH_LINE_BYTES);
        block[used + BENCH_LINE_BYTES] = '\n';
        used += BENCH_LINE_BYTES + 1;
    }
    if (write(fd, block, used) != (ssize_t)used || fsync(fd) != 0)
        return 1;
    double t1 = bench_now();
    close(fd);
    printf("raw e2e lines=%zu seconds=%.3f lines_per_s=%.0f\n", n, t1 - t0, (double)n / (t1 - t0));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_alog latency THREADS CALLS DIR | e2e LINES DIR | "
                        "memory LINES DIR | raw LINES DIR\n");
        return 2;
    }
    for (uint64_t i = 0; i < LINE_POOL; i++)
        bench_make_line(lines[i], i);
    if (strcmp(argv[1], "latency") == 0 && argc == 5) {
        int threads = atoi(argv[2]);
        if (threads < 1 || threads > BENCH_MAX_THREADS)
            threads = 1;
        return latency(threads, strtoul(argv[3], NULL, 10), argv[4]);
    }
    size_t n = strtoul(argv[2], NULL, 10);
    if (strcmp(argv[1], "e2e") == 0)
        return end_to_end(n, argv[3]);
    if (strcmp(argv[1], "memory") == 0)
        return memory(n < 10 ? 10 : n, argv[3]);
    if (strcmp(argv[1], "raw") == 0)
        return raw(n, argv[3]);
    fprintf(stderr, "bench_alog: unknown mode %s\n", argv[1]);
    return 2;
}
