/*
 * zstd for alog's files: each batch becomes one complete frame, so a file is a valid zstd
 * stream after every append (alog_zstd_tail.h repairs one that a crash left torn). Writer
 * thread only.
 */
#ifndef ALOG_COMPRESS_H
#define ALOG_COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zstd.h>

typedef struct alog__zc {
    ZSTD_CCtx *cctx;    /* kept across frames (its tables are reused) */
    unsigned char *out; /* the frame, or one piece of a frame longer than src_max */
    size_t cap;         /* bytes of out: ZSTD_compressBound(src_max) */
    size_t src_max;     /* input that always compresses in one piece */
    ZSTD_inBuffer in;   /* the frame's input (not yet compressed, for long frames) */
    int streaming;      /* the frame is longer than src_max: compressed piece by piece */
    int finished;       /* the frame's last piece was returned */
} alog__zc;

/* A compressor at `level` (1..19) whose frames of up to `src_max` bytes come out in one
 * piece. Returns 0, or -1 with errno ENOMEM (nothing left allocated). */
int alog__zc_init(alog__zc *z, int level, size_t src_max);

/* Free what init allocated. NULL members are fine (a zeroed alog__zc). */
void alog__zc_destroy(alog__zc *z);

/* Start one frame holding src[0..len). The pieces alog__zc_next returns, in order, are the
 * whole frame. `src` must stay valid until the frame is done. */
void alog__zc_begin(alog__zc *z, const void *src, size_t len);

/*
 * The next piece of the frame begun last: returns its length with *piece pointing into the
 * compressor's buffer (valid until the next call), 0 once the frame is complete, or -1 with
 * errno EIO when zstd failed (what was returned so far must be dropped).
 */
ssize_t alog__zc_next(alog__zc *z, const unsigned char **piece);

#endif
