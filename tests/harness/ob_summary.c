#include "ob_summary.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "test_util.h"

/* A non-negative whole number of `obj`, or -1 (absent, or not a count). */
static int count_of(const cJSON *obj, const char *key, unsigned long long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return -1;
    *out = (unsigned long long)v->valuedouble;
    return 0;
}

/* {"summary":{"messages":N,...,"dir":"...","symbols":[{"s":..,"events":N,...}]}}: 0 or -1. */
static int parse_json(const char *line, ob_summary *sum)
{
    cJSON *root = cJSON_Parse(line);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "summary");
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(s, "dir");
    const cJSON *syms = cJSON_GetObjectItemCaseSensitive(s, "symbols");
    int rc = cJSON_IsObject(s) && cJSON_IsString(dir) && cJSON_IsArray(syms) ? 0 : -1;
    if (rc == 0) {
        rc |= count_of(s, "messages", &sum->messages);
        rc |= count_of(s, "malformed", &sum->malformed);
        rc |= count_of(s, "records", &sum->records);
        rc |= count_of(s, "written", &sum->written);
        rc |= count_of(s, "refused", &sum->refused);
        rc |= count_of(s, "lost_io", &sum->lost_io);
        rc |= count_of(s, "discarded", &sum->discarded);
        rc |= count_of(s, "files", &sum->files);
        snprintf(sum->dir, sizeof sum->dir, "%s", dir->valuestring);
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, syms)
    {
        if (rc != 0 || sum->n_sym == OB_SUMMARY_SYMBOLS)
            break;
        ob_symbol_summary *y = &sum->sym[sum->n_sym++];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(x, "s");
        rc |= cJSON_IsString(name) ? 0 : -1;
        snprintf(y->s, sizeof y->s, "%s", cJSON_IsString(name) ? name->valuestring : "");
        rc |= count_of(x, "events", &y->events);
        rc |= count_of(x, "resyncs", &y->resyncs);
        rc |= count_of(x, "bids", &y->bids);
        rc |= count_of(x, "asks", &y->asks);
    }
    cJSON_Delete(root);
    return rc;
}

void ob_read_summary(ob_run *r, ob_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    char *text = tu_read_file(r->err, NULL);
    char *json = text ? strstr(text, "{\"summary\":") : NULL;
    int rc = -1;
    if (json != NULL) {
        char *end = strchr(json, '\n');
        if (end != NULL)
            *end = '\0';
        rc = parse_json(json, sum);
    }
    free(text);
    if (rc != 0)
        ob_fail_with_logs(r, "no JSON summary line on stderr");
}

const ob_symbol_summary *ob_summary_symbol(const ob_summary *sum, const char *symbol)
{
    for (int i = 0; i < sum->n_sym; i++)
        if (strcmp(sum->sym[i].s, symbol) == 0)
            return &sum->sym[i];
    fail_msg("no summary of %s", symbol);
    return NULL;
}
