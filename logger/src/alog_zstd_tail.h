/* The repair of an alog zstd file's tail, before the writer appends to it again. */
#ifndef ALOG_ZSTD_TAIL_H
#define ALOG_ZSTD_TAIL_H

#include <stdint.h>

/*
 * Make the file open on `fd` (readable) a valid zstd stream again: walk its frames from the
 * start and cut it at the first one that is incomplete or invalid, so what a crash left
 * torn or unterminated goes and every whole frame stays. The walk reads only the frames'
 * headers and their blocks' headers (each gives the block's length), never their contents:
 * a file of many GB in the page cache costs a small read a block. The last whole frame is
 * decoded, its checksum included (power loss can leave a frame that looks whole but holds
 * zeros), and must end at a line's end; if not, it is cut too. Earlier frames are neither
 * read nor decoded. Sets *kept to the file's length afterwards and *cut to the bytes
 * removed. Returns 0, or -1 with errno: the error of a read or truncate, ENOMEM, or EILSEQ
 * when the file does not start like a zstd stream (a file that is not ours is left as it
 * is, never emptied).
 */
int alog__zc_repair(int fd, uint64_t *kept, uint64_t *cut);

#endif
