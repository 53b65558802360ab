/* /api/book and the live update: valid JSON holding the view's levels as the strings Binance
 * sent, bounded by depth; a book that is not synced shows no levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "serve_api.h"

static serve_view *one_book(size_t levels)
{
    serve_view *v = serve_view_new(1);
    assert_non_null(v);
    v->at_ns = 1764863999123456789LL;
    serve_symbol *s = &v->sym[0];
    snprintf(s->symbol, sizeof s->symbol, "BTCUSDT");
    s->state = SERVE_LIVE;
    s->id = 123456789012ULL;
    for (size_t i = 0; i < levels; i++) {
        snprintf(s->lv[0][i].px, sizeof s->lv[0][i].px, "%zu.01000000", 37000 - i);
        snprintf(s->lv[0][i].qty, sizeof s->lv[0][i].qty, "1.%03zu", i);
        snprintf(s->lv[1][i].px, sizeof s->lv[1][i].px, "%zu.02000000", 37001 + i);
        snprintf(s->lv[1][i].qty, sizeof s->lv[1][i].qty, "2.%03zu", i);
    }
    s->n[0] = s->n[1] = levels;
    s->book_levels[0] = s->book_levels[1] = 1000;
    return v;
}

static cJSON *parse(sbuf *b)
{
    assert_false(b->oom);
    cJSON *j = cJSON_Parse(b->p);
    assert_non_null(j);
    return j;
}

static void test_api_book_gives_levels_best_first_with_the_id(void **state)
{
    (void)state;
    serve_view *v = one_book(SERVE_LEVELS);
    sbuf b;
    sbuf_init(&b);
    serve_api_book(&b, v, serve_find_symbol(v, "BTCUSDT"), 5);
    cJSON *j = parse(&b);
    assert_string_equal(cJSON_GetObjectItem(j, "symbol")->valuestring, "BTCUSDT");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "synced")));
    /* Update ids are integers in the text, not rounded doubles. */
    assert_non_null(strstr(b.p, "\"lastUpdateId\":123456789012,"));
    assert_true(cJSON_GetObjectItem(j, "time")->valuedouble == 1764863999123.0);
    cJSON *bids = cJSON_GetObjectItem(j, "bids"), *asks = cJSON_GetObjectItem(j, "asks");
    assert_int_equal(cJSON_GetArraySize(bids), 5);
    assert_int_equal(cJSON_GetArraySize(asks), 5);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 0), 0)->valuestring,
                        "37000.01000000");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 4), 1)->valuestring, "1.004");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(asks, 0), 0)->valuestring,
                        "37001.02000000");
    cJSON *lv = cJSON_GetObjectItem(j, "levels");
    assert_int_equal(cJSON_GetObjectItem(lv, "bids")->valueint, 1000);
    cJSON_Delete(j);
    sbuf_free(&b);

    serve_api_book(&b, v, &v->sym[0], SERVE_LEVELS);
    j = parse(&b);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bids")), SERVE_LEVELS);
    cJSON_Delete(j);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_api_book_with_fewer_levels_than_asked(void **state)
{
    (void)state;
    serve_view *v = one_book(3);
    sbuf b;
    sbuf_init(&b);
    serve_api_book(&b, v, &v->sym[0], 20);
    cJSON *j = parse(&b);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bids")), 3);
    cJSON_Delete(j);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_api_book_not_synced_has_no_levels(void **state)
{
    (void)state;
    serve_view *v = one_book(10);
    v->sym[0].state = SERVE_SYNCING;
    sbuf b;
    sbuf_init(&b);
    serve_api_book(&b, v, &v->sym[0], 20);
    cJSON *j = parse(&b);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "synced")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "lastUpdateId")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bids")), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "asks")), 0);
    cJSON_Delete(j);
    sbuf_free(&b);
    assert_null(serve_find_symbol(v, "ETHUSDT"));
    serve_view_free(v);
}

static void test_api_live_holds_symbols_health_and_files(void **state)
{
    (void)state;
    serve_view *v = one_book(SERVE_LEVELS);
    v->messages = 10;
    v->lines_written = 8;
    v->legs_up = 2;
    serve_files files = {2, {{"2026120416195.txt", 1234}, {"2026120416194.txt", 99}}};
    sbuf b;
    sbuf_init(&b);
    serve_api_live(&b, v, "logs \"q\"", &files);
    cJSON *j = parse(&b);
    cJSON *sym = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "symbols"), 0);
    assert_string_equal(cJSON_GetObjectItem(sym, "state")->valuestring, "live");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sym, "bids")), SERVE_LIVE_LEVELS);
    cJSON *h = cJSON_GetObjectItem(j, "health");
    assert_int_equal(cJSON_GetObjectItem(h, "messages")->valueint, 10);
    assert_int_equal(cJSON_GetObjectItem(h, "legsUp")->valueint, 2);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(h, "restWeight")));
    assert_int_equal(cJSON_GetObjectItem(h, "symbols")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(h, "synced")->valueint, 1);
    cJSON *f = cJSON_GetObjectItem(j, "files");
    assert_string_equal(cJSON_GetObjectItem(f, "dir")->valuestring, "logs \"q\"");
    cJSON *list = cJSON_GetObjectItem(f, "list");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "name")->valuestring,
                        "2026120416195.txt");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "bytes")->valueint, 1234);
    cJSON_Delete(j);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_api_live_is_bounded_however_many_symbols(void **state)
{
    (void)state;
    size_t n = 3 * SERVE_LIVE_SYMBOLS;
    serve_view *v = serve_view_new(n);
    for (size_t i = 0; i < n; i++) {
        snprintf(v->sym[i].symbol, sizeof v->sym[i].symbol, "S%zu", i);
        v->sym[i].events = 2;
        v->sym[i].resyncs = 1;
        v->sym[i].state = i % 2 ? SERVE_LIVE : SERVE_SYNCING;
    }
    serve_files files = {0};
    sbuf b;
    sbuf_init(&b);
    serve_api_live(&b, v, "logs", &files);
    cJSON *j = parse(&b);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "symbols")), SERVE_LIVE_SYMBOLS);
    cJSON *h = cJSON_GetObjectItem(j, "health");
    assert_int_equal(cJSON_GetObjectItem(h, "symbols")->valueint, (int)n);
    assert_int_equal(cJSON_GetObjectItem(h, "synced")->valueint, (int)n / 2);
    assert_int_equal(cJSON_GetObjectItem(h, "events")->valueint, (int)(2 * n));
    assert_int_equal(cJSON_GetObjectItem(h, "resyncs")->valueint, (int)n);
    cJSON_Delete(j);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_sbuf_escapes_json_strings(void **state)
{
    (void)state;
    sbuf b;
    sbuf_init(&b);
    sbuf_json_str(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    sbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_book_gives_levels_best_first_with_the_id),
        cmocka_unit_test(test_api_book_with_fewer_levels_than_asked),
        cmocka_unit_test(test_api_book_not_synced_has_no_levels),
        cmocka_unit_test(test_api_live_holds_symbols_health_and_files),
        cmocka_unit_test(test_api_live_is_bounded_however_many_symbols),
        cmocka_unit_test(test_sbuf_escapes_json_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
