#include "rp_replay.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "capture.h"
#include "record.h"
#include "rp_text.h"

/* Records of one symbol waiting for their twin: an event's depth record may wait for its
 * snapshot in the capture's buffer (SYNC_BUFFER_MAX events); more is a divergence, or, before
 * the symbol's first snapshot in the files, records that cannot be checked. */
#define PEND_MAX (SYNC_BUFFER_MAX + 16)

enum { REBUILT = 0, RECORDED = 1 };

typedef struct pend {
    struct pend *next;
    int side;          /* REBUILT or RECORDED */
    rp_kind kind;      /* depth, snapshot or resync */
    uint64_t key;      /* depth u, snapshot lastUpdateId, resync ts */
    int64_t ts_ns;     /* its ts */
    size_t file_index; /* recorded: its file; rebuilt: its input's file */
    uint64_t line;     /* and line */
    size_t len;        /* of text */
    char text[];       /* the line after its ts: `","event":...}` */
} pend;

typedef struct rp_sym {
    char name[DEPTH_SYMBOL_MAX + 1];
    cap *c;       /* this symbol's pipeline */
    rp_replay *r; /* for the sink */
    pend *head;   /* records waiting for their twin, oldest first */
    pend *tail;
    size_t n_pend;
    uint64_t snapshots; /* rebuilt snapshot records */
    uint64_t last_id;   /* keep_books: the id of the last rebuilt depth or snapshot record */
    char *levels;       /* keep_books: its `"bids":...}`, or NULL after a resync */
    size_t levels_len, levels_cap;
} rp_sym;

struct rp_replay {
    rp_options o;
    rp_sym **sym; /* in order of appearance */
    size_t n_sym, cap_sym;
    rp_sym **table; /* open addressing by name; table_cap is a power of two */
    size_t table_cap;
    cap *misc;         /* the pipeline of frames that name no symbol */
    int link_up;       /* some connection is up (assumed until a connection record says) */
    int link_known;    /* a connection record was read */
    int n_up;          /* connections up: connected records minus disconnected ones */
    char **file_names; /* by file index: copies of the merge's names (NULL: out of memory) */
    size_t n_files;
    const rp_rec *cur;        /* the record being fed */
    uint64_t rebuilt_waiting; /* rebuilt records without their twin yet */
    int any_recorded;         /* a depth, snapshot or resync record was read */
    char *scratch;            /* unescaped string data */
    size_t scratch_cap;
    rp_summary sum;
};

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

static const char *file_name(const rp_replay *r, size_t i)
{
    return i < r->n_files && r->file_names[i] ? r->file_names[i] : "?";
}

/* ---- the pipelines' sink ---- */

static void derived(rp_replay *r, rp_sym *s, int side, const rp_head *h, size_t file_index,
                    uint64_t line);

/* The book a rebuilt record shows: the top levels after its event, as the record has them. */
static void keep_book(rp_sym *s, const rp_head *h, const char *line, size_t len)
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
        keep_book(s, &h, line, len);
    if (r->o.verify)
        derived(r, s, REBUILT, &h, r->cur->file_index, r->cur->lineno);
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

static cap_symbol_view view_of(const rp_sym *s)
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

static void pend_clear(rp_sym *s)
{
    while (s->head != NULL) {
        pend *p = s->head;
        s->head = p->next;
        free(p);
    }
    s->tail = NULL;
    s->n_pend = 0;
}

void rp_destroy(rp_replay *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_sym; i++) {
        pend_clear(r->sym[i]);
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

/* ---- verify ---- */

static void fmt_ts(int64_t ns, char *out, size_t room)
{
    time_t sec = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, room, "%s.%06ldZ", day, (long)((ns % 1000000000LL) / 1000));
}

/* What the record is about: "u=1005", "lastUpdateId=1000", "resync". */
static void what_of(rp_kind kind, uint64_t key, char *out, size_t room)
{
    if (kind == RP_DEPTH)
        snprintf(out, room, "u=%llu", (unsigned long long)key);
    else if (kind == RP_SNAPSHOT)
        snprintf(out, room, "lastUpdateId=%llu", (unsigned long long)key);
    else
        snprintf(out, room, "resync");
}

static const char *kind_name(rp_kind k)
{
    return k == RP_DEPTH ? "depth" : k == RP_SNAPSHOT ? "snapshot" : "resync";
}

static void diverge(rp_replay *r, size_t file_index, uint64_t line, const rp_sym *s, rp_kind kind,
                    uint64_t key, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void diverge(rp_replay *r, size_t file_index, uint64_t line, const rp_sym *s, rp_kind kind,
                    uint64_t key, const char *fmt, ...)
{
    if (r->sum.diverged)
        return;
    r->sum.diverged = 1;
    char what[64];
    what_of(kind, key, what, sizeof what);
    int n = snprintf(r->sum.divergence, sizeof r->sum.divergence,
                     "%s:%llu: %s %s: ", file_name(r, file_index), (unsigned long long)line,
                     s->name, what);
    if (n < 0 || (size_t)n >= sizeof r->sum.divergence)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->sum.divergence + n, sizeof r->sum.divergence - (size_t)n, fmt, ap);
    va_end(ap);
}

/* The record after its ts as a JSON object: `{"t":"` + `","event":...}`. */
static cJSON *parse_rest(const char *text, size_t len)
{
    static const char head[] = "{\"t\":\"";
    char *buf = malloc(sizeof head + len);
    if (buf == NULL)
        return NULL;
    memcpy(buf, head, sizeof head - 1);
    memcpy(buf + sizeof head - 1, text, len);
    cJSON *j = cJSON_ParseWithLength(buf, sizeof head - 1 + len);
    free(buf);
    return j;
}

static const char *level_str(const cJSON *lv, int i)
{
    const cJSON *x = cJSON_GetArrayItem(lv, i);
    return cJSON_IsString(x) ? x->valuestring : "?";
}

/* The first difference of two levels arrays, or 0 when equal. */
static int levels_differ(const char *name, const cJSON *a, const cJSON *b, size_t depth, char *out,
                         size_t room)
{
    int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
    for (int i = 0; i < na || i < nb; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i), *y = cJSON_GetArrayItem(b, i);
        if (x == NULL || y == NULL) {
            const cJSON *more = x ? x : y;
            snprintf(out, room,
                     "%s: recorded %d levels, rebuilt %d (%s has [\"%s\",\"%s\"] at %s[%d])", name,
                     na, nb, x ? "recorded" : "rebuilt", level_str(more, 0), level_str(more, 1),
                     name, i);
            if (x != NULL && (size_t)nb == depth) {
                /* The capture keeps more levels than the replay was told. */
                size_t n = strlen(out);
                snprintf(out + n, room - n,
                         "; the capture's depth is larger than %zu: give its configuration "
                         "(-c) or --depth",
                         depth);
            }
            return 1;
        }
        const char *px = level_str(x, 0), *py = level_str(y, 0);
        const char *qx = level_str(x, 1), *qy = level_str(y, 1);
        if (strcmp(px, py) != 0) {
            snprintf(out, room, "%s[%d] price: recorded [\"%s\",\"%s\"], rebuilt [\"%s\",\"%s\"]",
                     name, i, px, qx, py, qy);
            return 1;
        }
        if (strcmp(qx, qy) != 0) {
            snprintf(out, room, "%s[%d] quantity at %s: recorded \"%s\", rebuilt \"%s\"", name, i,
                     px, qx, qy);
            return 1;
        }
    }
    return 0;
}

/* What differs between a recorded record and its rebuilt twin, in words. */
static void describe(const pend *rec, const pend *reb, size_t depth, char *out, size_t room)
{
    if (rec->ts_ns != reb->ts_ns) {
        char a[48], b[48];
        fmt_ts(rec->ts_ns, a, sizeof a);
        fmt_ts(reb->ts_ns, b, sizeof b);
        snprintf(out, room, "ts: recorded %s, rebuilt %s", a, b);
        return;
    }
    cJSON *a = parse_rest(rec->text, rec->len), *b = parse_rest(reb->text, reb->len);
    snprintf(out, room, "the recorded record differs from the rebuilt one");
    if (a == NULL) {
        snprintf(out, room, "the recorded record is not JSON");
    } else if (b != NULL) {
        const cJSON *y;
        cJSON_ArrayForEach(y, b)
        {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, y->string);
            if (x == NULL) {
                snprintf(out, room, "\"%s\" is missing from the recorded record", y->string);
                break;
            }
            if (cJSON_IsArray(x) && cJSON_IsArray(y)) {
                if (levels_differ(y->string, x, y, depth, out, room))
                    break;
                continue;
            }
            char *px = cJSON_PrintUnformatted(x), *py = cJSON_PrintUnformatted(y);
            int differ = px == NULL || py == NULL || strcmp(px, py) != 0;
            if (differ)
                snprintf(out, room, "%s: recorded %s, rebuilt %s", y->string, px ? px : "?",
                         py ? py : "?");
            free(px);
            free(py);
            if (differ)
                break;
        }
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static pend *pend_new(int side, const rp_head *h, uint64_t key, size_t file_index, uint64_t line)
{
    pend *p = malloc(sizeof *p + h->rest_len);
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

static void pend_unlink(rp_replay *r, rp_sym *s, pend *prev, pend *p)
{
    if (prev == NULL)
        s->head = p->next;
    else
        prev->next = p->next;
    if (s->tail == p)
        s->tail = prev;
    s->n_pend--;
    if (p->side == REBUILT)
        r->rebuilt_waiting--;
}

/* A recorded record the replay did not rebuild, or a rebuilt one the files do not have. */
static void unmatched(rp_replay *r, const rp_sym *s, const pend *p, const char *why)
{
    if (p->side == RECORDED) {
        diverge(r, p->file_index, p->line, s, p->kind, p->key,
                "recorded %s record was not rebuilt%s", kind_name(p->kind), why);
        return;
    }
    /* A rebuilt record without a twin: name the recorded one waiting in its place, if any. */
    for (const pend *q = s->head; q != NULL; q = q->next) {
        if (q->side == RECORDED) {
            char what[64];
            what_of(p->kind, p->key, what, sizeof what);
            const char *reason = "";
            char buf[160] = "";
            if (p->kind == RP_RESYNC) {
                cJSON *j = parse_rest(p->text, p->len);
                const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "reason");
                snprintf(buf, sizeof buf, " (%s)", cJSON_IsString(x) ? x->valuestring : "?");
                reason = buf;
                cJSON_Delete(j);
            }
            diverge(r, q->file_index, q->line, s, q->kind, q->key,
                    "recorded %s record was not rebuilt: the replay rebuilt %s %s%s instead, after "
                    "%s:%llu",
                    kind_name(q->kind), kind_name(p->kind), what, reason,
                    file_name(r, p->file_index), (unsigned long long)p->line);
            return;
        }
    }
    diverge(r, p->file_index, p->line, s, p->kind, p->key,
            "the replay rebuilt a %s record from this input that the files do not have%s",
            kind_name(p->kind),
            r->any_recorded ? ""
                            : " (no depth, snapshot or resync record read so far: --verify needs "
                              "files captured with record = both)");
}

/* The first rebuilt snapshot of a symbol: what was recorded before it cannot be checked. */
static void first_snapshot(rp_replay *r, rp_sym *s, const rp_head *h)
{
    pend *prev = NULL, *p = s->head;
    while (p != NULL) {
        pend *next = p->next;
        if (p->side == RECORDED && ((p->kind == RP_DEPTH && p->key <= h->id) ||
                                    (p->kind != RP_DEPTH && p->ts_ns < h->ts_ns))) {
            pend_unlink(r, s, prev, p);
            free(p);
            r->sum.uncheckable++;
        } else {
            prev = p;
        }
        p = next;
    }
}

static void matched(rp_replay *r, rp_sym *s, const pend *rec, const pend *reb)
{
    if (rec->ts_ns != reb->ts_ns || rec->len != reb->len ||
        memcmp(rec->text, reb->text, rec->len) != 0) {
        char what[1024];
        describe(rec, reb, r->o.depth, what, sizeof what);
        diverge(r, rec->file_index, rec->line, s, rec->kind, rec->key, "%s", what);
        return;
    }
    if (rec->kind == RP_DEPTH)
        r->sum.checked_depth++;
    else if (rec->kind == RP_SNAPSHOT)
        r->sum.checked_snapshot++;
    else
        r->sum.checked_resync++;
}

static void derived(rp_replay *r, rp_sym *s, int side, const rp_head *h, size_t file_index,
                    uint64_t line)
{
    uint64_t key = h->kind == RP_RESYNC ? (uint64_t)h->ts_ns : h->id;
    if (side == REBUILT && h->kind == RP_SNAPSHOT && s->snapshots++ == 0)
        first_snapshot(r, s, h);
    pend *me = pend_new(side, h, key, file_index, line);
    if (me == NULL) {
        diverge(r, file_index, line, s, h->kind, key, "out of memory");
        return;
    }
    pend *prev = NULL;
    for (pend *p = s->head; p != NULL; prev = p, p = p->next) {
        if (p->side != side && p->kind == h->kind && p->key == key) {
            pend_unlink(r, s, prev, p);
            if (side == RECORDED)
                matched(r, s, me, p);
            else
                matched(r, s, p, me);
            free(p);
            free(me);
            return;
        }
        /* The rebuilt book went past a recorded event: that one will never be rebuilt. */
        if (side == REBUILT && h->kind == RP_DEPTH && p->side == RECORDED && p->kind == RP_DEPTH &&
            p->key < key) {
            char why[128];
            snprintf(why, sizeof why, " (the rebuilt book went on to u=%llu)",
                     (unsigned long long)key);
            unmatched(r, s, p, why);
            free(me);
            return;
        }
    }
    if (s->tail == NULL)
        s->head = me;
    else
        s->tail->next = me;
    s->tail = me;
    s->n_pend++;
    if (side == REBUILT)
        r->rebuilt_waiting++;
    while (s->n_pend > PEND_MAX && !r->sum.diverged) {
        pend *old = s->head;
        if (s->snapshots == 0) {
            if (old->side == RECORDED)
                r->sum.uncheckable++;
            else
                r->sum.unrecorded++;
            pend_unlink(r, s, NULL, old);
            free(old);
        } else {
            unmatched(r, s, old, " (too many records waiting for their twin)");
        }
    }
}

/* Rebuilt records of an input of this file (or of any, for SIZE_MAX) still without a twin. */
static void check_rebuilt(rp_replay *r, size_t file_index)
{
    for (size_t i = 0; i < r->n_sym && r->rebuilt_waiting > 0 && !r->sum.diverged; i++) {
        rp_sym *s = r->sym[i];
        pend *prev = NULL, *p = s->head;
        while (p != NULL) {
            pend *next = p->next;
            if (p->side != REBUILT || (file_index != SIZE_MAX && p->file_index != file_index)) {
                prev = p;
            } else if (s->snapshots == 0) {
                /* A resync of a symbol that never had a snapshot in the files: the capture
                 * may not have been capturing it at all (its frames were only passing). */
                pend_unlink(r, s, prev, p);
                free(p);
                r->sum.unrecorded++;
            } else {
                unmatched(r, s, p, "");
                return;
            }
            p = next;
        }
    }
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

/*
 * A connection came up or went down. Books drop only when no connection is left: with two
 * legs (or a make-before-break replacement) one connection going down leaves the books to the
 * other. Files that start in the middle of a capture begin with one connection assumed up;
 * the first connection record replaces the assumption.
 */
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
        int down = view_of(s).state == CAP_DOWN;
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
        check_rebuilt(r, rec->file_index);
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
                derived(r, s, RECORDED, &rec->h, rec->file_index, rec->lineno);
        }
        break;
    case RP_OTHER:
        pass_through(r, rec);
        break;
    }
    return r->sum.diverged;
}

void rp_file_ended(rp_replay *r, size_t file_index)
{
    if (r->o.verify && r->rebuilt_waiting > 0)
        check_rebuilt(r, file_index);
}

int rp_finish(rp_replay *r)
{
    if (r->o.verify)
        check_rebuilt(r, SIZE_MAX);
    for (size_t i = 0; i < r->n_sym && !r->sum.diverged; i++) {
        rp_sym *s = r->sym[i];
        if (s->head == NULL)
            continue;
        if (s->snapshots == 0) {
            for (const pend *p = s->head; p != NULL; p = p->next) {
                if (p->side == RECORDED)
                    r->sum.uncheckable++;
                else
                    r->sum.unrecorded++;
            }
            pend_clear(s);
        } else {
            unmatched(r, s, s->head, " (the files end before it was)");
        }
    }
    return r->sum.diverged;
}

const rp_summary *rp_get_summary(rp_replay *r)
{
    r->sum.applied = 0;
    for (size_t i = 0; i < r->n_sym; i++)
        r->sum.applied += view_of(r->sym[i]).applied;
    return &r->sum;
}

/* ---- books ---- */

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
        cap_symbol_view sv = view_of(v[i]);
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
