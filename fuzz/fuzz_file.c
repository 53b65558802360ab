/* Files as a fuzz target checks them. */
#include "fuzz_file.h"

#include <stdio.h>
#include <stdlib.h>

#include <zstd.h>

#include "fuzz_check.h"

/* buf with room for `need` bytes, its capacity doubled as needed. */
static char *room(char *buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return buf;
    size_t c = *cap ? *cap : 65536;
    while (c < need)
        c *= 2;
    char *more = realloc(buf, c);
    FUZZ_CHECK(more != NULL, "out of memory");
    *cap = c;
    return more;
}

char *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        buf = room(buf, &cap, n + 65536);
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

char *fuzz_decode_zst(const char *name, const char *src, size_t len, size_t *out_len)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    FUZZ_CHECK(d != NULL, "out of memory");
    size_t cap = 0, n = 0, r = 0;
    char *out = room(NULL, &cap, ZSTD_DStreamOutSize()); /* an empty file is empty text */
    ZSTD_inBuffer in = {src, len, 0};
    while (in.pos < in.size) {
        out = room(out, &cap, n + ZSTD_DStreamOutSize());
        ZSTD_outBuffer o = {out + n, cap - n, 0};
        r = ZSTD_decompressStream(d, &o, &in);
        FUZZ_CHECK(!ZSTD_isError(r), "%s: not zstd at byte %zu: %s", name, in.pos,
                   ZSTD_getErrorName(r));
        n += o.pos;
    }
    /* What the last frame still holds back, then its end. */
    while (r != 0) {
        out = room(out, &cap, n + ZSTD_DStreamOutSize());
        ZSTD_outBuffer o = {out + n, cap - n, 0};
        r = ZSTD_decompressStream(d, &o, &in);
        FUZZ_CHECK(!ZSTD_isError(r) && o.pos > 0, "%s: the last frame is cut short", name);
        n += o.pos;
    }
    ZSTD_freeDCtx(d);
    *out_len = n;
    return out;
}
