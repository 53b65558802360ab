/*
 * The state of one replay, shared by the files that do its jobs: rp_replay.c feeds the
 * pipelines, rp_verify.c pairs their records with the recorded ones, rp_diverge.c words a
 * divergence, rp_books.c keeps and prints the --at books. Users of the replay include
 * rp_replay.h only.
 */
#ifndef RP_REPLAY_INTERNAL_H
#define RP_REPLAY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "rp_replay.h"
#include "rp_text.h"

/* The two sides --verify pairs: a record the replay rebuilt, and its twin from the files. */
enum { RP_REBUILT = 0, RP_RECORDED = 1 };

/* A rebuilt or recorded record waiting for its twin (rp_verify.c). */
typedef struct rp_pend {
    struct rp_pend *next;
    int side;          /* RP_REBUILT or RP_RECORDED */
    rp_kind kind;      /* depth, snapshot or resync */
    uint64_t key;      /* depth u, snapshot lastUpdateId, resync ts */
    int64_t ts_ns;     /* its ts */
    size_t file_index; /* recorded: its file; rebuilt: its input's file */
    uint64_t line;     /* and line */
    size_t len;        /* of text */
    char text[];       /* the line after its ts: `","event":...}` */
} rp_pend;

typedef struct rp_sym {
    char name[DEPTH_SYMBOL_MAX + 1];
    cap *c;        /* this symbol's pipeline */
    rp_replay *r;  /* for the sink */
    rp_pend *head; /* records waiting for their twin, oldest first */
    rp_pend *tail;
    size_t n_pend;
    uint64_t snapshots;     /* rebuilt snapshot records */
    int64_t first_snapshot; /* the ts of the first one */
    uint64_t last_id;       /* keep_books: the id of the last rebuilt depth or snapshot record */
    char *levels;           /* keep_books: its `"bids":...}` (levels_len 0 after a resync) */
    size_t levels_len, levels_cap;
} rp_sym;

struct rp_replay {
    rp_options o;
    rp_sym **sym; /* in order of appearance */
    size_t n_sym, cap_sym;
    rp_sym **table; /* open addressing by name; table_cap is a power of two */
    size_t table_cap;
    cap *misc;         /* the pipeline of frames that name no symbol */
    int link_up;       /* some connection is up (assumed until a connection record says) */
    int link_known;    /* a connection record was read */
    int n_up;          /* connections up: connected records minus disconnected ones */
    char **file_names; /* by file index: copies of the merge's names (NULL: out of memory) */
    size_t n_files;
    const rp_rec *cur;        /* the record being fed */
    uint64_t rebuilt_waiting; /* rebuilt records without their twin yet */
    int any_recorded;         /* a depth, snapshot or resync record was read */
    char *scratch;            /* unescaped string data */
    size_t scratch_cap;
    rp_summary sum;
};

/* The symbol's pipeline as it is now. */
cap_symbol_view rp__view_of(const rp_sym *s);

#endif
