/* Field readers shared by records.c and truth.c (private to the harness). */
#ifndef TR_JSON_H
#define TR_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static inline const char *tr_str_of(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static inline double tr_num_of(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "<bids>|<asks>", both printed by cJSON, so records and truth compare as text; NULL when
 * the object has no bids and asks arrays. */
static inline char *tr_book_of(const cJSON *j)
{
    const cJSON *bids = cJSON_GetObjectItemCaseSensitive(j, "bids");
    const cJSON *asks = cJSON_GetObjectItemCaseSensitive(j, "asks");
    if (!cJSON_IsArray(bids) || !cJSON_IsArray(asks))
        return NULL;
    char *b = cJSON_PrintUnformatted(bids), *a = cJSON_PrintUnformatted(asks);
    size_t n = strlen(b) + strlen(a) + 2;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s|%s", b, a);
    free(b);
    free(a);
    return out;
}

#endif
