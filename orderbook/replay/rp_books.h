/*
 * The --at books. Each symbol keeps the levels of its last rebuilt record as that record's
 * text, so a book printed at TIME is what the last record before TIME showed: cut to `depth`
 * and formatted by the capture's own record writer, not by a second one (rp_print_books, in
 * rp_replay.h, prints them).
 */
#ifndef RP_BOOKS_H
#define RP_BOOKS_H

#include <stddef.h>

#include "rp_replay_internal.h"

/* After each rebuilt record of `s` (parsed head `h`, whole `line`): a depth or snapshot record
 * becomes the book; a resync empties it. Out of memory empties it too. */
void rp__books_keep(rp_sym *s, const rp_head *h, const char *line, size_t len);

#endif
