#include "rp_replay_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_books.h"
#include "rp_verify.h"

static void problem(rp_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(rp_replay *r, const char *fmt, ...)
{
    r->sum.problems++;
    if (r->o.problem == NULL)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->o.problem(r->o.problem_ctx, msg);
}

/* ---- the pipelines' sink ---- */

static void sink_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    rp_sym *s = ctx;
    if (s == NULL)
        return; /* the pipeline of frames without a symbol makes no book records */
    rp_replay *r = s->r;
    rp_head h;
    /* Connection records are the inputs' own: they are passed through, not rebuilt. */
    if (r->sum.diverged || rp_head_parse(line, len, &h) != 0 || !rp_kind_derived(h.kind))
        return;
    r->sum.rebuilt++;
    if (h.kind == RP_RESYNC)
        r->sum.resyncs++;
    if (r->o.out != NULL)
        r->o.out(r->o.out_ctx, stamp_ns, line, len);
    if (r->o.keep_books)
        rp__books_keep(s, &h, line, len);
    if (r->o.verify)
        rp__verify_pair(r, s, RP_REBUILT, &h, r->cur->file_index, r->cur->lineno);
}

static void sink_want_snapshot(void *ctx, const char *symbol)
{
    /* The files hold the snapshots that came: nothing to fetch. */
    (void)ctx;
    (void)symbol;
}

/* ---- symbols ---- */

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static rp_sym **slot(rp_replay *r, const char *name)
{
    size_t mask = r->table_cap - 1;
    for (size_t i = (size_t)hash(name) & mask;; i = (i + 1) & mask)
        if (r->table[i] == NULL || strcmp(r->table[i]->name, name) == 0)
            return &r->table[i];
}

static int grow_table(rp_replay *r)
{
    size_t room = r->table_cap ? r->table_cap * 2 : 64;
    rp_sym **t = calloc(room, sizeof *t);
    if (t == NULL)
        return -1;
    free(r->table);
    r->table = t;
    r->table_cap = room;
    for (size_t i = 0; i < r->n_sym; i++)
        *slot(r, r->sym[i]->name) = r->sym[i];
    return 0;
}

/* The symbol's state, created (and connected, when the link is up) on first sight. */
static rp_sym *sym_get(rp_replay *r, const char *name, int64_t now_ns)
{
    rp_sym **at = slot(r, name);
    if (*at != NULL)
        return *at;
    if ((r->n_sym + 1) * 2 > r->table_cap || r->n_sym == r->cap_sym) {
        size_t room = r->cap_sym ? r->cap_sym * 2 : 32;
        rp_sym **v = realloc(r->sym, room * sizeof *v);
        if (v == NULL)
            return NULL;
        r->sym = v;
        r->cap_sym = room;
        if (grow_table(r) != 0)
            return NULL;
        at = slot(r, name);
    }
    rp_sym *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->r = r;
    const char *names[1] = {s->name};
    cap_sink sink = {s, sink_emit, sink_want_snapshot};
    s->c = cap_create(names, 1, r->o.depth, CAP_RECORD_BOOK, r->o.utc, &sink);
    if (s->c == NULL) {
        free(s);
        return NULL;
    }
    if (r->o.futures == 1)
        cap_set_origin(s->c, SYNC_RULE_FUTURES, "usdm", "");
    r->sym[r->n_sym++] = s;
    *at = s;
    r->sum.books = r->n_sym;
    if (r->link_up)
        cap_on_connected(s->c, names, 1, now_ns);
    return s;
}

cap_symbol_view rp__view_of(const rp_sym *s)
{
    cap_symbol_view v;
    memset(&v, 0, sizeof v);
    (void)cap_symbol_view_get(s->c, 0, &v);
    return v;
}

/* ---- create, destroy ---- */

rp_replay *rp_create(const rp_options *o)
{
    rp_replay *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->o = *o;
    if (r->o.depth == 0)
        r->o.depth = 5;
    r->link_up = 1; /* files that start in the middle of a capture start connected */
    cap_sink none = {NULL, sink_emit, sink_want_snapshot};
    r->misc = cap_create(NULL, 0, 1, CAP_RECORD_BOOK, 1, &none);
    if (r->misc == NULL || grow_table(r) != 0) {
        rp_destroy(r);
        return NULL;
    }
    return r;
}

void rp_destroy(rp_replay *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_sym; i++) {
        rp__verify_clear(r->sym[i]);
        free(r->sym[i]->levels);
        cap_destroy(r->sym[i]->c);
        free(r->sym[i]);
    }
    for (size_t i = 0; i < r->n_files; i++)
        free(r->file_names[i]);
    free(r->file_names);
    free(r->sym);
    free(r->table);
    cap_destroy(r->misc);
    free(r->scratch);
    free(r);
}

/* ---- feeding ---- */

/* A copy of file i's name for divergences, which may name a file the merge has closed. -1 when
 * memory runs out. */
static int file_seen(rp_replay *r, size_t i, const char *name)
{
    if (i >= r->n_files) {
        char **v = realloc(r->file_names, (i + 1) * sizeof *v);
        if (v == NULL)
            return -1;
        memset(v + r->n_files, 0, (i + 1 - r->n_files) * sizeof *v);
        r->file_names = v;
        r->n_files = i + 1;
    }
    if (r->file_names[i] == NULL)
        r->file_names[i] = strdup(name);
    return 0;
}

/* A frame's or snapshot's bytes as received: the data member itself, or a string's contents. */
static const char *data_of(rp_replay *r, const rp_rec *rec, size_t *len)
{
    const rp_head *h = &rec->h;
    if (h->data[0] != '"') {
        *len = h->data_len;
        return h->data;
    }
    if (h->data_len < 2 || h->data[h->data_len - 1] != '"')
        goto bad;
    if (r->scratch_cap < h->data_len) {
        char *b = realloc(r->scratch, h->data_len);
        if (b == NULL)
            goto bad;
        r->scratch = b;
        r->scratch_cap = h->data_len;
    }
    long n = rp_unescape(h->data + 1, h->data_len - 2, r->scratch);
    if (n < 0)
        goto bad;
    *len = (size_t)n;
    return r->scratch;
bad:
    problem(r, "%s:%llu: not JSON: the data string is not a valid JSON string", rec->file,
            (unsigned long long)rec->lineno);
    return NULL;
}

static void pass_through(rp_replay *r, const rp_rec *rec)
{
    if (r->o.out != NULL)
        r->o.out(r->o.out_ctx, rec->h.ts_ns, rec->line, rec->len);
}

static void feed_frame(rp_replay *r, const rp_rec *rec)
{
    size_t len;
    const char *data = data_of(r, rec, &len);
    if (data == NULL)
        return;
    r->sum.frames++;
    char name[DEPTH_SYMBOL_MAX + 1];
    rp_sym *s = rp_frame_symbol(data, len, name) == 0 ? sym_get(r, name, rec->h.ts_ns) : NULL;
    cap_on_message(s != NULL ? s->c : r->misc, data, len, rec->h.ts_ns);
}

static void feed_rest(rp_replay *r, const rp_rec *rec)
{
    size_t len;
    const char *data = data_of(r, rec, &len);
    rp_sym *s = sym_get(r, rec->h.symbol, rec->h.ts_ns);
    if (data == NULL || s == NULL)
        return;
    r->sum.rests++;
    cap_on_snapshot(s->c, s->name, data, len, rec->h.ts_ns);
}

/* The market of a connected record ("market":"usdm"): the sync rule of the books. Decided
 * once, before any book exists when the files start with the capture. */
static void learn_market(rp_replay *r, const rp_rec *rec)
{
    static const char key[] = "\"market\":\"";
    const char *m = memmem(rec->line, rec->len, key, sizeof key - 1);
    if (m == NULL)
        return;
    m += sizeof key - 1;
    size_t left = (size_t)(rec->line + rec->len - m);
    int futures =
        (left > 5 && memcmp(m, "usdm\"", 5) == 0) || (left > 6 && memcmp(m, "coinm\"", 6) == 0);
    r->o.futures = futures;
    for (size_t i = 0; i < r->n_sym && futures; i++)
        cap_set_origin(r->sym[i]->c, SYNC_RULE_FUTURES, "usdm", "");
}

/*
 * A connection came up or went down. Books drop only when no connection is left: with two
 * legs (or a make-before-break replacement) one connection going down leaves the books to the
 * other. Files that start in the middle of a capture begin with one connection assumed up;
 * the first connection record replaces the assumption.
 */
static void feed_link(rp_replay *r, const rp_rec *rec, int up)
{
    pass_through(r, rec);
    if (up && r->o.futures < 0)
        learn_market(r, rec);
    if (!r->link_known) {
        r->link_known = 1;
        r->n_up = up ? 0 : 1;
    }
    int change;
    if (up)
        change = r->n_up++ == 0;
    else
        change = r->n_up > 0 && --r->n_up == 0;
    r->link_up = r->n_up > 0;
    if (!change)
        return;
    for (size_t i = 0; i < r->n_sym; i++) {
        rp_sym *s = r->sym[i];
        const char *names[1] = {s->name};
        int down = rp__view_of(s).state == CAP_DOWN;
        if (up && down)
            cap_on_connected(s->c, names, 1, rec->h.ts_ns);
        else if (!up && !down)
            cap_on_disconnected(s->c, names, 1, "replay", rec->h.ts_ns);
    }
}

int rp_feed(rp_replay *r, const rp_rec *rec)
{
    if (r->sum.diverged)
        return 1;
    r->sum.records++;
    r->cur = rec;
    if (r->o.utc < 0)
        r->o.utc = rec->h.rest[-1] == 'Z'; /* the ts ends right before rest */
    if (file_seen(r, rec->file_index, rec->file) != 0) {
        problem(r, "out of memory");
        return 0;
    }
    rp_kind k = rec->h.kind;
    /* An input: the rebuilt records of this file's last input had their twins right after it. */
    if (!rp_kind_derived(k) && k != RP_OTHER && r->o.verify && r->rebuilt_waiting > 0)
        rp__verify_check_rebuilt(r, rec->file_index);
    switch (k) {
    case RP_FRAME:
        feed_frame(r, rec);
        break;
    case RP_REST:
        feed_rest(r, rec);
        break;
    case RP_CONNECTED:
        feed_link(r, rec, 1);
        break;
    case RP_DISCONNECTED:
        feed_link(r, rec, 0);
        break;
    case RP_DEPTH:
    case RP_SNAPSHOT:
    case RP_RESYNC:
        if (r->o.verify) {
            r->any_recorded = 1;
            rp_sym *s = sym_get(r, rec->h.symbol, rec->h.ts_ns);
            if (s != NULL)
                rp__verify_pair(r, s, RP_RECORDED, &rec->h, rec->file_index, rec->lineno);
        }
        break;
    case RP_OTHER:
        pass_through(r, rec);
        break;
    }
    return r->sum.diverged;
}

const rp_summary *rp_get_summary(rp_replay *r)
{
    r->sum.applied = 0;
    for (size_t i = 0; i < r->n_sym; i++)
        r->sum.applied += rp__view_of(r->sym[i]).applied;
    return &r->sum;
}
