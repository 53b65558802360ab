/*
 * The default clock: CLOCK_REALTIME extrapolated from the invariant TSC.
 *
 * A clock_gettime costs ~25 ns here, as much as the whole write path should; rdtsc and a
 * multiply cost a few. The calibration (a TSC reading, the real time at that reading and
 * the ns-per-tick factor) is published through a seqlock, so a writer thread can re-sync
 * it against CLOCK_REALTIME once a second while producers keep reading it without a lock.
 */
#include "alog_clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#define ALOG_HAVE_TSC 1
#else
#define ALOG_HAVE_TSC 0
#endif

#define NS_PER_SEC   1000000000LL
#define MULT_SHIFT   32
#define CALIBRATE_NS 10000000LL /* first calibration window: 10 ms */

__extension__ typedef unsigned __int128 u128;

static struct {
    _Atomic uint32_t seq;      /* odd while an update is being published */
    _Atomic uint64_t base_tsc; /* TSC at base_ns */
    _Atomic int64_t base_ns;   /* real time at base_tsc */
    _Atomic uint64_t mult;     /* ns per tick << MULT_SHIFT */
    uint64_t first_tsc;        /* first calibration point: the frequency is measured */
    int64_t first_ns;          /* over the longest baseline available */
    pthread_mutex_t resync_lock;
} clk = {.resync_lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

atomic_int alog__clock_tsc; /* 1 once the TSC is calibrated: producers read it */

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

#if ALOG_HAVE_TSC
static int tsc_is_invariant(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u)
        return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d & (1u << 8)) != 0;
}

static uint64_t read_tsc(void)
{
    return __rdtsc();
}
#else
static int tsc_is_invariant(void)
{
    return 0;
}

static uint64_t read_tsc(void)
{
    return 0;
}
#endif

/* A (tsc, real time) pair taken as close together as the machine allows: the tightest of
 * a few tries, with the TSC taken as the midpoint of the window around clock_gettime. */
static void sample_pair(uint64_t *tsc, int64_t *ns)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = read_tsc();
        int64_t rt = realtime_ns();
        uint64_t t1 = read_tsc();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *tsc = t0 + (t1 - t0) / 2;
            *ns = rt;
        }
    }
}

static void publish(uint64_t tsc, int64_t ns, uint64_t mult)
{
    uint32_t s = atomic_load_explicit(&clk.seq, memory_order_relaxed);
    atomic_store_explicit(&clk.seq, s + 1, memory_order_relaxed);
    /* Release stores, not a fence (ThreadSanitizer does not model fences): the odd seq is
     * visible before any of the new values. */
    atomic_store_explicit(&clk.base_tsc, tsc, memory_order_release);
    atomic_store_explicit(&clk.base_ns, ns, memory_order_release);
    atomic_store_explicit(&clk.mult, mult, memory_order_release);
    atomic_store_explicit(&clk.seq, s + 2, memory_order_release);
}

static uint64_t mult_between(uint64_t tsc0, int64_t ns0, uint64_t tsc1, int64_t ns1)
{
    if (tsc1 <= tsc0 || ns1 <= ns0)
        return 0;
    return (uint64_t)(((u128)(uint64_t)(ns1 - ns0) << MULT_SHIFT) / (tsc1 - tsc0));
}

static void clock_setup(void)
{
    if (!tsc_is_invariant())
        return;
    uint64_t tsc0 = 0, tsc1 = 0;
    int64_t ns0 = 0, ns1 = 0;
    sample_pair(&tsc0, &ns0);
    do {
        sample_pair(&tsc1, &ns1);
    } while (ns1 - ns0 < CALIBRATE_NS && ns1 >= ns0);
    uint64_t mult = mult_between(tsc0, ns0, tsc1, ns1);
    if (mult == 0)
        return;
    clk.first_tsc = tsc0;
    clk.first_ns = ns0;
    publish(tsc1, ns1, mult);
    atomic_store_explicit(&alog__clock_tsc, 1, memory_order_release);
}

void alog__clock_init(void)
{
    pthread_once(&clock_once, clock_setup);
}

uint64_t alog__clock_ticks_fallback(void)
{
    return (uint64_t)realtime_ns();
}

int64_t alog__clock_ticks_to_ns(uint64_t tsc)
{
    if (!atomic_load_explicit(&alog__clock_tsc, memory_order_acquire))
        return (int64_t)tsc;
    for (;;) {
        uint32_t s1 = atomic_load_explicit(&clk.seq, memory_order_acquire);
        /* Acquire loads keep the second read of seq after them (no fence: see publish). */
        uint64_t tsc0 = atomic_load_explicit(&clk.base_tsc, memory_order_acquire);
        int64_t ns0 = atomic_load_explicit(&clk.base_ns, memory_order_acquire);
        uint64_t mult = atomic_load_explicit(&clk.mult, memory_order_acquire);
        uint32_t s2 = atomic_load_explicit(&clk.seq, memory_order_relaxed);
        if (s1 != s2 || (s1 & 1u) != 0)
            continue;
        /* A reading from before the base (an older stamp, or a core slightly behind)
         * is converted backwards from it. */
        if (tsc >= tsc0)
            return ns0 + (int64_t)(((u128)(tsc - tsc0) * mult) >> MULT_SHIFT);
        return ns0 - (int64_t)(((u128)(tsc0 - tsc) * mult) >> MULT_SHIFT);
    }
}

int64_t alog__clock_now(void)
{
    return alog__clock_ticks_to_ns(alog__clock_ticks());
}

void alog__clock_resync(void)
{
    if (!atomic_load_explicit(&alog__clock_tsc, memory_order_acquire))
        return;
    /* One re-sync at a time is enough: another logger's writer may be doing it now. */
    if (pthread_mutex_trylock(&clk.resync_lock) != 0)
        return;
    uint64_t tsc = 0;
    int64_t ns = 0;
    sample_pair(&tsc, &ns);
    /* The frequency over the whole run is the most precise; the base follows the real
     * clock, so steps and slews of CLOCK_REALTIME are taken within a second. */
    uint64_t cur = atomic_load_explicit(&clk.mult, memory_order_relaxed);
    uint64_t mult = mult_between(clk.first_tsc, clk.first_ns, tsc, ns);
    uint64_t diff = mult > cur ? mult - cur : cur - mult;
    if (diff > cur / 1000) {
        /* Off by more than 0.1%: the real clock was stepped, not the TSC. Measure the
         * frequency afresh from here and keep the last good factor meanwhile. */
        clk.first_tsc = tsc;
        clk.first_ns = ns;
        mult = cur;
    }
    publish(tsc, ns, mult);
    pthread_mutex_unlock(&clk.resync_lock);
}
