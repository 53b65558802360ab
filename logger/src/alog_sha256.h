/* SHA-256 (FIPS 180-4), small and self-contained: the checksums of closed files. Pure. */
#ifndef ALOG_SHA256_H
#define ALOG_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct alog__sha256 {
    uint32_t h[8];         /* the hash so far */
    uint64_t bytes;        /* message bytes taken */
    unsigned char blk[64]; /* a block being filled */
    size_t n;              /* bytes in blk */
} alog__sha256;

void alog__sha256_init(alog__sha256 *s);
void alog__sha256_update(alog__sha256 *s, const void *data, size_t len);

/* The digest as 64 lower-case hex digits and a NUL into hex[65]. */
void alog__sha256_hex(alog__sha256 *s, char hex[65]);

#endif
