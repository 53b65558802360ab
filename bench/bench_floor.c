/*
 * The floor: the least a logger's write call can cost on this machine, measured with the
 * same harness as alog and spdlog. NOT a logger: each producer thread has its own
 * pre-faulted single-producer ring (no lookup, no checks, no clock conversion, no files
 * named by period); a call is one rdtsc, a header and a fixed 100-byte inline copy, and one
 * release store. One consumer thread drains the rings into a file with large write()s, so
 * the producers see the same cache traffic as with a real logger.
 *   bench_floor latency THREADS CALLS DIR
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench_harness.h"

#define RING_BYTES  ((uint64_t)4 << 20)
#define REC_BYTES   128 /* 16-byte header + 100-byte line + '\n', rounded to 8 */
#define WARMUP      10000
#define LINE_POOL   64
#define BATCH_BYTES (256 * 1024)

typedef struct ring {
    _Alignas(64) _Atomic uint64_t head; /* producer's line */
    uint64_t tail_seen;
    _Alignas(64) _Atomic uint64_t tail; /* consumer's line */
    _Alignas(64) unsigned char *buf;
} ring;

static char lines[LINE_POOL][BENCH_LINE_BYTES];
static ring rings[BENCH_MAX_THREADS];
static atomic_int done;

static inline int put(ring *r, const char *line)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h + REC_BYTES - r->tail_seen > RING_BYTES) {
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (h + REC_BYTES - r->tail_seen > RING_BYTES)
            return -1;
    }
    unsigned char *p = r->buf + (h & (RING_BYTES - 1));
    uint64_t stamp = __rdtsc();
    memcpy(p, &stamp, 8);
    uint32_t len = BENCH_LINE_BYTES;
    memcpy(p + 8, &len, 4);
    memcpy(p + 16, line, BENCH_LINE_BYTES);
    p[16 + BENCH_LINE_BYTES] = '\n';
    atomic_store_explicit(&r->head, h + REC_BYTES, memory_order_release);
    return 0;
}

/* A bench_worker's run; its target is its own ring. */
static void *measure(void *arg)
{
    bench_worker *w = arg;
    bench_pin(w->cpu);
    for (size_t i = 0; i < WARMUP; i++)
        w->refused += put(w->target, lines[i % LINE_POOL]) != 0;
    pthread_barrier_wait(w->start);
    BENCH_MEASURE(w, lines, rc = put(w->target, line));
    return NULL;
}

typedef struct consumer {
    int threads;
    int fd;
} consumer;

/* Drain every ring into a batch, write it; nap 1 ms after a short pass, as alog does. */
static void *consume(void *arg)
{
    consumer *c = arg;
    static unsigned char batch[BATCH_BYTES];
    for (;;) {
        int stop = atomic_load(&done);
        size_t used = 0;
        for (int i = 0; i < c->threads; i++) {
            ring *r = &rings[i];
            uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
            uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
            while (t < h) {
                if (used + BENCH_LINE_BYTES + 1 > sizeof batch) {
                    if (write(c->fd, batch, used) != (ssize_t)used)
                        return NULL;
                    used = 0;
                }
                memcpy(batch + used, r->buf + (t & (RING_BYTES - 1)) + 16, BENCH_LINE_BYTES + 1);
                used += BENCH_LINE_BYTES + 1;
                t += REC_BYTES;
            }
            atomic_store_explicit(&r->tail, t, memory_order_release);
        }
        if (used != 0 && write(c->fd, batch, used) != (ssize_t)used)
            return NULL;
        if (stop)
            return NULL;
        if (used < 64 * 1024)
            usleep(1000);
    }
}

static int latency(int threads, size_t calls, const char *dir)
{
    double tpn = bench_ticks_per_ns();
    uint64_t overhead = bench_timer_overhead();
    void *targets[BENCH_MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        targets[i] = &rings[i];
        rings[i].buf = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (rings[i].buf == MAP_FAILED)
            return 1;
        madvise(rings[i].buf, RING_BYTES, MADV_HUGEPAGE);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/floor.txt", dir);
    consumer c = {threads, open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644)};
    if (c.fd < 0) {
        perror(path);
        return 1;
    }
    pthread_t ct;
    pthread_create(&ct, NULL, consume, &c);
    uint64_t *all = bench_samples(calls * (size_t)threads);
    size_t n_bursts = bench_bursts(calls) * (size_t)threads;
    uint64_t *bursts = bench_samples(n_bursts + 1);
    size_t refused =
        bench_run_workers(measure, targets, threads, calls, overhead, tpn, all, bursts);
    atomic_store(&done, 1);
    pthread_join(ct, NULL);
    fsync(c.fd);
    close(c.fd);
    bench_report_latency("floor", threads, all, calls * (size_t)threads, bursts, n_bursts, tpn);
    printf("floor refused=%zu\n", refused);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 || strcmp(argv[1], "latency") != 0) {
        fprintf(stderr, "usage: bench_floor latency THREADS CALLS DIR\n");
        return 2;
    }
    for (uint64_t i = 0; i < LINE_POOL; i++)
        bench_make_line(lines[i], i);
    int threads = atoi(argv[2]);
    if (threads < 1 || threads > BENCH_MAX_THREADS)
        threads = 1;
    return latency(threads, strtoul(argv[3], NULL, 10), argv[4]);
}
