#include "bench_harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_ticks_per_ns(void)
{
    double t0 = bench_now();
    uint64_t c0 = bench_tsc();
    while (bench_now() - t0 < 0.1) {
    }
    double t1 = bench_now();
    uint64_t c1 = bench_tsc();
    return (double)(c1 - c0) / ((t1 - t0) * 1e9);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t bench_median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return v[n / 2];
}

/* The mean of the lowest 90% of n sorted values: the mean of samples that the TSC's step
 * quantises is still exact (a call starts at a random point of a step), and the top 10%
 * (interrupts, preemption) would swamp it. */
static double mean90(const uint64_t *s, size_t n)
{
    size_t k = n - n / 10;
    double sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += (double)s[i];
    return sum / (double)k;
}

/* Median minus mean90 of the empty rdtscp pairs: samples have the (quantised) median
 * subtracted, bench_report_latency's mean90 puts this back to subtract the exact mean. */
static double timer_median_excess;

uint64_t bench_timer_overhead(void)
{
    enum { N = 100000 };
    uint64_t *s = bench_samples(N);
    for (size_t i = 0; i < N; i++) {
        uint64_t t0 = bench_tsc();
        uint64_t t1 = bench_tsc();
        s[i] = t1 - t0;
    }
    uint64_t median = bench_median(s, N);
    timer_median_excess = (double)median - mean90(s, N);
    munmap(s, N * sizeof *s);
    return median;
}

void bench_make_line(char *line, uint64_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    memset(line, '-', BENCH_LINE_BYTES);
    int k = snprintf(line, BENCH_LINE_BYTES, "seq=%020llu payload=", (unsigned long long)n);
    for (int i = k; i < BENCH_LINE_BYTES; i++)
        line[i] = alphabet[(n + (uint64_t)i) % (uint64_t)(sizeof alphabet - 1)];
}

uint64_t *bench_samples(size_t n)
{
    void *p = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

void bench_report_latency(const char *name, int threads, uint64_t *s, size_t n, uint64_t *bursts,
                          size_t n_bursts, double ticks_per_ns)
{
    qsort(s, n, sizeof *s, by_value);
    const double q[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
    const char *label[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
    printf("%s threads=%d calls=%zu", name, threads, n);
    for (int i = 0; i < 5; i++)
        printf(" %s=%.1f", label[i], (double)s[(size_t)(q[i] * (double)(n - 1))] / ticks_per_ns);
    printf(" max=%.1f", (double)s[n - 1] / ticks_per_ns);
    printf(" mean90=%.2f", (mean90(s, n) + timer_median_excess) / ticks_per_ns);
    if (n_bursts != 0)
        printf(" burst_mean=%.2f",
               (double)bench_median(bursts, n_bursts) / BENCH_BURST / ticks_per_ns);
    printf("\n");
    fflush(stdout);
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

long bench_rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void bench_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((size_t)cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void bench_spin(double ns, double ticks_per_ns)
{
    uint64_t until = bench_tsc() + (uint64_t)(ns * ticks_per_ns);
    while (bench_tsc() < until) {
    }
}

size_t bench_run_workers(void *(*measure)(void *), void *const targets[], int threads, size_t calls,
                         uint64_t overhead, double ticks_per_ns, uint64_t *samples,
                         uint64_t *bursts)
{
    bench_worker w[BENCH_MAX_THREADS];
    pthread_t t[BENCH_MAX_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        w[i] = (bench_worker){.target = targets[i],
                              .cpu = i % 2,
                              .calls = calls,
                              .overhead = overhead,
                              .ticks_per_ns = ticks_per_ns,
                              .threads = threads,
                              .samples = samples + (size_t)i * calls,
                              .bursts = bursts + (size_t)i * bench_bursts(calls),
                              .start = &start};
        pthread_create(&t[i], NULL, measure, &w[i]);
    }
    size_t refused = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        refused += w[i].refused;
    }
    pthread_barrier_destroy(&start);
    return refused;
}
