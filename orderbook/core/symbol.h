/*
 * Binance symbols: the one place that says what a symbol is, and the stable hash that splits a
 * list of symbols between hosts (--shard I/N). Pure.
 */
#ifndef SYMBOL_H
#define SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#define SYM_MAX 20 /* Binance: ^[A-Z0-9-_.]{1,20}$ */

/* Whether the `n` bytes at `s` are a symbol as Binance writes it (upper case). */
int sym_valid(const char *s, size_t n);

/*
 * Upper-case `in` into `out` (SYM_MAX + 1 bytes, NUL-terminated) when it is a symbol in any
 * case. Returns 0, or -1 (out then unspecified) when it is empty, longer than SYM_MAX or
 * holds a character other than A-Z a-z 0-9 - _ .
 */
int sym_normalize(const char *in, char *out);

/* FNV-1a, 32 bits, of the bytes of the NUL-terminated `sym` (the upper-case name). */
uint32_t sym_hash(const char *sym);

/* Whether `sym` belongs to shard `i` of `n` (1 <= i <= n): sym_hash(sym) % n == i - 1. */
int sym_in_shard(const char *sym, unsigned i, unsigned n);

#endif
