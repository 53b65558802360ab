/* The whole pipeline: messages and snapshots in, records out; and a replay of a real
 * Binance capture whose every depth record is checked against an independent book. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "capture.h"
#include "record.h"
#include "test_util.h"

#define MAX_LINES 20000

typedef struct sink_log {
    char *lines[MAX_LINES];
    int64_t stamps[MAX_LINES]; /* what the sink was told each record's time is */
    size_t n;
    char wanted[64][24]; /* snapshot requests, in order */
    size_t n_wanted;
} sink_log;

/* Every record's stamp, which picks its file, is the time its ts says (all tests are UTC). */
static void emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    sink_log *l = ctx;
    assert_true(l->n < MAX_LINES);
    static rec_writer w;
    static int ready;
    if (!ready)
        rec_init(&w, 1, 1);
    ready = 1;
    char ts[REC_TS_MAX], want[REC_TS_MAX + 16];
    rec_timestamp(&w, stamp_ns, ts);
    snprintf(want, sizeof want, "{\"ts\":\"%s\"", ts);
    assert_memory_equal(line, want, strlen(want));
    l->lines[l->n] = strndup(line, len);
    l->stamps[l->n] = stamp_ns;
    l->n++;
}

static void want(void *ctx, const char *symbol)
{
    sink_log *l = ctx;
    if (l->n_wanted < 64)
        snprintf(l->wanted[l->n_wanted++], 24, "%s", symbol);
}

static void log_free(sink_log *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lines[i]);
    free(l);
}

static void message(cap *c, const char *text)
{
    cap_on_message(c, text, strlen(text), 1000000000LL);
}

static void test_capture_routes_symbols_and_records_in_order(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"ETHUSDT", "BTCUSDT"};
    cap *c = cap_create(syms, 2, 1, CAP_RECORD_BOOK, 1, &sink);
    cap_on_connected(c, syms, 2, 0);
    assert_int_equal(l->n_wanted, 2);
    message(c, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,"
               "\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,\"b\":[[\"1.5\",\"2\"]],\"a\":[]}}");
    message(c, "{\"result\":null,\"id\":1}");
    message(c, "garbage");
    message(c, "{\"stream\":\"xrpusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,"
               "\"s\":\"XRPUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}");
    const char *snap = "{\"lastUpdateId\":10,\"bids\":[[\"1.0\",\"1\"]],\"asks\":[[\"2\",\"3\"]]}";
    cap_on_snapshot(c, "BTCUSDT", snap, strlen(snap), 2000000000LL);
    const cap_counters *k = cap_counts(c);
    assert_int_equal(k->messages, 4);
    assert_int_equal(k->method_responses, 1);
    assert_int_equal(k->malformed, 1);
    assert_int_equal(k->unknown_symbol, 1);
    assert_int_equal(l->n, 3);
    assert_string_equal(l->lines[0],
                        "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"event\":\"connected\"}");
    assert_string_equal(l->lines[1], "{\"ts\":\"1970-01-01T00:00:02.000000Z\",\"event\":"
                                     "\"snapshot\",\"s\":\"BTCUSDT\",\"lastUpdateId\":10,"
                                     "\"bids\":[[\"1.0\",\"1\"]],\"asks\":[[\"2\",\"3\"]]}");
    /* The buffered event keeps its own receive time, for its ts and for its file. */
    assert_int_equal(l->stamps[1], 2000000000LL);
    assert_int_equal(l->stamps[2], 1000000000LL);
    assert_string_equal(l->lines[2], "{\"ts\":\"1970-01-01T00:00:01.000000Z\",\"event\":\"depth\","
                                     "\"s\":\"BTCUSDT\",\"E\":5,\"U\":11,\"u\":12,\"bids\":"
                                     "[[\"1.5\",\"2\"]],\"asks\":[[\"2\",\"3\"]]}");
    cap_symbol_view v;
    assert_int_equal(cap_symbol_view_get(c, 1, &v), 0);
    assert_string_equal(v.name, "BTCUSDT");
    assert_int_equal(v.state, CAP_SYNCED);
    assert_int_equal(v.applied, 1);
    assert_string_equal(v.best_bid, "1.5");
    assert_string_equal(v.best_ask, "2");
    assert_int_equal(v.bids, 2);
    assert_int_equal(v.asks, 1);
    assert_int_equal(cap_symbol_view_get(c, 0, &v), 0);
    assert_string_equal(v.name, "ETHUSDT");
    assert_int_equal(v.state, CAP_SYNCING);
    assert_string_equal(v.best_bid, "-");
    assert_int_equal(cap_symbol_view_get(c, 2, &v), -1);
    cap_destroy(c);
    log_free(l);
}

static void test_capture_bad_snapshot_is_asked_for_again_and_rejected_symbol_stays_out(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSDT"};
    cap *c = cap_create(syms, 1, 1, CAP_RECORD_BOOK, 1, &sink);
    cap_on_connected(c, syms, 1, 0);
    assert_int_equal(l->n_wanted, 1);
    cap_on_snapshot(c, "BTCUSDT", "{\"lastUpdateId\":", 15, 0);
    assert_int_equal(l->n_wanted, 2);
    assert_int_equal(cap_counts(c)->bad_snapshots, 1);
    cap_on_rejected(c, "BTCUSDT");
    cap_symbol_view v;
    cap_symbol_view_get(c, 0, &v);
    assert_int_equal(v.state, CAP_REJECTED);
    /* A reconnect does not ask for it again, and its events are not recorded. */
    cap_on_disconnected(c, syms, 1, "x", 0);
    cap_on_connected(c, syms, 1, 0);
    message(c, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,"
               "\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,\"b\":[[\"1.5\",\"2\"]],\"a\":[]}}");
    assert_int_equal(l->n_wanted, 2);
    cap_symbol_view_get(c, 0, &v);
    assert_int_equal(v.state, CAP_REJECTED);
    assert_int_equal(v.resyncs, 0);
    for (size_t i = 0; i < l->n; i++)
        assert_null(strstr(l->lines[i], "BTCUSDT"));
    cap_destroy(c);
    log_free(l);
}

static void test_capture_raw_mode_records_frames_verbatim(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSDT"};
    cap *c = cap_create(syms, 1, 5, CAP_RECORD_RAW, 1, &sink);
    cap_on_connected(c, syms, 1, 0);
    message(c, "{\"result\":null,\"id\":1}");
    const char *snap = "{\"lastUpdateId\":10,\"bids\":[],\"asks\":[]}";
    cap_on_snapshot(c, "BTCUSDT", snap, strlen(snap), 0);
    assert_int_equal(l->n, 3);
    assert_string_equal(l->lines[1], "{\"ts\":\"1970-01-01T00:00:01.000000Z\",\"event\":\"frame\","
                                     "\"data\":{\"result\":null,\"id\":1}}");
    assert_string_equal(l->lines[2], "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"event\":\"rest\","
                                     "\"s\":\"BTCUSDT\",\"data\":{\"lastUpdateId\":10,\"bids\":"
                                     "[],\"asks\":[]}}");
    cap_destroy(c);
    log_free(l);
}

/* ---- replay of the real capture against an independent reference book ---- */

typedef struct ref_level {
    double price; /* doubles are fine for ordering these prices: an independent check */
    char px[32];
    char qty[32];
} ref_level;

typedef struct ref_book {
    char symbol[24];
    ref_level side[2][4000];
    size_t n[2];
    long long last_id; /* snapshot id; -1 before it */
} ref_book;

static void ref_set(ref_book *b, int s, const char *px, const char *qty)
{
    double p = strtod(px, NULL);
    size_t i = 0;
    while (i < b->n[s] && b->side[s][i].price != p)
        i++;
    if (strtod(qty, NULL) == 0.0) {
        if (i < b->n[s])
            b->side[s][i] = b->side[s][--b->n[s]];
        return;
    }
    if (i == b->n[s]) {
        assert_true(b->n[s] < 4000);
        b->n[s]++;
    }
    b->side[s][i].price = p;
    snprintf(b->side[s][i].px, 32, "%s", px);
    snprintf(b->side[s][i].qty, 32, "%s", qty);
}

/* The top `depth` of a side as the JSON text a record carries. */
static void ref_top(const ref_book *b, int s, size_t depth, char *out, size_t len)
{
    ref_level tmp[4000];
    size_t n = b->n[s];
    memcpy(tmp, b->side[s], n * sizeof tmp[0]);
    size_t used = (size_t)snprintf(out, len, "[");
    for (size_t k = 0; k < depth && k < n; k++) {
        size_t best = k;
        for (size_t j = k + 1; j < n; j++)
            if (s == 0 ? tmp[j].price > tmp[best].price : tmp[j].price < tmp[best].price)
                best = j;
        ref_level t = tmp[k];
        tmp[k] = tmp[best];
        tmp[best] = t;
        used += (size_t)snprintf(out + used, len - used, "%s[\"%s\",\"%s\"]", k ? "," : "",
                                 tmp[k].px, tmp[k].qty);
    }
    snprintf(out + used, len - used, "]");
}

static void ref_apply(ref_book *b, const cJSON *bids, const cJSON *asks)
{
    const cJSON *lv;
    cJSON_ArrayForEach(lv, bids) ref_set(b, 0, cJSON_GetArrayItem(lv, 0)->valuestring,
                                         cJSON_GetArrayItem(lv, 1)->valuestring);
    cJSON_ArrayForEach(lv, asks) ref_set(b, 1, cJSON_GetArrayItem(lv, 0)->valuestring,
                                         cJSON_GetArrayItem(lv, 1)->valuestring);
}

typedef struct input {
    double t;
    char symbol[24]; /* set for a snapshot */
    char *json;
} input;

static int by_time(const void *a, const void *b)
{
    double x = ((const input *)a)->t, y = ((const input *)b)->t;
    return x < y ? -1 : x > y;
}

static size_t read_inputs(const char *path, int with_symbol, input *in, size_t n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return n;
    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, f) > 0) {
        char *p = line;
        in[n].t = strtod(p, &p);
        p++;
        in[n].symbol[0] = '\0';
        if (with_symbol) {
            char *sp = strchr(p, ' ');
            snprintf(in[n].symbol, sizeof in[n].symbol, "%.*s", (int)(sp - p), p);
            p = sp + 1;
        }
        p[strcspn(p, "\n")] = '\0';
        in[n].json = strdup(p);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* The real capture's frames and snapshots, in time order; their count. */
static size_t read_real_capture(input *in)
{
    size_t n = read_inputs(DEPTHLOG_CAPTURE_DIR "/frames.txt", 0, in, 0);
    size_t n_frames = n;
    n = read_inputs(DEPTHLOG_CAPTURE_DIR "/snapshots.txt", 1, in, n);
    assert_true(n_frames > 100 && n > n_frames);
    qsort(in, n, sizeof in[0], by_time);
    return n;
}

/* Feed the pipeline every input in order; the reference takes each symbol's snapshot. */
static void feed_and_take_snapshots(cap *c, const input *in, size_t n, const char *const *syms,
                                    ref_book *ref)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ns = (int64_t)(in[i].t * 1e9);
        if (in[i].symbol[0] != '\0')
            cap_on_snapshot(c, in[i].symbol, in[i].json, strlen(in[i].json), ns);
        else
            cap_on_message(c, in[i].json, strlen(in[i].json), ns);
        cJSON *root = cJSON_Parse(in[i].json);
        const cJSON *data = in[i].symbol[0] ? root : cJSON_GetObjectItemCaseSensitive(root, "data");
        const char *sym = in[i].symbol[0]
                              ? in[i].symbol
                              : cJSON_GetObjectItemCaseSensitive(data, "s")->valuestring;
        int s = 0;
        while (s < 4 && strcmp(syms[s], sym) != 0)
            s++;
        assert_true(s < 4);
        if (in[i].symbol[0] != '\0') {
            ref[s].last_id =
                (long long)cJSON_GetObjectItemCaseSensitive(root, "lastUpdateId")->valuedouble;
            ref_apply(&ref[s], cJSON_GetObjectItemCaseSensitive(root, "bids"),
                      cJSON_GetObjectItemCaseSensitive(root, "asks"));
        }
        cJSON_Delete(root);
    }
}

/* The events again, now that each symbol's snapshot id is known: every event with
 * u > lastUpdateId applied to the reference, and after each the top `depth` levels a depth
 * record must show (expected[s][k]: bids, asks). */
static void expect_events(ref_book *ref, const input *in, size_t n, const char *const *syms,
                          size_t depth, char expected[][400][2][2048], size_t *n_expected)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i].symbol[0] != '\0')
            continue;
        cJSON *root = cJSON_Parse(in[i].json);
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        int s = 0;
        while (strcmp(syms[s], cJSON_GetObjectItemCaseSensitive(data, "s")->valuestring) != 0)
            s++;
        if ((long long)cJSON_GetObjectItemCaseSensitive(data, "u")->valuedouble > ref[s].last_id) {
            ref_apply(&ref[s], cJSON_GetObjectItemCaseSensitive(data, "b"),
                      cJSON_GetObjectItemCaseSensitive(data, "a"));
            assert_true(n_expected[s] < 400);
            ref_top(&ref[s], 0, depth, expected[s][n_expected[s]][0], 2048);
            ref_top(&ref[s], 1, depth, expected[s][n_expected[s]][1], 2048);
            n_expected[s]++;
        }
        cJSON_Delete(root);
    }
}

/* No resync record, and each depth record shows what the reference expects, in order;
 * got[s]: the depth records of symbol s. */
static void assert_depth_records(const sink_log *l, const char *const *syms,
                                 char expected[][400][2][2048], const size_t *n_expected,
                                 size_t *got)
{
    for (size_t i = 0; i < l->n; i++) {
        cJSON *r = cJSON_Parse(l->lines[i]);
        assert_non_null(r);
        const char *event = cJSON_GetObjectItemCaseSensitive(r, "event")->valuestring;
        assert_string_not_equal(event, "resync");
        if (strcmp(event, "depth") == 0) {
            int s = 0;
            while (strcmp(syms[s], cJSON_GetObjectItemCaseSensitive(r, "s")->valuestring) != 0)
                s++;
            char *bids = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "bids"));
            char *asks = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "asks"));
            assert_true(got[s] < n_expected[s]);
            assert_string_equal(bids, expected[s][got[s]][0]);
            assert_string_equal(asks, expected[s][got[s]][1]);
            got[s]++;
            free(bids);
            free(asks);
        }
        cJSON_Delete(r);
    }
}

static void test_capture_replay_of_real_binance_data_matches_reference(void **state)
{
    (void)state;
    tu_skip_unless_file(DEPTHLOG_CAPTURE_DIR "/frames.txt");
    static input in[1000];
    size_t n = read_real_capture(in);

    const char *syms[] = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"};
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const size_t depth = 10;
    cap *c = cap_create(syms, 4, depth, CAP_RECORD_BOOK, 1, &sink);
    cap_on_connected(c, syms, 4, 0);

    /* The reference: the snapshot, then every event with u > lastUpdateId, in order; after
     * each, the top levels a depth record must show. */
    static ref_book ref[4];
    static char expected[4][400][2][2048];
    size_t n_expected[4] = {0};
    for (int s = 0; s < 4; s++) {
        snprintf(ref[s].symbol, sizeof ref[s].symbol, "%s", syms[s]);
        ref[s].last_id = -1;
    }
    feed_and_take_snapshots(c, in, n, syms, ref);
    expect_events(ref, in, n, syms, depth, expected, n_expected);
    size_t got[4] = {0};
    assert_depth_records(l, syms, expected, n_expected, got);
    for (int s = 0; s < 4; s++) {
        assert_true(got[s] > 0);
        assert_int_equal(got[s], n_expected[s]);
        cap_symbol_view v;
        assert_int_equal(cap_symbol_view_get(c, (size_t)s, &v), 0);
        assert_int_equal(v.state, CAP_SYNCED);
        assert_int_equal(v.resyncs, 0);
    }
    assert_int_equal(cap_counts(c)->malformed, 0);
    for (size_t i = 0; i < n; i++)
        free(in[i].json);
    cap_destroy(c);
    log_free(l);
}

/* With a futures origin the symbols follow the pu rule and connection records name market,
 * leg and URL. */
static void test_capture_futures_origin_applies_pu_rule_and_names_the_connection(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSD_PERP"};
    cap *c = cap_create(syms, 1, 1, CAP_RECORD_BOOK, 1, &sink);
    cap_set_origin(c, SYNC_RULE_FUTURES, "coinm", "wss://dstream.binance.com/stream");
    cap_on_connected(c, syms, 1, 0);
    /* U <= L <= u: the first applied event. */
    message(c, "{\"stream\":\"btcusd_perp@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,"
               "\"T\":4,\"s\":\"BTCUSD_PERP\",\"ps\":\"BTCUSD\",\"U\":8,\"u\":11,\"pu\":7,"
               "\"b\":[[\"1.5\",\"2\"]],\"a\":[]}}");
    const char *snap = "{\"lastUpdateId\":10,\"E\":1,\"T\":1,\"bids\":[[\"1.0\",\"1\"]],"
                       "\"asks\":[[\"2\",\"3\"]]}";
    cap_on_snapshot(c, "BTCUSD_PERP", snap, strlen(snap), 2000000000LL);
    /* Ids jump (12..14 do not exist): pu links it. */
    message(c, "{\"stream\":\"btcusd_perp@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":6,"
               "\"T\":5,\"s\":\"BTCUSD_PERP\",\"ps\":\"BTCUSD\",\"U\":15,\"u\":16,\"pu\":11,"
               "\"b\":[],\"a\":[[\"2\",\"0\"]]}}");
    cap_on_disconnected(c, syms, 1, "gone", 3000000000LL);
    assert_int_equal(l->n, 6);
    assert_string_equal(l->lines[0], "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"event\":"
                                     "\"connected\",\"market\":\"coinm\",\"leg\":\"a\",\"url\":"
                                     "\"wss://dstream.binance.com/stream\"}");
    assert_non_null(strstr(l->lines[1], "\"event\":\"snapshot\""));
    assert_non_null(strstr(l->lines[2], "\"U\":8,\"u\":11,"));
    assert_non_null(strstr(l->lines[3], "\"U\":15,\"u\":16,\"bids\":[[\"1.5\",\"2\"]],"
                                        "\"asks\":[]}"));
    assert_string_equal(l->lines[4], "{\"ts\":\"1970-01-01T00:00:03.000000Z\",\"event\":"
                                     "\"disconnected\",\"market\":\"coinm\",\"leg\":\"a\","
                                     "\"reason\":\"gone\"}");
    assert_string_equal(l->lines[5], "{\"ts\":\"1970-01-01T00:00:03.000000Z\",\"event\":"
                                     "\"resync\",\"s\":\"BTCUSD_PERP\",\"reason\":\"disconnect\"}");
    cap_destroy(c);
    log_free(l);
}

static void test_capture_trades_of_captured_symbols_are_recorded(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSDT"};
    cap *c = cap_create(syms, 1, 1, CAP_RECORD_BOOK, 1, &sink);
    message(c, "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":7,\"s\":"
               "\"BTCUSDT\",\"t\":3,\"p\":\"1.50\",\"q\":\"2.000\",\"T\":6,\"m\":false,"
               "\"M\":true}}");
    message(c, "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":7,\"s\":"
               "\"ETHUSDT\",\"t\":3,\"p\":\"1.50\",\"q\":\"2.000\",\"T\":6,\"m\":false}}");
    assert_int_equal(cap_counts(c)->trades, 1);
    assert_int_equal(cap_counts(c)->unknown_symbol, 1);
    assert_int_equal(l->n, 1);
    assert_string_equal(l->lines[0], "{\"ts\":\"1970-01-01T00:00:01.000000Z\",\"event\":\"trade\","
                                     "\"s\":\"BTCUSDT\",\"E\":7,\"T\":6,\"t\":3,\"p\":\"1.50\","
                                     "\"q\":\"2.000\",\"m\":false}");
    cap_destroy(c);
    log_free(l);
}

/* A spot depth event of BTCUSDT U..u setting the bid at U, received at `ms`. */
static void leg_event(cap *c, unsigned first, unsigned last, int64_t ms)
{
    char text[300];
    snprintf(text, sizeof text,
             "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,"
             "\"s\":\"BTCUSDT\",\"U\":%u,\"u\":%u,\"b\":[[\"%u\",\"1\"]],\"a\":[]}}",
             first, last, first);
    cap_on_message(c, text, strlen(text), ms * 1000000LL);
}

static size_t count_of(const sink_log *l, const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += strstr(l->lines[i], what) != NULL;
    return n;
}

static void test_capture_two_legs_merge_and_resync_only_when_both_are_down(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSDT"};
    cap *c = cap_create(syms, 1, 1, CAP_RECORD_BOOK, 1, &sink);
    cap_set_origin(c, SYNC_RULE_SPOT, "spot", "wss://a/stream");
    cap_on_leg_connected(c, 'a', "wss://a/stream", syms, 1, 0);
    cap_on_leg_connected(c, 'b', "wss://b/stream", syms, 1, 0);
    assert_int_equal(l->n_wanted, 1); /* one snapshot for both legs */
    assert_non_null(strstr(l->lines[1], "\"leg\":\"b\",\"url\":\"wss://b/stream\""));
    leg_event(c, 101, 105, 1); /* a */
    leg_event(c, 101, 105, 1); /* b */
    const char *snap = "{\"lastUpdateId\":100,\"bids\":[],\"asks\":[]}";
    cap_on_snapshot(c, "BTCUSDT", snap, strlen(snap), 2000000LL);
    leg_event(c, 111, 115, 3); /* a lost 106-110 */
    leg_event(c, 106, 110, 4); /* b has it */
    leg_event(c, 111, 115, 4); /* b */
    assert_int_equal(count_of(l, "\"event\":\"depth\""), 3);
    assert_int_equal(count_of(l, "\"event\":\"resync\""), 0);
    /* Leg a goes: b carries the book, no resync; it comes back and carries on. */
    cap_on_leg_disconnected(c, 'a', "cut", syms, 1, 5000000LL);
    assert_non_null(strstr(l->lines[l->n - 1], "\"event\":\"disconnected\",\"market\":"
                                               "\"spot\",\"leg\":\"a\",\"reason\":\"cut\""));
    leg_event(c, 116, 120, 6); /* b */
    cap_on_leg_connected(c, 'a', "wss://a/stream", syms, 1, 7000000LL);
    leg_event(c, 116, 120, 8); /* a, again */
    leg_event(c, 121, 125, 8);
    assert_int_equal(count_of(l, "\"event\":\"depth\""), 5);
    assert_int_equal(count_of(l, "\"event\":\"resync\""), 0);
    assert_int_equal(l->n_wanted, 1);
    /* A gap neither leg fills: given up by the clock after a second. */
    leg_event(c, 131, 135, 10);
    cap_tick(c, 1009000000LL);
    assert_int_equal(count_of(l, "\"event\":\"resync\""), 0);
    cap_tick(c, 1010000000LL);
    assert_int_equal(count_of(l, "\"reason\":\"gap\""), 1);
    assert_int_equal(l->n_wanted, 2);
    /* Both legs down: the book is lost once. */
    cap_on_leg_disconnected(c, 'b', "cut", syms, 1, 1100000000LL);
    assert_int_equal(count_of(l, "\"reason\":\"disconnect\""), 0);
    cap_on_leg_disconnected(c, 'a', "cut", syms, 1, 1100000000LL);
    assert_int_equal(count_of(l, "\"reason\":\"disconnect\""), 1);
    cap_destroy(c);
    log_free(l);
}

/* A symbol that leaves ends with a removed record and is ignored from then on. */
static void test_capture_removed_symbol_ends_with_a_record_and_is_ignored(void **state)
{
    (void)state;
    sink_log *l = calloc(1, sizeof *l);
    cap_sink sink = {l, emit, want};
    const char *syms[] = {"BTCUSDT", "XYZUSDT"};
    cap *c = cap_create(syms, 2, 1, CAP_RECORD_BOOK, 1, &sink);
    assert_int_equal(cap_remove(c, "XYZUSDT", "no longer TRADING", 3000000000LL), 0);
    assert_int_equal(cap_remove(c, "XYZUSDT", "again", 0), -1);
    assert_int_equal(cap_remove(c, "NOPE", "x", 0), -1);
    cap_on_connected(c, syms, 2, 0);
    assert_int_equal(l->n_wanted, 1); /* only BTCUSDT's snapshot */
    message(c, "{\"stream\":\"xyzusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":5,"
               "\"s\":\"XYZUSDT\",\"U\":11,\"u\":12,\"b\":[[\"1.5\",\"2\"]],\"a\":[]}}");
    assert_int_equal(l->n, 2);
    assert_string_equal(l->lines[0],
                        "{\"ts\":\"1970-01-01T00:00:03.000000Z\",\"event\":\"removed\","
                        "\"s\":\"XYZUSDT\",\"reason\":\"no longer TRADING\"}");
    cap_symbol_view v;
    assert_int_equal(cap_symbol_view_get(c, 1, &v), 0);
    assert_int_equal(v.state, CAP_REJECTED);
    cap_destroy(c);
    log_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_routes_symbols_and_records_in_order),
        cmocka_unit_test(
            test_capture_bad_snapshot_is_asked_for_again_and_rejected_symbol_stays_out),
        cmocka_unit_test(test_capture_raw_mode_records_frames_verbatim),
        cmocka_unit_test(test_capture_replay_of_real_binance_data_matches_reference),
        cmocka_unit_test(test_capture_futures_origin_applies_pu_rule_and_names_the_connection),
        cmocka_unit_test(test_capture_trades_of_captured_symbols_are_recorded),
        cmocka_unit_test(test_capture_removed_symbol_ends_with_a_record_and_is_ignored),
        cmocka_unit_test(test_capture_two_legs_merge_and_resync_only_when_both_are_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
