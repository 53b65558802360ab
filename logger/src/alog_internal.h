/* The logger object, shared by the API (alog.c) and the writer thread (alog_writer.c). */
#ifndef ALOG_INTERNAL_H
#define ALOG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "alog.h"
#include "alog_compress.h"
#include "alog_file.h"
#include "alog_lane.h"

/* A thread waiting in alog_flush: on its stack, linked under the logger's lock. */
typedef struct alog__flusher {
    int done;                   /* set by the writer, under lock */
    int err;                    /* 0, or the errno alog_flush reports */
    struct alog__flusher *next; /* the next waiting call */
} alog__flusher;

/* Bits of alog.attn: any of them sends a write off the fast path. */
#define ALOG__ATTN_STOPPED  1u /* writes are refused */
#define ALOG__ATTN_SLEEPING 2u /* the writer waits for a wake-up (see alog_writer.c) */
#define ALOG__ATTN_FENCE    4u /* no membarrier: producers fence themselves (set at open) */
#define ALOG__ATTN_CLOCK    8u /* alog_write's stamp is not an inline rdtsc (set at open) */

struct alog {
    /* Read by every write call, written (rarely) by stop and the sleeping writer only. */
    _Alignas(ALOG__CACHELINE) uint64_t id; /* unique in the process: threads find their
                                              lane by it (an address could be reused) */
    atomic_uint attn; /* ALOG__ATTN_*: the write path tests them all with one load */
    size_t max_len;   /* longest line accepted */
    int64_t (*clock)(void *ctx);
    void *clock_ctx;
    int block_when_full;
    int fence; /* ALOG__ATTN_FENCE, for the slow paths and the writer */

    /* Lanes: created by producers' first writes, read by the writer. */
    _Alignas(ALOG__CACHELINE) _Atomic(alog__lane *) lanes; /* newest first; never shrinks */
    pthread_mutex_t lanes_lock;                            /* adding or taking over a lane */
    uint64_t lane_bytes;                                   /* ring size of each lane */

    /* Producers' slow paths. */
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t dropped_full;
    _Atomic uint64_t dropped_stopped;
    atomic_int space_waiters; /* producers blocked for room (block_when_full) */

    /* Written by the writer thread only (relaxed), read by alog_get_stats. */
    _Alignas(ALOG__CACHELINE) _Atomic uint64_t taken; /* records taken off the lanes */
    _Atomic uint64_t written;
    _Atomic uint64_t discarded;
    _Atomic uint64_t lost_io;
    _Atomic uint64_t files_opened;
    _Atomic uint64_t io_errors;
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t bytes_out;

    void (*on_error)(void *ctx, int errnum, const char *what);
    void *error_ctx;

    /* Stop handshake, flushes and waits for room. Never held across I/O. */
    pthread_mutex_t lock;
    pthread_cond_t cond;       /* writer_done, a flush answered, or room in a lane */
    int writer_done;           /* under lock */
    atomic_int stop_requested; /* ATTN_STOPPED is visible to every producer: drain and exit */
    atomic_int discard;        /* ALOG_STOP_NOW: drop what is queued */
    _Atomic uint32_t wake;     /* futex word the writer sleeps on */
    alog__flusher *flushers;   /* under lock: alog_flush calls the writer has not taken yet */
    atomic_int flush_pending;  /* flushers is not empty */

    pthread_t writer;
    alog__files files;    /* writer thread only */
    alog__zc zc;          /* writer thread only: ALOG_COMPRESS_ZSTD's compressor */
    unsigned char *batch; /* writer thread only: ALOG__BATCH_BYTES of lines for one write() */
};

/* One write() takes at most this much, which bounds how long ALOG_STOP_NOW may wait. */
#define ALOG__BATCH_BYTES (256u * 1024u)

/* Body of the writer thread; `arg` is the logger. */
void *alog__writer_main(void *arg);

/* Wake the writer if it sleeps. Any thread; a system call, so not on the write path. */
void alog__writer_wake(alog *lg);

/* Make every thread's earlier stores visible before this thread's later loads: membarrier
 * when the kernel has it (lg->fence is 0), else a no-op (producers fence themselves). */
void alog__barrier_all(alog *lg);

#endif
