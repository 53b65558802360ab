/*
 * JetStream publishing against a real 3-node nats-server cluster on 127.0.0.1 (R3): every
 * record stored exactly once, also when two publishers send the same events, through a node
 * killed and restarted, and through the whole cluster down for seconds; a stream with other
 * subjects and an unreachable server are told clearly; the publish rate is measured.
 * Then the real binaries against the fake Binance: two orderbook processes capturing the same
 * symbols into the cluster while a node is killed and restarted (the stream holds each event
 * once, equal to the truth; each process's files are complete), an unreachable or malformed
 * URL, and orderbook-archive killed and restarted (its files hold every record, each in the
 * file of its ts, duplicates at most one unacknowledged batch).
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include "alog.h"
#include "nats.h"
#include "nats_cluster.h"
#include "nats_stream.h"
#include "ob_run.h"
#include "ob_wait.h"
#include "records.h"
#include "symbol.h"
#include "stamp.h"
#include "test_util.h"

typedef struct fixture {
    char dir[PATH_MAX];
    ncl_cluster c;
    ob_run *a, *b; /* two orderbook processes (a also runs the fake Binance) */
    pid_t archive;
    pthread_mutex_t lock;
    char problems[16384]; /* what the publishers told, one line each */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tu_mkdtemp(f->dir, sizeof f->dir);
    pthread_mutex_init(&f->lock, NULL);
    void *r;
    ob_run_setup(&r);
    f->a = r;
    ob_run_setup(&r);
    f->b = r;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->archive > 0) {
        kill(f->archive, SIGKILL);
        proc_wait(f->archive, 5);
    }
    void *r = f->a;
    ob_run_teardown(&r);
    r = f->b;
    ob_run_teardown(&r);
    ncl_stop(&f->c);
    if (getenv("DEPTHLOG_KEEP") == NULL)
        tu_rm_rf(f->dir);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return 0;
}

static void on_problem(void *ctx, const char *what)
{
    fixture *f = ctx;
    pthread_mutex_lock(&f->lock);
    size_t used = strlen(f->problems);
    snprintf(f->problems + used, sizeof f->problems - used, "%s\n", what);
    pthread_mutex_unlock(&f->lock);
}

static int told(fixture *f, const char *needle)
{
    pthread_mutex_lock(&f->lock);
    int found = strstr(f->problems, needle) != NULL;
    pthread_mutex_unlock(&f->lock);
    return found;
}

static npub *publisher(fixture *f, const char *url, int replicas, size_t buffer)
{
    npub_options o = {.url = url,
                      .stream = "DEPTHLOG",
                      .prefix = "depthlog",
                      .market = "spot",
                      .replicas = replicas,
                      .buffer_bytes = buffer,
                      .on_problem = on_problem,
                      .ctx = f};
    char err[256];
    npub *p = npub_start(&o, err, sizeof err);
    if (p == NULL)
        fail_msg("npub_start: %s", err);
    return p;
}

static const char *SYMS[] = {"BTCUSDT", "ETHUSDT", "BNBBTC"};

/* A depth record of event u of symbol s, received by `host` (its ts differs per host). */
static size_t record(char *out, size_t cap, int host, int s, long u)
{
    return (size_t)snprintf(
        out, cap,
        "{\"ts\":\"2026-12-04T16:%02ld:%02ld.%06ldZ\",\"event\":\"depth\",\"s\":\"%s\","
        "\"E\":%ld,\"U\":%ld,\"u\":%ld,\"bids\":[[\"37000.%08ld\",\"1.50000000\"],"
        "[\"36999.00000000\",\"2.00000000\"],[\"36998.00000000\",\"3.00000000\"],"
        "[\"36997.00000000\",\"4.00000000\"],[\"36996.00000000\",\"5.00000000\"]],\"asks\":"
        "[[\"37001.00000000\",\"0.10000000\"],[\"37002.00000000\",\"0.20000000\"],"
        "[\"37003.00000000\",\"0.30000000\"],[\"37004.00000000\",\"0.40000000\"],"
        "[\"37005.00000000\",\"0.50000000\"]]}",
        (u / 60000) % 60, (u / 1000) % 60, (u % 1000) * 1000 + host, SYMS[s], 1764864000000 + u, u,
        u, u);
}

static void put_all(npub *p, int host, long from, long to)
{
    char line[1024];
    for (long u = from; u <= to; u++)
        for (int s = 0; s < 3; s++) {
            size_t n = record(line, sizeof line, host, s, u);
            assert_int_equal(npub_put(p, line, n), 0);
        }
}

static void wait_published(npub *p, uint64_t n, int seconds)
{
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    npub_counts k;
    for (;;) {
        npub_get_counts(p, &k);
        if (k.published >= n)
            return;
        if (tu_mono_ns() > deadline)
            fail_msg("published %llu of %llu within %d s (pending %llu, failed %llu)",
                     (unsigned long long)k.published, (unsigned long long)n, seconds,
                     (unsigned long long)k.pending, (unsigned long long)k.failed);
        usleep(20000);
    }
}

/* The stream holds events 1..last of every symbol exactly once, each equal to what one of
 * the publishers sent, under its subject and Msg-Id. */
static void assert_stream_exactly(fixture *f, long last)
{
    ns_msgs ms;
    assert_int_equal(ns_read_all(f->c.url, "DEPTHLOG", &ms), 0);
    size_t want = (size_t)last * 3;
    unsigned char *seen = calloc(want, 1);
    for (size_t i = 0; i < ms.n; i++) {
        const ns_msg *m = &ms.m[i];
        char sym[16];
        long u;
        if (sscanf(m->msg_id, "spot:%15[^:]:depth:%ld", sym, &u) != 2)
            fail_msg("message %llu has Msg-Id \"%s\"", (unsigned long long)m->seq, m->msg_id);
        int s = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(sym, SYMS[k]) == 0)
                s = k;
        assert_true(s >= 0 && u >= 1 && u <= last);
        char subject[64];
        snprintf(subject, sizeof subject, "depthlog.spot.%s.depth", sym);
        assert_string_equal(m->subject, subject);
        char a[1024], b[1024];
        record(a, sizeof a, 0, s, u);
        record(b, sizeof b, 1, s, u);
        if (strcmp(m->data, a) != 0 && strcmp(m->data, b) != 0)
            fail_msg("message %llu is not what was sent: %s", (unsigned long long)m->seq, m->data);
        size_t idx = (size_t)(u - 1) * 3 + (size_t)s;
        if (seen[idx])
            fail_msg("%s u=%ld is in the stream twice (seq %llu)", sym, u,
                     (unsigned long long)m->seq);
        seen[idx] = 1;
    }
    for (size_t i = 0; i < want; i++)
        if (!seen[i])
            fail_msg("%s u=%zu is missing from the stream (%zu messages)", SYMS[i % 3], i / 3 + 1,
                     ms.n);
    assert_int_equal(ms.n, want);
    free(seen);
    ns_msgs_free(&ms);
}

static int node_of(const char *name)
{
    return name[0] == 'n' ? atoi(name + 1) - 1 : -1;
}

/* Two publishers send the same events (as two capture hosts would) into an R3 stream while
 * the stream's leader is killed and later restarted. */
static void test_nats_two_publishers_leader_killed_each_event_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    npub *a = publisher(f, f->c.url, 3, 0), *b = publisher(f, f->c.url, 3, 0);
    const long total = 3000, step = 50;
    int killed = -1;
    for (long u = 1; u <= total; u += step) {
        put_all(a, 0, u, u + step - 1);
        put_all(b, 1, u, u + step - 1);
        if (u == 1)
            wait_published(a, (uint64_t)step * 3, 30); /* the stream exists */
        if (killed < 0 && u >= total / 3) {
            char leader[32];
            assert_int_equal(ns_leader(f->c.url, "DEPTHLOG", leader, sizeof leader), 0);
            killed = node_of(leader);
            assert_true(killed >= 0 && killed < 3);
            ncl_kill(&f->c, killed);
        }
        if (killed >= 0 && u >= 2 * total / 3 && f->c.pid[killed] == 0)
            assert_int_equal(ncl_restart(&f->c, killed), 0);
        usleep(20000); /* about 7500 records/s from each */
    }
    assert_int_equal(npub_stop(a, 60000), 0);
    assert_int_equal(npub_stop(b, 60000), 0);
    npub_counts ka, kb;
    npub_get_counts(a, &ka);
    npub_get_counts(b, &kb);
    print_message("publisher a: %llu published (%llu duplicates), %llu retried; b: %llu (%llu), "
                  "%llu\n",
                  (unsigned long long)ka.published, (unsigned long long)ka.duplicates,
                  (unsigned long long)ka.retried, (unsigned long long)kb.published,
                  (unsigned long long)kb.duplicates, (unsigned long long)kb.retried);
    if (getenv("DEPTHLOG_NATS_VERBOSE") != NULL)
        print_message("told:\n%s", f->problems);
    assert_int_equal(ka.failed + kb.failed, 0);
    assert_int_equal(ka.pending + kb.pending, 0);
    assert_true(ka.duplicates + kb.duplicates >= (uint64_t)total * 3);
    assert_stream_exactly(f, total);
    npub_destroy(a);
    npub_destroy(b);
}

/* Every node down for a few seconds while records keep coming: they wait, and are all
 * published once the cluster is back. */
static void test_nats_whole_cluster_down_nothing_lost(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    npub *p = publisher(f, f->c.url, 3, 0);
    put_all(p, 0, 1, 500);
    wait_published(p, 1500, 30);
    for (int i = 0; i < 3; i++)
        ncl_kill(&f->c, i);
    for (long u = 501; u <= 2000; u += 100) {
        put_all(p, 0, u, u + 99);
        usleep(200000); /* 3 s of records with no NATS */
    }
    npub_counts k;
    npub_get_counts(p, &k);
    assert_true(k.pending > 0);
    assert_int_equal(k.failed, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ncl_restart(&f->c, i), 0);
    put_all(p, 0, 2001, 2500);
    assert_int_equal(npub_stop(p, 90000), 0);
    npub_get_counts(p, &k);
    assert_int_equal(k.failed, 0);
    assert_int_equal(k.pending, 0);
    assert_true(told(f, "disconnected"));
    assert_int_equal(ncl_wait_ready(&f->c, -1, 30), 0);
    assert_stream_exactly(f, 2500);
    npub_destroy(p);
}

/* A server that is not there at start: said clearly, records wait, and are published once it
 * comes up. */
static void test_nats_unreachable_at_start_then_resumes(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    ncl_kill(&f->c, 0);
    npub *p = publisher(f, f->c.url, 1, 0);
    put_all(p, 0, 1, 300);
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (!told(f, "cannot connect") && tu_mono_ns() < deadline)
        usleep(20000);
    if (!told(f, "cannot connect"))
        fail_msg("no clear message about the unreachable server: %s", f->problems);
    npub_counts k;
    npub_get_counts(p, &k);
    assert_int_equal(k.pending, 900);
    assert_int_equal(ncl_restart(&f->c, 0), 0);
    wait_published(p, 900, 30);
    assert_int_equal(npub_stop(p, 10000), 0);
    assert_stream_exactly(f, 300);
    npub_destroy(p);
}

/* The stream deleted while publishing: it is made again, and what comes after is stored. */
static void test_nats_deleted_stream_is_made_again(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    npub *p = publisher(f, f->c.url, 1, 0);
    put_all(p, 0, 1, 100);
    wait_published(p, 300, 30);
    assert_int_equal(ns_delete_stream(f->c.url, "DEPTHLOG"), 0);
    put_all(p, 0, 101, 200);
    assert_int_equal(npub_stop(p, 60000), 0);
    npub_counts k;
    npub_get_counts(p, &k);
    assert_int_equal(k.failed, 0);
    long n = ns_count(f->c.url, "DEPTHLOG");
    print_message("after the stream was deleted: %ld records in the new one (300 sent after)\n", n);
    assert_int_equal(n, 300);
    npub_destroy(p);
}

/* A stream of that name made for other subjects: a clear error, nothing published, the
 * records counted as failed. */
static void test_nats_stream_with_other_subjects_is_an_error(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    assert_int_equal(ns_create_stream(f->c.url, "DEPTHLOG", "other.>"), 0);
    npub *p = publisher(f, f->c.url, 1, 0);
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (!told(f, "exists with subjects") && tu_mono_ns() < deadline)
        usleep(20000);
    if (!told(f, "stream DEPTHLOG exists with subjects \"other.>\", not \"depthlog.>\""))
        fail_msg("no clear message about the stream: %s", f->problems);
    put_all(p, 0, 1, 10);
    npub_stop(p, 2000);
    npub_counts k;
    npub_get_counts(p, &k);
    assert_int_equal(k.published, 0);
    assert_int_equal(k.failed, 30);
    assert_int_equal(ns_count(f->c.url, "DEPTHLOG"), 0);
    npub_destroy(p);
}

/* A full buffer refuses at once (never blocks) and counts what it refused as failed; what it
 * kept is pending. */
static void test_nats_full_buffer_counts_failed(void **state)
{
    fixture *f = *state;
    npub *p = publisher(f, "nats://127.0.0.1:1", 1, 4096);
    char line[1024];
    int refused = 0, kept = 0;
    int64_t t0 = tu_mono_ns();
    for (long u = 1; u <= 100; u++) {
        size_t n = record(line, sizeof line, 0, 0, u);
        if (npub_put(p, line, n) == 0)
            kept++;
        else
            refused++;
    }
    int64_t took = tu_mono_ns() - t0;
    npub_counts k;
    npub_get_counts(p, &k);
    print_message("a 4 KiB buffer kept %d of 100 records, refused %d, in %lld us\n", kept, refused,
                  (long long)(took / 1000));
    assert_true(kept >= 4 && kept <= 9);
    assert_int_equal(k.failed, (uint64_t)refused);
    assert_int_equal(k.pending, (uint64_t)kept);
    assert_true(took < 1000000000LL);
    assert_true(told(f, "is full"));
    assert_int_equal(npub_stop(p, 100), -1); /* nothing could be published */
    npub_destroy(p);
}

/* The publish rate into an R3 stream on this machine (printed; README quotes it). */
static void test_nats_publish_rate_r3(void **state)
{
    fixture *f = *state;
    /* DEPTHLOG_NATS_RATE_NODES=1: one node, R1, for the client's own ceiling. */
    int nodes = getenv("DEPTHLOG_NATS_RATE_NODES") ? atoi(getenv("DEPTHLOG_NATS_RATE_NODES")) : 3;
    nodes = nodes == 1 ? 1 : 3;
    assert_int_equal(ncl_start(&f->c, f->dir, nodes), 0);
    npub *p = publisher(f, f->c.url, nodes, 256u << 20);
    put_all(p, 0, 1, 10); /* the stream exists */
    wait_published(p, 30, 30);
    long n = getenv("DEPTHLOG_NATS_RATE_N") ? atol(getenv("DEPTHLOG_NATS_RATE_N")) : 30000;
    int64_t t0 = tu_mono_ns();
    put_all(p, 0, 11, 10 + n);
    wait_published(p, 30 + (uint64_t)n * 3, 300);
    double s = (double)(tu_mono_ns() - t0) / 1e9;
    char line[1024];
    size_t len = record(line, sizeof line, 0, 0, 1);
    print_message("publish rate into an R%d stream: %.0f records/s (%ld records of %zu bytes "
                  "in %.2f s)\n",
                  nodes, (double)n * 3 / s, n * 3, len, s);
    assert_int_equal(npub_stop(p, 10000), 0);
    npub_destroy(p);
}

/* ---- the real binaries ---- */

/* Poll until the stream holds at least n messages (what orderbook published); fails with the logs
 * after `seconds`. */
static void wait_stored(fixture *f, long n, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (ns_count(f->c.url, "DEPTHLOG") < n)
        ob_poll_next(f->a, &p, "fewer than %ld records published within %d s", n, seconds);
}

/* orderbook's (or orderbook-archive's) configuration for the fake Binance of `a`, logging
 * into `logs`, with `nats` lines in [nats]. One connection (legs = 1):
 * the records counted here are one connection's (two legs: test_legs.c). */
static void write_conf(fixture *f, const char *path, const char *logs, const char *nats)
{
    FILE *c = fopen(path, "w");
    assert_non_null(c);
    fprintf(c,
            "[log]\ndir = %s\nrollover = 5sec\nclock = utc\n\n[binance]\nlegs = 1\n"
            "ws_url = wss://localhost:%d\nrest_url = https://localhost:%d\nsnapshot_limit = 100\n"
            "ca_file = %s/ca.pem\n\n[nats]\n%s\n",
            logs, f->a->fs.port, f->a->fs.port, ob_certs, nats);
    fclose(c);
}

static void spawn_orderbook(ob_run *r)
{
    char *args[] = {"-c", r->conf, "BTCUSDT", "ETHUSDT", NULL};
    ob_spawn(r, args, NULL);
}

static const char *OB_SYMS[] = {"BTCUSDT", "ETHUSDT"};

/* Wait until the fake Binance is done and `logs` hold its last event of these symbols. */
static void wait_captured_of(ob_run *r, const char *logs, const char *const *syms, int n,
                             int seconds)
{
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    for (;;) {
        if (ob_file_contains(r->fs.log, "done")) {
            tr_truth t;
            char err[256];
            assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
            int all = 1;
            for (int i = 0; i < n && all; i++)
                all = tr_files_have_u(logs, syms[i], tr_truth_last_u(&t, syms[i]));
            tr_truth_free(&t);
            if (all)
                return;
        }
        if (tu_mono_ns() > deadline)
            ob_fail_with_logs(r, "%s does not hold the last events within %d s", logs, seconds);
        usleep(100000);
    }
}

static void wait_captured(ob_run *r, const char *logs, int seconds)
{
    wait_captured_of(r, logs, OB_SYMS, 2, seconds);
}

/* Each process's own files: every event of these symbols recorded or accounted for, none
 * lost or wrong, and no record of another symbol. */
static void assert_files_complete_of(ob_run *r, const char *logs, const char *const *syms, int n)
{
    tr_records rs;
    tr_truth t;
    char err[512];
    assert_int_equal(tr_read_records(&rs, logs, err, sizeof err), 0);
    assert_int_equal(tr_read_truth(&t, r->fs.truth, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        tr_account acc;
        char msg[512];
        tr_account_symbol(&rs, &t, syms[i], &acc, msg, sizeof msg);
        if (acc.lost != 0 || acc.mismatched != 0 || acc.tail != 0 || acc.recorded == 0)
            ob_fail_with_logs(r, "%s %s: %zu recorded, %zu lost, %zu mismatched, %zu tail: %s",
                              logs, syms[i], acc.recorded, acc.lost, acc.mismatched, acc.tail, msg);
    }
    for (size_t i = 0; i < rs.n; i++) {
        int mine = rs.r[i].s[0] == '\0';
        for (int k = 0; k < n && !mine; k++)
            mine = strcmp(rs.r[i].s, syms[k]) == 0;
        if (!mine)
            ob_fail_with_logs(r, "%s holds a %s record of %s", logs, rs.r[i].event, rs.r[i].s);
    }
    tr_records_free(&rs);
    tr_truth_free(&t);
}

static void assert_files_complete(ob_run *r, const char *logs)
{
    assert_files_complete_of(r, logs, OB_SYMS, 2);
}

/* The stream's records, read as files are (a directory holding one file of them). */
static void read_stream_records(fixture *f, tr_records *rs, size_t *n_msgs)
{
    ns_msgs ms;
    assert_int_equal(ns_read_all(f->c.url, "DEPTHLOG", &ms), 0);
    char dir[PATH_MAX + 16], path[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/stream", f->dir);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/20000101.txt", dir);
    FILE *out = fopen(path, "w");
    for (size_t i = 0; i < ms.n; i++)
        fprintf(out, "%s\n", ms.m[i].data);
    fclose(out);
    *n_msgs = ms.n;
    ns_msgs_free(&ms);
    char err[512];
    assert_int_equal(tr_read_records(rs, dir, err, sizeof err), 0);
}

/* The stream holds every event of these symbols from the first one published on, once each,
 * equal to the truth. Returns the number of messages. */
static size_t assert_stream_equals_truth(fixture *f, const char *const *syms, int n)
{
    tr_records rs;
    size_t n_msgs;
    read_stream_records(f, &rs, &n_msgs);
    tr_truth t;
    char err[256];
    assert_int_equal(tr_read_truth(&t, f->a->fs.truth, err, sizeof err), 0);
    for (int k = 0; k < n; k++) {
        const char *sym = syms[k];
        size_t n_truth = tr_truth_count(&t, sym);
        double last = tr_truth_last_u(&t, sym), first = -1;
        unsigned char *seen = calloc((size_t)last + 1, 1);
        size_t depth = 0;
        for (size_t i = 0; i < rs.n; i++) {
            const tr_record *x = &rs.r[i];
            if (strcmp(x->event, "depth") != 0 || strcmp(x->s, sym) != 0)
                continue;
            depth++;
            size_t u = (size_t)x->u;
            if (u > (size_t)last)
                fail_msg("%s u=%zu is past the truth's last %.0f", sym, u, last);
            if (seen[u])
                fail_msg("%s u=%zu is in the stream twice", sym, u);
            seen[u] = 1;
            if (first < 0 || x->u < first)
                first = x->u;
            const tr_event *e = NULL;
            for (size_t j = 0; j < t.n && e == NULL; j++)
                if (t.e[j].u == x->u && strcmp(t.e[j].s, sym) == 0)
                    e = &t.e[j];
            if (e == NULL || strcmp(e->book, x->book) != 0)
                fail_msg("%s u=%zu in the stream differs from the truth", sym, u);
        }
        size_t missing = 0;
        for (size_t j = 0; j < t.n; j++)
            if (strcmp(t.e[j].s, sym) == 0 && t.e[j].u >= first && !seen[(size_t)t.e[j].u])
                missing++;
        print_message("%s: %zu events in the truth, %zu depth records in the stream (from u=%.0f), "
                      "%zu missing\n",
                      sym, n_truth, depth, first, missing);
        assert_int_equal(missing, 0);
        assert_true(depth > n_truth / 2);
        free(seen);
    }
    tr_truth_free(&t);
    tr_records_free(&rs);
    return n_msgs;
}

/* Two orderbook processes capture the same symbols into an R3 stream while its leader is
 * killed and restarted: each event is in the stream exactly once, equal to the truth, from
 * the first one published to the last; each process's own files are complete. */
static void test_nats_two_orderbooks_one_copy_equal_to_the_truth(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 600\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s\nreplicas = 3", f->c.url);
    write_conf(f, f->a->conf, f->a->logs, nats);
    write_conf(f, f->b->conf, f->b->logs, nats);
    f->b->fs = f->a->fs;
    f->b->fs.pid = 0; /* a's server: a stops it */
    spawn_orderbook(f->a);
    spawn_orderbook(f->b);
    wait_stored(f, 200, 60);
    char leader[32];
    if (ns_leader(f->c.url, "DEPTHLOG", leader, sizeof leader) != 0)
        ob_fail_with_logs(f->a, "no stream leader");
    int killed = node_of(leader);
    ncl_kill(&f->c, killed);
    sleep(3);
    assert_int_equal(ncl_restart(&f->c, killed), 0);
    wait_captured(f->a, f->a->logs, 60);
    wait_captured(f->a, f->b->logs, 60);
    if (ob_stop(f->a, 30) != 0 || ob_stop(f->b, 30) != 0)
        ob_fail_with_logs(f->a, "orderbook did not stop with 0");
    assert_true(ob_file_contains(f->a->err, "nats: ") && ob_file_contains(f->b->err, "nats: "));
    if (!ob_file_contains(f->a->err, "| nats published "))
        ob_fail_with_logs(f->a, "the status line shows no nats counts");
    if (!ob_file_contains(f->a->err, "0 pending") || !ob_file_contains(f->b->err, "0 pending"))
        ob_fail_with_logs(f->a, "records left unpublished (b: %s)", f->b->err);
    assert_files_complete(f->a, f->a->logs);
    assert_files_complete(f->a, f->b->logs);

    size_t n_msgs = assert_stream_equals_truth(f, OB_SYMS, 2);
    print_message("stream: %zu messages from two processes\n", n_msgs);
}

/* Raw frames from two hosts (record = raw): the same frame has the same Msg-Id (stream name
 * and u), so the stream holds each event's frame once. */
static void test_nats_raw_frames_from_two_hosts_stored_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 200\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s", f->c.url);
    write_conf(f, f->a->conf, f->a->logs, nats);
    write_conf(f, f->b->conf, f->b->logs, nats);
    for (int i = 0; i < 2; i++) {
        FILE *c = fopen(i ? f->b->conf : f->a->conf, "a");
        fprintf(c, "\n[book]\nrecord = raw\n");
        fclose(c);
    }
    f->b->fs = f->a->fs;
    f->b->fs.pid = 0;
    spawn_orderbook(f->a);
    spawn_orderbook(f->b);
    tr_truth t;
    char err[256];
    wait_captured(f->a, f->a->logs, 60);
    wait_captured(f->a, f->b->logs, 60);
    if (ob_stop(f->a, 30) != 0 || ob_stop(f->b, 30) != 0 ||
        !ob_file_contains(f->a->err, "0 pending") || !ob_file_contains(f->b->err, "0 pending"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    assert_int_equal(tr_read_truth(&t, f->a->fs.truth, err, sizeof err), 0);
    ns_msgs ms;
    assert_int_equal(ns_read_all(f->c.url, "DEPTHLOG", &ms), 0);
    for (int k = 0; k < 2; k++) {
        const char *sym = OB_SYMS[k];
        double last = tr_truth_last_u(&t, sym), first = -1;
        unsigned char *seen = calloc((size_t)last + 1, 1);
        char subject[64];
        snprintf(subject, sizeof subject, "depthlog.spot.%s.frame", sym);
        size_t frames = 0;
        for (size_t i = 0; i < ms.n; i++) {
            if (strcmp(ms.m[i].subject, subject) != 0)
                continue;
            cJSON *j = cJSON_Parse(ms.m[i].data);
            const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(data, "data");
            const cJSON *stream = cJSON_GetObjectItemCaseSensitive(data, "stream");
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(ev, "u");
            assert_true(cJSON_IsNumber(u) && cJSON_IsString(stream));
            char want[128];
            snprintf(want, sizeof want, "spot:%s:frame:%s:%.0f", sym, stream->valuestring,
                     u->valuedouble);
            assert_string_equal(ms.m[i].msg_id, want);
            size_t x = (size_t)u->valuedouble;
            assert_true(x <= (size_t)last);
            if (seen[x])
                fail_msg("the frame of %s u=%zu is in the stream twice", sym, x);
            seen[x] = 1;
            if (first < 0 || u->valuedouble < first)
                first = u->valuedouble;
            frames++;
            cJSON_Delete(j);
        }
        size_t missing = 0;
        for (size_t j = 0; j < t.n; j++)
            if (strcmp(t.e[j].s, sym) == 0 && t.e[j].u >= first && !seen[(size_t)t.e[j].u])
                missing++;
        print_message("%s: %zu frames in the stream from two hosts (from u=%.0f), %zu missing\n",
                      sym, frames, first, missing);
        assert_int_equal(missing, 0);
        assert_true(frames >= tr_truth_count(&t, sym) / 2);
        free(seen);
    }
    ns_msgs_free(&ms);
    tr_truth_free(&t);
}

/* orderbook capturing while every node of the cluster is down for a few seconds: its records
 * wait, and afterwards the stream holds every event once, equal to the truth. */
static void test_nats_orderbook_whole_cluster_down_nothing_lost(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 500\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s\nreplicas = 3", f->c.url);
    write_conf(f, f->a->conf, f->a->logs, nats);
    spawn_orderbook(f->a);
    wait_stored(f, 100, 60);
    for (int i = 0; i < 3; i++)
        ncl_kill(&f->c, i);
    ob_wait_for_text(f->a, f->a->err, "NATS: disconnected", 10);
    sleep(3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ncl_restart(&f->c, i), 0);
    wait_captured(f->a, f->a->logs, 60);
    ob_wait_for_text(f->a, f->a->err, "NATS: connected to", 30);
    /* The restarted cluster elects the stream's leader when it can (slowly on a loaded
     * machine): the stop comes once everything recorded is in the stream, so its 10 s drain
     * is not what is being tested. */
    tr_records rs;
    char err[256];
    assert_int_equal(tr_read_records(&rs, f->a->logs, err, sizeof err), 0);
    wait_stored(f, (long)rs.n, 120);
    tr_records_free(&rs);
    if (ob_stop(f->a, 40) != 0 || !ob_file_contains(f->a->err, "0 pending") ||
        !ob_file_contains(f->a->err, " 0 failed"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    assert_files_complete(f->a, f->a->logs);
    assert_int_equal(ncl_wait_ready(&f->c, -1, 30), 0);
    size_t n_msgs = assert_stream_equals_truth(f, OB_SYMS, 2);
    print_message("stream: %zu messages after 3 s with no NATS\n", n_msgs);
}

/* --shard 1/2 and 2/2 on two processes given the same list: their files are disjoint, and
 * the stream holds every event of every symbol once. */
static void test_nats_two_shards_disjoint_and_complete(void **state)
{
    fixture *f = *state;
    static const char *pool[] = {"BTCUSDT", "ETHUSDT", "BNBBTC",   "XRPUSDT",
                                 "SOLUSDT", "ADAUSDT", "DOGEUSDT", "LTCBTC"};
    const char *one[2], *two[2], *all[4];
    int n1 = 0, n2 = 0;
    for (size_t i = 0; i < sizeof pool / sizeof *pool; i++) {
        if (sym_in_shard(pool[i], 1, 2) && n1 < 2)
            one[n1++] = pool[i];
        else if (sym_in_shard(pool[i], 2, 2) && n2 < 2)
            two[n2++] = pool[i];
    }
    assert_true(n1 == 2 && n2 == 2);
    all[0] = one[0], all[1] = two[0], all[2] = one[1], all[3] = two[1];
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    char scenario[256];
    snprintf(scenario, sizeof scenario, "symbols %s %s %s %s\nrate 50\nevents 200\n", all[0],
             all[1], all[2], all[3]);
    ob_start_server(f->a, "localhost", scenario);
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s", f->c.url);
    write_conf(f, f->a->conf, f->a->logs, nats);
    write_conf(f, f->b->conf, f->b->logs, nats);
    f->b->fs = f->a->fs;
    f->b->fs.pid = 0;
    char names[4][16];
    for (int i = 0; i < 4; i++)
        snprintf(names[i], sizeof names[i], "%s", all[i]);
    char *args_a[] = {"-c",     f->a->conf, "--shard", "1/2", names[0],
                      names[1], names[2],   names[3],  NULL};
    char *args_b[] = {"-c",     f->b->conf, "--shard", "2/2", names[0],
                      names[1], names[2],   names[3],  NULL};
    ob_spawn(f->a, args_a, NULL);
    ob_spawn(f->b, args_b, NULL);
    wait_captured_of(f->a, f->a->logs, one, 2, 60);
    wait_captured_of(f->a, f->b->logs, two, 2, 60);
    if (ob_stop(f->a, 30) != 0 || ob_stop(f->b, 30) != 0)
        ob_fail_with_logs(f->a, "orderbook did not stop with 0");
    assert_files_complete_of(f->a, f->a->logs, one, 2);
    assert_files_complete_of(f->a, f->b->logs, two, 2);
    size_t n_msgs = assert_stream_equals_truth(f, all, 4);
    print_message("stream: %zu messages from two shards\n", n_msgs);
}

/* An unreachable [nats] url at start: a clear message, and the capture goes on. */
static void test_nats_orderbook_unreachable_url_capture_goes_on(void **state)
{
    fixture *f = *state;
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 100\n");
    write_conf(f, f->a->conf, f->a->logs, "url = nats://127.0.0.1:1");
    spawn_orderbook(f->a);
    ob_wait_for_text(f->a, f->a->err, "NATS: cannot connect to nats://127.0.0.1:1", 20);
    wait_captured(f->a, f->a->logs, 60);
    if (ob_stop(f->a, 30) != 0)
        ob_fail_with_logs(f->a, "orderbook did not stop with 0");
    assert_files_complete(f->a, f->a->logs);
    if (!ob_file_contains(f->a->err, "nats: 0 published"))
        ob_fail_with_logs(f->a, "the summary does not say nothing was published");
}

/* A malformed [nats] url: exit 2 naming the key. */
static void test_nats_orderbook_malformed_url_exit_2(void **state)
{
    fixture *f = *state;
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 10\n");
    write_conf(f, f->a->conf, f->a->logs, "url = nats//127.0.0.1:4222");
    spawn_orderbook(f->a);
    int rc = proc_wait(f->a->pid, 20);
    f->a->pid = 0;
    if (rc != 2 || !ob_file_contains(f->a->err, "[nats] url"))
        ob_fail_with_logs(f->a, "exit %d, expected 2 and a message naming [nats] url", rc);
}

static pid_t spawn_archive(char *conf, const char *err)
{
    char *argv[] = {DEPTHLOG_ARCHIVE, "-c", conf, NULL};
    pid_t pid = proc_spawn(argv, err, NULL);
    assert_true(pid > 0);
    return pid;
}

/* Lines of every file in dir (sorted), and whether each is in the file of its ts. */
typedef struct lines {
    char **l;
    size_t n;
} lines;

static int by_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static lines read_lines(const char *dir, int check_files)
{
    lines ls = {NULL, 0};
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = tu_read_file(path, NULL);
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            if (check_files) {
                int64_t ns;
                char want[64];
                assert_int_equal(stamp_of(line, strlen(line), &ns), 0);
                alog_file_name(ns, ALOG_ROLL_5SEC, 1, ALOG_COMPRESS_NONE, want, sizeof want);
                if (strcmp(want, e->d_name) != 0)
                    fail_msg("a record stamped for %s is in %s: %.120s", want, e->d_name, line);
            }
            ls.l = realloc(ls.l, (ls.n + 1) * sizeof *ls.l);
            ls.l[ls.n++] = strdup(line);
        }
        free(text);
    }
    closedir(d);
    if (ls.n > 1)
        qsort(ls.l, ls.n, sizeof *ls.l, by_str);
    return ls;
}

static void lines_free(lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->l[i]);
    free(ls->l);
}

/* Poll until the archive has written at least n lines (its directory appears with them). */
static void wait_archived(const char *dir, size_t n, int seconds, ob_run *r)
{
    ob_poll p = ob_poll_start(seconds);
    for (;;) {
        DIR *d = opendir(dir);
        if (d != NULL) {
            closedir(d);
            lines ls = read_lines(dir, 0);
            size_t have = ls.n;
            lines_free(&ls);
            if (have >= n)
                return;
        }
        ob_poll_next(r, &p, "the archive wrote fewer than %zu lines within %d s", n, seconds);
    }
}

/* orderbook-archive without a [nats] url, or with a malformed one: exit 2 with the reason. */
static void test_nats_archive_bad_configuration_exit_2(void **state)
{
    fixture *f = *state;
    char conf[PATH_MAX + 16], err[PATH_MAX + 16];
    snprintf(conf, sizeof conf, "%s/archive.conf", f->dir);
    snprintf(err, sizeof err, "%s/archive.err", f->dir);
    const char *cases[][2] = {{"url =", "[nats] url is empty"},
                              {"url = nats//127.0.0.1:4222", "[nats] url"}};
    for (int i = 0; i < 2; i++) {
        FILE *c = fopen(conf, "w");
        fprintf(c, "[log]\ndir = %s/archive\n[nats]\n%s\n", f->dir, cases[i][0]);
        fclose(c);
        pid_t pid = spawn_archive(conf, err);
        int rc = proc_wait(pid, 20);
        char *text = tu_read_file(err, NULL);
        if (rc != 2 || text == NULL || strstr(text, cases[i][1]) == NULL)
            fail_msg("\"%s\": exit %d, expected 2 and \"%s\": %s", cases[i][0], rc, cases[i][1],
                     text ? text : "(nothing)");
        free(text);
    }
}

/* orderbook-archive killed mid-run and restarted, then NATS down for 2 s under it: its files
 * hold every record orderbook wrote (and published), each in the file of its ts, and no more
 * duplicates than one unacknowledged batch. */
static void test_nats_archive_killed_and_restarted_keeps_everything(void **state)
{
    fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 100\nevents 1000\n");
    char nats[512], arch_logs[PATH_MAX + 16], arch_conf[PATH_MAX + 16], arch_err[PATH_MAX + 16];
    snprintf(nats, sizeof nats, "url = %s", f->c.url);
    write_conf(f, f->a->conf, f->a->logs, nats);
    snprintf(arch_logs, sizeof arch_logs, "%s/archive", f->dir);
    snprintf(arch_conf, sizeof arch_conf, "%s/archive.conf", f->dir);
    write_conf(f, arch_conf, arch_logs, nats);
    spawn_orderbook(f->a);
    snprintf(arch_err, sizeof arch_err, "%s/archive1.err", f->dir);
    f->archive = spawn_archive(arch_conf, arch_err);
    wait_archived(arch_logs, 300, 30, f->a);
    kill(f->archive, SIGKILL);
    proc_wait(f->archive, 10);
    sleep(2);
    snprintf(arch_err, sizeof arch_err, "%s/archive2.err", f->dir);
    f->archive = spawn_archive(arch_conf, arch_err);
    /* And NATS itself goes away for 2 s under both of them. */
    sleep(2);
    ncl_kill(&f->c, 0);
    sleep(2);
    assert_int_equal(ncl_restart(&f->c, 0), 0);
    wait_captured(f->a, f->a->logs, 60);
    if (ob_stop(f->a, 30) != 0 || !ob_file_contains(f->a->err, "0 pending"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    wait_captured(f->a, arch_logs, 30);
    /* The archive has the last events; the batch its first run took and never acknowledged
     * comes back after the consumer's ack wait (10 s). */
    int64_t deadline = tu_mono_ns() + 40LL * 1000000000LL;
    lines mine = read_lines(f->a->logs, 1), arch = {NULL, 0};
    for (;;) {
        arch = read_lines(arch_logs, 1);
        size_t have = 0;
        for (size_t i = 0, j = 0; i < mine.n && j < arch.n;) {
            int c = strcmp(mine.l[i], arch.l[j]);
            if (c == 0) {
                have++;
                i++;
                while (j < arch.n && strcmp(arch.l[j], mine.l[i - 1]) == 0)
                    j++;
            } else if (c < 0) {
                i++;
            } else {
                j++;
            }
        }
        if (have == mine.n)
            break;
        if (tu_mono_ns() > deadline)
            fail_msg("the archive holds %zu of orderbook's %zu records", have, mine.n);
        lines_free(&arch);
        usleep(200000);
    }
    kill(f->archive, SIGTERM);
    assert_int_equal(proc_wait(f->archive, 30), 0);
    f->archive = 0;
    lines_free(&arch);
    arch = read_lines(arch_logs, 1);
    size_t dups = 0;
    for (size_t j = 1; j < arch.n; j++)
        if (strcmp(arch.l[j], arch.l[j - 1]) == 0)
            dups++;
    print_message("archive: %zu lines for orderbook's %zu records, %zu written twice\n", arch.n,
                  mine.n, dups);
    assert_int_equal(arch.n - dups, mine.n);
    assert_true(dups <= 1000);
    if (!ob_file_contains(arch_err, "lag"))
        fail_msg("the archive's status line shows no lag");
    lines_free(&arch);
    lines_free(&mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nats_two_publishers_leader_killed_each_event_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_whole_cluster_down_nothing_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_unreachable_at_start_then_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_deleted_stream_is_made_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_stream_with_other_subjects_is_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_full_buffer_counts_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_publish_rate_r3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_two_orderbooks_one_copy_equal_to_the_truth, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_raw_frames_from_two_hosts_stored_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_orderbook_whole_cluster_down_nothing_lost, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_two_shards_disjoint_and_complete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_orderbook_unreachable_url_capture_goes_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_orderbook_malformed_url_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_archive_bad_configuration_exit_2, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nats_archive_killed_and_restarted_keeps_everything,
                                        setup, teardown),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
