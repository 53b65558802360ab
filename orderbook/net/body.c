#include "body.h"

#include <stdlib.h>
#include <string.h>

int body_append(char **buf, size_t *len, size_t *cap, size_t max, const char *in, size_t n)
{
    if (*len + n + 1 > max)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 65536;
        while (want < *len + n + 1)
            want *= 2;
        char *b = realloc(*buf, want);
        if (b == NULL)
            return -1;
        *buf = b;
        *cap = want;
    }
    memcpy(*buf + *len, in, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}
