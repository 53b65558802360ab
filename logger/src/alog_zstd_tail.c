/*
 * The repair of a zstd file's tail, by its headers (RFC 8878): a frame is a header, blocks
 * whose 3-byte headers give their lengths, and an optional 4-byte checksum; a skippable
 * frame gives its length after its magic number. So the whole frames are found without
 * reading what they hold: a day's file of many GB in the page cache is not copied through
 * on the writer thread (where it would stall every producer) each time it is reopened.
 * Writer thread only.
 */
#include "alog_zstd_tail.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zstd.h>

/* A header in the page cache is read with its page: small frames (a quiet file's) share one
 * read, and a large block costs one read however long it is. A header that is not (a file
 * not read since a reboot) is read with the MiB after it: the headers of a file of small
 * blocks cover most of its pages, and reading them a page at a time would cost several
 * times more than reading the file through. */
#define WARM_BYTES 4096
#define COLD_BYTES ((size_t)1 << 20)

#define FHD_RESERVED     0x08 /* Frame_Header_Descriptor: a bit that must be 0 */
#define FHD_CHECKSUM     0x04
#define FHD_SINGLE       0x20 /* Single_Segment_flag: no Window_Descriptor */
#define BLOCK_RLE        1
#define BLOCK_RESERVED   3
#define SKIPPABLE_HEADER 8 /* magic number, then the length of what follows */
#define CHECKSUM_BYTES   4
#define BLOCK_HEADER     3

/* A window on the file, refilled at the place asked for when that is not inside it. */
typedef struct peeker {
    int fd;
    int no_nowait; /* the file system cannot tell whether a read would wait */
    uint64_t size; /* the file's */
    uint64_t off;  /* of buf[0] */
    size_t len;    /* bytes in buf */
    unsigned char buf[COLD_BYTES];
} peeker;

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

/* Up to `want` bytes at `at` into buf without waiting for the disk: how many (fewer, or -1,
 * when they are not all in memory). Where reads cannot tell, they simply read. */
static ssize_t read_cached(peeker *k, uint64_t at, size_t want)
{
    if (k->no_nowait)
        return read_at(k->fd, k->buf, want, at) == 0 ? (ssize_t)want : -1;
    struct iovec v = {k->buf, want};
    ssize_t r = preadv2(k->fd, &v, 1, (off_t)at, RWF_NOWAIT);
    if (r < 0 && errno == EOPNOTSUPP) {
        k->no_nowait = 1;
        return read_cached(k, at, want);
    }
    return r;
}

/* The `n` (at most 8) bytes at `at` into *p: 1, 0 when the file ends before them, or -1
 * with errno. */
static int peek(peeker *k, uint64_t at, size_t n, const unsigned char **p)
{
    if (at > k->size || k->size - at < n)
        return 0;
    if (at < k->off || at - k->off + n > k->len) {
        uint64_t rest = k->size - at;
        ssize_t got = read_cached(k, at, rest < WARM_BYTES ? (size_t)rest : WARM_BYTES);
        if (got < (ssize_t)n) {
            size_t want = rest < COLD_BYTES ? (size_t)rest : COLD_BYTES;
            if (read_at(k->fd, k->buf, want, at) != 0)
                return -1;
            got = (ssize_t)want;
        }
        k->off = at;
        k->len = (size_t)got;
    }
    *p = k->buf + (at - k->off);
    return 1;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The length of a zstd frame's header, from its descriptor byte: 0 when invalid. */
static size_t frame_header_len(unsigned fhd)
{
    static const unsigned char did_bytes[4] = {0, 1, 2, 4};
    static const unsigned char fcs_bytes[4] = {0, 2, 4, 8};
    if (fhd & FHD_RESERVED)
        return 0;
    int single = (fhd & FHD_SINGLE) != 0;
    size_t fcs = fcs_bytes[fhd >> 6];
    if (single && fcs == 0)
        fcs = 1; /* a single segment always states its content size */
    return 4 + 1 + (size_t)!single + did_bytes[fhd & 3] + fcs;
}

/* The length of the whole frame at `at`, from its headers, into *len: 1; 0 when there is
 * none there (cut short by the file's end, or not a frame); -1 with errno. */
static int frame_len(peeker *k, uint64_t at, uint64_t *len)
{
    const unsigned char *h;
    int r = peek(k, at, 5, &h);
    if (r <= 0)
        return r;
    uint32_t magic = le32(h);
    uint64_t pos;
    if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
        if ((r = peek(k, at, SKIPPABLE_HEADER, &h)) <= 0)
            return r;
        pos = at + SKIPPABLE_HEADER + le32(h + 4);
    } else {
        unsigned fhd = h[4];
        size_t hlen = frame_header_len(fhd);
        if (magic != ZSTD_MAGICNUMBER || hlen == 0)
            return 0;
        int last = 0;
        for (pos = at + hlen; !last;) {
            if ((r = peek(k, pos, BLOCK_HEADER, &h)) <= 0)
                return r;
            uint32_t bh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
            unsigned type = (bh >> 1) & 3;
            if (type == BLOCK_RESERVED)
                return 0;
            last = bh & 1;
            pos += BLOCK_HEADER + (type == BLOCK_RLE ? 1 : bh >> 3);
        }
        if (fhd & FHD_CHECKSUM)
            pos += CHECKSUM_BYTES;
    }
    if (pos > k->size)
        return 0;
    *len = pos - at;
    return 1;
}

/* Whether the frame of `len` bytes at `at` decodes, its checksum included, to nothing or
 * to text that ends at a line's end: 1, 0, or -1 with errno when it cannot be read. */
static int frame_good(int fd, uint64_t at, uint64_t len)
{
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
    unsigned char *src = malloc(in_cap), *dst = malloc(out_cap);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    int ok = -1;
    if (src == NULL || dst == NULL || d == NULL) {
        errno = ENOMEM;
        goto out;
    }
    size_t r = 1;
    uint64_t done = 0;
    int last = '\n'; /* the last byte decoded; nothing decoded is fine */
    while (done < len && r != 0 && !ZSTD_isError(r)) {
        size_t n = len - done < in_cap ? (size_t)(len - done) : in_cap;
        if (read_at(fd, src, n, at + done) != 0)
            goto out;
        done += n;
        ZSTD_inBuffer in = {src, n, 0};
        ZSTD_outBuffer o = {dst, out_cap, 0};
        /* All of this piece, and whatever output it still holds back. */
        do {
            o.pos = 0;
            r = ZSTD_decompressStream(d, &o, &in);
            if (!ZSTD_isError(r) && o.pos > 0)
                last = dst[o.pos - 1];
        } while (!ZSTD_isError(r) && r != 0 && (in.pos < in.size || o.pos == o.size));
    }
    ok = r == 0 && done == len && last == '\n';
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
    uint32_t magic = le32(b);
    return magic == ZSTD_MAGICNUMBER || magic == 0 ||
           (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

int alog__zc_repair(int fd, uint64_t *kept, uint64_t *cut)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    uint64_t size = (uint64_t)st.st_size, end = 0, last_at = 0, last_len = 0, len;
    *kept = size;
    *cut = 0;
    if (size == 0)
        return 0;
    peeker *k = malloc(sizeof *k); /* off the writer's stack */
    if (k == NULL) {
        errno = ENOMEM;
        return -1;
    }
    *k = (peeker){.fd = fd, .size = size};
    int r;
    while ((r = frame_len(k, end, &len)) > 0) {
        last_at = end;
        last_len = len;
        end += len;
    }
    free(k);
    if (r < 0)
        return -1;
    if (last_len != 0) {
        int ok = frame_good(fd, last_at, last_len);
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
