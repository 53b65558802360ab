/*
 * --all: symbols newly listed while the capture runs join it: the pipeline, the feed's
 * connections and REST queue, and the app's per-symbol arrays grow by them. On the feed's
 * thread, from a reading of exchangeInfo (app_listing.h).
 */
#ifndef APP_JOIN_H
#define APP_JOIN_H

#include <stddef.h>

#include "app.h"
#include "exinfo.h"

/* Those of `added` not yet in the pipeline join the capture, each said on stderr; *added is
 * taken over (left empty). Returns how many joined: fewer when some were in it before (a
 * symbol removed and listed again), when the connections have no room or memory ran out (said
 * too). */
size_t app_join(app *a, exinfo_list *added);

/* Free what app_join kept (the symbols' names). After the feed and pipeline are gone. */
void app_join_free(app *a);

#endif
