/*
 * The live page ([serve] listen) runs on its own thread and never reads the pipeline: the
 * feed's thread hands it a copy once a second, so the capture never waits for a client.
 */
#ifndef APP_PAGE_H
#define APP_PAGE_H

#include "app.h"

/* Start the live page when [serve] listen is set. Returns 0, or -1 (said on stderr). */
int app_page_start(app *a);

/* The live page's copy of the capture, once a second on the network thread. No-op when the
 * page is off. */
void app_page_publish(app *a);

#endif
