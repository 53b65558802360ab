/* /metrics is well-formed Prometheus text (HELP and TYPE before every family, counters named
 * _total, one sample per series) and shows the view's figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve_metrics.h"

static serve_view *two_symbols(void)
{
    serve_view *v = serve_view_new(2);
    assert_non_null(v);
    snprintf(v->sym[0].symbol, sizeof v->sym[0].symbol, "BTCUSDT");
    v->sym[0].state = SERVE_LIVE;
    v->sym[0].id = 1005;
    v->sym[0].events = 42;
    v->sym[0].resyncs = 1;
    v->sym[0].snapshots = 2;
    v->sym[0].book_levels[0] = 7;
    v->sym[0].book_levels[1] = 9;
    snprintf(v->sym[1].symbol, sizeof v->sym[1].symbol, "ETHUSDT");
    v->sym[1].state = SERVE_SYNCING;
    v->messages = 100;
    v->records = 45;
    v->lines_written = 44;
    v->dropped_full = 3;
    v->lost_io = 1;
    v->files_opened = 6;
    return v;
}

/* The value of the sample `series` (name with labels, exactly) in the text; -1 if absent. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *l = text; *l != '\0'; l = strchr(l, '\n') + 1) {
        if (strncmp(l, series, n) == 0 && l[n] == ' ')
            return strtod(l + n + 1, NULL);
    }
    return -1;
}

/* A small parser of the exposition format: every line is HELP, TYPE or a sample; a sample's
 * family has HELP and TYPE before it; counters end in _total; no series twice. */
static void assert_well_formed(const char *text)
{
    char helped[64][64], typed[64][64], series[256][128];
    size_t nh = 0, nt = 0, ns = 0;
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    for (const char *l = text; *l != '\0'; l = strchr(l, '\n') + 1) {
        char line[512];
        size_t len = (size_t)(strchr(l, '\n') - l);
        assert_true(len < sizeof line);
        memcpy(line, l, len);
        line[len] = '\0';
        char name[128], kind[32];
        if (strncmp(line, "# HELP ", 7) == 0) {
            assert_int_equal(sscanf(line + 7, "%127s", name), 1);
            assert_true(strlen(line) > 8 + strlen(name)); /* a help text follows */
            snprintf(helped[nh++], 64, "%.63s", name);
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_int_equal(sscanf(line + 7, "%127s %31s", name, kind), 2);
            assert_true(strcmp(kind, "counter") == 0 || strcmp(kind, "gauge") == 0);
            size_t n = strlen(name);
            int total = n > 6 && strcmp(name + n - 6, "_total") == 0;
            assert_int_equal(total, strcmp(kind, "counter") == 0);
            assert_true(nh > 0 && strcmp(helped[nh - 1], name) == 0);
            snprintf(typed[nt++], 64, "%.63s", name);
        } else {
            char *sp = strrchr(line, ' ');
            assert_non_null(sp);
            char *end = NULL;
            strtod(sp + 1, &end);
            assert_true(end != NULL && *end == '\0' && end > sp + 1);
            *sp = '\0';
            size_t nlen = strcspn(line, "{");
            assert_true(nlen > 0 && nt > 0);
            assert_true(strlen(typed[nt - 1]) == nlen && strncmp(typed[nt - 1], line, nlen) == 0);
            for (const char *c = line; c < line + nlen; c++)
                assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
            if (line[nlen] == '{')
                assert_true(line[strlen(line) - 1] == '}');
            for (size_t i = 0; i < ns; i++)
                assert_string_not_equal(series[i], line);
            assert_true(ns < 256);
            snprintf(series[ns++], 128, "%.127s", line);
        }
    }
}

static void test_metrics_are_well_formed_and_per_symbol(void **state)
{
    (void)state;
    serve_view *v = two_symbols();
    sbuf b;
    sbuf_init(&b);
    serve_metrics(&b, v);
    assert_false(b.oom);
    assert_well_formed(b.p);
    assert_true(sample(b.p, "orderbook_events_total{symbol=\"BTCUSDT\"}") == 42);
    assert_true(sample(b.p, "orderbook_events_total{symbol=\"ETHUSDT\"}") == 0);
    assert_true(sample(b.p, "orderbook_resyncs_total{symbol=\"BTCUSDT\"}") == 1);
    assert_true(sample(b.p, "orderbook_snapshots_total{symbol=\"BTCUSDT\"}") == 2);
    assert_true(sample(b.p, "orderbook_book_synced{symbol=\"BTCUSDT\"}") == 1);
    assert_true(sample(b.p, "orderbook_book_synced{symbol=\"ETHUSDT\"}") == 0);
    assert_true(sample(b.p, "orderbook_book_update_id{symbol=\"BTCUSDT\"}") == 1005);
    assert_true(sample(b.p, "orderbook_book_levels{symbol=\"BTCUSDT\",side=\"ask\"}") == 9);
    assert_true(sample(b.p, "orderbook_messages_total") == 100);
    assert_true(sample(b.p, "orderbook_records_total") == 45);
    assert_true(sample(b.p, "orderbook_lines_written_total") == 44);
    assert_true(sample(b.p, "orderbook_lines_dropped_total") == 3);
    assert_true(sample(b.p, "orderbook_lines_lost_io_total") == 1);
    assert_true(sample(b.p, "orderbook_files_opened_total") == 6);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_metrics_leave_out_what_is_unknown(void **state)
{
    (void)state;
    serve_view *v = two_symbols();
    sbuf b;
    sbuf_init(&b);
    serve_metrics(&b, v);
    assert_null(strstr(b.p, "orderbook_legs_up"));
    assert_null(strstr(b.p, "orderbook_legs_wanted"));
    assert_null(strstr(b.p, "orderbook_rest_weight_used"));
    assert_null(strstr(b.p, "orderbook_bytes_written_total"));
    sbuf_free(&b);
    v->legs_up = 2;
    v->legs_wanted = 4;
    v->rest_weight = 25;
    v->bytes_written = 123456789012LL;
    serve_metrics(&b, v);
    assert_well_formed(b.p);
    assert_true(sample(b.p, "orderbook_legs_up") == 2);
    assert_true(sample(b.p, "orderbook_legs_wanted") == 4);
    assert_true(sample(b.p, "orderbook_rest_weight_used") == 25);
    assert_true(sample(b.p, "orderbook_bytes_written_total") == 123456789012.0);
    sbuf_free(&b);
    serve_view_free(v);
}

static void test_metrics_of_no_symbols_still_parse(void **state)
{
    (void)state;
    serve_view *v = serve_view_new(0);
    sbuf b;
    sbuf_init(&b);
    serve_metrics(&b, v);
    assert_well_formed(b.p);
    sbuf_free(&b);
    serve_view_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_are_well_formed_and_per_symbol),
        cmocka_unit_test(test_metrics_leave_out_what_is_unknown),
        cmocka_unit_test(test_metrics_of_no_symbols_still_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
