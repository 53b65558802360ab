/* Exact decimals as Binance sends them ("37000.01000000"): never doubles. */
#ifndef DECIMAL_H
#define DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DEC_SCALE     100000000LL /* 8 fraction digits, Binance's precision */
#define DEC_MAX_CHARS 23          /* longest string kept as received */

/*
 * Parse a non-negative decimal string of `len` bytes: digits, at most one '.', at least one
 * digit before and after it if present, no sign, exponent or space, at most 10 integer and
 * 8 fraction digits (further fraction digits must be zeros), at most DEC_MAX_CHARS bytes.
 * Stores the value scaled by DEC_SCALE in *out. Returns 0, or -1 when the string is not
 * such a decimal (then *out is untouched).
 */
int dec_parse(const char *s, size_t len, int64_t *out);

#endif
