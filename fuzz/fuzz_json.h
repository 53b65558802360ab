/* A strict JSON (RFC 8259) validator for the fuzzers' checks of record lines. cJSON is
 * lenient (it takes raw control characters inside strings, for one), so it cannot be the
 * judge of what the project writes. Bytes from 0x80 up are taken as they are: records keep
 * what Binance sent byte for byte, so their UTF-8 is Binance's, not the project's. */
#ifndef FUZZ_JSON_H
#define FUZZ_JSON_H

#include <stddef.h>

/* 1 when the `len` bytes are exactly one JSON object (white space around it allowed). */
int fj_is_object(const char *s, size_t len);

#endif
