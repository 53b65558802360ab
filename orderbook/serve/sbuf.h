/* A growable text buffer for the server's responses. Pure: no I/O. */
#ifndef SBUF_H
#define SBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *p;    /* the text, NUL-terminated once anything was added; NULL while empty */
    size_t len; /* bytes of text */
    size_t cap; /* bytes allocated */
    int oom;    /* memory ran out: the text is incomplete and must not be sent */
} sbuf;

/* An empty buffer (no memory taken). */
void sbuf_init(sbuf *b);

/* Free the text; the buffer is empty and usable again. */
void sbuf_free(sbuf *b);

/* Append bytes / formatted text / a JSON string (quoted and escaped). On lack of memory the
 * buffer keeps what it had and `oom` is set; later appends do nothing. */
void sbuf_add(sbuf *b, const char *s, size_t n);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_json_str(sbuf *b, const char *s);

/* Append a string literal. */
#define SBUF_LIT(b, lit) sbuf_add((b), (lit), sizeof(lit) - 1)

#endif
