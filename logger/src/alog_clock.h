/* The default clock of alog: CLOCK_REALTIME read cheaply through the invariant TSC. */
#ifndef ALOG_CLOCK_H
#define ALOG_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

/*
 * Prepare the process-wide clock: detect an invariant TSC and calibrate it against
 * CLOCK_REALTIME; without one, alog__clock_now falls back to clock_gettime. Idempotent and
 * thread-safe (pthread_once). Called by alog_open; may take a few milliseconds.
 */
void alog__clock_init(void);

/* Nanoseconds since the Unix epoch, within a few microseconds of CLOCK_REALTIME. Lock-free,
 * no system call on the TSC path. Any thread, after alog__clock_init. */
int64_t alog__clock_now(void);

/* 1 once the TSC is calibrated and used (set by alog__clock_init). */
extern atomic_int alog__clock_tsc;

/* clock_gettime(CLOCK_REALTIME) in ns: the reading when there is no usable TSC. */
uint64_t alog__clock_ticks_fallback(void);

/*
 * The raw reading behind alog__clock_now: TSC ticks, or ns when there is no usable TSC.
 * Cheaper than alog__clock_now (no calibration to read), so producers stamp lines with it
 * and the writer converts. Inline: it is on every write call. Any thread, after
 * alog__clock_init.
 */
static inline uint64_t alog__clock_ticks(void)
{
#if defined(__x86_64__)
    if (atomic_load_explicit(&alog__clock_tsc, memory_order_relaxed))
        return __rdtsc();
#endif
    return alog__clock_ticks_fallback();
}

/* The stamp alog_write takes before it knows the logger's clock: a raw TSC reading where
 * there is one (ALOG__INLINE_TSC), else 0. Used only by loggers without ALOG__ATTN_CLOCK:
 * default clock, TSC in use. */
#if defined(__x86_64__)
#define ALOG__INLINE_TSC 1
static inline int64_t alog__stamp_inline(void)
{
    return (int64_t)__rdtsc();
}
#else
#define ALOG__INLINE_TSC 0
static inline int64_t alog__stamp_inline(void)
{
    return 0;
}
#endif

/* ns since the Unix epoch of a reading of alog__clock_ticks taken recently (the current
 * calibration is applied; readings older than the last re-sync are off by its correction). */
int64_t alog__clock_ticks_to_ns(uint64_t ticks);

/*
 * Re-sync the TSC against CLOCK_REALTIME (drift, clock steps). Cheap enough to call about
 * once a second from a writer thread; concurrent readers see either the old or the new
 * calibration, never a torn one. Any thread.
 */
void alog__clock_resync(void);

#endif
