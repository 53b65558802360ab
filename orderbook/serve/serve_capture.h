/* Taking a view of the capture for the server: on the capture's own (network) thread, which
 * is the only one that may read the pipeline. */
#ifndef SERVE_CAPTURE_H
#define SERVE_CAPTURE_H

#include <stdint.h>

#include "alog.h"
#include "capture.h"
#include "serve_view.h"

/* What the network knows; each figure may be SERVE_UNKNOWN (below 0). */
typedef struct serve_net {
    int64_t legs_up;     /* depth connections up */
    int64_t legs_wanted; /* depth connections wanted (legs x connection groups) */
    int64_t rest_weight; /* REST weight used in the current minute */
} serve_net;

/* A new view of `c` (symbols, books' top SERVE_LEVELS levels, counters), the logger's stats
 * `st` and the network's figures. NULL when memory runs out. Publish it with serve_publish. */
serve_view *serve_take_view(const cap *c, const alog_stats *st, const serve_net *net,
                            int64_t now_ns);

#endif
