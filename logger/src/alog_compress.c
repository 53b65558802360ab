/* zstd frames for alog's files. Writer thread only. */
#include "alog_compress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int alog__zc_init(alog__zc *z, int level, size_t src_max)
{
    memset(z, 0, sizeof *z);
    z->src_max = src_max;
    z->cap = ZSTD_compressBound(src_max);
    z->cctx = ZSTD_createCCtx();
    z->out = malloc(z->cap);
    if (z->cctx == NULL || z->out == NULL)
        goto fail;
    /* The checksum lets a decoder (and the repair) tell a whole frame from one that power
     * loss left the right length but partly zeroed: 4 bytes a frame. */
    if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1)))
        goto fail;
    return 0;
fail:
    alog__zc_destroy(z);
    errno = ENOMEM;
    return -1;
}

void alog__zc_destroy(alog__zc *z)
{
    ZSTD_freeCCtx(z->cctx);
    free(z->out);
    z->cctx = NULL;
    z->out = NULL;
}

void alog__zc_begin(alog__zc *z, const void *src, size_t len)
{
    z->in = (ZSTD_inBuffer){src, len, 0};
    z->finished = 0;
    z->streaming = len > z->src_max;
    ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_only);
    /* Known in advance, the size goes into the frame header and sizes the tables. */
    if (z->streaming)
        ZSTD_CCtx_setPledgedSrcSize(z->cctx, len);
}

ssize_t alog__zc_next(alog__zc *z, const unsigned char **piece)
{
    *piece = z->out;
    if (z->finished)
        return 0;
    size_t r;
    if (!z->streaming) {
        /* A batch: the whole frame in one call, into a buffer that always holds it. */
        r = ZSTD_compress2(z->cctx, z->out, z->cap, z->in.src, z->in.size);
        if (ZSTD_isError(r))
            goto fail;
        z->finished = 1;
        return (ssize_t)r;
    }
    ZSTD_outBuffer out = {z->out, z->cap, 0};
    do {
        r = ZSTD_compressStream2(z->cctx, &out, &z->in, ZSTD_e_end);
        if (ZSTD_isError(r))
            goto fail;
    } while (r != 0 && out.pos == 0);
    z->finished = r == 0;
    return (ssize_t)out.pos;
fail:
    z->finished = 1;
    ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_only);
    errno = EIO;
    return -1;
}
