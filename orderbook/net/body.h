/* A response body growing as its pieces arrive, kept NUL-terminated for the parsers. */
#ifndef BODY_H
#define BODY_H

#include <stddef.h>

/* Append n bytes to *buf (len used, cap allocated; NULL, 0, 0 at first) and terminate it.
 * Returns 0, or -1 when the body would pass `max` bytes or memory runs out (the body is
 * left as it was; the caller frees *buf either way). */
int body_append(char **buf, size_t *len, size_t *cap, size_t max, const char *in, size_t n);

#endif
