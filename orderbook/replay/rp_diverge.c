#include "rp_diverge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

static const char *file_name(const rp_replay *r, size_t i)
{
    return i < r->n_files && r->file_names[i] ? r->file_names[i] : "?";
}

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

void rp__diverge(rp_replay *r, size_t file_index, uint64_t line, const rp_sym *s, rp_kind kind,
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

void rp__describe(const rp_pend *rec, const rp_pend *reb, size_t depth, char *out, size_t room)
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

void rp__unmatched(rp_replay *r, const rp_sym *s, const rp_pend *p, const char *why)
{
    if (p->side == RP_RECORDED) {
        rp__diverge(r, p->file_index, p->line, s, p->kind, p->key,
                    "recorded %s record was not rebuilt%s", kind_name(p->kind), why);
        return;
    }
    /* A rebuilt record without a twin: name the recorded one waiting in its place, if any. */
    for (const rp_pend *q = s->head; q != NULL; q = q->next) {
        if (q->side == RP_RECORDED) {
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
            rp__diverge(
                r, q->file_index, q->line, s, q->kind, q->key,
                "recorded %s record was not rebuilt: the replay rebuilt %s %s%s instead, after "
                "%s:%llu",
                kind_name(q->kind), kind_name(p->kind), what, reason, file_name(r, p->file_index),
                (unsigned long long)p->line);
            return;
        }
    }
    rp__diverge(r, p->file_index, p->line, s, p->kind, p->key,
                "the replay rebuilt a %s record from this input that the files do not have%s",
                kind_name(p->kind),
                r->any_recorded
                    ? ""
                    : " (no depth, snapshot or resync record read so far: --verify needs "
                      "files captured with record = both)");
}
