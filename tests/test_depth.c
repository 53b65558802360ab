/* Depth messages: valid frames parse whole; every hostile shape is refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "depth.h"

#define FRAME(data) "{\"stream\":\"btcusdt@depth@100ms\",\"data\":" data "}"
#define GOOD_DATA                                                                                  \
    "{\"e\":\"depthUpdate\",\"E\":1633942800123,\"s\":\"BTCUSDT\",\"U\":157,\"u\":160,"            \
    "\"b\":[[\"0.0024\",\"10\"],[\"0.0023\",\"0.00000000\"]],\"a\":[[\"0.0026\",\"100\"]]}"

static depth_parser parser;

static depth_kind parse(const char *text, depth_msg *m)
{
    return depth_parse_message(&parser, text, strlen(text), m);
}

static void test_depth_valid_frame_parses_every_field(void **state)
{
    (void)state;
    depth_msg m;
    assert_int_equal(parse(FRAME(GOOD_DATA), &m), DEPTH_UPDATE);
    assert_string_equal(m.stream, "btcusdt@depth@100ms");
    assert_string_equal(m.ev.symbol, "BTCUSDT");
    assert_true(m.ev.event_ms == 1633942800123LL);
    assert_true(m.ev.first_id == 157 && m.ev.last_id == 160);
    assert_int_equal(m.ev.n_bids, 2);
    assert_int_equal(m.ev.n_asks, 1);
    assert_string_equal(m.ev.bids[0].px, "0.0024");
    assert_true(m.ev.bids[0].price == 240000);
    assert_false(m.ev.bids[0].qty_is_zero);
    assert_true(m.ev.bids[1].qty_is_zero);
    depth_msg_free(&m);
    /* The raw (uncombined) form parses too. */
    assert_int_equal(parse(GOOD_DATA, &m), DEPTH_UPDATE);
    depth_msg_free(&m);
}

static void test_depth_hostile_frames_are_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "not json",
        "[1,2,3]",
        "\"a string\"",
        FRAME(GOOD_DATA) "trailing",
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":",
        "{\"stream\":7,\"data\":" GOOD_DATA "}",
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":[]}",
        FRAME("{\"e\":\"trade\",\"s\":\"BTCUSDT\"}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":\"1\",\"u\":2,\"b\":[],"
              "\"a\":[]}"),
        FRAME(
            "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":3,\"u\":2,\"b\":[],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":-1,\"u\":2,\"b\":[],"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1.5,\"u\":2,\"b\":[],"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":1e300,\"b\":[],"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"btc usdt\",\"U\":1,\"u\":2,\"b\":[],"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":5,\"U\":1,\"u\":2,\"b\":[],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":\"x\",\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":{},"
              "\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[[\"1\",\"2\",\"3\"]],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[[\"1\"]],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[[1,2]],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[\"1\",\"2\"],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[[\"1\",\"-2\"]],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],"
              "\"a\":[[\"1e3\",\"2\"]]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],"
              "\"a\":[[\"1\",\"2\"],null]}"),
        /* cJSON turns \u0000 into a NUL that would end the price at "1". */
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
              "\"b\":[[\"1\\u0000.5\",\"2\"]],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\\u0000\",\"U\":1,\"u\":2,"
              "\"b\":[],\"a\":[]}"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        depth_msg m;
        if (parse(bad[i], &m) != DEPTH_MALFORMED)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(m.error);
        depth_msg_free(&m);
    }
    depth_msg m;
    assert_int_equal(depth_parse_message(&parser, FRAME(GOOD_DATA), 20, &m), DEPTH_MALFORMED);
    depth_msg_free(&m);
    /* A raw NUL in a key is not JSON: cJSON would read "s\0" as "s", and the replay of the
     * frame (recorded as a string) would not (found by fuzz_replay). */
    static const char nul_key[] = FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\0\":\"BTCUSDT\","
                                        "\"U\":1,\"u\":2,\"b\":[],\"a\":[]}");
    assert_int_equal(depth_parse_message(&parser, nul_key, sizeof nul_key - 1, &m),
                     DEPTH_MALFORMED);
    depth_msg_free(&m);
}

static void test_depth_classifies_other_messages(void **state)
{
    (void)state;
    depth_msg m;
    assert_int_equal(parse("{\"result\":null,\"id\":1}", &m), DEPTH_METHOD_RESPONSE);
    depth_msg_free(&m);
    assert_int_equal(parse("{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\"}}", &m),
                     DEPTH_OTHER);
    assert_string_equal(m.stream, "btcusdt@kline_1m");
    depth_msg_free(&m);
    assert_int_equal(parse("{\"e\":\"serverShutdown\",\"E\":1}", &m), DEPTH_SERVER_SHUTDOWN);
    depth_msg_free(&m);
    assert_int_equal(parse("{\"stream\":\"x\",\"data\":{\"e\":\"serverShutdown\"}}", &m),
                     DEPTH_SERVER_SHUTDOWN);
    depth_msg_free(&m);
}

static void test_depth_snapshot_parses_and_refuses(void **state)
{
    (void)state;
    const char *good = "{\"lastUpdateId\":160,\"bids\":[[\"0.0024\",\"14.7\"]],"
                       "\"asks\":[[\"0.0026\",\"3.6\"],[\"0.0027\",\"1\"]]}";
    depth_snapshot s;
    const char *why = NULL;
    assert_int_equal(depth_parse_snapshot(&parser, good, strlen(good), &s, &why), 0);
    assert_true(s.last_id == 160);
    assert_int_equal(s.n_bids, 1);
    assert_int_equal(s.n_asks, 2);
    assert_string_equal(s.asks[1].px, "0.0027");
    depth_snapshot_free(&s);
    const char *bad[] = {"",
                         "{}",
                         "{\"lastUpdateId\":\"1\",\"bids\":[],\"asks\":[]}",
                         "{\"lastUpdateId\":1,\"bids\":[[\"a\",\"1\"]],\"asks\":[]}",
                         "{\"lastUpdateId\":1,\"bids\":[]}",
                         "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
                         "{\"lastUpdateId\":1,\"bids\":[[\"2\\u0000\",\"1\"]],\"asks\":[]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(depth_parse_snapshot(&parser, bad[i], strlen(bad[i]), &s, &why), -1);
        assert_non_null(why);
    }
}

static int teardown(void **state)
{
    (void)state;
    depth_parser_free(&parser);
    return 0;
}

/* Futures events carry "pu" (and "T", "ps", which are ignored); spot events have none. */
static void test_depth_futures_frame_parses_pu(void **state)
{
    (void)state;
    depth_msg m;
    assert_int_equal(parse(FRAME(GOOD_DATA), &m), DEPTH_UPDATE);
    assert_false(m.ev.has_prev);
    depth_msg_free(&m);
    const char *fut = "{\"stream\":\"btcusd_perp@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
                      "\"E\":1591270260907,\"T\":1591270260891,\"s\":\"BTCUSD_PERP\",\"ps\":"
                      "\"BTCUSD\",\"U\":17285681,\"u\":17285702,\"pu\":17285675,\"b\":[[\"9517.6\","
                      "\"10\"]],\"a\":[]}}";
    assert_int_equal(parse(fut, &m), DEPTH_UPDATE);
    assert_string_equal(m.ev.symbol, "BTCUSD_PERP");
    assert_true(m.ev.has_prev);
    assert_true(m.ev.prev_id == 17285675);
    assert_true(m.ev.first_id == 17285681 && m.ev.last_id == 17285702);
    depth_msg_free(&m);
    const char *bad[] = {
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":5,\"u\":6,\"pu\":\"4\","
              "\"b\":[],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":5,\"u\":6,\"pu\":-1,"
              "\"b\":[],\"a\":[]}"),
        FRAME("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":5,\"u\":6,\"pu\":4.5,"
              "\"b\":[],\"a\":[]}"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], &m), DEPTH_MALFORMED);
        depth_msg_free(&m);
    }
}

/* Spot @trade and futures @aggTrade events parse whole, strings as sent; bad ones are
 * refused whole. */
static void test_depth_trades_parse_with_their_exact_strings(void **state)
{
    (void)state;
    depth_msg m;
    assert_int_equal(parse("{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":17,"
                           "\"s\":\"BTCUSDT\",\"t\":12345,\"p\":\"37000.01000000\",\"q\":"
                           "\"0.50000000\",\"T\":16,\"m\":true,\"M\":true}}",
                           &m),
                     DEPTH_TRADE);
    assert_string_equal(m.tr.symbol, "BTCUSDT");
    assert_true(m.tr.id == 12345 && m.tr.event_ms == 17 && m.tr.trade_ms == 16);
    assert_string_equal(m.tr.px, "37000.01000000");
    assert_string_equal(m.tr.qty, "0.50000000");
    assert_true(m.tr.buyer_maker);
    depth_msg_free(&m);
    assert_int_equal(parse("{\"stream\":\"btcusd_perp@aggTrade\",\"data\":{\"e\":\"aggTrade\","
                           "\"E\":5,\"s\":\"BTCUSD_PERP\",\"a\":99,\"p\":\"9517.6\",\"q\":\"10\","
                           "\"f\":1,\"l\":3,\"T\":4,\"m\":false}}",
                           &m),
                     DEPTH_TRADE);
    assert_true(m.tr.id == 99);
    assert_false(m.tr.buyer_maker);
    assert_string_equal(m.tr.px, "9517.6");
    depth_msg_free(&m);
    const char *bad[] = {
        "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":\"1\",\"p\":\"1\",\"q\":\"1\","
        "\"T\":1,\"m\":true}",
        "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":1.5,\"q\":\"1\",\"T\":1,"
        "\"m\":true}",
        "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"x\",\"q\":\"1\",\"T\":1,"
        "\"m\":true}",
        "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,"
        "\"m\":1}",
        "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,"
        "\"m\":true}",
        "{\"e\":\"trade\",\"E\":1,\"s\":\"btc usdt\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,"
        "\"m\":true}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], &m), DEPTH_MALFORMED);
        depth_msg_free(&m);
    }
}

/* ---- the plain layout read without a tree agrees with cJSON ---- */

/* One message's outcome, everything a caller may read, as text. */
static void outcome(depth_parser *p, const char *text, size_t len, char *out, size_t cap)
{
    depth_msg m;
    depth_kind k = depth_parse_message(p, text, len, &m);
    int n = snprintf(out, cap, "kind=%d json=%d error=%s stream=%s", (int)k, m.json,
                     m.error ? m.error : "-", m.stream ? m.stream : "-");
    if (k == DEPTH_UPDATE) {
        const depth_event *e = &m.ev;
        n += snprintf(out + n, cap - (size_t)n, " s=%s E=%lld U=%llu u=%llu pu=%d/%llu", e->symbol,
                      (long long)e->event_ms, (unsigned long long)e->first_id,
                      (unsigned long long)e->last_id, e->has_prev, (unsigned long long)e->prev_id);
        for (size_t i = 0; i < e->n_bids + e->n_asks && (size_t)n < cap; i++) {
            const depth_level *l = i < e->n_bids ? &e->bids[i] : &e->asks[i - e->n_bids];
            assert_int_equal(strlen(l->px), l->px_len);
            assert_int_equal(strlen(l->qty), l->qty_len);
            n += snprintf(out + n, cap - (size_t)n, " %c%s/%s/%lld/%d", i < e->n_bids ? 'b' : 'a',
                          l->px, l->qty, (long long)l->price, l->qty_is_zero);
        }
    }
    depth_msg_free(&m);
}

/* The text as depth_parse_message reads it, and with a space in front (the same JSON, which
 * always goes through cJSON): the same outcome. */
static void same_outcome(depth_parser *plain, depth_parser *tree, const char *text, size_t len)
{
    char spaced[1024], a[4096], b[4096];
    assert_true(len + 1 <= sizeof spaced);
    spaced[0] = ' ';
    memcpy(spaced + 1, text, len);
    outcome(plain, text, len, a, sizeof a);
    outcome(tree, spaced, len + 1, b, sizeof b);
    if (strcmp(a, b) != 0)
        fail_msg("%.*s\n  read plain: %s\n  via cJSON:  %s", (int)len, text, a, b);
}

static void test_depth_plain_layout_agrees_with_cjson(void **state)
{
    (void)state;
    static const char *const frames[] = {
        FRAME(GOOD_DATA),
        "{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"T\":2,"
        "\"s\":\"BTCUSDT\",\"U\":0,\"u\":999999999999999,\"pu\":7,\"b\":[],\"a\":[[\"1.00000000\","
        "\"0\"]],\"x\":\"y\"}}",
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\","
        "\"U\":5,\"u\":5,\"b\":[[\"12345678901.5\",\"1\"]],\"a\":[]}}",
    };
    static const char subst[] = "\"\\0019,:[]{} x-.eEpu";
    depth_parser plain, tree;
    depth_parser_init(&plain);
    depth_parser_init(&tree);
    char buf[1024];
    for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
        const char *t = frames[f];
        size_t len = strlen(t);
        same_outcome(&plain, &tree, t, len);
        for (size_t i = 0; i <= len; i++) {
            /* Every byte left out, every byte replaced, a byte put in before every byte. */
            memcpy(buf, t, i);
            memcpy(buf + i, t + i + (i < len), len - i - (i < len));
            same_outcome(&plain, &tree, buf, len - (i < len));
            for (size_t c = 0; c < sizeof subst; c++) {
                memcpy(buf, t, len);
                buf[i] = subst[c];
                if (i < len)
                    same_outcome(&plain, &tree, buf, len);
                memcpy(buf, t, i);
                buf[i] = subst[c];
                memcpy(buf + i + 1, t + i, len - i);
                same_outcome(&plain, &tree, buf, len + 1);
            }
        }
        /* Every prefix: a message cut short. */
        for (size_t n = 0; n < len; n++)
            same_outcome(&plain, &tree, t, n);
    }
    depth_parser_free(&plain);
    depth_parser_free(&tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_valid_frame_parses_every_field),
        cmocka_unit_test(test_depth_hostile_frames_are_malformed),
        cmocka_unit_test(test_depth_classifies_other_messages),
        cmocka_unit_test(test_depth_snapshot_parses_and_refuses),
        cmocka_unit_test(test_depth_futures_frame_parses_pu),
        cmocka_unit_test(test_depth_trades_parse_with_their_exact_strings),
        cmocka_unit_test(test_depth_plain_layout_agrees_with_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
