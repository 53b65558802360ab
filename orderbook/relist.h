/*
 * --all's re-reading of exchangeInfo: on a thread of its own, every `every_s` seconds, the
 * listing is read again and compared with the last one; the symbols that left wait here
 * until the feed's thread takes them (and ends them with a `removed` record). Symbols that
 * joined are only counted: the capture cannot add a symbol while it runs.
 */
#ifndef RELIST_H
#define RELIST_H

#include <stddef.h>

#include "exinfo.h"

typedef struct relist relist;

/* Read the listing now (fetch, parse, shard) into *out. 0, or -1 (the last reading stays). */
typedef int (*relist_read_fn)(void *ctx, exinfo_list *out);

/* Start re-reading: `listed` (copied) is what is captured now. The thread blocks no signals
 * of its own: start it after the caller has blocked its stop signals. NULL when memory or a
 * thread could not be had. */
relist *relist_start(const exinfo_list *listed, unsigned every_s, relist_read_fn read, void *ctx);

/* The symbols that left since the last call, moved into *out (empty when none); and how many
 * symbols joined since the start (not captured). Any thread. */
void relist_take_gone(relist *r, exinfo_list *out, size_t *joined);

/* Stop the thread (waits for a reading in progress) and free. NULL is a no-op. */
void relist_stop(relist *r);

#endif
