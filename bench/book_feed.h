/*
 * A synthetic Binance depth feed for book_replay, generated in memory from a fixed seed:
 * combined-stream depthUpdate frames of several symbols and one REST snapshot per symbol,
 * shaped like the real thing (8-decimal strings, levels clustered near the top, removals,
 * contiguous update ids per symbol, the first event of each symbol straddling its snapshot).
 */
#ifndef BOOK_FEED_H
#define BOOK_FEED_H

#include <stddef.h>
#include <stdint.h>

#define BOOK_FEED_MAX_SYMBOLS     8
#define BOOK_FEED_SNAPSHOT_LEVELS 1000 /* per side, Binance's limit=1000 */

typedef struct book_feed {
    size_t n_symbols;
    const char *symbols[BOOK_FEED_MAX_SYMBOLS]; /* upper case, static strings */
    char *snapshot[BOOK_FEED_MAX_SYMBOLS];      /* REST bodies, one per symbol */
    size_t snapshot_len[BOOK_FEED_MAX_SYMBOLS];
    char *text;     /* every frame, back to back (not NUL-terminated each) */
    size_t *offset; /* frame i is text[offset[i] .. offset[i + 1]) */
    size_t n_frames;
    size_t n_levels; /* price levels in all frames together */
    size_t n_zero;   /* of which removals ("0.00000000") */
} book_feed;

/*
 * Generate `n_frames` frames of `n_symbols` (1..BOOK_FEED_MAX_SYMBOLS) symbols from `seed`.
 * The same arguments always give the same bytes. Returns 0, or -1 when memory ran out
 * (nothing to free then).
 */
int book_feed_make(book_feed *f, size_t n_frames, size_t n_symbols, uint64_t seed);

/* Frame i and its length. */
static inline const char *book_feed_frame(const book_feed *f, size_t i, size_t *len)
{
    *len = f->offset[i + 1] - f->offset[i];
    return f->text + f->offset[i];
}

void book_feed_free(book_feed *f);

#endif
