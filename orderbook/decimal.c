#include "decimal.h"

#define MAX_INT_DIGITS  10
#define MAX_FRAC_DIGITS 8

int dec_parse(const char *s, size_t len, int64_t *out)
{
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
