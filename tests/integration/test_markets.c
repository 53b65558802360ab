/*
 * The real orderbook binary against the fake Binance's futures markets: on usdm and coinm the
 * books equal the truth through ids that jump between events (only pu links them), a withheld
 * event resyncs exactly that symbol once, the snapshots come from the market's own REST path
 * (the fake answers 404 on any other), depth is read where the market serves it (USD-M:
 * /public/stream), and the connected record names the market and the URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "symbol.h"

typedef ob_run run;

/* Every depth record equals the truth, and every event of each of the n symbols is recorded or
 * folded into a snapshot: nothing lost, nothing different. Returns the depth records checked. */
static size_t assert_equal_to_truth(run *r, const tr_records *rs, char *const sym[], int n)
{
    size_t checked = ob_check_depth(r, rs);
    tr_truth t;
    ob_read_truth(r, &t);
    for (int i = 0; i < n; i++) {
        tr_account a = ob_check_symbol(r, rs, &t, sym[i]);
        assert_int_equal(a.lost, 0);
        assert_int_equal(a.mismatched, 0);
    }
    tr_truth_free(&t);
    return checked;
}

/*
 * Two symbols of `market`, event 100 of the second withheld: every depth record equals the
 * truth, every event of both is recorded or folded into a snapshot, the second resyncs
 * exactly once (gap) and the first never.
 */
static void capture_market(run *r, const char *market, const char *speed, char *const sym[2],
                           const char *url_tail)
{
    char scenario[512], setting[64], speed_setting[64];
    snprintf(scenario, sizeof scenario,
             "market %s\nsymbols %s %s\nrate 40\nevents 160\ngap %s 100\nseed 3\n", market, sym[0],
             sym[1], sym[1]);
    ob_start_server(r, "localhost", scenario);
    snprintf(setting, sizeof setting, "binance.market = %s", market);
    snprintf(speed_setting, sizeof speed_setting, "binance.speed_ms = %s", speed);
    ob_write_config(r, setting, speed_setting, NULL);
    ob_capture(r, 2, sym);

    tr_records rs;
    ob_read_records(r, &rs);
    size_t checked = assert_equal_to_truth(r, &rs, sym, 2);
    assert_true(checked > 200); /* of 320 events: the rest are folded into snapshots */
    assert_int_equal(tr_count(&rs, "resync", sym[1], "gap"), 1);
    assert_int_equal(tr_count(&rs, "resync", sym[0], NULL), 0);
    assert_int_equal(tr_count(&rs, "resync", sym[1], NULL), 1);
    tr_records_free(&rs);

    /* Every snapshot came from the market's path (any other is a 404 that never loads). */
    assert_int_equal(ob_file_count(r->fs.log, " 404\n"), 0);
    /* The connection opened where the market serves depth, and its record says so. */
    char want[128];
    snprintf(want, sizeof want, "path 1 %s", url_tail);
    if (!ob_file_contains(r->fs.log, want))
        ob_fail_with_logs(r, "no websocket on %s", url_tail);
    char port[16];
    snprintf(port, sizeof port, "%d", r->fs.port);
    char rec[256];
    snprintf(rec, sizeof rec,
             "\"event\":\"connected\",\"market\":\"%s\",\"leg\":\"a\","
             "\"url\":\"wss://localhost:%s%s\"}",
             market, port, url_tail);
    if (ob_log_count(r, rec) != 1)
        ob_fail_with_logs(r, "not one record %s", rec);
}

static void test_markets_usdm_books_equal_truth_and_a_gap_resyncs_once(void **state)
{
    capture_market(*state, "usdm", "500", (char *[]){"BTCUSDT", "ETHUSDT"}, "/public/stream");
}

static void test_markets_coinm_books_equal_truth_and_a_gap_resyncs_once(void **state)
{
    capture_market(*state, "coinm", "250", (char *[]){"BTCUSD_PERP", "ETHUSD_PERP"}, "/stream");
}

/* Every trade the server sent (its log: "trade SYMBOL ID P Q M") is recorded exactly once,
 * with the exact strings, and nothing else is; the books equal the truth. */
static void assert_trades_recorded_once(run *r, int sent)
{
    tr_records rs;
    ob_read_records(r, &rs);
    ob_check_depth(r, &rs);
    assert_int_equal(tr_count(&rs, "trade", NULL, NULL), (size_t)sent);
    tr_records_free(&rs);
    for (int k = 1; k <= sent; k++) {
        char *line = fake_log_line(&r->fs, "trade", k);
        char s[32], p[32], q[32], m[8];
        unsigned long long id;
        assert_int_equal(sscanf(line, "trade %31s %llu %31s %31s %7s", s, &id, p, q, m), 5);
        free(line);
        char want[256];
        snprintf(want, sizeof want, "\"t\":%llu,\"p\":\"%s\",\"q\":\"%s\",\"m\":%s}", id, p, q, m);
        if (ob_log_count(r, want) != 1)
            ob_fail_with_logs(r, "trade %s %llu: not recorded once as %s", s, id, want);
    }
}

/*
 * trades = on: every trade the server sent (its log: "trade SYMBOL ID P Q M") is recorded
 * exactly once, with the exact strings, and nothing else is; the trade streams ride their own
 * connection (on USD-M /market/stream) while the books stay equal to the truth.
 */
static void capture_trades(run *r, const char *market, char *const sym[2], const char *path)
{
    char scenario[256], setting[64];
    snprintf(scenario, sizeof scenario, "market %s\nsymbols %s %s\nrate 40\nevents 60\ntrades 3\n",
             market, sym[0], sym[1]);
    ob_start_server(r, "localhost", scenario);
    snprintf(setting, sizeof setting, "binance.market = %s", market);
    ob_write_config(r, setting, "binance.trades = on", NULL);
    ob_start(r, NULL, 2, sym);
    ob_wait_captured(r, sym, 2, 60);
    int sent = fake_log_count(&r->fs, "trade");
    assert_int_equal(sent, 40); /* 60 events / 3, two symbols */
    ob_wait_for_records(r, "trade", NULL, (size_t)sent, 30);
    assert_int_equal(ob_stop(r, 30), 0);

    assert_trades_recorded_once(r, sent);
    /* Two connections: the books' and the trades' (on its market's path). */
    assert_int_equal(fake_log_count(&r->fs, "ws"), 2);
    char want[64];
    snprintf(want, sizeof want, " %s\n", path);
    if (!ob_file_contains(r->fs.log, want))
        ob_fail_with_logs(r, "no trade connection on %s", path);
}

static void test_markets_spot_trades_equal_what_was_sent(void **state)
{
    capture_trades(*state, "spot", (char *[]){"BTCUSDT", "ETHUSDT"}, "/stream");
}

static void test_markets_usdm_trades_equal_what_was_sent(void **state)
{
    capture_trades(*state, "usdm", (char *[]){"BTCUSDT", "ETHUSDT"}, "/market/stream");
}

/* Trade connections are replaced make-before-break too (here every 3 s on USD-M, where trades
 * have their own /market connection): the overlap brings trades twice, and each is still
 * recorded once; none goes missing across the replacements. */
static void test_markets_trade_connection_replaced_records_each_trade_once(void **state)
{
    run *r = *state;
    char *sym[2] = {"BTCUSDT", "ETHUSDT"};
    ob_start_server(r, "localhost",
                    "market usdm\nsymbols BTCUSDT ETHUSDT\nrate 40\nevents 400\ntrades 2\n");
    ob_write_config(r, "binance.market = usdm", "binance.trades = on",
                    "binance.max_connection_age_s = 3", NULL);
    ob_start(r, NULL, 2, sym);
    ob_wait_captured(r, sym, 2, 60);
    int sent = fake_log_count(&r->fs, "trade");
    assert_int_equal(sent, 400); /* 400 events / 2, two symbols */
    ob_wait_for_records(r, "trade", NULL, (size_t)sent, 30);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_trades_recorded_once(r, sent);
    /* The trade connection was replaced (its first and at least one more connected), and the
     * overlap did bring trades twice: what is being proven did happen. */
    size_t trade_conns = ob_log_count(r, "/market/stream\"");
    print_message("%zu trade connections, %zu replacements on age\n", trade_conns,
                  ob_log_count(r, "\"reason\":\"replaced: max_connection_age_s\""));
    assert_true(trade_conns >= 2);
    assert_true(ob_file_contains(r->err, " 0 ids never received"));
    assert_false(ob_file_contains(r->err, " 0 received twice"));
}

/* legs = 2: every trade stream is on both legs, so when leg a's trade connection is cut (no
 * close frame, no replacement ready), leg b still brings every trade, and each is recorded
 * once. With trades on one leg only, the trades sent while it reconnected were lost. */
static void test_markets_trade_connection_cut_on_one_leg_loses_no_trade(void **state)
{
    run *r = *state;
    char *sym[2] = {"BTCUSDT", "ETHUSDT"};
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\nrate 40\nevents 400\ntrades 2\nlegs\n"
                    "trade-cut a 40\n");
    ob_write_config(r, "binance.legs = 2", "binance.trades = on", NULL);
    ob_start(r, NULL, 2, sym);
    ob_wait_captured(r, sym, 2, 60);
    int sent = fake_log_count(&r->fs, "trade");
    assert_int_equal(sent, 400);
    ob_wait_for_records(r, "trade", NULL, (size_t)sent, 30);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_int_equal(fake_log_count(&r->fs, "tradecut"), 1);
    assert_trades_recorded_once(r, sent);
    assert_true(ob_file_contains(r->err, " 0 ids never received"));
    /* Both legs carried trades: a trade connection came up on each, leg a's twice. */
    assert_int_equal(ob_log_count(r, "\"leg\":\"a\",\"url\":\"wss://localhost"), 3);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The names of a stopped run's summary, sorted, space separated. */
static void summary_names(run *r, char *out, size_t len)
{
    ob_summary sum;
    ob_read_summary(r, &sum);
    char names[OB_SUMMARY_SYMBOLS][24];
    int n = sum.n_sym;
    for (int i = 0; i < n; i++)
        snprintf(names[i], sizeof names[i], "%s", sum.sym[i].s);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", names[i]);
}

#define ALL_SCENARIO                                                                               \
    "symbols BTCUSDT ETHUSDT BNBBTC XYZUSDT\nstatus XYZUSDT BREAK\nrate 40\nevents 40\n"

/* --all captures exactly the symbols exchangeInfo lists as TRADING: never the one on BREAK. */
static void test_markets_all_captures_exactly_the_trading_symbols(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", ALL_SCENARIO);
    ob_write_config(r, NULL);
    char *args[] = {"-q", "-c", r->conf, "--all", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_captured(r, (char *[]){"BNBBTC", "BTCUSDT", "ETHUSDT"}, 3, 60);
    assert_int_equal(ob_stop(r, 30), 0);
    char names[256];
    summary_names(r, names, sizeof names);
    assert_string_equal(names, "BNBBTC BTCUSDT ETHUSDT");
    /* XYZUSDT was never asked for: 3 streams subscribed, exchangeInfo and 3 snapshots. */
    int streams = 0;
    for (int k = 1; k <= fake_log_count(&r->fs, "sub"); k++) {
        char *line = fake_log_line(&r->fs, "sub", k);
        int added = 0;
        assert_int_equal(sscanf(line, "sub %*d %*d %d", &added), 1);
        streams += added;
        free(line);
    }
    assert_int_equal(streams, 3);
    assert_int_equal(ob_file_count(r->fs.log, "rest "), 4);
    assert_int_equal(ob_file_count(r->fs.log, " XYZUSDT 200"), 0);
    assert_true(ob_file_contains(r->err, "--all: 3 of the 3 symbols TRADING on spot"));
    tr_records rs;
    ob_read_records(r, &rs);
    ob_check_depth(r, &rs);
    assert_int_equal(tr_count(&rs, "depth", "XYZUSDT", NULL), 0);
    tr_records_free(&rs);
}

/* --all=USDT keeps the TRADING symbols quoted in USDT. */
static void test_markets_all_quote_keeps_that_quote_only(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost", ALL_SCENARIO);
    ob_write_config(r, NULL);
    char *args[] = {"-q", "-c", r->conf, "--all=usdt", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_captured(r, (char *[]){"BTCUSDT", "ETHUSDT"}, 2, 60);
    assert_int_equal(ob_stop(r, 30), 0);
    char names[256];
    summary_names(r, names, sizeof names);
    assert_string_equal(names, "BTCUSDT ETHUSDT");
    assert_true(
        ob_file_contains(r->err, "--all: 2 of the 2 symbols TRADING on spot quoted in USDT"));
}

/* --all --shard 1/3, 2/3, 3/3 against the same exchange: disjoint, and together every TRADING
 * symbol (each shard's share is the FNV-1a rule's, which test_symbol checks). */
static void test_markets_all_shards_are_disjoint_and_complete(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT BNBUSDT XRPUSDT ADAUSDT SOLUSDT DOGEUSDT ETHBTC "
                    "BNBBTC OFFUSDT\nstatus OFFUSDT BREAK\nrate 10\nevents 20\n");
    ob_write_config(r, NULL);
    char all[512] = "";
    int total = 0;
    for (int i = 1; i <= 3; i++) {
        char shard[8];
        snprintf(shard, sizeof shard, "%d/3", i);
        char *args[] = {"-c", r->conf, "--all", "--shard", shard, NULL};
        unlink(r->err); /* the last run's text must not pass for this one's */
        ob_spawn(r, args, NULL);
        ob_wait_for_text(r, r->err, "capturing ", 30); /* signals are handled from here on */
        int st = ob_stop(r, 30);
        if (st != 0)
            ob_fail_with_logs(r, "--all --shard %s: exit %d", shard, st);
        char names[256];
        summary_names(r, names, sizeof names);
        for (char *w = strtok(names, " "); w != NULL; w = strtok(NULL, " ")) {
            char padded[32];
            snprintf(padded, sizeof padded, " %s ", w);
            if (strstr(all, padded) != NULL)
                fail_msg("%s is in two shards", w);
            snprintf(all + strlen(all), sizeof all - strlen(all), " %s ", w);
            assert_true(sym_in_shard(w, (unsigned)i, 3));
            total++;
        }
    }
    assert_int_equal(total, 9);
    assert_null(strstr(all, "OFFUSDT"));
}

/* With --all, a symbol delisted while orderbook runs ends with one removed record (at the
 * next reading of exchangeInfo) and nothing after it; the others go on. */
static void test_markets_all_delisted_symbol_ends_with_removed(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT\ndelist ETHUSDT 2\nrate 20\nevents 120\n");
    ob_write_config(r, "binance.exchange_info_s = 1", NULL);
    char *args[] = {"-q", "-c", r->conf, "--all", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_records(r, "removed", "ETHUSDT", 1, 30);
    ob_wait_captured(r, (char *[]){"BTCUSDT"}, 1, 60);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_true(ob_file_contains(r->err, "ETHUSDT: no longer TRADING on spot: removed"));
    assert_int_equal(ob_log_count(r, "\"event\":\"removed\",\"s\":\"ETHUSDT\",\"reason\":"
                                     "\"no longer TRADING\"}"),
                     1);
    tr_records rs;
    ob_read_records(r, &rs);
    ob_check_depth(r, &rs);
    assert_int_equal(tr_count(&rs, "removed", NULL, NULL), 1);
    int gone = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const tr_record *x = &rs.r[i];
        if (strcmp(x->s, "ETHUSDT") != 0)
            continue;
        if (strcmp(x->event, "removed") == 0)
            gone = 1;
        else if (gone)
            fail_msg("ETHUSDT %s record after its removed record", x->event);
    }
    assert_true(gone);
    assert_true(tr_count(&rs, "depth", "ETHUSDT", NULL) > 0); /* captured before it left */
    tr_records_free(&rs);
}

/* The re-read goes through the snapshots' REST client: an exchangeInfo answered 503 is said
 * as that client says a failed request, retried with backoff, and the reading that comes
 * through still ends the delisted symbol; the re-reads kept coming (one a second here). */
static void test_markets_all_reread_failure_is_retried(void **state)
{
    run *r = *state;
    ob_start_server(
        r, "localhost",
        "symbols BTCUSDT ETHUSDT\ndelist ETHUSDT 2\nexinfo503 2\nrate 20\nevents 120\n");
    ob_write_config(r, "binance.exchange_info_s = 1", NULL);
    char *args[] = {"-q", "-c", r->conf, "--all", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_records(r, "removed", "ETHUSDT", 1, 30);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_int_equal(ob_file_count(r->fs.log, " exchangeInfo 503\n"), 2);
    assert_true(ob_file_count(r->fs.log, " exchangeInfo 200\n") >= 2); /* the start, a re-read */
    if (ob_file_count(r->err, "exchangeInfo: HTTP 503 from localhost: ") != 2)
        ob_fail_with_logs(r, "the two 503s were not said as the REST client says them");
    assert_true(ob_file_contains(r->err, "; retrying in "));
    assert_false(ob_file_contains(r->err, "reading exchangeInfo again"));
    assert_int_equal(ob_log_count(r, "\"event\":\"removed\",\"s\":\"ETHUSDT\""), 1);
}

/*
 * With --all, a symbol listed while orderbook runs (NEWUSDT, 2 s in) joins the capture at the
 * next reading of exchangeInfo (every second here, under `settings`): its streams are
 * subscribed on the running connections, its snapshot fetched, its book equals the truth from
 * there without a loss, and the summary names it.
 */
static void capture_new_listing(run *r, const char *scenario, const char *s1, const char *s2)
{
    ob_start_server(r, "localhost", scenario);
    ob_write_config(r, "binance.exchange_info_s = 1", s1, s2, NULL);
    char *args[] = {"-q", "-c", r->conf, "--all", NULL};
    ob_spawn(r, args, NULL);
    char *all[] = {"BTCUSDT", "ETHUSDT", "NEWUSDT"};
    ob_wait_captured(r, all, 3, 60);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_true(ob_file_contains(r->err, "--all: 2 of the 2 symbols TRADING on spot"));
    assert_true(ob_file_contains(r->err, "NEWUSDT: listed TRADING on spot: capturing it"));
    char names[256];
    summary_names(r, names, sizeof names);
    assert_string_equal(names, "BTCUSDT ETHUSDT NEWUSDT");
    tr_records rs;
    ob_read_records(r, &rs);
    assert_equal_to_truth(r, &rs, all, 3);
    assert_true(tr_count(&rs, "snapshot", "NEWUSDT", NULL) >= 1);
    assert_true(tr_count(&rs, "depth", "NEWUSDT", NULL) > 0);
    tr_records_free(&rs);
}

/* One leg, no trades: the new stream joins the one connection (no second one opens). */
static void test_markets_all_new_listing_joins_the_capture(void **state)
{
    run *r = *state;
    capture_new_listing(r, "symbols BTCUSDT ETHUSDT NEWUSDT\nlist NEWUSDT 2\nrate 20\nevents 160\n",
                        NULL, NULL);
    assert_int_equal(fake_log_count(&r->fs, "ws"), 1);
    tr_records rs;
    ob_read_records(r, &rs);
    assert_int_equal(tr_count(&rs, "snapshot", "NEWUSDT", NULL), 1);
    assert_int_equal(tr_count(&rs, "resync", "NEWUSDT", NULL), 0);
    tr_records_free(&rs);
}

/* Two legs and trade streams: the new symbol joins the depth and the trade connection of
 * each leg, and its trades are recorded too. */
static void test_markets_all_new_listing_joins_both_legs_and_trades(void **state)
{
    run *r = *state;
    capture_new_listing(
        r, "symbols BTCUSDT ETHUSDT NEWUSDT\nlist NEWUSDT 2\nrate 20\nevents 160\ntrades 4\n",
        "binance.legs = 2", "binance.trades = on");
    assert_int_equal(fake_log_count(&r->fs, "ws"), 4); /* depth and trades on each leg: no more */
    tr_records rs;
    ob_read_records(r, &rs);
    assert_true(tr_count(&rs, "trade", "NEWUSDT", NULL) > 0);
    tr_records_free(&rs);
}

/* A joining stream the server refuses is named alone (the SUBSCRIBE that carried it, not the
 * connection's first); the others go on. */
static void test_markets_all_new_listing_refused_is_named(void **state)
{
    run *r = *state;
    ob_start_server(r, "localhost",
                    "symbols BTCUSDT ETHUSDT NEWUSDT\nlist NEWUSDT 2\nrate 20\nevents 60\n"
                    "refuse NEWUSDT\n");
    ob_write_config(r, "binance.exchange_info_s = 1", NULL);
    char *args[] = {"-q", "-c", r->conf, "--all", NULL};
    ob_spawn(r, args, NULL);
    ob_wait_for_text(r, r->err, "refused the streams", 30);
    ob_wait_captured(r, (char *[]){"BTCUSDT", "ETHUSDT"}, 2, 60);
    assert_int_equal(ob_stop(r, 30), 0);
    assert_true(ob_file_contains(r->err, "refused the streams newusdt@depth@100ms: "));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_markets_usdm_books_equal_truth_and_a_gap_resyncs_once),
        T(test_markets_coinm_books_equal_truth_and_a_gap_resyncs_once),
        T(test_markets_spot_trades_equal_what_was_sent),
        T(test_markets_usdm_trades_equal_what_was_sent),
        T(test_markets_trade_connection_replaced_records_each_trade_once),
        T(test_markets_trade_connection_cut_on_one_leg_loses_no_trade),
        T(test_markets_all_captures_exactly_the_trading_symbols),
        T(test_markets_all_quote_keeps_that_quote_only),
        T(test_markets_all_shards_are_disjoint_and_complete),
        T(test_markets_all_delisted_symbol_ends_with_removed),
        T(test_markets_all_reread_failure_is_retried),
        T(test_markets_all_new_listing_joins_the_capture),
        T(test_markets_all_new_listing_joins_both_legs_and_trades),
        T(test_markets_all_new_listing_refused_is_named),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
