/* The files of one logger: the few open ones, creating the directory, whole-line appends
 * (plain, or one zstd frame per append). */
#ifndef ALOG_FILE_H
#define ALOG_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "alog_period.h"

typedef struct alog__zc alog__zc; /* alog_compress.h */

#define ALOG__OPEN_FILES 4 /* the current period's file and a few late ones */

typedef struct alog__file {
    int fd;             /* -1 when the slot is free */
    alog_period period; /* bounds and name */
    uint64_t last_use;  /* tick of the last line, for least-recently-used eviction */
} alog__file;

typedef struct alog__files {
    char *dir;    /* owned */
    alog__zc *zc; /* NULL: plain text files; else zstd files (.txt.zst), not owned */
    alog_rollover rollover;
    int utc;
    alog__file slot[ALOG__OPEN_FILES];
    uint64_t tick;           /* counts lookups */
    uint64_t opened;         /* files opened so far */
    alog_period failed;      /* period whose file could not be opened */
    int64_t failed_retry_ns; /* monotonic time after which it is tried again */
    int failed_errno;        /* why it failed */
    int closed_unsynced;     /* a file was closed without fsync since the last files_sync */
    int checksum;            /* write NAME.sha256 next to each file the writer closes */
    int checksum_err;        /* errno of the last checksum that could not be written, or 0 */
    char checksum_name[24];  /* its file */
} alog__files;

/* Set up with no file open; `zc` NULL for plain files, else the compressor of the zstd
 * files. Returns 0, or -1 with errno ENOMEM. */
int alog__files_init(alog__files *fs, const char *dir, alog_rollover r, int utc, alog__zc *zc);

/* Close every file (fsync first when `sync`). Returns 0, or the first errno of a failed
 * fsync/close. With checksums, each file closed gets its NAME.sha256 (a failure is left in
 * checksum_err). */
int alog__files_close_all(alog__files *fs, int sync);

/* With checksums: close the files whose period ended ALOG__CLOSE_AFTER_NS or more before
 * `newest` (the latest stamp taken), writing their NAME.sha256. A late line reopens a file;
 * its checksum is then written again when it is closed again. */
#define ALOG__CLOSE_AFTER_NS (2LL * 1000000000LL)
void alog__files_close_ended(alog__files *fs, int64_t newest);

/* Make every line appended so far durable: fsync each open file, and syncfs the directory's
 * file system when a file was closed unsynced since the last call. Returns 0, or the first
 * errno. */
int alog__files_sync(alog__files *fs);

/* Free what init allocated; files must be closed. */
void alog__files_destroy(alog__files *fs);

/*
 * The slot of the open file for `stamp`, opening (and creating the directory with its
 * parents) if needed and closing the least recently used file when all slots are taken.
 * An existing zstd file is repaired when opened (alog__zc_repair reads its headers and last
 * frame, not the whole file: a torn tail is cut off; one that is not a zstd stream fails
 * with EILSEQ and is left alone).
 * Returns the slot, or -1 with errno when opening failed now, or ALOG__FILES_LATER with the
 * errno of the last try while a failed open waits to be retried (at most every 100 ms of
 * `now_mono_ns`), so a broken disk costs one failing open per 100 ms, not one per line.
 */
#define ALOG__FILES_LATER (-2)
int alog__files_get(alog__files *fs, int64_t stamp, int64_t now_mono_ns);

/*
 * Append `len` bytes made of whole lines whose end offsets are `ends[0..n)` to slot `i`.
 * Returns the number of complete lines now in the file, and adds the bytes they took in the
 * file to *bytes_out. Plain files: n on success; on a failure the file is truncated back to
 * the end of the last complete line and errno is set. zstd files: the lines are one frame,
 * all of it or nothing: n, or 0 with errno and the file truncated back to its last whole
 * frame.
 */
size_t alog__files_append(alog__files *fs, int i, const unsigned char *buf, size_t len,
                          const uint32_t *ends, size_t n, uint64_t *bytes_out);

/* Close files whose file or directory was removed (so the next line recreates them), and
 * files unused since tick `idle_before`. */
void alog__files_check(alog__files *fs, uint64_t idle_before);

/* Make `path` a directory, creating its parents. Returns 0, or -1 with errno. */
int alog__mkdir_p(const char *path);

#endif
