/* Period arithmetic of alog: which file a stamp belongs to. Pure: no I/O, no locks. */
#ifndef ALOG_PERIOD_H
#define ALOG_PERIOD_H

#include <stdint.h>

#include "alog.h"

typedef struct alog_period {
    int64_t start_ns; /* first nanosecond of the period (inclusive) */
    int64_t end_ns;   /* first nanosecond of the next period (exclusive) */
    char name[24];    /* file name: "YYYYMMDD.txt" or "YYYYMMDDHHMMi.txt" */
} alog_period;

/*
 * Fill *out with the period that contains `stamp_ns` (ns since the Unix epoch) for rollover
 * `r`, in UTC when `utc` is non-zero, else in local time (TZ) with its DST rules. Daily
 * bounds come from the calendar date through localtime_r/mktime (a day may last 23 or 25
 * hours, or start at 01:00 when DST skips midnight). Returns 0, or -1 when the stamp cannot
 * be represented (out of range for the calendar functions). Thread-safe.
 */
int alog__period_of(int64_t stamp_ns, alog_rollover r, int utc, alog_period *out);

#endif
