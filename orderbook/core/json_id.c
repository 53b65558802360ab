#include "json_id.h"

#include <math.h>

#define MAX_EXACT_ID 9007199254740992.0 /* 2^53: above it a double is no longer exact */

int json_id(const cJSON *n, uint64_t *out)
{
    if (!cJSON_IsNumber(n))
        return -1;
    double d = n->valuedouble;
    if (!(d >= 0.0 && d < MAX_EXACT_ID) || floor(d) != d)
        return -1;
    *out = (uint64_t)d;
    return 0;
}
