#include "records.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test_util.h"
#include "tr_json.h"

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
    snprintf(r->ts, sizeof r->ts, "%s", tr_str_of(j, "ts"));
    snprintf(r->event, sizeof r->event, "%s", tr_str_of(j, "event"));
    snprintf(r->s, sizeof r->s, "%s", tr_str_of(j, "s"));
    snprintf(r->reason, sizeof r->reason, "%s", tr_str_of(j, "reason"));
    if (strcmp(r->event, "depth") == 0) {
        r->u = tr_num_of(j, "u");
        r->book = tr_book_of(j);
    } else if (strcmp(r->event, "snapshot") == 0) {
        r->u = tr_num_of(j, "lastUpdateId");
        r->book = tr_book_of(j);
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

/* The records of one file's text onto rs. While orderbook runs, the file may end in the
 * part of a line whose write() is still under way: only complete lines count. Once it has
 * stopped, every file ends in a whole line. */
static int read_file_records(tr_records *rs, const char *name, char *text, size_t len, int running,
                             char *err, size_t errlen)
{
    char *end = strrchr(text, '\n');
    if (running) {
        *(end ? end : text) = '\0';
    } else if (len > 0 && (end == NULL || end[1] != '\0')) {
        snprintf(err, errlen, "%s ends in half a line: %.200s", name, end ? end + 1 : text);
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        int rc = 0;
        if (j == NULL || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "event"))) {
            snprintf(err, errlen, "not a JSON record in %s: %.200s", name, line);
            rc = -1;
        } else if (add_record(rs, j) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        cJSON_Delete(j);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int read_records(tr_records *rs, const char *logs, int running, char *err, size_t errlen)
{
    rs->r = NULL;
    rs->n = 0;
    err[0] = '\0';
    size_t n_names;
    char **names = files_in_order(logs, &n_names);
    int rc = 0;
    for (size_t i = 0; i < n_names && rc == 0; i++) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", logs, names[i]);
        size_t len = 0;
        char *text = tu_read_file(path, &len);
        if (text == NULL) {
            snprintf(err, errlen, "cannot read %s", path);
            rc = -1;
        } else {
            rc = read_file_records(rs, names[i], text, len, running, err, errlen);
        }
        free(text);
    }
    free_names(names, n_names);
    return rc;
}

int tr_read_records(tr_records *rs, const char *logs, char *err, size_t errlen)
{
    return read_records(rs, logs, 0, err, errlen);
}

int tr_read_records_now(tr_records *rs, const char *logs, char *err, size_t errlen)
{
    return read_records(rs, logs, 1, err, errlen);
}

typedef struct keyed {
    double key;
    size_t i; /* file order, for equal keys */
    const tr_record *r;
} keyed;

static int by_key(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

const tr_record **tr_symbol_records(const tr_records *rs, const char *symbol, size_t *n)
{
    *n = 0;
    keyed *k = malloc((rs->n ? rs->n : 1) * sizeof *k);
    if (k == NULL)
        return NULL;
    double max = -1;
    for (size_t i = 0; i < rs->n; i++) {
        const tr_record *r = &rs->r[i];
        if (strcmp(r->s, symbol) != 0)
            continue;
        double key;
        if (strcmp(r->event, "depth") == 0)
            key = r->u;
        else if (strcmp(r->event, "snapshot") == 0)
            key = r->u + 0.5;
        else
            key = max + 0.25;
        if (key > max)
            max = key;
        k[*n] = (keyed){key, i, r};
        (*n)++;
    }
    const tr_record **out = *n ? malloc(*n * sizeof *out) : NULL;
    if (out != NULL) {
        qsort(k, *n, sizeof *k, by_key);
        for (size_t i = 0; i < *n; i++)
            out[i] = k[i].r;
    } else {
        *n = 0;
    }
    free(k);
    return out;
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
