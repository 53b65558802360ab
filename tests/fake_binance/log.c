/* The fake Binance's clock and log (server.h): ms since it started, one line per event. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "server.h"

long fb_ms_since_start(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - fb.start.tv_sec) * 1000 + (now.tv_nsec - fb.start.tv_nsec) / 1000000;
}

void fb_log_line(const char *fmt, ...)
{
    if (fb.log == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fb.log, fmt, ap);
    va_end(ap);
    fflush(fb.log);
}
