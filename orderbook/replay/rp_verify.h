/*
 * --verify's pairing of each rebuilt record with its recorded twin (the rules are in
 * rp_replay.h). Both sides wait in a queue per symbol instead of being compared in step,
 * because they do not come in the same order: a depth record of an event that waited for its
 * snapshot carries the event's receive time and may sit in an earlier file than the snapshot
 * that released it.
 */
#ifndef RP_VERIFY_H
#define RP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "rp_replay_internal.h"

/* A depth, snapshot or resync record of `s`, rebuilt (its input at file_index:line) or
 * recorded (at file_index:line): compared with its twin if that came already, else kept
 * waiting. A record that can no longer find its twin is the divergence. */
void rp__verify_pair(rp_replay *r, rp_sym *s, int side, const rp_head *h, size_t file_index,
                     uint64_t line);

/* Rebuilt records of an input of this file (or of any, for SIZE_MAX) still without a twin. */
void rp__verify_check_rebuilt(rp_replay *r, size_t file_index);

/* Free the records of `s` waiting for their twin. */
void rp__verify_clear(rp_sym *s);

#endif
