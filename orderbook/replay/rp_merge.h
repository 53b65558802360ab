/*
 * Records of many capture files in ts order: a merge by the ts of each file's next record,
 * lines of one file always in their file order. A file is opened only once the merge reaches
 * the ts of its first record, so a day of 5-second files keeps a few open, not thousands.
 * Problems (a file that cannot be read, a truncated one, a line that is not a record, an input
 * record older than the one before it in its file) are reported with file and line; what can
 * be read is still delivered.
 */
#ifndef RP_MERGE_H
#define RP_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "rp_text.h"

typedef struct rp_rec {
    rp_head h;         /* the record's head (pointers into line) */
    const char *line;  /* the whole line, valid until the next rp_merge_next */
    size_t len;        /* its length */
    const char *file;  /* the file's name */
    uint64_t lineno;   /* its line number, from 1 */
    size_t file_index; /* the order in which the file was added */
} rp_rec;

typedef struct rp_merge_hooks {
    void *ctx;
    void (*problem)(void *ctx, const char *msg);    /* "file:line: what" */
    void (*file_end)(void *ctx, size_t file_index); /* no more records from it */
} rp_merge_hooks;

typedef struct rp_merge rp_merge;

rp_merge *rp_merge_create(const rp_merge_hooks *hooks);
void rp_merge_destroy(rp_merge *m);

/* Add a file by path (its first record is read now to place it; a file that cannot be read
 * is reported here; a directory adds its files ending in .txt or .txt.zst), or bytes in
 * memory (not copied; see rp_file_open_mem). -1 only when memory runs out. */
int rp_merge_add(rp_merge *m, const char *path);
int rp_merge_add_mem(rp_merge *m, const char *name, const void *data, size_t len, int zstd);

/* The next record in ts order: 1, or 0 when every file has ended. */
int rp_merge_next(rp_merge *m, rp_rec *out);

typedef struct rp_merge_progress {
    size_t files, files_done;   /* added; ended */
    uint64_t bytes, bytes_done; /* of the files (compressed sizes); read */
    uint64_t records, problems; /* delivered; reported */
} rp_merge_progress;

void rp_merge_get_progress(const rp_merge *m, rp_merge_progress *out);

#endif
