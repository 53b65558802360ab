/*
 * The fixture of the replay engine's tests (test_replay_engine_*.c): what the capture pipeline
 * (capture.h) records of a scripted market, that capture as files (one, or alog's 5-second
 * files), and the replay of the files in memory (rp_replay over rp_merge). Failures are
 * cmocka failures of the calling test.
 */
#ifndef REPLAY_FIXTURE_H
#define REPLAY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "rp_replay.h"

#define RF_S  1000000000LL          /* one second in ns */
#define RF_T0 (1764000000LL * RF_S) /* 2025-11-24T16:00:00Z: a 5-second boundary */

/* The two symbols of the scripted market: BTCUSDT, ETHUSDT. */
extern const char *const rf_two[];

/* ---- a capture made by the pipeline itself ---- */

/* Lines, malloc'ed each. */
typedef struct rf_lines {
    char **v;
    size_t n, cap;
} rf_lines;

/* Append a copy of the `len` bytes at s. */
void rf_push(rf_lines *l, const char *s, size_t len);

/* Free the lines; l is empty again. */
void rf_lines_free(rf_lines *l);

/* A cap_sink's emit and want: each record pushed to the rf_lines ctx; requests ignored. */
void rf_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len);
void rf_want(void *ctx, const char *symbol);

typedef enum rf_in_kind { RF_IN_FRAME, RF_IN_REST, RF_IN_UP, RF_IN_DOWN } rf_in_kind;

/* What the network gives the pipeline, with its receive time. */
typedef struct rf_input {
    rf_in_kind kind;
    int64_t ns;
    char symbol[24]; /* RF_IN_REST */
    char *json;
} rf_input;

typedef struct rf_inputs {
    rf_input v[4096];
    size_t n;
} rf_inputs;

/* Append an input (copies of symbol and json, each may be NULL); at most 4096. */
void rf_add(rf_inputs *in, rf_in_kind kind, int64_t ns, const char *symbol, const char *json);

/* Free the inputs' texts; in is empty again. */
void rf_inputs_free(rf_inputs *in);

/* What orderbook would have written of rf_two: the pipeline, fed as the network feeds it. */
rf_lines rf_capture(const rf_inputs *in, cap_record_mode mode);

/*
 * Two symbols from t0: connected, three events each that arrive before the snapshot and wait
 * for it (the first of them older than the snapshot), the snapshots 2.2 s later, then `n`
 * more events each, one every 100 ms. Options: a gap in ETHUSDT at event `gap` (0: none) with
 * its new snapshot 1 s later; a disconnect at event `down` (0: none) with new snapshots.
 */
void rf_market(rf_inputs *in, int64_t t0, unsigned n, unsigned gap, unsigned down);

/* ---- files and the replay ---- */

typedef struct rf_files {
    char *text[64];
    size_t len[64];
    size_t n;
} rf_files;

void rf_files_free(rf_files *f);

/* One file of every line. */
rf_files rf_one_file(const rf_lines *l);

/* As alog's 5sec files: each line into the file of its ts's period (from t0), a late line
 * appended to its earlier period's file; the files are then given newest first. */
rf_files rf_five_second_files(const rf_lines *l, int64_t t0);

typedef struct rf_result {
    rp_summary sum;
    char problems[4096];
    size_t n_problems;
    char *books; /* --at output */
    size_t books_len;
} rf_result;

/* Replay the files (named f0.txt, f1.txt, ...) with these options; at >= 0: books as of it.
 * The result's books stay the fixture's until the next replay. */
rf_result rf_replay(const rf_files *f, int verify, int64_t at);

/* Verify with rebuilt records of `depth` levels a side. */
rf_result rf_replay_at_depth(const rf_files *f, size_t depth);

/* How many lines hold needle. */
size_t rf_count(const rf_lines *l, const char *needle);

/* The line number (from 1) of the k-th line (from 0) holding needle, and the line. */
size_t rf_nth(const rf_lines *l, const char *needle, size_t k);

/* Verify passed: no divergence, no problem, every depth, snapshot and resync record checked. */
void rf_assert_verified(const rf_result *res, const rf_lines *l);

#endif
