/* orderbook with a terminal for stderr, for the tests of what it draws there. */
#ifndef OB_PTY_H
#define OB_PTY_H

#include <stddef.h>

#include "ob_run.h"

/* Open a pseudo-terminal and point r->err at its other end, so the next ob_spawn's stderr is
 * a terminal (isatty). Returns the master side (non-blocking; the caller closes it); asserts.
 * Afterwards ob_fail_with_logs does not read r->err: what it held is in what was drained. */
int ob_pty_open(ob_run *r);

/* Append what the terminal holds onto acc (cap bytes, *len used, kept NUL-terminated; what
 * does not fit is dropped). Never blocks. Drain while orderbook runs: a full terminal blocks
 * its writes. */
void ob_pty_drain(int master, char *acc, size_t cap, size_t *len);

/* Drain until orderbook exits, for at most `seconds`: its exit status, or fails. */
int ob_pty_wait_exit(ob_run *r, int master, char *acc, size_t cap, size_t *len, int seconds);

#endif
