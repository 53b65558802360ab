/* Shared measuring code of the logger benchmarks (C, also linked into the C++ peer). */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_LINE_BYTES 100

/* Ticks of the TSC per ns, measured against CLOCK_MONOTONIC over ~100 ms. */
double bench_ticks_per_ns(void);

/* Median cost in ticks of an empty rdtscp pair: subtracted from every sample. */
uint64_t bench_timer_overhead(void);

/* Read the TSC after every earlier instruction completed. */
static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Calls are measured in bursts of BENCH_BURST with BENCH_GAP_NS of busy waiting between
 * them: an offered rate of ~2 M lines/s, which both loggers' writer threads sustain, so the
 * write path is measured, not a full queue. */
#define BENCH_BURST  1000
#define BENCH_GAP_NS 500000.0

/* Busy-wait `ns` nanoseconds (keeps the core and its caches awake, unlike a sleep). */
void bench_spin(double ns, double ticks_per_ns);

/* Fill `line` with BENCH_LINE_BYTES printable bytes that vary with `n`. */
void bench_make_line(char *line, uint64_t n);

/* A pre-faulted array of n samples. */
uint64_t *bench_samples(size_t n);

/* Sort the samples (ticks, overhead already subtracted) and print one line:
 * "<name> threads=T calls=N p50=.. p90=.. p99=.. p99.9=.. p99.99=.. max=.. (ns)". */
void bench_report_latency(const char *name, int threads, uint64_t *samples, size_t n,
                          double ticks_per_ns);

/* Peak resident set size of this process in KiB. */
long bench_peak_rss_kib(void);

/* Current resident set size in KiB. */
long bench_rss_kib(void);

/* Monotonic seconds. */
double bench_now(void);

/* Pin the calling thread to a CPU (best effort). */
void bench_pin(int cpu);

/* Producer threads of a latency run at most (on this 2-core machine 4 share the cores). */
#define BENCH_MAX_THREADS 4

/* One producer thread of a latency run, as the bench's measuring function gets it. */
typedef struct bench_worker {
    void *target;      /* what it writes to: the logger, or the floor's own ring */
    int cpu;           /* to pin itself to: its index mod 2 */
    size_t calls;      /* measured calls, after the bench's warm-up */
    uint64_t overhead; /* the timer's, subtracted from each sample */
    double ticks_per_ns;
    int threads;              /* producers in the run: each offers its share of the rate */
    uint64_t *samples;        /* its `calls` samples */
    size_t refused;           /* calls the target refused (stays 0 where it blocks instead) */
    pthread_barrier_t *start; /* every producer starts measuring at once */
} bench_worker;

/*
 * Run `measure` (the bench's thread function, given a bench_worker) on `threads` producer
 * threads, 1 to BENCH_MAX_THREADS; producer i writes to targets[i] and fills samples
 * [i * calls, (i + 1) * calls) of `samples` (from bench_samples). Returns once all have
 * finished: the calls they refused, together. The measured loop stays in the bench's own
 * function, so the call it times is inlined there as before.
 */
size_t bench_run_workers(void *(*measure)(void *), void *const targets[], int threads, size_t calls,
                         uint64_t overhead, double ticks_per_ns, uint64_t *samples);

#ifdef __cplusplus
}
#endif

#endif
