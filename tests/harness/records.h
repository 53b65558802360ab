/*
 * What the integration tests compare: the records orderbook wrote (every file of its log
 * directory, in the order they were written) and the fake Binance's truth (the book after
 * every event it produced), and the accounting of one against the other.
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>

typedef struct tr_record {
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
 * order orderbook wrote them. Returns 0, or -1 with the first line that is not a JSON record
 * in `err` (the records read so far are kept; free them either way). A missing directory is
 * no records. */
int tr_read_records(tr_records *rs, const char *logs, char *err, size_t errlen);
void tr_records_free(tr_records *rs);

/* Records of this event, symbol (NULL: any) and reason containing `reason` (NULL: any). */
size_t tr_count(const tr_records *rs, const char *event, const char *symbol, const char *reason);

/* Is there, in the files of `logs`, a depth record of the symbol at u or a snapshot at
 * lastUpdateId u? A text search, newest file first: cheap enough to poll while orderbook
 * writes. A line still being written may already match: read the records themselves only
 * once orderbook has stopped. */
int tr_files_have_u(const char *logs, const char *symbol, double u);

typedef struct tr_event {
    char s[24];
    double u;
    char *book; /* as in tr_record */
} tr_event;

typedef struct tr_truth {
    tr_event *e; /* in the order produced: u grows per symbol */
    size_t n;
} tr_truth;

/* Read the fake server's truth file. Returns 0, or -1 (message in err). */
int tr_read_truth(tr_truth *t, const char *path, char *err, size_t errlen);
void tr_truth_free(tr_truth *t);

/* The number of events of a symbol in the truth, and the u of its last (-1: none). */
size_t tr_truth_count(const tr_truth *t, const char *symbol);
double tr_truth_last_u(const tr_truth *t, const char *symbol);

typedef struct tr_account {
    size_t truth;      /* events of the symbol the server produced */
    size_t recorded;   /* depth records equal to the truth at their u */
    size_t covered;    /* events folded into a snapshot that started the book, before the
                        * first one or after a resync: accounted, not recorded one by one */
    size_t lost;       /* events skipped without a resync, or jumped over by a snapshot
                        * that no resync explains */
    size_t mismatched; /* depth records that differ from the truth, or have no such u */
    size_t tail;       /* events after the last record: not (yet) received */
    size_t resyncs;    /* resync records */
    size_t snapshots;  /* snapshot records */
} tr_account;

/* Walk one symbol's records, in order, against its truth and count every event in exactly
 * one of recorded, covered, lost or tail. The first problem found is described in msg ("" if
 * none). */
void tr_account_symbol(const tr_records *rs, const tr_truth *t, const char *symbol, tr_account *out,
                       char *msg, size_t msglen);

#endif
