/*
 * Where the capture's records go: the rolled files (alog) and, with [nats] url, JetStream.
 * Both are opened before the pipeline exists, so a record never finds a sink missing.
 */
#ifndef APP_SINKS_H
#define APP_SINKS_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"

/* Open the logger into a->lg and, with [nats] url, the publisher into a->pub. Returns 0, or 1
 * after saying why with neither left open (both NULL). */
int app_sinks_open(app *a);

/* One record to both (the pipeline's sink's emit; ctx is the app). Never blocks. */
void app_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len);

#endif
