/*
 * The words of a --verify divergence. The replay stops at the first one, so its one message
 * has to be enough to find the place in the files and see what differs: file:line, symbol and
 * id, then the first field or level that is not the same.
 */
#ifndef RP_DIVERGE_H
#define RP_DIVERGE_H

#include <stddef.h>
#include <stdint.h>

#include "rp_replay_internal.h"

/* Record the divergence (the first one only) in the summary: "file:line: SYMBOL u=...: "
 * followed by the formatted text. */
void rp__diverge(rp_replay *r, size_t file_index, uint64_t line, const rp_sym *s, rp_kind kind,
                 uint64_t key, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* A recorded record the replay did not rebuild, or a rebuilt one the files do not have; `why`
 * is appended to the message. */
void rp__unmatched(rp_replay *r, const rp_sym *s, const rp_pend *p, const char *why);

/* What differs between a recorded record and its rebuilt twin, in words. */
void rp__describe(const rp_pend *rec, const rp_pend *reb, size_t depth, char *out, size_t room);

#endif
