/*
 * stderr, shared by the status line and messages, from any thread. On a terminal the status
 * line is redrawn in place, cut to the terminal's width; a message first clears it, goes on
 * its own line, and the status line is drawn again under it. Elsewhere (a file, a pipe) the
 * status line is an ordinary line "orderbook: ...".
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>

/* `tty`: stderr is a terminal; `quiet`: no status line (messages still go out). */
void con_init(int tty, int quiet);

/* Read the terminal's width again (at start and on SIGWINCH). */
void con_width_changed(void);

/* Columns the status line may use: 0 when not on a terminal (no limit). */
size_t con_width(void);

/* Draw the status line (already cut to con_width()). */
void con_status(const char *line);

/* One message line, "orderbook: " and the text. */
void con_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The status line is done: it stays on screen and what follows starts on a line of its own. */
void con_status_end(void);

#endif
