/*
 * What orderbook tells a person: the status line while it runs and the summary when it
 * stops, formatted from capture's read-only symbol views and the logger's counters.
 * Pure: strings and FILE streams handed in, no clocks, no terminals.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"

/* What the files got, from alog's counters. */
typedef struct status_io {
    const char *dir;     /* the log directory */
    const char *file;    /* the file being written now (a path), or NULL */
    uint64_t written;    /* lines complete in a file */
    uint64_t refused;    /* refused: queue full */
    uint64_t lost_io;    /* accepted, then lost to an I/O error */
    uint64_t discarded;  /* accepted, then dropped by a stop at once */
    uint64_t files;      /* files opened */
    int losing;          /* the status line: records were lost since the previous one */
    int64_t snapshot_us; /* the least time between two snapshot requests; 0: no estimate */
    int64_t legs_up;     /* depth connections up (more than legs_total while one is replaced) */
    int64_t legs_total;  /* depth connections wanted (legs x groups); 0: not shown */
} status_io;

/*
 * How far the initial sync has come, for many symbols: "synced 412/1503, ~6 min left" into
 * out (NUL-terminated; returns the length), the time left being one snapshot every
 * snapshot_us for each symbol still syncing ("<1 min left" under a minute). Nothing (0) when
 * no symbol is syncing or snapshot_us is 0. Pure.
 */
size_t status_progress(char *out, size_t out_len, const cap_symbol_view *v, size_t n,
                       int64_t snapshot_us);

/* Records that did not reach the files, for whatever reason. */
uint64_t status_lost(const status_io *io);

/* Events per second per symbol, between two looks. */
typedef struct status_meter {
    uint64_t *last; /* applied at the last look, per symbol */
    size_t n;
    int64_t last_ns; /* the previous look, or the start */
} status_meter;

/* A meter for n symbols, counting from start_ns. Returns 0, or -1 when memory runs out. */
int status_meter_init(status_meter *m, size_t n, int64_t start_ns);
void status_meter_free(status_meter *m);

/* Room for n symbols (more than before: symbols that joined, counting from 0). Returns 0, or
 * -1 when memory runs out (the meter unchanged). */
int status_meter_grow(status_meter *m, size_t n);

/* rates[i] (n of them, n at most the meter's) = events/s of views[i] since the last call (or
 * the start) at now_ns. */
void status_meter_update(status_meter *m, const cap_symbol_view *v, size_t n, int64_t now_ns,
                         double *rates);

#define STATUS_FEW 3 /* up to this many symbols are shown one by one, else totals */

/*
 * The status line (no newline) into out (out_len bytes, NUL-terminated), cut to `width`
 * columns when width > 0. Lost records come first so that no cut hides them ("RECORDS BEING
 * LOST" while io->losing, else "RECORDS LOST"); then each
 * symbol (or, for more than STATUS_FEW, the totals by state and the busiest ones that fit),
 * the file being written, "legs U/T" (depth connections up of those wanted, when legs_total
 * is set) and "drops N". Returns the length.
 */
size_t status_line(char *out, size_t out_len, const cap_symbol_view *v, const double *rates,
                   size_t n, const status_io *io, size_t width);

#define STATUS_SUMMARY_ALL 20 /* up to this many symbols get a line each in the summary */

/*
 * The human summary, lines starting "orderbook: ". When records were lost it says so
 * first. More than STATUS_SUMMARY_ALL symbols: their totals, then only the symbols with
 * something to say (not synced, resynced, refetched or overflowed, or nothing applied).
 */
void status_summary(FILE *f, const cap_counters *k, const cap_symbol_view *v, size_t n,
                    const status_io *io);

/* The summary as one line of JSON, for scripts and tests (the format is a contract):
 * {"summary":{"messages":N,...,"dir":"...","symbols":[{"s":"BTCUSDT","events":N,...}]}} */
void status_summary_json(FILE *f, const cap_counters *k, const cap_symbol_view *v, size_t n,
                         const status_io *io);

#endif
