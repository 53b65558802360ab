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

/* Median cost in ticks of an empty rdtscp pair: subtracted from every sample. Call it before
 * bench_report_latency, which uses its exact mean. */
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

/* After every BENCH_MEAN_EVERY bursts timed call by call, one more burst (after its own gap)
 * is timed as a whole: rdtscp before and after its BENCH_BURST calls. This VM's TSC advances
 * in steps of 20 ticks (10 ns), so each per-call sample is a multiple of 10 ns; the mean over
 * a burst resolves far below a ns. Its calls run back to back, so it is the cost of a call in
 * a loop (one call's stores may still drain during the next), not the latency of one. */
#define BENCH_MEAN_EVERY 4

/* Burst means (whole bursts) a worker of `calls` measured calls takes. */
static inline size_t bench_bursts(size_t calls)
{
    return calls / ((size_t)BENCH_BURST * BENCH_MEAN_EVERY);
}

/* The median of n values (sorts them). */
uint64_t bench_median(uint64_t *v, size_t n);

/* Busy-wait `ns` nanoseconds (keeps the core and its caches awake, unlike a sleep). */
void bench_spin(double ns, double ticks_per_ns);

/* Fill `line` with BENCH_LINE_BYTES printable bytes that vary with `n`. */
void bench_make_line(char *line, uint64_t n);

/* A pre-faulted array of n samples. */
uint64_t *bench_samples(size_t n);

/* Sort the samples (ticks, overhead already subtracted) and the burst means (ticks of a
 * whole burst, the empty loop's subtracted) and print one line: "<name> threads=T calls=N
 * p50=.. p90=.. p99=.. p99.9=.. p99.99=.. max=.. mean90=.. burst_mean=.." in ns. mean90: the
 * mean of the fastest 90% of the samples, the timer's exact mean overhead subtracted (not the
 * median's quantised one): below the TSC's step, as the mean of quantised readings that
 * start at random points of a step is exact. burst_mean: the median over the bursts of their
 * ns per call. */
void bench_report_latency(const char *name, int threads, uint64_t *samples, size_t n,
                          uint64_t *bursts, size_t n_bursts, double ticks_per_ns);

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
    uint64_t *bursts;         /* its bench_bursts(calls) burst means */
    size_t refused;           /* calls the target refused (stays 0 where it blocks instead) */
    pthread_barrier_t *start; /* every producer starts measuring at once */
} bench_worker;

/*
 * Run `measure` (the bench's thread function, given a bench_worker) on `threads` producer
 * threads, 1 to BENCH_MAX_THREADS; producer i writes to targets[i] and fills samples
 * [i * calls, (i + 1) * calls) of `samples` and its bench_bursts(calls) of `bursts` (both
 * from bench_samples). Returns once all have finished: the calls they refused, together.
 */
size_t bench_run_workers(void *(*measure)(void *), void *const targets[], int threads, size_t calls,
                         uint64_t overhead, double ticks_per_ns, uint64_t *samples,
                         uint64_t *bursts);

/* The empty loop of BENCH_MEASURE: `line` only computed, not used. */
#define BENCH_NO_CALL __asm__ volatile("" : : "r"(line) : "memory")

/* One burst of BENCH_MEASURE's call (the statement after ticks_out) timed as a whole, into
 * *ticks_out, `loop_ticks` (the empty loop's) subtracted. */
#define BENCH_WHOLE_BURST(pool, loop_ticks, ticks_out, ...)                                        \
    do {                                                                                           \
        uint64_t bench_t0_ = bench_tsc();                                                          \
        for (size_t bench_j_ = 0; bench_j_ < BENCH_BURST; bench_j_++) {                            \
            const char *line = (pool)[bench_j_ % (sizeof(pool) / sizeof((pool)[0]))];              \
            int rc = 0;                                                                            \
            __VA_ARGS__;                                                                           \
            bench_refused_ += rc != 0;                                                             \
        }                                                                                          \
        uint64_t bench_d_ = bench_tsc() - bench_t0_;                                               \
        *(ticks_out) = bench_d_ > (loop_ticks) ? bench_d_ - (loop_ticks) : 0;                      \
    } while (0)

/*
 * The measured loop of worker `w` (a bench_worker *). The call is the statement after `pool`
 * (variadic: a logger's macro may hold commas): it writes `line` (const char *, BENCH_LINE_BYTES
 * of `pool`, an array of lines) and may set `int rc` nonzero when the call was refused. A macro,
 * not a function taking a callback, so that every bench's call is inlined in its own loop and all
 * four loop alike. First the empty loop, timed as a whole burst the same way (median of 64 bursts),
 * then: the gap, one burst call by call into w->samples, and after every BENCH_MEAN_EVERY of those
 * a gap and a whole burst into w->bursts. Refused calls are added to w->refused.
 */
#define BENCH_MEASURE(w, pool, ...)                                                                \
    do {                                                                                           \
        size_t bench_refused_ = 0;                                                                 \
        uint64_t bench_empty_[64];                                                                 \
        for (int bench_e_ = 0; bench_e_ < 64; bench_e_++)                                          \
            BENCH_WHOLE_BURST(pool, (uint64_t)0, &bench_empty_[bench_e_], BENCH_NO_CALL);          \
        uint64_t bench_loop_ = bench_median(bench_empty_, 64);                                     \
        size_t bench_b_ = 0;                                                                       \
        for (size_t bench_i_ = 0; bench_i_ < (w)->calls; bench_i_++) {                             \
            if (bench_i_ % BENCH_BURST == 0) {                                                     \
                if (bench_i_ != 0 && bench_i_ % (BENCH_BURST * BENCH_MEAN_EVERY) == 0) {           \
                    bench_spin(BENCH_GAP_NS *(w)->threads, (w)->ticks_per_ns);                     \
                    BENCH_WHOLE_BURST(pool, bench_loop_, &(w)->bursts[bench_b_++], __VA_ARGS__);   \
                }                                                                                  \
                bench_spin(BENCH_GAP_NS *(w)->threads, (w)->ticks_per_ns);                         \
            }                                                                                      \
            const char *line = (pool)[bench_i_ % (sizeof(pool) / sizeof((pool)[0]))];              \
            int rc = 0;                                                                            \
            uint64_t bench_t0_ = bench_tsc();                                                      \
            __VA_ARGS__;                                                                           \
            uint64_t bench_t1_ = bench_tsc();                                                      \
            bench_refused_ += rc != 0;                                                             \
            uint64_t bench_d_ = bench_t1_ - bench_t0_;                                             \
            (w)->samples[bench_i_] = bench_d_ > (w)->overhead ? bench_d_ - (w)->overhead : 0;      \
        }                                                                                          \
        if (bench_b_ < bench_bursts((w)->calls)) {                                                 \
            bench_spin(BENCH_GAP_NS *(w)->threads, (w)->ticks_per_ns);                             \
            BENCH_WHOLE_BURST(pool, bench_loop_, &(w)->bursts[bench_b_++], __VA_ARGS__);           \
        }                                                                                          \
        (w)->refused += bench_refused_;                                                            \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif
