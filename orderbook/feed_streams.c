#include "feed_streams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYMBOL_MAX 20 /* Binance symbols: at most 20 characters */

size_t feed_connections_for(size_t n_symbols)
{
    return (n_symbols + FEED_STREAMS_PER_CONN - 1) / FEED_STREAMS_PER_CONN;
}

char *feed_stream_path(const char *base, int speed_ms, const char *const *symbols, size_t n)
{
    const char *suffix = speed_ms == 1000 ? "@depth" : "@depth@100ms";
    size_t cap = strlen(base) + 32 + n * (SYMBOL_MAX + 16);
    char *p = malloc(cap);
    if (p == NULL)
        return NULL;
    size_t used = (size_t)snprintf(p, cap, "%s/stream?streams=", base);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            p[used++] = '/';
        /* Stream names are lower case; symbols were validated to [A-Z0-9-_.]{1,20}. */
        for (const char *s = symbols[i]; *s != '\0' && s - symbols[i] < SYMBOL_MAX; s++) {
            char ch = *s;
            p[used++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        used += (size_t)snprintf(p + used, cap - used, "%s", suffix);
    }
    p[used] = '\0';
    return p;
}
