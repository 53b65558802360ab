/* Symbols that join a running capture (cap_add, cap_on_joined): routed, synced under the
 * capture's rule, and the symbols there before keep their places and their books. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"

typedef struct sink_log {
    char lines[16][512];
    size_t n;
    char wanted[8][24]; /* snapshot requests, in order */
    size_t n_wanted;
} sink_log;

static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    sink_log *l = ctx;
    (void)stamp_ns;
    assert_true(l->n < 16);
    snprintf(l->lines[l->n++], sizeof l->lines[0], "%.*s", (int)len, line);
}

static void want(void *ctx, const char *symbol)
{
    sink_log *l = ctx;
    assert_true(l->n_wanted < 8);
    snprintf(l->wanted[l->n_wanted++], sizeof l->wanted[0], "%s", symbol);
}

/* A futures event of `sym` (lower-case stream), ids U..u after pu, one bid. */
static void event(cap *c, const char *stream, const char *sym, int U, int u, int pu)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "{\"stream\":\"%s@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,\"T\":4,"
             "\"s\":\"%s\",\"U\":%d,\"u\":%d,\"pu\":%d,\"b\":[[\"1.5\",\"2\"]],\"a\":[]}}",
             stream, sym, U, u, pu);
    cap_on_message(c, msg, strlen(msg), 1000000000LL);
}

static void snapshot(cap *c, const char *sym, int last)
{
    char body[128];
    snprintf(body, sizeof body, "{\"lastUpdateId\":%d,\"bids\":[[\"1.0\",\"1\"]],\"asks\":[]}",
             last);
    cap_on_snapshot(c, sym, body, strlen(body), 2000000000LL);
}

static void test_capture_join_added_symbol_syncs_under_the_rule_after_joining(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSD_PERP"};
    cap *c = cap_create(syms, 1, 1, CAP_RECORD_BOOK, 1, &sink);
    cap_set_origin(c, SYNC_RULE_FUTURES, "coinm", "wss://x/stream");
    cap_on_connected(c, syms, 1, 0);
    snapshot(c, "BTCUSD_PERP", 10);
    event(c, "btcusd_perp", "BTCUSD_PERP", 8, 11, 7);
    size_t before = l->n; /* connected, snapshot, depth */
    assert_int_equal(before, 3);

    /* ADAUSD_PERP sorts first: routing is rebuilt, not appended. */
    const char *more[] = {"ADAUSD_PERP"};
    assert_false(cap_has(c, "ADAUSD_PERP"));
    assert_int_equal(cap_add(c, more, 1), 0);
    assert_true(cap_has(c, "ADAUSD_PERP"));
    assert_int_equal(cap_symbols(c), 2);
    cap_symbol_view v;
    assert_int_equal(cap_symbol_view_get(c, 1, &v), 0);
    assert_string_equal(v.name, "ADAUSD_PERP");
    assert_int_equal(v.state, CAP_DOWN);
    assert_int_equal(l->n_wanted, 1); /* nothing asked before its stream joins */

    cap_on_joined(c, more, 1);
    assert_int_equal(l->n, before); /* no connection record: no connection changed */
    assert_int_equal(l->n_wanted, 2);
    assert_string_equal(l->wanted[1], "ADAUSD_PERP");
    /* Its ids jump as futures' do (pu links them): applied only under the futures rule. */
    event(c, "adausd_perp", "ADAUSD_PERP", 40, 44, 39);
    snapshot(c, "ADAUSD_PERP", 42);
    event(c, "adausd_perp", "ADAUSD_PERP", 50, 52, 44);
    /* The symbol there before goes on with its book. */
    event(c, "btcusd_perp", "BTCUSD_PERP", 15, 16, 11);
    assert_int_equal(l->n, before + 4);
    assert_non_null(strstr(l->lines[before], "\"event\":\"snapshot\",\"s\":\"ADAUSD_PERP\""));
    assert_non_null(
        strstr(l->lines[before + 1], "\"s\":\"ADAUSD_PERP\",\"E\":5,\"U\":40,\"u\":44"));
    assert_non_null(
        strstr(l->lines[before + 2], "\"s\":\"ADAUSD_PERP\",\"E\":5,\"U\":50,\"u\":52"));
    assert_non_null(
        strstr(l->lines[before + 3], "\"s\":\"BTCUSD_PERP\",\"E\":5,\"U\":15,\"u\":16"));
    assert_int_equal(cap_symbol_view_get(c, 0, &v), 0);
    assert_string_equal(v.name, "BTCUSD_PERP");
    assert_int_equal(v.state, CAP_SYNCED);
    assert_int_equal(cap_symbol_view_get(c, 1, &v), 0);
    assert_int_equal(v.state, CAP_SYNCED);
    assert_int_equal(v.update_id, 52);
    cap_destroy(c);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_join_added_symbol_syncs_under_the_rule_after_joining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
