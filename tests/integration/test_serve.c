/*
 * The live page's server in the real orderbook binary against the fake Binance: /metrics
 * parses and agrees with the exit summary, /api/book equals the server's truth at the
 * update id it reports, bad requests get their status, and clients of the page's websocket
 * that never read do not slow the capture.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ob_run.h"
#include "proc.h"
#include "records.h"
#include "test_util.h"

typedef ob_run run;

static int page_port; /* the port of the run being tested */

/* A free loopback port (bound, read, closed: nothing else here takes ports meanwhile). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* One connection (legs = 1): legs_up and the records counted here are one connection's
 * (two legs: test_legs.c). */
static void start(run *r, const char *scenario, const char *log_extra)
{
    ob_start_server(r, "localhost", scenario);
    page_port = free_port();
    FILE *f = fopen(r->conf, "w");
    assert_non_null(f);
    fprintf(f,
            "[log]\ndir = %s\n%s\n[binance]\nlegs = 1\nws_url = wss://localhost:%d\n"
            "rest_url = https://localhost:%d\nsnapshot_limit = 100\nca_file = %s/ca.pem\n"
            "[serve]\nlisten = 127.0.0.1:%d\n",
            r->logs, log_extra, r->fs.port, r->fs.port, ob_certs, page_port);
    fclose(f);
    char *args[] = {"-q", "-c", r->conf, "BTCUSDT", "ETHUSDT", NULL};
    ob_spawn(r, args, NULL);
}

static int dial(int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)page_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

typedef struct reply {
    int status; /* 0: no answer */
    char *text; /* the whole answer */
    char *body; /* within text */
} reply;

/* Send a raw request on a new connection and read the answer until the server closes it. */
static reply request(const char *raw)
{
    reply r = {0, NULL, NULL};
    int fd = dial(0);
    if (fd < 0)
        return r;
    tu_send_all(fd, raw, strlen(raw));
    size_t len;
    char *buf = tu_recv_all(fd, &len);
    close(fd);
    r.text = buf;
    r.body = strstr(buf, "\r\n\r\n");
    r.body = r.body ? r.body + 4 : buf + len;
    sscanf(buf, "HTTP/1.1 %d", &r.status);
    return r;
}

static reply get(const char *target)
{
    char raw[1024];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             target);
    return request(raw);
}

/* GET until it answers 200 (the server starts with the process, the first view a second
 * later), for at most `seconds`. */
static reply get_ok(run *r, const char *target, int seconds)
{
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    for (;;) {
        reply a = get(target);
        if (a.status == 200)
            return a;
        free(a.text);
        if (tu_mono_ns() > deadline)
            ob_fail_with_logs(r, "GET %s: no 200 within %d s (last: %d)", target, seconds,
                              a.status);
        tu_pause();
    }
}

/* ---- a small parser of the Prometheus text format ---- */

typedef struct metrics {
    char (*series)[160];
    double *value;
    size_t n;
} metrics;

/* Parse `text`; fails the test on a line that is not HELP, TYPE or a sample of a family
 * whose HELP and TYPE came before it. */
static metrics parse_metrics(const char *text)
{
    metrics m = {calloc(4096, 160), calloc(4096, sizeof(double)), 0};
    char family[160] = "", helped[160] = "";
    for (const char *l = text; *l != '\0';) {
        const char *nl = strchr(l, '\n');
        assert_non_null(nl);
        char line[512];
        size_t len = (size_t)(nl - l);
        assert_true(len < sizeof line);
        memcpy(line, l, len);
        line[len] = '\0';
        l = nl + 1;
        char name[160], kind[32];
        if (sscanf(line, "# HELP %159s", name) == 1) {
            snprintf(helped, sizeof helped, "%s", name);
            continue;
        }
        if (sscanf(line, "# TYPE %159s %31s", name, kind) == 2) {
            assert_string_equal(name, helped);
            assert_true(strcmp(kind, "counter") == 0 || strcmp(kind, "gauge") == 0);
            snprintf(family, sizeof family, "%s", name);
            continue;
        }
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        size_t nlen = strcspn(line, "{");
        if (strlen(family) != nlen || strncmp(family, line, nlen) != 0)
            fail_msg("metrics: sample %s outside its family %s", line, family);
        char *end = NULL;
        double v = strtod(sp + 1, &end);
        assert_true(end != sp + 1 && *end == '\0');
        assert_true(m.n < 4096);
        snprintf(m.series[m.n], 160, "%.159s", line);
        m.value[m.n++] = v;
    }
    return m;
}

static double metric(const metrics *m, const char *series)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->series[i], series) == 0)
            return m->value[i];
    }
    fail_msg("metrics: no series %s", series);
    return -1;
}

static void metrics_free(metrics *m)
{
    free(m->series);
    free(m->value);
}

/* The summary orderbook printed on stderr as one JSON line. */
static cJSON *summary_json(run *r)
{
    char *text = tu_read_file(r->err, NULL);
    assert_non_null(text);
    char *at = strstr(text, "{\"summary\":");
    if (at == NULL)
        ob_fail_with_logs(r, "no JSON summary on stderr");
    char *nl = strchr(at, '\n');
    if (nl != NULL)
        *nl = '\0';
    cJSON *j = cJSON_Parse(at);
    free(text);
    assert_non_null(j);
    return cJSON_GetObjectItem(j, "summary") ? j : NULL;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* Wait until the server has produced every scripted event and all of them are in the files. */
static void wait_for_the_last_events(run *r, int seconds)
{
    static const char *const symbols[] = {"BTCUSDT", "ETHUSDT"};
    ob_wait_for_text(r, r->fs.log, "done ", seconds);
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    for (size_t i = 0; i < 2; i++) {
        for (;;) {
            tr_truth t = {0};
            char err[256];
            double last = -1;
            if (tr_read_truth(&t, r->fs.truth, err, sizeof err) == 0)
                last = tr_truth_last_u(&t, symbols[i]);
            tr_truth_free(&t);
            if (last > 0 && tr_files_have_u(r->logs, symbols[i], last))
                break;
            if (tu_mono_ns() > deadline)
                ob_fail_with_logs(r, "%s: the last event is not in the files within %d s",
                                  symbols[i], seconds);
            tu_pause();
        }
    }
}

static void test_serve_metrics_parse_and_agree_with_the_summary(void **state)
{
    run *r = *state;
    start(r, "symbols BTCUSDT ETHUSDT\nrate 100\nevents 400\ntimeout 120\n", "");
    reply a = get_ok(r, "/metrics", 20);
    free(a.text);
    wait_for_the_last_events(r, 60);
    /* Once the stream is quiet, two scrapes a publish apart agree and every record is
     * written: then the counters are final. */
    metrics m = {0};
    char *prev = NULL;
    int64_t deadline = tu_mono_ns() + 20 * 1000000000LL;
    for (;;) {
        a = get_ok(r, "/metrics", 10);
        metrics_free(&m);
        m = parse_metrics(a.body);
        int same = prev != NULL && strcmp(prev, a.body) == 0;
        free(prev);
        prev = strdup(a.body);
        free(a.text);
        if (same &&
            metric(&m, "orderbook_records_total") == metric(&m, "orderbook_lines_written_total"))
            break;
        if (tu_mono_ns() > deadline)
            ob_fail_with_logs(r, "/metrics did not settle: %s", prev);
        usleep(1200 * 1000);
    }
    free(prev);
    assert_int_equal(ob_stop(r, 30), 0);

    cJSON *j = summary_json(r);
    assert_non_null(j);
    cJSON *s = cJSON_GetObjectItem(j, "summary");
    assert_true(metric(&m, "orderbook_messages_total") == num(s, "messages"));
    assert_true(metric(&m, "orderbook_malformed_messages_total") == num(s, "malformed"));
    assert_true(metric(&m, "orderbook_records_total") == num(s, "records"));
    assert_true(metric(&m, "orderbook_lines_written_total") == num(s, "written"));
    assert_true(metric(&m, "orderbook_lines_dropped_total") == num(s, "refused"));
    assert_true(metric(&m, "orderbook_lines_lost_io_total") == num(s, "lost_io"));
    assert_true(metric(&m, "orderbook_files_opened_total") == num(s, "files"));
    assert_true(metric(&m, "orderbook_messages_total") >= 800);
    cJSON *sym;
    size_t seen = 0;
    cJSON_ArrayForEach(sym, cJSON_GetObjectItem(s, "symbols"))
    {
        const char *name = cJSON_GetObjectItem(sym, "s")->valuestring;
        char series[160];
        snprintf(series, sizeof series, "orderbook_events_total{symbol=\"%s\"}", name);
        assert_true(metric(&m, series) == num(sym, "events"));
        assert_true(num(sym, "events") > 300);
        snprintf(series, sizeof series, "orderbook_resyncs_total{symbol=\"%s\"}", name);
        assert_true(metric(&m, series) == num(sym, "resyncs"));
        snprintf(series, sizeof series, "orderbook_book_levels{symbol=\"%s\",side=\"bid\"}", name);
        assert_true(metric(&m, series) == num(sym, "bids"));
        snprintf(series, sizeof series, "orderbook_snapshots_total{symbol=\"%s\"}", name);
        assert_true(metric(&m, series) >= 1);
        seen++;
    }
    assert_int_equal(seen, 2);
    assert_true(metric(&m, "orderbook_legs_up") == 1);
    assert_true(metric(&m, "orderbook_legs_wanted") == 1);
    /* The fake reports 5 per request in the current minute, as X-MBX-USED-WEIGHT-1M does. */
    double weight = metric(&m, "orderbook_rest_weight_used");
    assert_true(weight >= 5 && weight <= 6000);
    assert_true(metric(&m, "orderbook_bytes_written_total") > 0);
    cJSON_Delete(j);
    metrics_free(&m);
}

/* The api's book as "<bids>|<asks>" printed by cJSON, as the truth file's books are. */
static char *api_book(const cJSON *j)
{
    char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "bids"));
    char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "asks"));
    size_t n = strlen(b) + strlen(a) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s|%s", b, a);
    free(b);
    free(a);
    return out;
}

static void test_serve_api_book_equals_the_truth_at_its_id(void **state)
{
    run *r = *state;
    /* The truth file holds the top 5 levels per side after every event. */
    start(r, "symbols BTCUSDT ETHUSDT\nrate 50\nevents 1500\ndepth 5\ntimeout 120\n", "");
    const char *symbols[] = {"BTCUSDT", "ETHUSDT"};
    size_t compared = 0;
    double last_id[2] = {0, 0};
    for (int round = 0; round < 6; round++) {
        for (size_t i = 0; i < 2; i++) {
            char target[128];
            snprintf(target, sizeof target, "/api/book?symbol=%s&depth=5", symbols[i]);
            reply a = get_ok(r, target, 20);
            cJSON *j = cJSON_Parse(a.body);
            assert_non_null(j);
            free(a.text);
            if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "synced"))) {
                cJSON_Delete(j);
                continue;
            }
            double id = num(j, "lastUpdateId");
            char *book = api_book(j);
            cJSON_Delete(j);
            tr_truth t = {0};
            char err[256];
            assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
            const tr_event *e = NULL;
            for (size_t k = 0; k < t.n && e == NULL; k++) {
                if (strcmp(t.e[k].s, symbols[i]) == 0 && t.e[k].u == id)
                    e = &t.e[k];
            }
            if (e == NULL)
                ob_fail_with_logs(r, "%s: no truth at update id %.0f", symbols[i], id);
            if (strcmp(e->book, book) != 0)
                ob_fail_with_logs(r, "%s at %.0f:\n api   %s\n truth %s", symbols[i], id, book,
                                  e->book);
            tr_truth_free(&t);
            free(book);
            assert_true(id >= last_id[i]);
            last_id[i] = id;
            compared++;
        }
        usleep(700 * 1000);
    }
    assert_true(compared >= 8);
    assert_int_equal(ob_stop(r, 30), 0);
}

static void test_serve_bad_requests_get_their_status(void **state)
{
    run *r = *state;
    start(r, "symbols BTCUSDT ETHUSDT\nrate 20\nevents 600\ntimeout 120\n", "");
    reply a = get_ok(r, "/api/book?symbol=BTCUSDT", 20);
    free(a.text);
    a = get("/");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "<!doctype html>"));
    free(a.text);
    struct {
        const char *target;
        int status;
    } cases[] = {{"/api/book?symbol=XRPUSDT", 404},
                 {"/api/book", 400},
                 {"/api/book?symbol=BTCUSDT&depth=0", 400},
                 {"/api/book?symbol=%25%25", 400},
                 {"/index.php", 404}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        a = get(cases[i].target);
        if (a.status != cases[i].status || strlen(a.body) == 0)
            ob_fail_with_logs(r, "GET %s: %s", cases[i].target, a.text);
        free(a.text);
    }
    a = request("GET /api/book?symbol=BTCUSDT HTTP/1.1\r\nHost: rebound.example\r\n\r\n");
    assert_int_equal(a.status, 400);
    free(a.text);
    a = request("PUT /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nhi");
    assert_int_equal(a.status, 405);
    free(a.text);
    char *big = malloc(40000);
    int n = snprintf(big, 100, "GET /metrics?pad=");
    memset(big + n, 'x', 5000);
    snprintf(big + n + 5000, 100, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    a = request(big);
    assert_int_equal(a.status, 414);
    free(a.text);
    n = snprintf(big, 100, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ");
    memset(big + n, 'y', 20000);
    snprintf(big + n + 20000, 100, "\r\n\r\n");
    a = request(big);
    assert_int_equal(a.status, 431);
    free(a.text);
    free(big);
    assert_int_equal(ob_stop(r, 30), 0);
}

/* Open the page's websocket and never read from it (a tiny receive buffer fills at once). */
static int stuck_client(void)
{
    int fd = dial(2048);
    assert_true(fd >= 0);
    const char *hs = "GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: depthlog-live\r\n\r\n";
    assert_int_equal(send(fd, hs, strlen(hs), MSG_NOSIGNAL), (ssize_t)strlen(hs));
    return fd;
}

static void test_serve_clients_that_never_read_do_not_slow_the_capture(void **state)
{
    run *r = *state;
    start(r, "symbols BTCUSDT ETHUSDT\nrate 200\nevents 2400\nlevels 200\ntimeout 120\n", "");
    reply a = get_ok(r, "/metrics", 20);
    free(a.text);
    int stuck[4];
    for (size_t i = 0; i < 4; i++)
        stuck[i] = stuck_client();
    /* 12 s of events; every one is in the files soon after the stream ends. */
    wait_for_the_last_events(r, 30);
    a = get("/metrics");
    assert_int_equal(a.status, 200);
    free(a.text);
    long hwm = proc_status_kb(r->pid, "VmHWM");
    for (size_t i = 0; i < 4; i++)
        close(stuck[i]);
    assert_int_equal(ob_stop(r, 30), 0);

    tr_records rs = {0};
    tr_truth t = {0};
    char err[256];
    assert_int_equal(tr_read_records(&rs, r->logs, err, sizeof err), 0);
    assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
    const char *symbols[] = {"BTCUSDT", "ETHUSDT"};
    for (size_t i = 0; i < 2; i++) {
        tr_account acc;
        char msg[512];
        tr_account_symbol(&rs, &t, symbols[i], &acc, msg, sizeof msg);
        if (acc.lost != 0 || acc.mismatched != 0 || acc.tail != 0 || acc.resyncs != 0)
            ob_fail_with_logs(r, "%s: lost %zu mismatched %zu tail %zu resyncs %zu: %s", symbols[i],
                              acc.lost, acc.mismatched, acc.tail, acc.resyncs, msg);
    }
    tr_records_free(&rs);
    tr_truth_free(&t);
    /* Memory stays bounded: no queue of updates grew for the stuck clients (the 64 MiB queue
     * and the books are most of it; sanitizer builds have shadow memory of their own). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    if (hwm > 0 && hwm > 200 * 1024)
        fail_msg("orderbook's peak memory %ld kB", hwm);
#else
    (void)hwm;
#endif
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, ob_run_setup, ob_run_teardown)
    const struct CMUnitTest tests[] = {
        T(test_serve_metrics_parse_and_agree_with_the_summary),
        T(test_serve_api_book_equals_the_truth_at_its_id),
        T(test_serve_bad_requests_get_their_status),
        T(test_serve_clients_that_never_read_do_not_slow_the_capture),
    };
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
