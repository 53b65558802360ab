/* Taking a view of the capture for the server: on the capture's own (network) thread, which
 * is the only one that may read the pipeline. */
#ifndef SERVE_CAPTURE_H
#define SERVE_CAPTURE_H

#include <stdint.h>

#include "alog.h"
#include "capture.h"
#include "serve_view.h"

/* A new view of `c` (symbols, books' top SERVE_LEVELS levels, counters) and the logger's
 * stats `st`; `legs_up` connections up, or SERVE_UNKNOWN. NULL when memory runs out.
 * Publish it with serve_publish. */
serve_view *serve_take_view(const cap *c, const alog_stats *st, int64_t legs_up, int64_t now_ns);

#endif
