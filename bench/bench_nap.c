/*
 * How late a 1 ms sleep ends while every CPU is busy: alog's writer naps 1 ms between short
 * passes, and the latency bench keeps every CPU busy (producers spin between bursts). On the
 * project's VM such a nap was seen to last ~100 ms now and then, long enough for a 4 MiB lane
 * to fill at 1 M lines/s; this measures it on the machine at hand, with no logger at all.
 *   bench_nap [SECONDS [SPINNERS]]   SPINNERS defaults to the number of CPUs
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench_harness.h"

#define NAP_NS   1000000L
#define LATE_NS  10000000LL /* a nap counted late: 10x its length */
#define MAX_SPIN 64

static atomic_int stop;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *spinner(void *arg)
{
    bench_pin((int)(intptr_t)arg);
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 5.0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int spinners = argc > 2 ? atoi(argv[2]) : (int)cpus;
    if (seconds <= 0 || spinners < 0 || spinners > MAX_SPIN || cpus < 1) {
        fprintf(stderr, "usage: bench_nap [SECONDS > 0 [SPINNERS 0..%d]]\n", MAX_SPIN);
        return 2;
    }
    pthread_t t[MAX_SPIN];
    for (int i = 0; i < spinners; i++)
        pthread_create(&t[i], NULL, spinner, (void *)(intptr_t)(i % cpus));
    int64_t end = mono_ns() + (int64_t)(seconds * 1e9);
    int64_t worst = 0;
    long naps = 0, late = 0;
    while (mono_ns() < end) {
        int64_t t0 = mono_ns();
        struct timespec ts = {0, NAP_NS};
        nanosleep(&ts, NULL);
        int64_t took = mono_ns() - t0;
        worst = took > worst ? took : worst;
        late += took > LATE_NS;
        naps++;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < spinners; i++)
        pthread_join(t[i], NULL);
    printf("nap spinners=%d cpus=%ld naps=%ld late_over_10ms=%ld worst_ms=%.3f\n", spinners, cpus,
           naps, late, (double)worst / 1e6);
    return 0;
}
