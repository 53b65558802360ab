/*
 * What the feed hands over on its own (network) thread goes on into the pipeline, stamped
 * with the time it arrived. While the feed runs only that thread touches the pipeline, so its
 * once-a-second tick is also where the live page's copy, the status line and --all's
 * removals are made: none of them takes a lock on the pipeline.
 */
#ifndef APP_FEED_EVENTS_H
#define APP_FEED_EVENTS_H

#include "app.h"
#include "feed.h"

/* The feed's handlers, with `a` as their context. */
feed_handlers app_feed_handlers(app *a);

/* The pipeline asks for a symbol's snapshot (its sink's want_snapshot; ctx is the app). */
void app_want_snapshot(void *ctx, const char *symbol);

/* Something a person should read, from the feed or the NATS publisher: said as it is. */
void app_on_problem(void *ctx, const char *what);

#endif
