/* Sorted key arrays, best level last: updates near the top move only a few keys. */
#include "book.h"

#include <stdlib.h>
#include <string.h>

void book_init(book *b)
{
    memset(b, 0, sizeof *b);
}

void book_free(book *b)
{
    for (int s = 0; s < 2; s++) {
        free(b->side[s].key);
        free(b->side[s].slot);
        free(b->side[s].lv);
        free(b->side[s].spare);
    }
    book_init(b);
}

void book_clear(book *b)
{
    for (int s = 0; s < 2; s++) {
        b->side[s].n = 0;
        b->side[s].n_spare = 0;
    }
}

/* Negating the asks' prices makes "better" mean "larger key" on both sides. */
static int64_t key_of(book_side_id s, int64_t price)
{
    return s == BOOK_BID ? price : -price;
}

/*
 * Index of the first key >= k. Most changes land a few levels from the top, the end of the
 * array: galloping down from there (1, 3, 7, 15... levels) brackets them in a few probes of
 * hot cache lines. The bracket is then halved without branches (the comparison feeds an
 * add, not a jump), since each halving step goes either way at random and a mispredicted
 * branch costs more than the load: 35 -> 28 ns per level change on bench/book_replay's feed.
 */
static size_t lower_bound(const int64_t *key, size_t n, int64_t k)
{
    size_t lo = 0, hi = n, step = 1;
    while (step <= hi) {
        size_t probe = hi - step;
        if (key[probe] < k) {
            lo = probe + 1;
            break;
        }
        hi = probe;
        step *= 2;
    }
    size_t len = hi - lo;
    if (len == 0)
        return lo;
    const int64_t *base = key + lo;
    while (len > 1) {
        size_t half = len / 2;
        /* Multiplied rather than ?:, which gcc 12 turns back into a branch. */
        base += (size_t)(base[half - 1] < k) * half;
        len -= half;
    }
    return (size_t)(base - key) + (*base < k);
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

/* Room for one more level. Returns 0, or -1 with the side unchanged (arrays that did grow
 * stay valid: only `cap` says how much of them is usable). */
static int grow(book_side *side)
{
    size_t cap = side->cap ? side->cap * 2 : 256;
    if (cap > BOOK_MAX_LEVELS)
        cap = BOOK_MAX_LEVELS;
    int64_t *key = realloc(side->key, cap * sizeof *key);
    if (key == NULL)
        return -1;
    side->key = key;
    uint32_t *slot = realloc(side->slot, cap * sizeof *slot);
    if (slot == NULL)
        return -1;
    side->slot = slot;
    book_level *lv = realloc(side->lv, cap * sizeof *lv);
    if (lv == NULL)
        return -1;
    side->lv = lv;
    uint32_t *spare = realloc(side->spare, cap * sizeof *spare);
    if (spare == NULL)
        return -1;
    side->spare = spare;
    side->cap = cap;
    return 0;
}

/* Open position i (shifting the better levels up) for a level stored in slot `sl`. */
static void insert_at(book_side *side, size_t i, int64_t k, uint32_t sl)
{
    size_t above = side->n - i;
    memmove(&side->key[i + 1], &side->key[i], above * sizeof side->key[0]);
    memmove(&side->slot[i + 1], &side->slot[i], above * sizeof side->slot[0]);
    side->key[i] = k;
    side->slot[i] = sl;
    side->n++;
}

static void remove_at(book_side *side, size_t i)
{
    size_t above = side->n - i - 1;
    side->spare[side->n_spare++] = side->slot[i];
    memmove(&side->key[i], &side->key[i + 1], above * sizeof side->key[0]);
    memmove(&side->slot[i], &side->slot[i + 1], above * sizeof side->slot[0]);
    side->n--;
}

int book_set(book *b, book_side_id s, int64_t price, const char *px, size_t px_len, const char *qty,
             size_t qty_len, int qty_is_zero)
{
    book_side *side = &b->side[s];
    int64_t k = key_of(s, price);
    size_t i = lower_bound(side->key, side->n, k);
    int found = i < side->n && side->key[i] == k;
    if (qty_is_zero) {
        if (found)
            remove_at(side, i);
        return 0;
    }
    if (found) {
        copy_str(side->lv[side->slot[i]].qty, qty, qty_len);
        return 0;
    }
    if (side->n == BOOK_MAX_LEVELS) {
        if (i == 0)
            return 0; /* worse than every level kept: outside the bounded book */
        /* Drop the worst level and reuse its slot; the freed position is just below the
         * new level's place. */
        uint32_t sl = side->slot[0];
        memmove(&side->key[0], &side->key[1], (i - 1) * sizeof side->key[0]);
        memmove(&side->slot[0], &side->slot[1], (i - 1) * sizeof side->slot[0]);
        side->key[i - 1] = k;
        side->slot[i - 1] = sl;
        fill(&side->lv[sl], price, px, px_len, qty, qty_len);
        return 0;
    }
    if (side->n == side->cap && grow(side) != 0)
        return -1;
    /* With no spare slot, the slots in use are exactly 0 .. n-1. */
    uint32_t sl = side->n_spare > 0 ? side->spare[--side->n_spare] : (uint32_t)side->n;
    fill(&side->lv[sl], price, px, px_len, qty, qty_len);
    insert_at(side, i, k, sl);
    return 0;
}

size_t book_depth(const book *b, book_side_id s)
{
    return b->side[s].n;
}

const book_level *book_level_at(const book *b, book_side_id s, size_t i)
{
    const book_side *side = &b->side[s];
    return i < side->n ? &side->lv[side->slot[side->n - 1 - i]] : NULL;
}
