/* One symbol's order book: sorted price levels with the strings Binance sent. Pure. */
#ifndef BOOK_H
#define BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "decimal.h"

#define BOOK_MAX_LEVELS 20000 /* per side; see book_set */

typedef enum book_side_id { BOOK_BID = 0, BOOK_ASK = 1 } book_side_id;

typedef struct book_level {
    int64_t price;               /* scaled by DEC_SCALE: the sort key */
    char px[DEC_MAX_CHARS + 1];  /* price as received */
    char qty[DEC_MAX_CHARS + 1]; /* quantity as received, never zero */
} book_level;

/*
 * A side is an index of sort keys over levels kept in slots: inserting or removing a level
 * shifts 12 bytes for each better level (those between it and the top) instead of a whole
 * 56-byte level, and the search reads 8-byte keys, eight to a cache line.
 */
typedef struct book_side {
    int64_t *key;    /* ascending, worst level first: price for bids, -price for asks */
    uint32_t *slot;  /* slot[i]: where in `lv` the level of key[i] lives */
    book_level *lv;  /* the levels, in slots of no particular order */
    uint32_t *spare; /* slots freed by removals, reused first */
    size_t n;        /* levels in use */
    size_t n_spare;  /* entries in `spare` */
    size_t cap;      /* levels allocated (in each array) */
} book_side;

typedef struct book {
    book_side side[2]; /* BOOK_BID, BOOK_ASK */
} book;

/* An empty book. Never fails: memory is taken on the first level. */
void book_init(book *b);

/* Free the levels; the book is empty and usable again. */
void book_free(book *b);

/* Remove every level, keeping the memory. */
void book_clear(book *b);

/*
 * Set the level at `price` (scaled) to quantity `qty` on one side; `qty_is_zero` removes it.
 * The strings (at most DEC_MAX_CHARS bytes each, validated by the caller) are copied.
 * A side never holds more than BOOK_MAX_LEVELS: a new level beyond that drops the worst
 * one (the farthest from the top), so memory stays bounded and the top stays exact.
 * Returns 0, or -1 when memory runs out (the book is unchanged).
 */
int book_set(book *b, book_side_id s, int64_t price, const char *px, size_t px_len, const char *qty,
             size_t qty_len, int qty_is_zero);

/* Levels on a side. */
size_t book_depth(const book *b, book_side_id s);

/* The i-th best level of a side (0 = best), or NULL when the side has fewer levels. */
const book_level *book_level_at(const book *b, book_side_id s, size_t i);

#endif
