/*
 * The one fixture of the alog tests: a fresh directory, a settable clock at 2026-11-25
 * 12:00:00 UTC, options for daily UTC files in that directory, and an on_error that counts
 * errors and can hold the writer thread until the test lets it go (so lines pile up
 * unwritten for as long as a test needs).
 */
#ifndef ALOG_FIXTURE_H
#define ALOG_FIXTURE_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "alog.h"
#include "test_util.h"

typedef struct af_fixture {
    char dir[PATH_MAX];          /* the logger's directory, removed by af_teardown */
    char path[PATH_MAX + 32];    /* dir/20261125.txt: the file of the clock's start */
    char blocker[PATH_MAX + 8];  /* dir/file, a regular file, after af_block_dir */
    char blocked[PATH_MAX + 16]; /* dir/file/logs: opt.dir after af_block_dir */
    tu_clock clock;              /* opt.clock reads it */
    alog_options opt;            /* daily, UTC, dir, clock, on_error = af_on_error */
    atomic_int errors;           /* on_error calls */
    atomic_int last_errno;       /* errnum of the last one */
    pthread_mutex_t mu;          /* guards the three below */
    pthread_cond_t cv;
    int hold;    /* on_error holds the writer until af_release */
    int held;    /* on_error calls that held the writer */
    int release; /* set by af_release */
} af_fixture;

/* cmocka setup and teardown: *state is the af_fixture. Teardown also resets TZ. */
#define AF_TEST(fn) cmocka_unit_test_setup_teardown(fn, af_setup, af_teardown)
int af_setup(void **state);
int af_teardown(void **state);

/* The on_error of opt: counts, remembers errnum and holds the writer when f->hold. */
void af_on_error(void *ctx, int errnum, const char *what);

/* Hold the writer in on_error from now on (until af_release). */
void af_hold_writer(af_fixture *f);

/* Wait until the writer is held in on_error. */
void af_wait_held(af_fixture *f);

/* Let a held writer go, and never hold it again. */
void af_release(af_fixture *f);

/* Point opt.dir through a regular file (f->blocked, under f->blocker): making it, and so
 * opening any file in it, fails with ENOTDIR until the test unlinks f->blocker. */
void af_block_dir(af_fixture *f);

/* The whole file `name` in the fixture's directory (malloc'ed), or NULL. */
char *af_read(const af_fixture *f, const char *name, size_t *len);

/*
 * Decode the zstd file `name` in the fixture's directory: the text of its frames up to the
 * first one that is torn or invalid (malloc'ed, NUL-terminated; its length in *len), how
 * many frames that is, and whether the whole file is a valid zstd stream (*whole 1: nothing
 * torn, nothing after the last frame). NULL when the file cannot be read.
 */
char *af_read_zst(const af_fixture *f, const char *name, size_t *len, int *frames, int *whole);

/* Assert that zstd file `name` is a valid stream that decodes to exactly `want`. */
void af_assert_zst(const af_fixture *f, const char *name, const char *want);

/* Assert that file `name` holds exactly `want`. */
void af_assert_file(const af_fixture *f, const char *name, const char *want);

/* The logger's counters. */
alog_stats af_stats(alog *lg);

/* Assert the accounting identity of stopped logger's counters. */
void af_assert_identity(const alog_stats *st);

#endif
