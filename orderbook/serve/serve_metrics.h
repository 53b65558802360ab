/* /metrics: a view in the Prometheus text exposition format (version 0.0.4). Pure. */
#ifndef SERVE_METRICS_H
#define SERVE_METRICS_H

#include "sbuf.h"
#include "serve_view.h"

#define SERVE_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Append every metric of `v` to `out`, each family with its HELP and TYPE lines; figures the
 * capture does not provide (SERVE_UNKNOWN) are left out rather than shown as 0. */
void serve_metrics(sbuf *out, const serve_view *v);

#endif
