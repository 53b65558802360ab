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

typedef enum book_feed_kind {
    BOOK_FEED_BENCH, /* 20 to 40 levels a frame (~1.1 KB), 30% removals, 8 symbols at most */
    BOOK_FEED_REAL   /* shaped like the real capture in ../shared/data: 2.4 levels a frame
                        (~210 bytes), 8% removals, sub-unit prices, 4 symbols at most */
} book_feed_kind;

/*
 * Generate `n_frames` frames of `n_symbols` (1..BOOK_FEED_MAX_SYMBOLS) symbols from `seed`.
 * The same arguments always give the same bytes. Returns 0, or -1 when memory ran out or
 * the kind has fewer symbols (nothing to free then).
 */
int book_feed_make_shaped(book_feed *f, size_t n_frames, size_t n_symbols, uint64_t seed,
                          book_feed_kind kind);

/* The BOOK_FEED_BENCH feed, the one bench/book_replay's tables were measured on. */
int book_feed_make(book_feed *f, size_t n_frames, size_t n_symbols, uint64_t seed);

/* Frame i and its length. */
static inline const char *book_feed_frame(const book_feed *f, size_t i, size_t *len)
{
    *len = f->offset[i + 1] - f->offset[i];
    return f->text + f->offset[i];
}

void book_feed_free(book_feed *f);

#endif
