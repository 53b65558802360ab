#include "rp_verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_diverge.h"

/* Records of one symbol waiting for their twin: an event's depth record may wait for its
 * snapshot in the capture's buffer (SYNC_BUFFER_MAX events); more is a divergence, or, before
 * the symbol's first snapshot in the files, records that cannot be checked. */
#define PEND_MAX (SYNC_BUFFER_MAX + 16)

void rp__verify_clear(rp_sym *s)
{
    while (s->head != NULL) {
        rp_pend *p = s->head;
        s->head = p->next;
        free(p);
    }
    s->tail = NULL;
    s->n_pend = 0;
}

static rp_pend *pend_new(int side, const rp_head *h, uint64_t key, size_t file_index, uint64_t line)
{
    rp_pend *p = malloc(sizeof *p + h->rest_len);
    if (p == NULL)
        return NULL;
    p->next = NULL;
    p->side = side;
    p->kind = h->kind;
    p->key = key;
    p->ts_ns = h->ts_ns;
    p->file_index = file_index;
    p->line = line;
    p->len = h->rest_len;
    memcpy(p->text, h->rest, h->rest_len);
    return p;
}

static void pend_unlink(rp_replay *r, rp_sym *s, rp_pend *prev, rp_pend *p)
{
    if (prev == NULL)
        s->head = p->next;
    else
        prev->next = p->next;
    if (s->tail == p)
        s->tail = prev;
    s->n_pend--;
    if (p->side == RP_REBUILT)
        r->rebuilt_waiting--;
}

/* Let go, as uncheckable, the recorded records of s that `gone` picks. */
static void let_go_recorded(rp_replay *r, rp_sym *s,
                            int (*gone)(const rp_sym *s, const rp_pend *p, uint64_t id),
                            uint64_t id)
{
    rp_pend *prev = NULL, *p = s->head;
    while (p != NULL) {
        rp_pend *next = p->next;
        if (p->side == RP_RECORDED && gone(s, p, id)) {
            pend_unlink(r, s, prev, p);
            free(p);
            r->sum.uncheckable++;
        } else {
            prev = p;
        }
        p = next;
    }
}

static int depth_up_to(const rp_sym *s, const rp_pend *p, uint64_t id)
{
    (void)s;
    return p->kind == RP_DEPTH && p->key <= id;
}

/* A recorded snapshot or resync older than the symbol's first rebuilt snapshot: not checkable
 * when no twin came for it. */
static int before_first_snapshot(const rp_sym *s, const rp_pend *p, uint64_t id)
{
    (void)id;
    return p->side == RP_RECORDED && p->kind != RP_DEPTH && s->snapshots > 0 &&
           p->ts_ns < s->first_snapshot;
}

/*
 * The first rebuilt snapshot of a symbol: the depth records up to it cannot be checked. The
 * others recorded before it stay: an event held across that snapshot may still rebuild them
 * with their earlier ts (a gap found among held events is stamped with the event's time).
 * Those never rebuilt are let go by `before_first_snapshot`, not called divergences.
 */
static void first_snapshot(rp_replay *r, rp_sym *s, const rp_head *h)
{
    s->first_snapshot = h->ts_ns;
    let_go_recorded(r, s, depth_up_to, h->id);
}

/*
 * The record `h` met its waiting twin: equal, it is counted; else the divergence, described
 * from a copy of it. Only then is it copied: the copy of every record that found its twin
 * waiting was a tenth of --verify's own work (callgrind).
 */
static void matched(rp_replay *r, rp_sym *s, int side, const rp_head *h, uint64_t key,
                    size_t file_index, uint64_t line, const rp_pend *twin)
{
    if (h->ts_ns == twin->ts_ns && h->rest_len == twin->len &&
        memcmp(h->rest, twin->text, twin->len) == 0) {
        if (h->kind == RP_DEPTH)
            r->sum.checked_depth++;
        else if (h->kind == RP_SNAPSHOT)
            r->sum.checked_snapshot++;
        else
            r->sum.checked_resync++;
        return;
    }
    rp_pend *me = pend_new(side, h, key, file_index, line);
    if (me == NULL) {
        rp__diverge(r, file_index, line, s, h->kind, key, "out of memory");
        return;
    }
    const rp_pend *rec = side == RP_RECORDED ? me : twin, *reb = side == RP_RECORDED ? twin : me;
    char what[1024];
    rp__describe(rec, reb, r->o.depth, what, sizeof what);
    rp__diverge(r, rec->file_index, rec->line, s, rec->kind, rec->key, "%s", what);
    free(me);
}

void rp__verify_pair(rp_replay *r, rp_sym *s, int side, const rp_head *h, size_t file_index,
                     uint64_t line)
{
    uint64_t key = h->kind == RP_RESYNC ? (uint64_t)h->ts_ns : h->id;
    if (side == RP_REBUILT && h->kind == RP_SNAPSHOT && s->snapshots++ == 0)
        first_snapshot(r, s, h);
    rp_pend *prev = NULL;
    for (rp_pend *p = s->head; p != NULL; prev = p, p = p->next) {
        if (p->side != side && p->kind == h->kind && p->key == key) {
            pend_unlink(r, s, prev, p);
            matched(r, s, side, h, key, file_index, line, p);
            free(p);
            return;
        }
        /* The rebuilt book went past a recorded event: that one will never be rebuilt. */
        if (side == RP_REBUILT && h->kind == RP_DEPTH && p->side == RP_RECORDED &&
            p->kind == RP_DEPTH && p->key < key) {
            char why[128];
            snprintf(why, sizeof why, " (the rebuilt book went on to u=%llu)",
                     (unsigned long long)key);
            rp__unmatched(r, s, p, why);
            return;
        }
    }
    rp_pend *me = pend_new(side, h, key, file_index, line);
    if (me == NULL) {
        rp__diverge(r, file_index, line, s, h->kind, key, "out of memory");
        return;
    }
    if (s->tail == NULL)
        s->head = me;
    else
        s->tail->next = me;
    s->tail = me;
    s->n_pend++;
    if (side == RP_REBUILT)
        r->rebuilt_waiting++;
    while (s->n_pend > PEND_MAX && !r->sum.diverged) {
        rp_pend *old = s->head;
        if (s->snapshots == 0 || before_first_snapshot(s, old, 0)) {
            if (old->side == RP_RECORDED)
                r->sum.uncheckable++;
            else
                r->sum.unrecorded++;
            pend_unlink(r, s, NULL, old);
            free(old);
        } else {
            rp__unmatched(r, s, old, " (too many records waiting for their twin)");
        }
    }
}

void rp__verify_check_rebuilt(rp_replay *r, size_t file_index)
{
    for (size_t i = 0; i < r->n_sym && r->rebuilt_waiting > 0 && !r->sum.diverged; i++) {
        rp_sym *s = r->sym[i];
        rp_pend *prev = NULL, *p = s->head;
        while (p != NULL) {
            rp_pend *next = p->next;
            if (p->side != RP_REBUILT || (file_index != SIZE_MAX && p->file_index != file_index)) {
                prev = p;
            } else if (s->snapshots == 0) {
                /* A resync of a symbol that never had a snapshot in the files: the capture
                 * may not have been capturing it at all (its frames were only passing). */
                pend_unlink(r, s, prev, p);
                free(p);
                r->sum.unrecorded++;
            } else {
                rp__unmatched(r, s, p, "");
                return;
            }
            p = next;
        }
    }
}

void rp_file_ended(rp_replay *r, size_t file_index)
{
    if (r->o.verify && r->rebuilt_waiting > 0)
        rp__verify_check_rebuilt(r, file_index);
}

int rp_finish(rp_replay *r)
{
    if (r->o.verify)
        rp__verify_check_rebuilt(r, SIZE_MAX);
    for (size_t i = 0; i < r->n_sym && !r->sum.diverged; i++) {
        rp_sym *s = r->sym[i];
        if (s->head == NULL)
            continue;
        if (s->snapshots == 0) {
            for (const rp_pend *p = s->head; p != NULL; p = p->next) {
                if (p->side == RP_RECORDED)
                    r->sum.uncheckable++;
                else
                    r->sum.unrecorded++;
            }
            rp__verify_clear(s);
            continue;
        }
        let_go_recorded(r, s, before_first_snapshot, 0);
        if (s->head != NULL)
            rp__unmatched(r, s, s->head, " (the files end before it was)");
    }
    return r->sum.diverged;
}
