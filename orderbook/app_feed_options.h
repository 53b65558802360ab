/*
 * The configuration as the feed and the pipeline take it. The feed knows no configuration
 * file, only host, port and path; the pipeline's connection records name the URL the feed
 * opened, which only the configuration and the feed's path together give.
 */
#ifndef APP_FEED_OPTIONS_H
#define APP_FEED_OPTIONS_H

#include <stddef.h>

#include "app.h"
#include "feed.h"
#include "url.h"

/* The feed's options from a->conf and a->symbols (which the result points into). */
feed_config app_feed_options(const app *a);

/* The URL of a websocket connection to `ws` on `path` (as the feed opens it) into out. */
void app_ws_url(const url_parts *ws, const char *path, char *out, size_t len);

/* Tell the pipeline which market it captures: the futures sync rule on usdm and coinm, and
 * the market and URL its connection records name (the path the feed's connections open). */
void app_set_origin(app *a);

#endif
