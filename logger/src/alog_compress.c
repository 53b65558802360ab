/* zstd frames for alog's files, and the repair of a torn tail. Writer thread only. */
#include "alog_compress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd_errors.h>

#define REPAIR_READ_BYTES ((size_t)1 << 20) /* the walk reads the file 1 MiB at a time */

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

/* Read exactly `len` bytes at `off`. Returns 0, or -1 with errno (EIO at an early end). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(fd, (unsigned char *)buf + done, len - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return -1;
        }
        done += (size_t)r;
    }
    return 0;
}

/* Where the whole frames at the start of the file end (*end), and where the last of them
 * begins and how long it is (*last_len 0: none). Returns 0, or -1 with errno. */
static int walk_frames(int fd, uint64_t size, uint64_t *end, uint64_t *last_at, size_t *last_len)
{
    size_t cap = REPAIR_READ_BYTES;
    unsigned char *buf = malloc(cap);
    uint64_t pos = 0; /* file offset of buf[0] */
    size_t have = 0;  /* bytes in buf */
    size_t at = 0;    /* the first byte in buf not yet known to be in a whole frame */
    int rc = 0;
    *last_at = 0;
    *last_len = 0;
    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        size_t n = ZSTD_findFrameCompressedSize(buf + at, have - at);
        if (!ZSTD_isError(n)) {
            *last_at = pos + at;
            *last_len = n;
            at += n;
            continue;
        }
        /* At the end of the file the frame is incomplete; an error other than "needs more
         * bytes" means it is not a frame. */
        if (pos + have >= size || ZSTD_getErrorCode(n) != ZSTD_error_srcSize_wrong)
            break;
        /* The frame goes on past the buffer: keep its start, read more behind it. */
        memmove(buf, buf + at, have - at);
        pos += at;
        have -= at;
        at = 0;
        if (have == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                errno = ENOMEM;
                rc = -1;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t want = cap - have;
        if (want > size - pos - have)
            want = (size_t)(size - pos - have);
        if (read_at(fd, buf + have, want, pos + have) != 0) {
            rc = -1;
            break;
        }
        have += want;
    }
    *end = pos + at;
    free(buf);
    return rc;
}

/* Whether the frame of `len` bytes at `at` decodes, its checksum included: 1, 0, or -1 with
 * errno when it cannot be read. */
static int frame_decodes(int fd, uint64_t at, size_t len)
{
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
    unsigned char *src = malloc(in_cap), *dst = malloc(out_cap);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    int ok = -1;
    if (src == NULL || dst == NULL || d == NULL) {
        errno = ENOMEM;
        goto out;
    }
    size_t r = 1, done = 0;
    while (done < len && r != 0 && !ZSTD_isError(r)) {
        size_t n = len - done < in_cap ? len - done : in_cap;
        if (read_at(fd, src, n, at + done) != 0)
            goto out;
        done += n;
        ZSTD_inBuffer in = {src, n, 0};
        ZSTD_outBuffer o = {dst, out_cap, 0};
        /* All of this piece, and whatever output it still holds back. */
        do {
            o.pos = 0;
            r = ZSTD_decompressStream(d, &o, &in);
        } while (!ZSTD_isError(r) && r != 0 && (in.pos < in.size || o.pos == o.size));
    }
    ok = r == 0 && done == len;
out:
    ZSTD_freeDCtx(d);
    free(dst);
    free(src);
    return ok;
}

/* Whether the file starts like one of ours: a frame's magic number, a skippable frame's, or
 * zeros (power loss) or too few bytes to tell (a crash during the first append). */
static int starts_like_zstd(int fd, uint64_t size)
{
    unsigned char b[4];
    if (size < sizeof b || read_at(fd, b, sizeof b, 0) != 0)
        return 1;
    uint32_t magic =
        (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return magic == ZSTD_MAGICNUMBER || magic == 0 ||
           (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

int alog__zc_repair(int fd, uint64_t *kept, uint64_t *cut)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    uint64_t size = (uint64_t)st.st_size, end = 0, last_at;
    size_t last_len;
    *kept = size;
    *cut = 0;
    if (size == 0)
        return 0;
    if (walk_frames(fd, size, &end, &last_at, &last_len) != 0)
        return -1;
    if (last_len != 0) {
        int ok = frame_decodes(fd, last_at, last_len);
        if (ok < 0)
            return -1;
        if (!ok)
            end = last_at;
    }
    if (end == 0 && !starts_like_zstd(fd, size)) {
        errno = EILSEQ;
        return -1;
    }
    if (end < size && ftruncate(fd, (off_t)end) != 0)
        return -1;
    *kept = end;
    *cut = size - end;
    return 0;
}
