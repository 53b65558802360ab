/* The default clock of alog: CLOCK_REALTIME read cheaply through the invariant TSC. */
#ifndef ALOG_CLOCK_H
#define ALOG_CLOCK_H

#include <stdint.h>

/*
 * Prepare the process-wide clock: detect an invariant TSC and calibrate it against
 * CLOCK_REALTIME; without one, alog__clock_now falls back to clock_gettime. Idempotent and
 * thread-safe (pthread_once). Called by alog_open; may take a few milliseconds.
 */
void alog__clock_init(void);

/* Nanoseconds since the Unix epoch, within a few microseconds of CLOCK_REALTIME. Lock-free,
 * no system call on the TSC path. Any thread, after alog__clock_init. */
int64_t alog__clock_now(void);

/*
 * Re-sync the TSC against CLOCK_REALTIME (drift, clock steps). Cheap enough to call about
 * once a second from a writer thread; concurrent readers see either the old or the new
 * calibration, never a torn one. Any thread.
 */
void alog__clock_resync(void);

#endif
