#include "records.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test_util.h"

static const char *str_of(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "<bids>|<asks>", both printed by cJSON, so records and truth compare as text. */
static char *book_of(const cJSON *j)
{
    const cJSON *bids = cJSON_GetObjectItemCaseSensitive(j, "bids");
    const cJSON *asks = cJSON_GetObjectItemCaseSensitive(j, "asks");
    if (!cJSON_IsArray(bids) || !cJSON_IsArray(asks))
        return NULL;
    char *b = cJSON_PrintUnformatted(bids), *a = cJSON_PrintUnformatted(asks);
    size_t n = strlen(b) + strlen(a) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s|%s", b, a);
    free(b);
    free(a);
    return out;
}

/* Files in the order their periods come: YYYYMMDD.txt, or YYYYMMDDHHMM{i}.txt with i
 * unpadded (so "...HHMM10" comes after "...HHMM2"). */
static int by_period(const void *pa, const void *pb)
{
    const char *a = *(char *const *)pa, *b = *(char *const *)pb;
    int c = strncmp(a, b, 12);
    if (c != 0)
        return c;
    size_t la = strlen(a), lb = strlen(b);
    if (la < 12 || lb < 12)
        return la < lb ? -1 : la > lb;
    long ia = strtol(a + 12, NULL, 10), ib = strtol(b + 12, NULL, 10);
    return ia < ib ? -1 : ia > ib;
}

static int add_record(tr_records *rs, const cJSON *j)
{
    tr_record *grown = realloc(rs->r, (rs->n + 1) * sizeof *rs->r);
    if (grown == NULL)
        return -1;
    rs->r = grown;
    tr_record *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->event, sizeof r->event, "%s", str_of(j, "event"));
    snprintf(r->s, sizeof r->s, "%s", str_of(j, "s"));
    snprintf(r->reason, sizeof r->reason, "%s", str_of(j, "reason"));
    if (strcmp(r->event, "depth") == 0) {
        r->u = num_of(j, "u");
        r->book = book_of(j);
    } else if (strcmp(r->event, "snapshot") == 0) {
        r->u = num_of(j, "lastUpdateId");
        r->book = book_of(j);
    }
    return 0;
}

/* The files of `logs` in period order (malloc'ed names, *n of them); NULL for none. */
static char **files_in_order(const char *logs, size_t *n)
{
    *n = 0;
    DIR *d = opendir(logs);
    if (d == NULL)
        return NULL;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (*n + 1) * sizeof *names);
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n > 0)
        qsort(names, *n, sizeof *names, by_period);
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int tr_read_records(tr_records *rs, const char *logs, char *err, size_t errlen)
{
    rs->r = NULL;
    rs->n = 0;
    err[0] = '\0';
    size_t n_names;
    char **names = files_in_order(logs, &n_names);
    int rc = 0;
    for (size_t i = 0; i < n_names; i++) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", logs, names[i]);
        char *text = tu_read_file(path, NULL);
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line != NULL && rc == 0;
             line = strtok_r(NULL, "\n", &save)) {
            cJSON *j = cJSON_Parse(line);
            if (j == NULL || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "event"))) {
                snprintf(err, errlen, "not a JSON record in %s: %.200s", names[i], line);
                rc = -1;
            } else if (add_record(rs, j) != 0) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
            cJSON_Delete(j);
        }
        free(text);
    }
    free_names(names, n_names);
    return rc;
}

/* Does one line of text hold both needles? */
static int line_has(const char *text, const char *a, const char *b)
{
    for (const char *p = text; (p = strstr(p, a)) != NULL; p++) {
        const char *start = p, *end = strchr(p, '\n');
        while (start > text && start[-1] != '\n')
            start--;
        size_t len = end ? (size_t)(end - start) : strlen(start);
        const char *q = strstr(start, b);
        if (q != NULL && q < start + len)
            return 1;
    }
    return 0;
}

int tr_files_have_u(const char *logs, const char *symbol, double u)
{
    char sym[64], depth_u[64], snap_u[64];
    snprintf(sym, sizeof sym, "\"s\":\"%s\"", symbol);
    snprintf(depth_u, sizeof depth_u, ",\"u\":%.0f,", u);
    snprintf(snap_u, sizeof snap_u, "\"lastUpdateId\":%.0f,", u);
    size_t n;
    char **names = files_in_order(logs, &n);
    int found = 0;
    for (size_t i = n; i-- > 0 && !found;) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", logs, names[i]);
        char *text = tu_read_file(path, NULL);
        found = text != NULL && (line_has(text, depth_u, sym) || line_has(text, snap_u, sym));
        free(text);
    }
    free_names(names, n);
    return found;
}

void tr_records_free(tr_records *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i].book);
    free(rs->r);
    rs->r = NULL;
    rs->n = 0;
}

size_t tr_count(const tr_records *rs, const char *event, const char *symbol, const char *reason)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const tr_record *r = &rs->r[i];
        if (strcmp(r->event, event) != 0)
            continue;
        if (symbol != NULL && strcmp(r->s, symbol) != 0)
            continue;
        if (reason != NULL && strstr(r->reason, reason) == NULL)
            continue;
        n++;
    }
    return n;
}

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
        char *book = j ? book_of(j) : NULL;
        if (book == NULL) {
            snprintf(err, errlen, "%s: not a truth line: %.200s", path, line);
            rc = -1;
        } else {
            if (t->n == cap) {
                cap = cap ? cap * 2 : 1024;
                t->e = realloc(t->e, cap * sizeof *t->e);
            }
            tr_event *ev = &t->e[t->n++];
            snprintf(ev->s, sizeof ev->s, "%s", str_of(j, "s"));
            ev->u = num_of(j, "u");
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
    for (size_t i = 0; i < rs->n; i++) {
        const tr_record *r = &rs->r[i];
        if (strcmp(r->s, symbol) != 0)
            continue;
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
    free(ev);
}
