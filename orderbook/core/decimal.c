#include "decimal.h"

#include <string.h>

#define MAX_INT_DIGITS  10
#define MAX_FRAC_DIGITS 8

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ZEROS 0x3030303030303030ULL /* eight '0' */

/*
 * Eight ASCII digits in a word (the first digit in the lowest byte) as a number, or -1 if
 * any byte is not a digit: checked and combined in one 64-bit word (pairs, then quads,
 * then all eight), instead of one loop step per digit.
 */
static int64_t eight_digits(uint64_t v)
{
    const uint64_t hi = 0xF0F0F0F0F0F0F0F0ULL;
    /* Every byte 0x30..0x39: its high nibble is 3, and adding 6 keeps it 3. */
    if ((v & hi) != ZEROS || ((v + 0x0606060606060606ULL) & hi) != ZEROS)
        return -1;
    v -= ZEROS;
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;
    v = (v * 10000 + (v >> 32)) & 0xFFFFFFFFULL;
    return (int64_t)v;
}

static uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/*
 * What Binance always sends, 1 to 10 integer digits, '.', exactly 8 fraction digits, read
 * faster; 0, or -1 for anything else (which the general path then decides on). An integer
 * part of up to 8 digits is read as a word too, left-padded with '0's: a digit loop's exit
 * is a branch mispredicted on most calls, as the lengths vary from level to level.
 */
static int binance_shape(const char *s, size_t len, int64_t *out)
{
    if (len < 10 || len > MAX_INT_DIGITS + 9 || s[len - 9] != '.')
        return -1;
    size_t int_digits = len - 9;
    int64_t whole = 0;
    if (int_digits <= 8) {
        /* s[0..7] is there (len >= 10); shifting it up by the missing digits drops what
         * follows them and leaves room for the padding (1 to 7 bytes of '0'). */
        unsigned pad = (unsigned)(8 - int_digits) * 8;
        whole = eight_digits((load8(s) << pad) | (ZEROS & ~(~0ULL << pad)));
        if (whole < 0)
            return -1;
    } else {
        for (size_t i = 0; i < int_digits; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            whole = whole * 10 + (s[i] - '0');
        }
    }
    int64_t frac = eight_digits(load8(s + len - 8));
    if (frac < 0)
        return -1;
    *out = whole * DEC_SCALE + frac;
    return 0;
}
#else
static int binance_shape(const char *s, size_t len, int64_t *out)
{
    (void)s, (void)len, (void)out;
    return -1;
}
#endif

int dec_parse(const char *s, size_t len, int64_t *out)
{
    /* Two of these per price level: the common shape first (perf, bench/book_replay). */
    if (s != NULL && binance_shape(s, len, out) == 0)
        return 0;
    if (s == NULL || len == 0 || len > DEC_MAX_CHARS)
        return -1;
    int64_t whole = 0, frac = 0;
    size_t i = 0, int_digits = 0, frac_digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (++int_digits > MAX_INT_DIGITS)
            return -1;
        whole = whole * 10 + (s[i++] - '0');
    }
    if (int_digits == 0)
        return -1;
    if (i < len) {
        if (s[i++] != '.' || i == len)
            return -1;
        for (; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            if (frac_digits == MAX_FRAC_DIGITS) {
                /* Beyond Binance's precision only zeros keep the value exact. */
                if (s[i] != '0')
                    return -1;
                continue;
            }
            frac = frac * 10 + (s[i] - '0');
            frac_digits++;
        }
    }
    for (; frac_digits < MAX_FRAC_DIGITS; frac_digits++)
        frac *= 10;
    *out = whole * DEC_SCALE + frac;
    return 0;
}
