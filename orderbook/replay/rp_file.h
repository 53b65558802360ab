/*
 * One capture file read line by line: plain text, or zstd (a name ending in ".zst"), with
 * line numbers. A truncated file (a last line without its end, a zstd stream that stops inside
 * a frame) and a ".zst" that is not zstd are errors that name the file and line; every
 * complete line before them is still returned.
 */
#ifndef RP_FILE_H
#define RP_FILE_H

#include <stddef.h>
#include <stdint.h>

#define RP_LINE_MAX ((size_t)256 << 20) /* a longer line is an error */

typedef struct rp_file rp_file;

/* Open `path` (its name is kept for messages). NULL with a message in err (e.g. "x.txt: No
 * such file or directory", "x.txt.zst: not a zstd file") when it cannot be read. */
rp_file *rp_file_open(const char *path, char *err, size_t errlen);

/* The same over `len` bytes in memory (not copied: they must outlive the reader), named
 * `name`; `zstd`: they are a zstd stream. NULL only when memory runs out. */
rp_file *rp_file_open_mem(const char *name, const void *data, size_t len, int zstd);

void rp_file_close(rp_file *f);

/*
 * The next line, without its '\n': 1 and *line, *len set (valid until the next call), 0 at
 * the end, -1 on an error (rp_file_error says what; later calls return 0). The line number
 * of the last line returned (or of the error) is rp_file_line.
 */
int rp_file_next(rp_file *f, const char **line, size_t *len);

const char *rp_file_name(const rp_file *f);
uint64_t rp_file_line(const rp_file *f);
const char *rp_file_error(const rp_file *f);

/* Bytes of the file consumed so far, and its size (for progress). */
uint64_t rp_file_consumed(const rp_file *f);
uint64_t rp_file_size(const rp_file *f);

#endif
