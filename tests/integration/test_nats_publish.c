/*
 * JetStream publishing against a real 3-node nats-server cluster on 127.0.0.1 (R3): every
 * record stored exactly once, also when two publishers send the same events, through a node
 * killed and restarted, and through the whole cluster down for seconds; a stream with other
 * subjects and an unreachable server are told clearly; the publish rate is measured.
 * (The real binaries: test_nats_orderbook.c, test_nats_archive.c.)
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "nats.h"
#include "nats_fixture.h"
#include "nats_stream.h"
#include "test_util.h"

static void on_problem(void *ctx, const char *what)
{
    nf_fixture *f = ctx;
    pthread_mutex_lock(&f->lock);
    size_t used = strlen(f->problems);
    snprintf(f->problems + used, sizeof f->problems - used, "%s\n", what);
    pthread_mutex_unlock(&f->lock);
}

static int told(nf_fixture *f, const char *needle)
{
    pthread_mutex_lock(&f->lock);
    int found = strstr(f->problems, needle) != NULL;
    pthread_mutex_unlock(&f->lock);
    return found;
}

static npub *publisher(nf_fixture *f, const char *url, int replicas, size_t buffer)
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
static void assert_stream_exactly(nf_fixture *f, long last)
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

/* Two publishers send the same events (as two capture hosts would) into an R3 stream while
 * the stream's leader is killed and later restarted. */
static void test_nats_two_publishers_leader_killed_each_event_once(void **state)
{
    nf_fixture *f = *state;
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
            killed = nf_node_of(leader);
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
    nf_fixture *f = *state;
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
    nf_fixture *f = *state;
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
    nf_fixture *f = *state;
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
    nf_fixture *f = *state;
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
    nf_fixture *f = *state;
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
    nf_fixture *f = *state;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        NF_TEST(test_nats_two_publishers_leader_killed_each_event_once),
        NF_TEST(test_nats_whole_cluster_down_nothing_lost),
        NF_TEST(test_nats_unreachable_at_start_then_resumes),
        NF_TEST(test_nats_deleted_stream_is_made_again),
        NF_TEST(test_nats_stream_with_other_subjects_is_an_error),
        NF_TEST(test_nats_full_buffer_counts_failed),
        NF_TEST(test_nats_publish_rate_r3),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
