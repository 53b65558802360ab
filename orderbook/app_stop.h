/*
 * How a run ends. Only the main thread takes the stop signals (sigtimedwait), so no handler
 * runs inside a library call; the feed stops before the logger drains, so every message
 * received is written, and a second SIGINT during the drain can still cut it short.
 */
#ifndef APP_STOP_H
#define APP_STOP_H

#include <pthread.h>
#include <signal.h>

#include "app.h"

/* The signals the main thread takes with sigtimedwait: block them before any thread starts,
 * so every thread inherits the mask. */
void app_stop_signals(sigset_t *set);

/* Wait for the first stop signal (or every symbol rejected); returns the signal, 0 for the
 * latter. SIGWINCH meanwhile re-reads the terminal's width. */
int app_wait_for_stop(app *a, const sigset_t *set);

/* Stop the feed (joining its thread `net`), the re-reader and the live page, drain the
 * logger and the publisher, print the summary and free what main's start() made. `sig` is
 * what app_wait_for_stop returned. Returns the exit status: 1 when every symbol was
 * rejected, 3 when records were lost, else 0. */
int app_stop(app *a, pthread_t net, int sig, const sigset_t *set);

#endif
