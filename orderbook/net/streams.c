#include "streams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYMBOL_MAX 20 /* Binance symbols: at most 20 characters */

/* The shortest stream, "x@depth/", is 8 bytes: the path bound alone keeps every connection
 * under Binance's stream limit. */
_Static_assert(STREAMS_PATH_MAX / 8 <= STREAMS_PER_CONN, "path bound allows too many streams");

static const char *suffix_for(int speed_ms)
{
    return speed_ms == 1000 ? "@depth" : "@depth@100ms";
}

static size_t symbol_len(const char *symbol)
{
    size_t n = strlen(symbol);
    return n < SYMBOL_MAX ? n : SYMBOL_MAX;
}

size_t streams_that_fit(const char *base, int speed_ms, const char *const *symbols, size_t n)
{
    size_t suffix = strlen(suffix_for(speed_ms));
    size_t len = strlen(base) + strlen("/stream?streams=");
    size_t k = 0;
    while (k < n) {
        size_t more = (size_t)(k > 0) + symbol_len(symbols[k]) + suffix;
        if (k > 0 && len + more > STREAMS_PATH_MAX)
            break;
        len += more;
        k++;
    }
    return k;
}

char *streams_path(const char *base, int speed_ms, const char *const *symbols, size_t n)
{
    const char *suffix = suffix_for(speed_ms);
    size_t cap = strlen(base) + 32 + n * (SYMBOL_MAX + 16);
    char *p = malloc(cap);
    if (p == NULL)
        return NULL;
    size_t used = (size_t)snprintf(p, cap, "%s/stream?streams=", base);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            p[used++] = '/';
        /* Stream names are lower case; symbols were validated to [A-Z0-9-_.]{1,20}. */
        for (size_t k = 0; k < symbol_len(symbols[i]); k++) {
            char ch = symbols[i][k];
            p[used++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        used += (size_t)snprintf(p + used, cap - used, "%s", suffix);
    }
    p[used] = '\0';
    return p;
}
