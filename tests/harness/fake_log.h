/*
 * The fake Binance's log (fake_server.log): one line per thing it did, each starting with a
 * word and its millisecond stamp where it has one: "tcp MS", "ws MS CONN STREAMS",
 * "rest MS SYMBOL STATUS", "closed MS CONN FRAMES", "book SYMBOL BIDS ASKS", "done"; with
 * `legs`: "leg CONN a|b", "stall MS CONN", "shutdown MS CONN", "cutall MS".
 */
#ifndef FAKE_LOG_H
#define FAKE_LOG_H

#include "proc.h"

/* Lines that start with `word` and a space. 0 when there is no log yet. */
int fake_log_count(const fake_server *fs, const char *word);

/* The k-th (from 1) line that starts with `word` and a space, malloc'ed without its '\n'; NULL
 * when there is none. */
char *fake_log_line(const fake_server *fs, const char *word, int k);

/* The millisecond stamp of that line, or -1. */
long fake_log_ms(const fake_server *fs, const char *word, int k);

/* The streams all websocket connections asked for (the STREAMS of every "ws" line). */
long fake_log_streams(const fake_server *fs);

/* The server's final book size of the symbol ("book" line): 0, or -1 when not logged. */
int fake_log_book(const fake_server *fs, const char *symbol, unsigned long long *bids,
                  unsigned long long *asks);

#endif
