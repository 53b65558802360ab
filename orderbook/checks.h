/*
 * Checks before the capture starts, each failing with a message that names what to change:
 * the log directory (created, writable, not used by another orderbook) and the time zone.
 * Later faults are the logger's to retry; these are the ones a user can fix before starting.
 */
#ifndef CHECKS_H
#define CHECKS_H

#include <stddef.h>

#define CHECKS_LOCK_NAME ".orderbook.lock" /* in the log directory; holds the owner's pid */

/*
 * Create `dir` with its parents if missing, create and write its lock file, and lock it
 * (flock, exclusive) for as long as the returned descriptor stays open: the caller keeps it
 * for the whole run (it is close-on-exec). Returns the descriptor, or -1 with the reason in
 * err: the path and errno's text, or that another orderbook (with its pid) holds the lock.
 */
int checks_log_dir(const char *dir, char *err, size_t errlen);

/*
 * Whether TZ (NULL: unset) can give local time: unset, empty, a zone file (":Area/City",
 * "Area/City" under /usr/share/zoneinfo or TZDIR, or an absolute path) or a POSIX rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3"). Returns 0, or -1 with what glibc will do instead in why
 * (it silently uses UTC).
 */
int checks_tz(const char *tz, char *why, size_t whylen);

#endif
