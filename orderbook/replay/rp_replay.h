/*
 * The replay: records of capture files (in the order rp_merge gives them) fed through the
 * capture pipeline exactly as the live network feeds it (cap_on_message for every `frame`,
 * cap_on_snapshot for every `rest`, cap_on_connected/cap_on_disconnected when the first
 * connection comes up and the last one goes down), one pipeline per symbol, created when the
 * symbol first appears. The records it
 * rebuilds (depth, snapshot, resync) can be compared with the recorded ones (--verify),
 * handed on (--out), and the books printed as of a time (--at). Pure: no I/O of its own.
 *
 * Verify matches a rebuilt record with the recorded one of the same symbol, kind and id (depth
 * u, snapshot lastUpdateId; a resync by its ts), whichever comes first: a depth record of an
 * event that waited for its snapshot carries the event's receive time and may sit in an
 * earlier file than the snapshot that released it. A rebuilt record must find its recorded
 * twin before the next input record of the same file (the capture writes them right after
 * their input); a recorded record must find its twin before the rebuilt book moves past it.
 * Recorded records of a symbol before its first snapshot in the files cannot be checked and
 * are counted as such (files that start in the middle of a capture).
 */
#ifndef RP_REPLAY_H
#define RP_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rp_merge.h"

typedef struct rp_options {
    size_t depth;   /* levels per side in rebuilt records (and --at books) */
    int utc;        /* rebuilt records' ts: 1 UTC ("Z"), 0 local time, -1 as the first record's */
    int futures;    /* the futures sync rule (usdm, coinm): 1; spot: 0; -1: as the first connected
                     * record's "market" says (spot without one) */
    int verify;     /* compare rebuilt records with the recorded ones */
    int keep_books; /* keep each book's last rebuilt levels, for rp_print_books */
    /* Rebuilt records (depth, snapshot, resync) and the records passed through as they are
     * (connected, disconnected, other events), each with its ts in ns; NULL: none. */
    void (*out)(void *ctx, int64_t ns, const char *line, size_t len);
    void *out_ctx;
    /* A record that cannot be used ("file:line: what"); NULL: not told. */
    void (*problem)(void *ctx, const char *msg);
    void *problem_ctx;
} rp_options;

typedef struct rp_summary {
    uint64_t records;       /* records fed */
    uint64_t frames;        /* frame records fed to the pipeline */
    uint64_t rests;         /* rest records fed to the pipeline */
    uint64_t rebuilt;       /* records the pipelines rebuilt (depth, snapshot, resync) */
    uint64_t applied;       /* events applied to books */
    uint64_t resyncs;       /* resyncs rebuilt */
    size_t books;           /* symbols seen */
    uint64_t checked_depth; /* recorded depth records equal to their rebuilt twin */
    uint64_t checked_snapshot;
    uint64_t checked_resync;
    uint64_t uncheckable; /* recorded before their symbol's first snapshot in the files */
    uint64_t unrecorded;  /* rebuilt for a symbol with no snapshot in the files, without a
                           * recorded twin: a symbol the capture was not capturing */
    uint64_t problems;    /* records that could not be used */
    int diverged;         /* verify found a divergence: `divergence` says where and what */
    char divergence[2048];
} rp_summary;

typedef struct rp_replay rp_replay;

/* NULL when memory runs out. */
rp_replay *rp_create(const rp_options *o);
void rp_destroy(rp_replay *r);

/* One record, in merge order. Returns 0, or 1 once verify has found a divergence (then
 * nothing more is done: stop). */
int rp_feed(rp_replay *r, const rp_rec *rec);

/* The merge says a file has no more records (rp_merge_hooks.file_end). */
void rp_file_ended(rp_replay *r, size_t file_index);

/* The end of the input: recorded records still without a twin are divergences. Returns 1 when
 * verify has found a divergence. */
int rp_finish(rp_replay *r);

const rp_summary *rp_get_summary(rp_replay *r);

/*
 * Every book as it is now, one JSON line per symbol in name order, stamped `at_ns`:
 * {"ts":"...","event":"book","s":"BTCUSDT","state":"live","u":1005,"bids":[...],"asks":[...]}
 * ("state" is live, syncing, down or rejected; "u" and levels only when live; the levels are
 * those of the symbol's last rebuilt record, so `depth` of them at most). Needs keep_books.
 * Returns the number of lines.
 */
size_t rp_print_books(rp_replay *r, FILE *out, int64_t at_ns);

#endif
