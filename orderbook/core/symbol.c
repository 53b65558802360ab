#include "symbol.h"

#include <string.h>

static int sym_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int sym_valid(const char *s, size_t n)
{
    if (n == 0 || n > SYM_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!sym_char(s[i]))
            return 0;
    return 1;
}

int sym_normalize(const char *in, char *out)
{
    size_t n = strnlen(in, SYM_MAX + 1);
    if (n == 0 || n > SYM_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        /* Not toupper: what counts as a letter must not depend on the locale. */
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[n] = '\0';
    return sym_valid(out, n) ? 0 : -1;
}

uint32_t sym_hash(const char *sym)
{
    uint32_t h = 2166136261u; /* the FNV-1a offset basis and prime, 32 bits */
    for (const unsigned char *p = (const unsigned char *)sym; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

int sym_in_shard(const char *sym, unsigned i, unsigned n)
{
    return n > 0 && i >= 1 && i <= n && sym_hash(sym) % n == i - 1;
}
