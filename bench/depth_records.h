/*
 * Records shaped like orderbook's `depth` records (record = book, depth = 5), generated in
 * memory for bench_zstd. The shape comes from a real Binance capture when one is given: its
 * snapshots' price ladders and quantity strings, its frames' levels per event, update-id
 * steps and events per second. Without one, built-in values of the same kind (8-decimal
 * strings, 1-3 levels changed per event, four symbols, 6 events a second). The same
 * arguments always give the same bytes.
 */
#ifndef DEPTH_RECORDS_H
#define DEPTH_RECORDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct depth_records {
    char *text;       /* every record followed by its '\n', back to back */
    size_t *offset;   /* record i is text[offset[i] .. offset[i + 1] - 1) (without '\n') */
    int64_t *ts_ns;   /* the stamp of record i (its "ts") */
    size_t n;         /* records */
    size_t bytes;     /* offset[n]: bytes of text, each record with its '\n' */
    int from_capture; /* 1: shaped by the capture, 0: by the built-in values */
    size_t n_symbols;
    double per_second; /* records a second in the stamps: the capture's event rate */
} depth_records;

/*
 * Generate `n` records stamped from `start_ns` on, shaped by the capture in `capture_dir`
 * (frames.txt and snapshots.txt as in its README) when it can be read, else by the built-in
 * values. Returns 0, or -1 when memory ran out (nothing to free then).
 */
int depth_records_make(depth_records *r, size_t n, const char *capture_dir, int64_t start_ns,
                       uint64_t seed);

void depth_records_free(depth_records *r);

#endif
