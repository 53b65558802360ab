/*
 * alog.h - an asynchronous line logger.
 *
 * This header is the whole public API of alog; read it top to bottom.
 *
 * A producer calls alog_write() or alog_printf(): the line is stamped (the stamp only
 * decides which file the line goes to; nothing is written into the line), copied into the
 * calling thread's own lane, a pre-faulted in-memory queue that no other thread writes to,
 * and the call returns, without a system call, an allocation or a lock. A background writer
 * thread takes the lines from all lanes in large batches, merged by stamp, and appends them
 * to files in `dir` that roll over at every local (or UTC) midnight, named YYYYMMDD.txt, or
 * every 5 seconds, named YYYYMMDDHHMM{i}.txt with i = second / 5 (0..11, not padded). Every
 * line goes to the file of the period of its own stamp. Lines of one thread are written in
 * the order it wrote them; lines of different threads in stamp order as far as the lanes
 * hold them at the same time.
 *
 * Lanes: a thread's first write to a logger gives it a lane of queue_bytes, mapped and
 * faulted in during that call (the one allocation a write may make; a thread that wants no
 * such cost on its hot path writes one line first). When the thread exits its lanes are
 * taken over by the next new thread writing to the same logger, so memory is at most
 * queue_bytes times the number of threads writing at the same time, plus a small constant.
 * A thread may write to any number of loggers. The writer sleeps while there is nothing to
 * do (waking at most 10 times a second); the first line after a pause wakes it at once.
 *
 * Errors of the disk (directory missing or unwritable, ENOSPC, EFBIG, EIO) never reach the
 * caller: they are counted, reported through on_error and retried until the cause goes.
 *
 * Compressed files (compress = ALOG_COMPRESS_ZSTD): the names end in .zst (YYYYMMDD.txt.zst)
 * and each append is one complete zstd frame of whole lines, so a file is a valid zstd
 * stream after every append (`zstdcat` reads it while it grows) and a crash loses at most
 * the frames not yet written. Compression runs on the writer thread, never in a write call.
 * To make frames worth compressing, the writer keeps a file's lines until it has 256 KiB of
 * them, a line comes for another file, alog_flush is called or the logger stops, and at
 * most about a second: a line reaches its file within about a second (plain files: within
 * milliseconds). A write that fails part way (ENOSPC, EFBIG, EIO) cuts the file back to its
 * last whole frame and counts all the frame's lines in lost_io. When the writer opens an
 * existing .zst file (after a restart, say) it first cuts off a torn last frame, one whose
 * text stops inside a line, or anything after the last whole frame (power loss can leave
 * zeros), then appends. It reads only the frames' and blocks' headers and decodes only the
 * last frame: a few bytes per 128 KiB of lines while the file is in the page cache (a 100
 * MB file of 500 MB of lines: about 10 ms); after a reboot the headers' pages come from the
 * disk, which costs about reading the file once. A file of that name that does not start
 * like a zstd stream is left untouched: its lines are lost and reported (EILSEQ).
 *
 * Checksums (checksum = 1; off by default): whenever the writer closes a file (at stop,
 * when room is needed for another one, when it was idle, and once lines stamped 2 s past
 * the end of its period have come) it reads the whole file back and writes NAME.sha256 next
 * to it in sha256sum's format ("<64 hex digits>  NAME
", so `sha256sum -c NAME.sha256`
 * checks a copy), through a temporary file renamed into place. Read back from the disk, it
 * also covers what an earlier process wrote to that file. A late line reopens a closed
 * file; its checksum is written again when the file is closed again. The reading happens on
 * the writer thread (about a second per GB): lines wait in the queue meanwhile. A checksum
 * that cannot be written is reported through on_error (what: "checksum DIR/NAME"), and no
 * line is lost for it.
 *
 * Typical use:
 *
 *     alog_options opt = {.dir = "logs", .rollover = ALOG_ROLL_DAILY};
 *     alog *lg = alog_open(&opt);
 *     if (lg == NULL) { perror("alog_open"); return 1; }
 *     alog_printf(lg, "price=%d", 42);
 *     alog_close(lg);                      // writes and syncs every accepted line
 *
 * Threads: alog_write, alog_write_at, alog_printf, alog_flush, alog_stop and alog_get_stats
 * may be called from any number of threads at once on one logger. alog_open and alog_close
 * are each called once, by one thread, with no other call on that logger running or
 * following alog_close.
 */
#ifndef ALOG_H
#define ALOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open logger. Opaque: created by alog_open, freed by alog_close. */
typedef struct alog alog;

/* How files roll over. */
typedef enum alog_rollover {
    ALOG_ROLL_DAILY, /* one file per calendar day: YYYYMMDD.txt */
    ALOG_ROLL_5SEC   /* one file per 5 seconds: YYYYMMDDHHMM{i}.txt, i = second / 5 */
} alog_rollover;

/* Whether files are compressed. */
typedef enum alog_compress {
    ALOG_COMPRESS_NONE, /* plain text files: YYYYMMDD.txt */
    ALOG_COMPRESS_ZSTD  /* zstd streams of one frame per append: YYYYMMDD.txt.zst (see
                           "Compressed files" above) */
} alog_compress;

/* How alog_stop treats the lines still queued. */
typedef enum alog_stop_mode {
    ALOG_STOP_FLUSH, /* write and fsync every accepted line, then return */
    ALOG_STOP_NOW    /* return within milliseconds; queued lines are discarded and counted */
} alog_stop_mode;

/* Results of alog_write and alog_printf. Every call is counted in exactly one of them. */
enum {
    ALOG_OK = 0,        /* accepted: the line will be written (or counted as discarded/lost) */
    ALOG_EFULL = -1,    /* the thread's lane is full: line dropped and counted (never when
                           block_when_full), or its first lane could not be allocated */
    ALOG_ESTOPPED = -2, /* logger stopped: line dropped and counted */
    ALOG_EINVAL = -3    /* NULL argument, or a line that can never fit the queue */
};

/* Options for alog_open. Zero-initialise, then set what you need. */
typedef struct alog_options {
    const char *dir;             /* required; created with its parents if missing; copied */
    alog_rollover rollover;      /* ALOG_ROLL_DAILY or ALOG_ROLL_5SEC */
    int utc;                     /* 0: periods follow local time (TZ, with DST), 1: UTC */
    size_t queue_bytes;          /* bytes of each thread's lane. 0: default, 4 MiB; rounded up
                                    to a power of two (at most twice the value, at least
                                    4 KiB); over 2 GiB is EINVAL.
                                    A line may be as long as half the rounded size less 24
                                    bytes: the default takes lines up to 2 MiB - 24 bytes */
    int block_when_full;         /* 0: drop and count when full; 1: wait for room */
    int64_t (*clock)(void *ctx); /* ns since the Unix epoch; NULL: the real-time clock */
    void *clock_ctx;             /* passed to clock */
    void (*on_error)(void *ctx, int errnum, const char *what); /* called on the writer
                                thread, rate-limited; may be NULL. `what` is valid only
                                during the call. It must not call alog functions. */
    void *error_ctx;                                           /* passed to on_error */
    alog_compress compress; /* ALOG_COMPRESS_NONE (0) or ALOG_COMPRESS_ZSTD */
    int compress_level;     /* zstd level: 0: default (3); 1..19; anything else is EINVAL;
                               ignored without compression */
    int checksum;           /* 1: a checksum per closed file (see "Checksums" above); 0: none */
} alog_options;

/* Counters of a logger. After a stop: accepted == written + discarded + lost_io. */
typedef struct alog_stats {
    uint64_t accepted;        /* calls that returned ALOG_OK (see alog_get_stats) */
    uint64_t written;         /* accepted lines now complete in a file */
    uint64_t dropped_full;    /* ALOG_EFULL results */
    uint64_t dropped_stopped; /* ALOG_ESTOPPED results */
    uint64_t discarded;       /* accepted, then dropped by ALOG_STOP_NOW */
    uint64_t lost_io;         /* accepted, then lost to an I/O error */
    uint64_t files_opened;    /* files opened (or created) for append */
    uint64_t io_errors;       /* failed system calls on the writer thread */
    uint64_t bytes_in;        /* bytes of the lines taken to be written (not discarded), each
                                 with its '\n' */
    uint64_t bytes_out;       /* bytes written to files and kept there: complete lines, or
                                 with zstd the complete frames (bytes_in / bytes_out is the
                                 compression ratio) */
} alog_stats;

/*
 * Open a logger and start its writer thread. `opt` is read during the call only (dir is
 * copied). A directory that cannot be created yet is not a failure: the writer retries it.
 * Returns NULL with errno set on failure: EINVAL (opt or opt->dir NULL or empty, a bad
 * rollover, compress or compress_level, a queue_bytes over 2 GiB), ENOMEM (with zstd also
 * its compressor, a few MiB), or the error of pthread_create. Any thread may call it.
 */
alog *alog_open(const alog_options *opt);

/*
 * Queue one line: `len` bytes of `line`, written as they are, followed by '\n'. The bytes
 * are copied before the call returns; `line` stays the caller's. The line is stamped with
 * the logger's clock during the call and goes to the file of that stamp's period; the stamp
 * is not written anywhere (put a time into the line yourself if you want one). Nothing is
 * escaped or checked: a line containing '\n' is written as given and so reads as two lines
 * in the file, and NUL bytes are written too.
 * The first write of a thread to this logger allocates its lane (see "Lanes" above).
 * Returns ALOG_OK, ALOG_EFULL (lane full and block_when_full is 0), ALOG_ESTOPPED (after
 * alog_stop) or ALOG_EINVAL (lg or line NULL, or a line too long for the queue). Never
 * blocks unless block_when_full. Any thread, any number at once.
 */
int alog_write(alog *lg, const char *line, size_t len);

/*
 * Like alog_write, but `stamp_ns` (ns since the Unix epoch) is the line's stamp: it, not the
 * logger's clock, decides the file. For records that carry their own time, and for replay.
 * A stamp before 1970 (or past year 9999) has no file: the line is accepted, then counted
 * in lost_io. Same results and threads as alog_write.
 */
int alog_write_at(alog *lg, int64_t stamp_ns, const char *line, size_t len);

/*
 * Return once every line accepted before the call (by any thread) is written and its file
 * fsync'ed. Returns 0; or -1 with errno (EIO, or the errno of the failed write or fsync)
 * when a line taken since the previous alog_flush returned was lost to an I/O error (it is
 * counted in lost_io) or a sync failed; or -1 with errno ECANCELED when the logger was
 * stopped with ALOG_STOP_NOW and lines were discarded, or EINVAL for a NULL lg. After an
 * ALOG_STOP_FLUSH it returns at once (0 unless lines were lost). Blocks the caller (it
 * waits for the disk): not for a latency-critical thread. Any thread, any number at once.
 */
int alog_flush(alog *lg);

/*
 * The name of the file a line stamped `ns` goes to with these options ("20261123.txt",
 * "2026112323595.txt", "20261123.txt.zst"), written into `out` (NUL-terminated, cut to
 * cap - 1 characters like snprintf; out may be NULL when cap is 0). Returns the length of
 * the whole name, or 0 (and out "") when the stamp has no file (before 1970, after 9999).
 * Pure: no I/O, no logger; reads TZ when utc is 0. Any thread.
 */
size_t alog_file_name(int64_t ns, alog_rollover r, int utc, alog_compress c, char *out, size_t cap);

/*
 * Like alog_write with a line formatted by vsnprintf. Lines up to 511 bytes are formatted
 * on the caller's stack; a longer one is formatted a second time straight into the queue,
 * so no call allocates. A format error returns ALOG_EINVAL. Same results and threads as
 * alog_write.
 */
int alog_printf(alog *lg, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Stop the logger. ALOG_STOP_FLUSH returns once every accepted line is written and the
 * files are fsync'ed; ALOG_STOP_NOW returns within milliseconds (after at most the write()
 * in progress, at most 256 KiB, and with zstd its compression), counting the queued lines,
 * and those a zstd file's batch still holds, as discarded. Afterwards every
 * write returns ALOG_ESTOPPED. Returns 0, or -1 if the logger was already stopped or
 * stopping (or lg is NULL). Idempotent; any thread, also while other threads are writing.
 * An ALOG_STOP_NOW while another thread's ALOG_STOP_FLUSH is still draining turns that
 * flush into a discard (and returns -1 at once): a second Ctrl-C that means "now".
 */
int alog_stop(alog *lg, alog_stop_mode mode);

/*
 * Copy the counters into *out. While the logger runs each counter is exact but they are
 * not one consistent snapshot, and `accepted` counts the lines the writer has taken from
 * the lanes so far (keeping a shared counter on the write path would cost every call), so
 * it lags the ALOG_OK results by what is queued. After alog_stop all of them are final and
 * satisfy the accounting identity. NULL lg or out: no-op. Any thread.
 */
void alog_get_stats(alog *lg, alog_stats *out);

/*
 * Stop with ALOG_STOP_FLUSH if still running, join the writer thread and free everything.
 * `lg` is invalid afterwards. NULL is a harmless no-op. Call once, after every other call
 * on this logger has returned.
 */
void alog_close(alog *lg);

#ifdef __cplusplus
}
#endif

#endif /* ALOG_H */
