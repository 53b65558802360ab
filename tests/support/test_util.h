/* Helpers shared by the tests: temporary directories, files, descriptors, polling. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

/* A fresh directory under /tmp; the returned path is static per call site's buffer. */
void tu_mkdtemp(char *out, size_t len);

/* Remove a directory tree (like rm -rf). */
void tu_rm_rf(const char *path);

/* Read a whole file into a malloc'ed buffer (NUL-terminated); NULL if it can't be read. */
char *tu_read_file(const char *path, size_t *len);

/* Send the n bytes at p on a socket (no SIGPIPE). Stops quietly when the peer closes or the
 * send fails: a server may answer and close before a request is all sent. */
void tu_send_all(int fd, const char *p, size_t n);

/* Read a socket until the peer closes it (or recv fails, e.g. at its SO_RCVTIMEO): what came,
 * malloc'ed and NUL-terminated; its length in *len unless len is NULL. */
char *tu_recv_all(int fd, size_t *len);

/* Append printf-style text to the NUL-terminated string in buf (size bytes in all), cut to fit:
 * for tests that note what happened as text and compare it whole. */
void tu_appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Number of '\n'-terminated lines in the file, or -1 when it can't be read. */
long tu_count_lines(const char *path);

/* Number of regular files in a directory, or -1. */
long tu_count_files(const char *dir);

/* Skip the test (cmocka skip(), saying why on stderr) when the file is not there: data that
 * not every checkout has, such as the real Binance capture. */
void tu_skip_unless_file(const char *path);

/* Number of open descriptors of this process. */
int tu_open_fds(void);

/* ns since the Unix epoch of a UTC calendar time. */
int64_t tu_utc_ns(int year, int mon, int day, int hour, int min, int sec);

/* Monotonic ns, for bounded polling deadlines (never asserted). */
int64_t tu_mono_ns(void);

/* Sleep-free yield between polls of a condition. */
void tu_pause(void);

/* A settable clock for alog's `clock` option; thread-safe. */
typedef struct tu_clock {
    _Atomic int64_t now;
} tu_clock;
int64_t tu_clock_read(void *ctx);

#define TU_DEADLINE_NS (20LL * 1000000000LL) /* polls give up after 20 s: a failure, not a wait */

#endif
