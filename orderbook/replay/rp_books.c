#include "rp_books.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

void rp__books_keep(rp_sym *s, const rp_head *h, const char *line, size_t len)
{
    static const char key[] = ",\"bids\":";
    if (h->kind == RP_RESYNC) {
        s->levels_len = 0;
        return;
    }
    const char *p = memmem(line, len, key, sizeof key - 1);
    if (p == NULL)
        return;
    p++;
    size_t n = (size_t)(line + len - p);
    if (n > s->levels_cap) {
        char *b = realloc(s->levels, n);
        if (b == NULL) {
            s->levels_len = 0;
            return;
        }
        s->levels = b;
        s->levels_cap = n;
    }
    memcpy(s->levels, p, n);
    s->levels_len = n;
    s->last_id = h->id;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(rp_sym *const *)a)->name, (*(rp_sym *const *)b)->name);
}

size_t rp_print_books(rp_replay *r, FILE *out, int64_t at_ns)
{
    rp_sym **v = malloc((r->n_sym ? r->n_sym : 1) * sizeof *v);
    if (v == NULL)
        return 0;
    if (r->n_sym > 0) {
        memcpy(v, r->sym, r->n_sym * sizeof *v);
        qsort(v, r->n_sym, sizeof *v, by_name);
    }
    rec_writer w;
    rec_init(&w, r->o.depth, r->o.utc != 0);
    char ts[REC_TS_MAX];
    rec_timestamp(&w, at_ns, ts);
    rec_free(&w);
    for (size_t i = 0; i < r->n_sym; i++) {
        cap_symbol_view sv = rp__view_of(v[i]);
        int live = sv.state == CAP_SYNCED && v[i]->levels_len > 0;
        const char *state = live                       ? "live"
                            : sv.state == CAP_SYNCING  ? "syncing"
                            : sv.state == CAP_REJECTED ? "rejected"
                                                       : "down";
        fprintf(out, "{\"ts\":\"%s\",\"event\":\"book\",\"s\":\"%s\",\"state\":\"%s\",", ts,
                v[i]->name, state);
        if (live)
            fprintf(out, "\"u\":%llu,%.*s\n", (unsigned long long)v[i]->last_id,
                    (int)v[i]->levels_len, v[i]->levels);
        else
            fputs("\"bids\":[],\"asks\":[]}\n", out);
    }
    free(v);
    return r->n_sym;
}
