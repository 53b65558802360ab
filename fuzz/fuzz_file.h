/* Files as a fuzz target checks them: read whole, and zstd streams decoded strictly. */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <stddef.h>

/* The whole file at `path` (malloc'ed, its length in *len), or NULL when it cannot be
 * opened. */
char *fuzz_read_file(const char *path, size_t *len);

/* The text of the zstd stream src[0..len) (malloc'ed, its length in *out_len). Aborts, naming
 * `name`, unless it is a valid stream of whole frames with nothing after the last. */
char *fuzz_decode_zst(const char *name, const char *src, size_t len, size_t *out_len);

#endif
