/*
 * A growable byte buffer: the one orderbook's core, the live page and the tools append into
 * (records, responses). Pure: no I/O. (net/ keeps its own body buffer: it links no core.)
 */
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

/* Empty it for the next text, keeping its memory (and clearing oom). */
static inline void sbuf_reset(sbuf *b)
{
    b->len = 0;
    b->oom = 0;
}

/* Where n more bytes go at the end, with room for a NUL after them: the caller writes them
 * and adds n to len (the text is NUL-terminated again only by the next append). NULL when
 * memory ran out (oom is set). Inline: records make room a few times per line. */
char *sbuf__grow(sbuf *b, size_t n);
static inline char *sbuf_room(sbuf *b, size_t n)
{
    if (b->oom || b->len + n + 1 > b->cap)
        return sbuf__grow(b, n);
    return b->p + b->len;
}

/* Append a string literal. */
#define SBUF_LIT(b, lit) sbuf_add((b), (lit), sizeof(lit) - 1)

#endif
