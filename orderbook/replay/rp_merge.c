#include "rp_merge.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rp_file.h"

#define PROBLEMS_PER_FILE 20 /* then one line saying how many more */

typedef struct source {
    char *path;      /* NULL for memory */
    const void *mem; /* memory bytes */
    size_t mem_len;
    int zstd;         /* memory: a zstd stream */
    char *name;       /* for messages */
    size_t index;     /* order added */
    int64_t first_ts; /* ts of its first record (INT64_MAX: none found) */
    uint64_t size;    /* bytes */
    rp_file *f;       /* open while active */
    rp_rec head;      /* its next record, when `has_head` */
    int has_head;
    int64_t last_input_ts; /* ts of its last input record, for the order check */
    uint64_t last_input_line;
    uint64_t problems; /* reported for this file */
    int ended;
} source;

struct rp_merge {
    rp_merge_hooks hooks;
    source **src; /* every file, in the order added */
    size_t n, cap;
    source **pending; /* not yet opened, sorted by first_ts once reading starts */
    size_t n_pending, next_pending;
    int sorted;
    source **active; /* open, each with a head */
    size_t n_active;
    source *advance; /* the source of the record last returned: read on at the next call */
    rp_merge_progress prog;
    uint64_t bytes_closed;
};

static void problem(rp_merge *m, source *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(rp_merge *m, source *s, const char *fmt, ...)
{
    m->prog.problems++;
    if (s != NULL && ++s->problems > PROBLEMS_PER_FILE) {
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s != NULL && s->problems == PROBLEMS_PER_FILE) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof msg - n, " (further problems in %s are counted, not shown)",
                 s->name);
    }
    if (m->hooks.problem != NULL)
        m->hooks.problem(m->hooks.ctx, msg);
}

rp_merge *rp_merge_create(const rp_merge_hooks *hooks)
{
    rp_merge *m = calloc(1, sizeof *m);
    if (m != NULL && hooks != NULL)
        m->hooks = *hooks;
    return m;
}

static void source_free(source *s)
{
    rp_file_close(s->f);
    free(s->path);
    free(s->name);
    free(s);
}

void rp_merge_destroy(rp_merge *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        source_free(m->src[i]);
    free(m->src);
    free(m->pending);
    free(m->active);
    free(m);
}

static rp_file *open_source(rp_merge *m, source *s, int report)
{
    if (s->path == NULL)
        return rp_file_open_mem(s->name, s->mem, s->mem_len, s->zstd);
    char err[1024];
    rp_file *f = rp_file_open(s->path, err, sizeof err);
    if (f == NULL && report)
        problem(m, s, "%s", err);
    return f;
}

/* A short, printable piece of a bad line for its message. */
static void excerpt(const char *line, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < cap && i < 60; i++)
        out[n++] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
    if (len > 60 && n + 4 < cap) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Read the next record of an open source into its head: 1, or 0 at its end (or an error,
 * reported when `report`). Lines that are not records are reported and skipped. */
static int read_head(rp_merge *m, source *s, int report)
{
    for (;;) {
        const char *line;
        size_t len;
        int rc = rp_file_next(s->f, &line, &len);
        if (rc < 0 && report)
            problem(m, s, "%s", rp_file_error(s->f));
        if (rc <= 0)
            return 0;
        rp_rec *r = &s->head;
        if (rp_head_parse(line, len, &r->h) != 0) {
            if (!report)
                continue;
            char ex[80];
            excerpt(line, len, ex, sizeof ex);
            cJSON *j = cJSON_ParseWithLength(line, len);
            int is_json = j != NULL;
            cJSON_Delete(j);
            problem(m, s, "%s:%llu: %s: %s", s->name, (unsigned long long)rp_file_line(s->f),
                    is_json ? "not a record of orderbook's layout" : "not JSON", ex);
            continue;
        }
        r->line = line;
        r->len = len;
        r->file = s->name;
        r->lineno = rp_file_line(s->f);
        r->file_index = s->index;
        return 1;
    }
}

static int add_source(rp_merge *m, source *s)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        source **v = realloc(m->src, cap * sizeof *v);
        if (v == NULL)
            return -1;
        m->src = v;
        m->cap = cap;
    }
    s->index = m->n;
    m->src[m->n++] = s;
    m->prog.files++;
    /* Place it by its first record: open, read one record, close. */
    s->first_ts = INT64_MAX;
    s->last_input_ts = INT64_MIN;
    rp_file *f = open_source(m, s, 1);
    if (f == NULL) {
        s->ended = 1;
        m->prog.files_done++;
        return 0;
    }
    s->size = rp_file_size(f);
    m->prog.bytes += s->size;
    s->f = f;
    if (read_head(m, s, 0))
        s->first_ts = s->head.h.ts_ns;
    rp_file_close(f);
    s->f = NULL;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The capture files of a directory (names ending in .txt or .txt.zst), in name order. */
static int add_dir(rp_merge *m, const char *path, DIR *d)
{
    char **names = NULL;
    size_t n = 0, room = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' ||
            !(ends_with(e->d_name, ".txt") || ends_with(e->d_name, ".txt.zst")))
            continue;
        if (n == room) {
            room = room ? room * 2 : 64;
            char **v = realloc(names, room * sizeof *v);
            if (v == NULL) {
                rc = -1;
                goto out;
            }
            names = v;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        if ((names[n] = malloc(len)) == NULL) {
            rc = -1;
            goto out;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = rp_merge_add(m, names[i]);
    if (n == 0)
        problem(m, NULL, "%s: a directory without .txt or .txt.zst files", path);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int rp_merge_add(rp_merge *m, const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL)
        return add_dir(m, path, d);

    source *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL || (s->name = strdup(path)) == NULL) {
        if (s != NULL)
            source_free(s);
        return -1;
    }
    if (add_source(m, s) != 0) {
        source_free(s);
        return -1;
    }
    return 0;
}

int rp_merge_add_mem(rp_merge *m, const char *name, const void *data, size_t len, int zstd)
{
    source *s = calloc(1, sizeof *s);
    if (s == NULL || (s->name = strdup(name)) == NULL) {
        free(s);
        return -1;
    }
    s->mem = data;
    s->mem_len = len;
    s->zstd = zstd;
    if (add_source(m, s) != 0) {
        source_free(s);
        return -1;
    }
    return 0;
}

static int by_first_ts(const void *a, const void *b)
{
    const source *x = *(source *const *)a, *y = *(source *const *)b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int start(rp_merge *m)
{
    m->pending = calloc(m->n ? m->n : 1, sizeof *m->pending);
    m->active = calloc(m->n ? m->n : 1, sizeof *m->active);
    if (m->pending == NULL || m->active == NULL)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        if (!m->src[i]->ended)
            m->pending[m->n_pending++] = m->src[i];
    qsort(m->pending, m->n_pending, sizeof *m->pending, by_first_ts);
    m->sorted = 1;
    return 0;
}

static void end_source(rp_merge *m, source *s)
{
    if (s->f != NULL) {
        m->bytes_closed += rp_file_consumed(s->f);
        rp_file_close(s->f);
        s->f = NULL;
    }
    s->ended = 1;
    s->has_head = 0;
    m->prog.files_done++;
    if (m->hooks.file_end != NULL)
        m->hooks.file_end(m->hooks.ctx, s->index);
}

static void remove_active(rp_merge *m, source *s)
{
    for (size_t i = 0; i < m->n_active; i++) {
        if (m->active[i] == s) {
            m->active[i] = m->active[--m->n_active];
            return;
        }
    }
}

/* Read the source's next record; end it when there is none. */
static void next_of(rp_merge *m, source *s)
{
    s->has_head = read_head(m, s, 1);
    if (!s->has_head) {
        remove_active(m, s);
        end_source(m, s);
    }
}

static source *min_active(const rp_merge *m)
{
    source *best = NULL;
    for (size_t i = 0; i < m->n_active; i++) {
        source *s = m->active[i];
        if (best == NULL || s->head.h.ts_ns < best->head.h.ts_ns ||
            (s->head.h.ts_ns == best->head.h.ts_ns && s->index < best->index))
            best = s;
    }
    return best;
}

static void activate(rp_merge *m, source *s)
{
    s->f = open_source(m, s, 1);
    if (s->f == NULL) {
        end_source(m, s);
        return;
    }
    m->active[m->n_active++] = s;
    next_of(m, s);
}

int rp_merge_next(rp_merge *m, rp_rec *out)
{
    if (!m->sorted && start(m) != 0)
        return 0;
    if (m->advance != NULL) {
        source *s = m->advance;
        m->advance = NULL;
        next_of(m, s);
    }
    for (;;) {
        source *best = min_active(m);
        /* Open every file whose first record is due. */
        while (m->next_pending < m->n_pending &&
               (best == NULL || m->pending[m->next_pending]->first_ts <= best->head.h.ts_ns)) {
            activate(m, m->pending[m->next_pending++]);
            best = min_active(m);
        }
        if (best == NULL)
            return 0;
        rp_rec *r = &best->head;
        if (!rp_kind_derived(r->h.kind) && r->h.kind != RP_OTHER) {
            /* Input records carry receive times: in a file they never go back. Derived
             * records may (an event buffered while its snapshot loaded keeps its time). */
            if (r->h.ts_ns < best->last_input_ts)
                problem(m, best, "%s:%llu: out of order: its ts is %.6f s before that of line %llu",
                        best->name, (unsigned long long)r->lineno,
                        (double)(best->last_input_ts - r->h.ts_ns) / 1e9,
                        (unsigned long long)best->last_input_line);
            else {
                best->last_input_ts = r->h.ts_ns;
                best->last_input_line = r->lineno;
            }
        }
        *out = *r;
        m->advance = best;
        m->prog.records++;
        return 1;
    }
}

void rp_merge_get_progress(const rp_merge *m, rp_merge_progress *out)
{
    *out = m->prog;
    out->bytes_done = m->bytes_closed;
    for (size_t i = 0; i < m->n_active; i++)
        out->bytes_done += rp_file_consumed(m->active[i]->f);
}
