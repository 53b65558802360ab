/*
 * Waiting for a run: poll a condition until it holds, never sleep as synchronisation. A poll
 * that runs out of time fails the test with what the server and orderbook said.
 */
#ifndef OB_WAIT_H
#define OB_WAIT_H

#include <stdint.h>

#include "ob_run.h"

typedef struct ob_poll {
    int64_t deadline; /* monotonic ns */
    int64_t pause_ns; /* the next pause: 1 ms at first, growing to OB_POLL_MAX_PAUSE_NS */
    int64_t resumed;  /* when the last pause ended: the look since then took now - resumed */
    int seconds;      /* the time allowed, for messages */
} ob_poll;

#define OB_POLL_MAX_PAUSE_NS (16LL * 1000000LL)

/* A poll that may last `seconds`. Usage:
 *
 *   ob_poll p = ob_poll_start(20);
 *   while (!condition)
 *       ob_poll_next(r, &p, "no condition within %d s", p.seconds);
 */
ob_poll ob_poll_start(int seconds);

/* Fail with the message and the logs if the poll's time is up, else pause before the next
 * look: short at first, longer as the wait goes on, and never shorter than the look itself
 * took, so a condition that comes at once is seen at once and a long wait (or a look that
 * reads many files) does not take a core from the programs it waits for. */
void ob_poll_next(ob_run *r, ob_poll *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Has the poll's time passed (for a window that watches for something not to happen)? */
int ob_poll_over(const ob_poll *p);

/* Poll until the file holds `needle` (any case). */
void ob_wait_for_text(ob_run *r, const char *path, const char *needle, int seconds);

/* Poll until the server log has at least n lines that start with `word` ("ws", "rest"). */
void ob_wait_for_log(ob_run *r, const char *word, int n, int seconds);

/* Poll until the server has produced every event ("done" in its log) and the last event of
 * each of the n symbols is in orderbook's files (a depth record at its u, or a snapshot at
 * lastUpdateId u). Afterwards the truth is complete; stop orderbook before reading records. */
void ob_wait_captured(ob_run *r, char *const symbols[], int n, int seconds);

/* A test's usual capture: orderbook -q on the n symbols (ob_start), ob_wait_captured for up to
 * 60 s, then ob_stop: it must exit 0 within 30 s. Read its records afterwards. */
void ob_capture(ob_run *r, int n, char *const symbols[]);

/* Poll until the files hold at least n records of the event (and symbol, NULL: any). */
void ob_wait_for_records(ob_run *r, const char *event, const char *symbol, size_t n, int seconds);

#endif
