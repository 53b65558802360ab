/*
 * One run of the real orderbook binary against the fake Binance, for the integration tests:
 * its directory (logs, config, stderr), the server, the process; cmocka setup and teardown;
 * spawning, stopping and polling what they wrote.
 */
#ifndef OB_RUN_H
#define OB_RUN_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc.h"

typedef struct ob_run {
    char dir[PATH_MAX];       /* the test's own temporary directory */
    char logs[PATH_MAX + 16]; /* orderbook's [log] dir */
    char conf[PATH_MAX + 16]; /* its configuration */
    char err[PATH_MAX + 16];  /* its stderr (and stdout) */
    fake_server fs;
    pid_t pid; /* 0 when not running */
} ob_run;

/* The directory of the test certificates (ca.pem, localhost.*, wrong.example.*). */
extern char ob_certs[PATH_MAX];

/* cmocka group setup/teardown: make and remove the certificates. */
int ob_certs_setup(void **state);
int ob_certs_teardown(void **state);

/* cmocka setup/teardown: *state is a fresh ob_run; teardown kills what still runs. */
int ob_run_setup(void **state);
int ob_run_teardown(void **state);

/* Start the fake server with this certificate name and scenario text (asserts). */
void ob_start_server(ob_run *r, const char *cert, const char *scenario);

/* Run the real binary with `args` (NULL-terminated), `env` (may be NULL) added to the
 * environment. DEPTHLOG_ORDERBOOK_WRAPPER, when set, is a command (words split at spaces)
 * that runs it, e.g. valgrind with an error exit code: then every exit status a test asserts
 * also asserts a clean memcheck. */
void ob_spawn(ob_run *r, char *const args[], char *const env[]);

/* orderbook -q -c r->conf SYMBOL... (n of them), with `env` as in ob_spawn. */
void ob_start(ob_run *r, char *const env[], int n, char *const symbols[]);

/* SIGTERM; the exit status, or -1 if it did not exit within `seconds` (then it is killed). */
int ob_stop(ob_run *r, int seconds);

/* Wait (bounded) for orderbook to exit by itself: its exit status, or -1 (killed). */
int ob_wait_exit(ob_run *r, int seconds);

/* Has orderbook exited? Its exit status (128+signal if killed), or -1 while it runs. Does not
 * block; for tests that must keep doing something (draining a pty, a FIFO) until it exits. */
int ob_exited(ob_run *r);

/* Does the file hold `needle` (exactly, or in any case)? */
int ob_file_contains(const char *path, const char *needle);
int ob_file_contains_nocase(const char *path, const char *needle);

/* How often the file holds `needle` (0 when it cannot be read). */
int ob_file_count(const char *path, const char *needle);

/* The text of every file in r->logs (dot files, such as the lock, aside) one after another,
 * in no particular order; a file that cannot be read adds nothing. Malloc'ed. Asserts the
 * directory can be read. Once orderbook has stopped, every file ends in a whole line. */
char *ob_log_text(const ob_run *r);

/* How often the files in r->logs hold `needle`; "\n" counts their lines. */
size_t ob_log_count(const ob_run *r, const char *needle);

/* Fail with the message and what the server and orderbook said. */
void ob_fail_with_logs(ob_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waiting (ob_wait_for_text and the rest) was declared here before; files that include only
 * this header keep it. */
#include "ob_wait.h"

#endif
