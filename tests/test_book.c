/* The book keeps sorted levels, removes zero quantities and stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "book.h"

static void set(book *b, book_side_id s, const char *px, const char *qty)
{
    int64_t p, q;
    assert_int_equal(dec_parse(px, strlen(px), &p), 0);
    assert_int_equal(dec_parse(qty, strlen(qty), &q), 0);
    assert_int_equal(book_set(b, s, p, px, strlen(px), qty, strlen(qty), q == 0), 0);
}

/* Bids strictly descending, asks strictly ascending, no zero quantity. */
static void assert_invariants(const book *b)
{
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < book_depth(b, (book_side_id)s); i++) {
            const book_level *l = book_level_at(b, (book_side_id)s, i);
            int64_t q;
            assert_int_equal(dec_parse(l->qty, strlen(l->qty), &q), 0);
            assert_true(q > 0);
            if (i > 0) {
                const book_level *prev = book_level_at(b, (book_side_id)s, i - 1);
                assert_true(s == BOOK_BID ? prev->price > l->price : prev->price < l->price);
            }
        }
    }
}

static void test_book_orders_levels_best_first(void **state)
{
    (void)state;
    book b;
    book_init(&b);
    set(&b, BOOK_BID, "100.5", "1");
    set(&b, BOOK_BID, "101.00000000", "2");
    set(&b, BOOK_BID, "99", "3");
    set(&b, BOOK_ASK, "103", "1");
    set(&b, BOOK_ASK, "102.1", "4");
    set(&b, BOOK_ASK, "110", "5");
    assert_string_equal(book_level_at(&b, BOOK_BID, 0)->px, "101.00000000");
    assert_string_equal(book_level_at(&b, BOOK_BID, 1)->px, "100.5");
    assert_string_equal(book_level_at(&b, BOOK_BID, 2)->px, "99");
    assert_null(book_level_at(&b, BOOK_BID, 3));
    assert_string_equal(book_level_at(&b, BOOK_ASK, 0)->px, "102.1");
    assert_string_equal(book_level_at(&b, BOOK_ASK, 2)->px, "110");
    assert_invariants(&b);
    book_free(&b);
}

static void test_book_zero_quantity_removes_and_update_replaces(void **state)
{
    (void)state;
    book b;
    book_init(&b);
    set(&b, BOOK_BID, "10", "1");
    set(&b, BOOK_BID, "11", "1");
    set(&b, BOOK_BID, "10.00000000", "7.5"); /* same price, other spelling: same level */
    assert_int_equal(book_depth(&b, BOOK_BID), 2);
    assert_string_equal(book_level_at(&b, BOOK_BID, 1)->qty, "7.5");
    set(&b, BOOK_BID, "11", "0.00000000");
    assert_int_equal(book_depth(&b, BOOK_BID), 1);
    set(&b, BOOK_BID, "12", "0"); /* removing an absent level changes nothing */
    assert_int_equal(book_depth(&b, BOOK_BID), 1);
    book_clear(&b);
    assert_int_equal(book_depth(&b, BOOK_BID), 0);
    book_free(&b);
}

static void test_book_random_updates_keep_invariants(void **state)
{
    (void)state;
    book b;
    book_init(&b);
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        char px[24], qty[24];
        snprintf(px, sizeof px, "%u.%02u", 1000 + (x >> 8) % 500, (x >> 4) % 100);
        snprintf(qty, sizeof qty, "%u", (x >> 20) % 4);
        set(&b, (x & 1) ? BOOK_ASK : BOOK_BID, px, qty);
    }
    assert_invariants(&b);
    book_free(&b);
}

static void test_book_stays_bounded_and_keeps_the_top(void **state)
{
    (void)state;
    book b;
    book_init(&b);
    char px[24];
    for (int i = 1; i <= BOOK_MAX_LEVELS + 100; i++) {
        snprintf(px, sizeof px, "%d", i);
        set(&b, BOOK_BID, px, "1");
    }
    assert_int_equal(book_depth(&b, BOOK_BID), BOOK_MAX_LEVELS);
    snprintf(px, sizeof px, "%d", BOOK_MAX_LEVELS + 100);
    assert_string_equal(book_level_at(&b, BOOK_BID, 0)->px, px);
    /* A level worse than all kept ones is outside the bound: not added. */
    set(&b, BOOK_BID, "0.5", "1");
    assert_int_equal(book_depth(&b, BOOK_BID), BOOK_MAX_LEVELS);
    assert_string_equal(book_level_at(&b, BOOK_BID, BOOK_MAX_LEVELS - 1)->px, "101");
    /* A better one pushes the worst out. */
    set(&b, BOOK_BID, "100000", "1");
    assert_string_equal(book_level_at(&b, BOOK_BID, BOOK_MAX_LEVELS - 1)->px, "102");
    assert_invariants(&b);
    book_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_orders_levels_best_first),
        cmocka_unit_test(test_book_zero_quantity_removes_and_update_replaces),
        cmocka_unit_test(test_book_random_updates_keep_invariants),
        cmocka_unit_test(test_book_stays_bounded_and_keeps_the_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
