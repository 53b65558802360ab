#include "exinfo.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

void exinfo_free(exinfo_list *l)
{
    free(l->sym);
    l->sym = NULL;
    l->n = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Does the array hold the string `want`? Arrays of arrays (permissionSets) are searched. */
static int array_has(const cJSON *arr, const char *want)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (cJSON_IsString(x) && strcmp(x->valuestring, want) == 0)
            return 1;
        if (cJSON_IsArray(x) && array_has(x, want))
            return 1;
    }
    return 0;
}

/* May a spot symbol be traded on spot? Unknown (no field says) counts as yes. */
static int spot_allowed(const cJSON *s)
{
    const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(s, "isSpotTradingAllowed");
    if (cJSON_IsBool(allowed))
        return cJSON_IsTrue(allowed);
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(s, "permissions");
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(s, "permissionSets");
    int said = (cJSON_IsArray(perms) && cJSON_GetArraySize(perms) > 0) ||
               (cJSON_IsArray(sets) && cJSON_GetArraySize(sets) > 0);
    return !said || array_has(perms, "SPOT") || array_has(sets, "SPOT");
}

static int trading(const cJSON *s)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "status");
    if (!cJSON_IsString(st))
        st = cJSON_GetObjectItemCaseSensitive(s, "contractStatus");
    return cJSON_IsString(st) && strcmp(st->valuestring, "TRADING") == 0;
}

int exinfo_parse(exinfo_market m, const char *body, size_t len, const char *quote, exinfo_list *out,
                 const char **error)
{
    out->sym = NULL;
    out->n = 0;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "symbols");
    if (!cJSON_IsArray(list)) {
        *error = root == NULL ? "not JSON" : "no \"symbols\" list";
        cJSON_Delete(root);
        return -1;
    }
    size_t cap = (size_t)cJSON_GetArraySize(list);
    out->sym = malloc((cap ? cap : 1) * sizeof *out->sym);
    if (out->sym == NULL) {
        *error = "out of memory";
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "symbol");
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(s, "quoteAsset");
        if (!cJSON_IsString(name) || !sym_valid(name->valuestring, strlen(name->valuestring)))
            continue;
        if (!trading(s) || (m == EXINFO_SPOT && !spot_allowed(s)))
            continue;
        if (quote[0] != '\0' && !(cJSON_IsString(q) && strcasecmp(q->valuestring, quote) == 0))
            continue;
        strcpy(out->sym[out->n++], name->valuestring);
    }
    cJSON_Delete(root);
    qsort(out->sym, out->n, sizeof *out->sym, by_name);
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++)
        if (k == 0 || strcmp(out->sym[k - 1], out->sym[i]) != 0)
            memmove(out->sym[k++], out->sym[i], sizeof *out->sym);
    out->n = k;
    return 0;
}

void exinfo_shard(exinfo_list *l, unsigned i, unsigned n)
{
    if (n == 0)
        return;
    size_t k = 0;
    for (size_t j = 0; j < l->n; j++)
        if (sym_in_shard(l->sym[j], i, n))
            memmove(l->sym[k++], l->sym[j], sizeof *l->sym);
    l->n = k;
}

/* Room for up to n symbols. */
static int alloc_list(exinfo_list *l, size_t n)
{
    l->n = 0;
    l->sym = malloc((n ? n : 1) * sizeof *l->sym);
    return l->sym == NULL ? -1 : 0;
}

int exinfo_diff(const exinfo_list *before, const exinfo_list *now, exinfo_list *added,
                exinfo_list *removed)
{
    if (alloc_list(added, now->n) != 0 || alloc_list(removed, before->n) != 0) {
        exinfo_free(added);
        exinfo_free(removed);
        return -1;
    }
    size_t i = 0, j = 0;
    while (i < before->n || j < now->n) {
        int c = i == before->n ? 1 : j == now->n ? -1 : strcmp(before->sym[i], now->sym[j]);
        if (c < 0)
            strcpy(removed->sym[removed->n++], before->sym[i++]);
        else if (c > 0)
            strcpy(added->sym[added->n++], now->sym[j++]);
        else
            i++, j++;
    }
    return 0;
}
