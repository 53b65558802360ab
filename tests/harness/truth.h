/*
 * The fake Binance's truth (the book after every event it produced), and the accounting of
 * the records (records.h) against it.
 */
#ifndef TRUTH_H
#define TRUTH_H

#include <stddef.h>

#include "records.h"

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

/* Is every depth record equal to the truth at its (s, u)? Returns how many were checked, or
 * -1 with the first that is not (no such event, or a different book) described in msg. */
long tr_check_depth(const tr_records *rs, const tr_truth *t, char *msg, size_t msglen);

#endif
