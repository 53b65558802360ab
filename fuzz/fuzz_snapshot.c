/*
 * Fuzz target: a REST snapshot body, parsed and loaded into a book.
 *
 * The input is the body. depth_parse_snapshot must refuse it whole or return levels that
 * are exactly the JSON's: as many as the arrays hold, each string the one in the tree and a
 * valid decimal whose value is the level's price, and a quantity flagged zero exactly when
 * it is zero. A second parser gives the same answer (the scratch space of the first one is
 * reused from the previous input). Loaded into a book, the levels give bids strictly
 * descending, asks strictly ascending, no zero quantity, every price at its last quantity.
 * Any violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "book.h"
#include "decimal.h"
#include "depth.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static depth_parser reused; /* across inputs, as in the application */

static void check_levels(const cJSON *root, const char *key, const depth_level *lv, size_t n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    FUZZ_CHECK(cJSON_IsArray(arr), "\"%s\" accepted but not an array", key);
    FUZZ_CHECK((size_t)cJSON_GetArraySize(arr) == n, "\"%s\": %d in JSON, %zu parsed", key,
               cJSON_GetArraySize(arr), n);
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        const cJSON *px = cJSON_GetArrayItem(item, 0), *qty = cJSON_GetArrayItem(item, 1);
        FUZZ_CHECK(cJSON_GetArraySize(item) == 2 && cJSON_IsString(px) && cJSON_IsString(qty),
                   "\"%s\"[%zu] accepted but not [price, qty]", key, i);
        const depth_level *d = &lv[i];
        FUZZ_CHECK(d->px == px->valuestring && d->qty == qty->valuestring,
                   "\"%s\"[%zu]: strings not the tree's", key, i);
        FUZZ_CHECK(d->px_len == strlen(d->px) && d->qty_len == strlen(d->qty),
                   "\"%s\"[%zu]: lengths wrong", key, i);
        FUZZ_CHECK(d->px_len <= DEC_MAX_CHARS && d->qty_len <= DEC_MAX_CHARS,
                   "\"%s\"[%zu]: longer than a book keeps", key, i);
        int64_t price, q;
        FUZZ_CHECK(dec_parse(d->px, d->px_len, &price) == 0 && price == d->price,
                   "\"%s\"[%zu]: price %s is not %lld", key, i, d->px, (long long)d->price);
        FUZZ_CHECK(dec_parse(d->qty, d->qty_len, &q) == 0 && q >= 0 && (q == 0) == d->qty_is_zero,
                   "\"%s\"[%zu]: quantity %s flagged %d", key, i, d->qty, d->qty_is_zero);
        i++;
    }
}

static void check_book(const book *b, book_side_id side, const depth_level *lv, size_t n)
{
    size_t depth = book_depth(b, side);
    FUZZ_CHECK(depth <= n && depth <= BOOK_MAX_LEVELS, "%zu levels from %zu", depth, n);
    for (size_t i = 0; i < depth; i++) {
        const book_level *l = book_level_at(b, side, i);
        int64_t q;
        FUZZ_CHECK(dec_parse(l->qty, strlen(l->qty), &q) == 0 && q > 0, "quantity %s in a book",
                   l->qty);
        if (i > 0) {
            const book_level *prev = book_level_at(b, side, i - 1);
            FUZZ_CHECK(side == BOOK_BID ? prev->price > l->price : prev->price < l->price,
                       "%s not strictly sorted: %s then %s", side == BOOK_BID ? "bids" : "asks",
                       prev->px, l->px);
        }
    }
    /* The last level of each price decides it (quadratic, but only on a small side). */
    if (n > 512)
        return;
    for (size_t i = 0; i < n; i++) {
        int last = 1;
        for (size_t j = i + 1; j < n && last; j++)
            last = lv[j].price != lv[i].price;
        if (!last)
            continue;
        const book_level *found = NULL;
        for (size_t k = 0; k < depth && found == NULL; k++) {
            const book_level *l = book_level_at(b, side, k);
            if (l->price == lv[i].price)
                found = l;
        }
        if (lv[i].qty_is_zero)
            FUZZ_CHECK(found == NULL, "level %s removed but there", lv[i].px);
        else
            FUZZ_CHECK(found != NULL && strcmp(found->qty, lv[i].qty) == 0,
                       "level %s not at its last quantity %s", lv[i].px, lv[i].qty);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    depth_snapshot snap;
    const char *why = NULL;
    int rc = depth_parse_snapshot(&reused, body, size, &snap, &why);
    FUZZ_CHECK(rc == 0 || rc == -1, "result %d", rc);

    depth_parser fresh;
    depth_parser_init(&fresh);
    depth_snapshot again;
    const char *why_again = NULL;
    int rc_again = depth_parse_snapshot(&fresh, body, size, &again, &why_again);
    FUZZ_CHECK(rc == rc_again && why == why_again, "two parsers disagree");

    if (rc != 0) {
        FUZZ_CHECK(why != NULL && why[0] != '\0' && snap.root == NULL, "refused without a reason");
        depth_parser_free(&fresh);
        return 0;
    }
    FUZZ_CHECK(snap.last_id == again.last_id && snap.n_bids == again.n_bids &&
                   snap.n_asks == again.n_asks,
               "two parsers disagree on the contents");
    FUZZ_CHECK(cJSON_IsObject(snap.root), "accepted a body that is not an object");
    check_levels(snap.root, "bids", snap.bids, snap.n_bids);
    check_levels(snap.root, "asks", snap.asks, snap.n_asks);

    book b;
    book_init(&b);
    for (size_t i = 0; i < snap.n_bids; i++) {
        const depth_level *d = &snap.bids[i];
        FUZZ_CHECK(book_set(&b, BOOK_BID, d->price, d->px, d->px_len, d->qty, d->qty_len,
                            d->qty_is_zero) == 0,
                   "book_set failed");
    }
    for (size_t i = 0; i < snap.n_asks; i++) {
        const depth_level *d = &snap.asks[i];
        FUZZ_CHECK(book_set(&b, BOOK_ASK, d->price, d->px, d->px_len, d->qty, d->qty_len,
                            d->qty_is_zero) == 0,
                   "book_set failed");
    }
    check_book(&b, BOOK_BID, snap.bids, snap.n_bids);
    check_book(&b, BOOK_ASK, snap.asks, snap.n_asks);
    book_free(&b);

    depth_snapshot_free(&again);
    depth_parser_free(&fresh);
    depth_snapshot_free(&snap);
    return 0;
}
