/*
 * orderbook-replay's integration tests (test_replay_*.c): a capture the real orderbook binary
 * makes of the fake Binance, the files it wrote, and orderbook-replay run on them. Failures
 * are cmocka failures of the calling test.
 */
#ifndef REPLAY_RUN_H
#define REPLAY_RUN_H

#include <stddef.h>

#include "ob_run.h"

/* BTCUSDT, ETHUSDT. */
extern char *const rr_two[];

/* Run orderbook on the scenario (its config with `book`'s lines in [book], `binance`'s more
 * lines in [binance], one leg) until the server is done and every symbol's last event is in
 * the files, then stop it. */
void rr_capture_with(ob_run *r, const char *scenario, const char *book, const char *binance,
                     char *const *symbols, int n);

/* rr_capture_with nothing more in [binance]. */
void rr_capture(ob_run *r, const char *scenario, const char *book, char *const *symbols, int n);

/* The files of a directory, sorted by name (malloc'ed paths, NULL-terminated); *n of them. */
char **rr_files_of(const char *dir, size_t *n);

/* Free what rr_files_of returned. */
void rr_free_files(char **v, size_t n);

/* Run orderbook-replay with `opts` (NULL-terminated) and the files; its stdout and stderr go to
 * `out`. Returns its exit status. */
int rr_replay(const char *out, char *const opts[], char **files, size_t n_files);

/* rr_replay on every file of r->logs (in name order) into r->dir/replay.out, whose path goes
 * to `out` (cap bytes). */
int rr_replay_logs(ob_run *r, char *const opts[], char *out, size_t cap);

/* Line `no` (from 1) of the file replaced by `with`, or removed when `with` is NULL; the line
 * that was there (malloc'ed). */
char *rr_replace_line(const char *path, size_t no, const char *with);

/* Fail with the message and what orderbook-replay wrote to `out`. */
void rr_fail_with(const char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run a shell command; fail unless it exits 0. */
void rr_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A depth record of BTCUSDT after the 20th line of the longest file: its file (in `file`),
 * the line (malloc'ed, in *line) and its number (from 1). */
size_t rr_a_depth_record(ob_run *r, char *file, size_t cap, char **line);

#endif
