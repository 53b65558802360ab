/* Sorted arrays, best level last: updates near the top move only a few levels. */
#include "book.h"

#include <stdlib.h>
#include <string.h>

void book_init(book *b)
{
    memset(b, 0, sizeof *b);
}

void book_free(book *b)
{
    for (int s = 0; s < 2; s++)
        free(b->side[s].lv);
    book_init(b);
}

void book_clear(book *b)
{
    b->side[BOOK_BID].n = 0;
    b->side[BOOK_ASK].n = 0;
}

/* "Better" means higher for bids, lower for asks; the array is sorted worst first. */
static int better(book_side_id s, int64_t a, int64_t b)
{
    return s == BOOK_BID ? a > b : a < b;
}

/* Index of the first level that is better than or equal to `price`. */
static size_t lower_bound(const book_side *side, book_side_id s, int64_t price)
{
    size_t lo = 0, hi = side->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (better(s, price, side->lv[mid].price))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void copy_str(char *dst, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void fill(book_level *l, int64_t price, const char *px, size_t px_len, const char *qty,
                 size_t qty_len)
{
    l->price = price;
    copy_str(l->px, px, px_len);
    copy_str(l->qty, qty, qty_len);
}

int book_set(book *b, book_side_id s, int64_t price, const char *px, size_t px_len, const char *qty,
             size_t qty_len, int qty_is_zero)
{
    book_side *side = &b->side[s];
    size_t i = lower_bound(side, s, price);
    int found = i < side->n && side->lv[i].price == price;
    if (qty_is_zero) {
        if (found) {
            memmove(&side->lv[i], &side->lv[i + 1], (side->n - i - 1) * sizeof side->lv[0]);
            side->n--;
        }
        return 0;
    }
    if (found) {
        copy_str(side->lv[i].qty, qty, qty_len);
        return 0;
    }
    if (side->n == BOOK_MAX_LEVELS) {
        if (i == 0)
            return 0; /* worse than every level kept: outside the bounded book */
        /* Drop the worst level; the freed slot is just below the new level's place. */
        memmove(&side->lv[0], &side->lv[1], (i - 1) * sizeof side->lv[0]);
        fill(&side->lv[i - 1], price, px, px_len, qty, qty_len);
        return 0;
    }
    if (side->n == side->cap) {
        size_t cap = side->cap ? side->cap * 2 : 256;
        if (cap > BOOK_MAX_LEVELS)
            cap = BOOK_MAX_LEVELS;
        book_level *lv = realloc(side->lv, cap * sizeof *lv);
        if (lv == NULL)
            return -1;
        side->lv = lv;
        side->cap = cap;
    }
    memmove(&side->lv[i + 1], &side->lv[i], (side->n - i) * sizeof side->lv[0]);
    fill(&side->lv[i], price, px, px_len, qty, qty_len);
    side->n++;
    return 0;
}

size_t book_depth(const book *b, book_side_id s)
{
    return b->side[s].n;
}

const book_level *book_level_at(const book *b, book_side_id s, size_t i)
{
    const book_side *side = &b->side[s];
    return i < side->n ? &side->lv[side->n - 1 - i] : NULL;
}
