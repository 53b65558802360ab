/*
 * The status line and the summary read the pipeline's views and the logger's counters as
 * they are at that moment (status.c turns them into text); the NATS publisher's counts are
 * appended here because status.c knows no publisher.
 */
#ifndef APP_STATUS_H
#define APP_STATUS_H

#include <stdint.h>

#include "app.h"

/* Draw the status line now (network thread). */
void app_status_draw(app *a);

/* The summary on stderr, human then JSON, after the status line's last drawing; returns the
 * records lost. */
uint64_t app_summary(app *a);

#endif
