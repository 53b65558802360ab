#include "truth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test_util.h"
#include "tr_json.h"

int tr_read_truth(tr_truth *t, const char *path, char *err, size_t errlen)
{
    t->e = NULL;
    t->n = 0;
    err[0] = '\0';
    char *text = tu_read_file(path, NULL);
    if (text == NULL) {
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    size_t cap = 0;
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        char *book = j ? tr_book_of(j) : NULL;
        if (book == NULL) {
            snprintf(err, errlen, "%s: not a truth line: %.200s", path, line);
            rc = -1;
        } else {
            if (t->n == cap) {
                cap = cap ? cap * 2 : 1024;
                t->e = realloc(t->e, cap * sizeof *t->e);
            }
            tr_event *ev = &t->e[t->n++];
            snprintf(ev->s, sizeof ev->s, "%s", tr_str_of(j, "s"));
            ev->u = tr_num_of(j, "u");
            ev->book = book;
        }
        cJSON_Delete(j);
    }
    free(text);
    return rc;
}

void tr_truth_free(tr_truth *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->e[i].book);
    free(t->e);
    t->e = NULL;
    t->n = 0;
}

size_t tr_truth_count(const tr_truth *t, const char *symbol)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += strcmp(t->e[i].s, symbol) == 0;
    return n;
}

double tr_truth_last_u(const tr_truth *t, const char *symbol)
{
    for (size_t i = t->n; i-- > 0;)
        if (strcmp(t->e[i].s, symbol) == 0)
            return t->e[i].u;
    return -1;
}

static void note(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The first problem is the one worth reading. */
static void note(char *msg, size_t len, const char *fmt, ...)
{
    if (msg[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

void tr_account_symbol(const tr_records *rs, const tr_truth *t, const char *symbol, tr_account *out,
                       char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    msg[0] = '\0';
    /* The symbol's truth, in u order (the order it was produced). */
    const tr_event **ev = malloc((t->n ? t->n : 1) * sizeof *ev);
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].s, symbol) == 0)
            ev[m++] = &t->e[i];
    out->truth = m;
    size_t k = 0;        /* the next truth event not yet accounted for */
    int may_restart = 1; /* the next snapshot starts a book: none yet, or after a resync */
    size_t n_own;
    const tr_record **own = tr_symbol_records(rs, symbol, &n_own);
    for (size_t i = 0; i < n_own; i++) {
        const tr_record *r = own[i];
        if (strcmp(r->event, "resync") == 0) {
            out->resyncs++;
            may_restart = 1;
        } else if (strcmp(r->event, "snapshot") == 0) {
            out->snapshots++;
            size_t folded = 0;
            for (; k < m && ev[k]->u <= r->u; k++) {
                folded++;
                if (ev[k]->u == r->u && r->book && strcmp(ev[k]->book, r->book) != 0) {
                    out->mismatched++;
                    note(msg, msglen, "%s snapshot %.0f: its book differs from the truth", symbol,
                         r->u);
                }
            }
            if (may_restart) {
                out->covered += folded;
            } else if (folded > 0) {
                out->lost += folded;
                note(msg, msglen, "%s snapshot %.0f without a resync jumped over %zu events",
                     symbol, r->u, folded);
            }
            may_restart = 0;
        } else if (strcmp(r->event, "depth") == 0) {
            size_t skipped = 0;
            for (; k < m && ev[k]->u < r->u; k++)
                skipped++;
            if (skipped > 0) {
                out->lost += skipped;
                note(msg, msglen, "%s depth %.0f: %zu events before it were skipped", symbol, r->u,
                     skipped);
            }
            if (k < m && ev[k]->u == r->u) {
                if (r->book != NULL && strcmp(ev[k]->book, r->book) == 0) {
                    out->recorded++;
                } else {
                    out->mismatched++;
                    note(msg, msglen, "%s depth %.0f differs from the truth", symbol, r->u);
                }
                k++;
            } else {
                out->mismatched++;
                note(msg, msglen, "%s depth %.0f: no such event in the truth", symbol, r->u);
            }
        }
    }
    out->tail = m - k;
    free(own);
    free(ev);
}

/* Truth events by (s, u), for bsearch. */
static int by_symbol_u(const void *pa, const void *pb)
{
    const tr_event *a = *(const tr_event *const *)pa, *b = *(const tr_event *const *)pb;
    int c = strcmp(a->s, b->s);
    if (c != 0)
        return c;
    return a->u < b->u ? -1 : a->u > b->u;
}

long tr_check_depth(const tr_records *rs, const tr_truth *t, char *msg, size_t msglen)
{
    msg[0] = '\0';
    const tr_event **ev = malloc((t->n ? t->n : 1) * sizeof *ev);
    if (ev == NULL) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < t->n; i++)
        ev[i] = &t->e[i];
    qsort(ev, t->n, sizeof *ev, by_symbol_u);
    long checked = 0;
    for (size_t i = 0; i < rs->n && checked >= 0; i++) {
        const tr_record *r = &rs->r[i];
        if (strcmp(r->event, "depth") != 0)
            continue;
        tr_event key;
        snprintf(key.s, sizeof key.s, "%s", r->s);
        key.u = r->u;
        const tr_event *pkey = &key;
        const tr_event **found = t->n ? bsearch(&pkey, ev, t->n, sizeof *ev, by_symbol_u) : NULL;
        if (found == NULL) {
            snprintf(msg, msglen, "%s u=%.0f: no such event in the truth", r->s, r->u);
            checked = -1;
        } else if (r->book == NULL || strcmp(r->book, (*found)->book) != 0) {
            snprintf(msg, msglen, "%s u=%.0f: %.600s, truth %.600s", r->s, r->u,
                     r->book ? r->book : "(no book)", (*found)->book);
            checked = -1;
        } else {
            checked++;
        }
    }
    free(ev);
    return checked;
}
