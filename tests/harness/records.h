/*
 * The records orderbook wrote: every file of its log directory, in the order they were
 * written. What they are compared with is in truth.h.
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>

typedef struct tr_record {
    char ts[40];     /* as written: "2026-11-25T03:15:42.217886Z" */
    char event[16];  /* depth, snapshot, resync, connected, disconnected, ... */
    char s[24];      /* the symbol, "" for records without one */
    double u;        /* depth: u; snapshot: lastUpdateId; else 0 */
    char *book;      /* depth and snapshot: "<bids>|<asks>" as canonical JSON; else NULL */
    char reason[64]; /* resync and disconnected: why */
} tr_record;

typedef struct tr_records {
    tr_record *r;
    size_t n;
} tr_records;

/* Every record of every file in `logs`, files in period order and lines in file order: the
 * order orderbook wrote them; for once orderbook has stopped: a file that ends in half a line
 * is an error. Returns 0, or -1 with the first problem (a line that is not a JSON record,
 * half a line) in `err` (the records read so far are kept; free them either way). A missing
 * directory is no records. */
int tr_read_records(tr_records *rs, const char *logs, char *err, size_t errlen);

/* The same while orderbook may still be writing: a file's unfinished last line (its write
 * still under way) is not read. */
int tr_read_records_now(tr_records *rs, const char *logs, char *err, size_t errlen);
void tr_records_free(tr_records *rs);

/* The symbol's records in the order orderbook wrote them, as pointers into rs (malloc'ed,
 * *n of them; free it; NULL when there are none). Files hold records by their own ts, so an
 * event that waited for its snapshot lands in the file of its receive time, before the
 * snapshot's file when a period ended meanwhile; file order is then not write order. Within
 * a symbol the update ids say it: a depth record goes by its u, a snapshot by lastUpdateId
 * (before the depth records on top of it), any other record right after what came before it
 * in file order. */
const tr_record **tr_symbol_records(const tr_records *rs, const char *symbol, size_t *n);

/* Records of this event, symbol (NULL: any) and reason containing `reason` (NULL: any). */
size_t tr_count(const tr_records *rs, const char *event, const char *symbol, const char *reason);

/* Is there, in the files of `logs`, a depth record of the symbol at u or a snapshot at
 * lastUpdateId u? A text search, newest file first: cheap enough to poll while orderbook
 * writes. A line still being written may already match: read the records themselves only
 * once orderbook has stopped. */
int tr_files_have_u(const char *logs, const char *symbol, double u);

/* The truth and the accounting were declared here before; files that include only this
 * header keep them. */
#include "truth.h"

#endif
