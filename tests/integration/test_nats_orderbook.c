/*
 * The real orderbook publishing into a real nats-server cluster on 127.0.0.1, against the fake
 * Binance: two orderbook processes capturing the same symbols into the cluster while a node
 * is killed and restarted (the stream holds each event once, equal to the truth; each
 * process's files are complete), raw frames from two hosts, the whole cluster down, two
 * shards, an unreachable or malformed URL. (The publisher alone: test_nats_publish.c.)
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "nats_fixture.h"
#include "nats_stream.h"
#include "ob_run.h"
#include "ob_wait.h"
#include "records.h"
#include "symbol.h"
#include "test_util.h"

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
    assert_files_complete_of(r, logs, nf_ob_syms, 2);
}

/* The stream's records, read as files are (a directory holding one file of them). */
static void read_stream_records(nf_fixture *f, tr_records *rs, size_t *n_msgs)
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
static size_t assert_stream_equals_truth(nf_fixture *f, const char *const *syms, int n)
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
    nf_fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 600\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s\nreplicas = 3", f->c.url);
    nf_write_conf(f, f->a->conf, f->a->logs, nats);
    nf_write_conf(f, f->b->conf, f->b->logs, nats);
    f->b->fs = f->a->fs;
    f->b->fs.pid = 0; /* a's server: a stops it */
    nf_spawn_orderbook(f->a);
    nf_spawn_orderbook(f->b);
    nf_wait_stored(f, 200, 60);
    char leader[32];
    if (ns_leader(f->c.url, "DEPTHLOG", leader, sizeof leader) != 0)
        ob_fail_with_logs(f->a, "no stream leader");
    int killed = nf_node_of(leader);
    ncl_kill(&f->c, killed);
    sleep(3);
    assert_int_equal(ncl_restart(&f->c, killed), 0);
    nf_wait_captured(f->a, f->a->logs, 60);
    nf_wait_captured(f->a, f->b->logs, 60);
    if (ob_stop(f->a, 30) != 0 || ob_stop(f->b, 30) != 0)
        ob_fail_with_logs(f->a, "orderbook did not stop with 0");
    assert_true(ob_file_contains(f->a->err, "nats: ") && ob_file_contains(f->b->err, "nats: "));
    if (!ob_file_contains(f->a->err, "| nats published "))
        ob_fail_with_logs(f->a, "the status line shows no nats counts");
    if (!ob_file_contains(f->a->err, "0 pending") || !ob_file_contains(f->b->err, "0 pending"))
        ob_fail_with_logs(f->a, "records left unpublished (b: %s)", f->b->err);
    assert_files_complete(f->a, f->a->logs);
    assert_files_complete(f->a, f->b->logs);

    size_t n_msgs = assert_stream_equals_truth(f, nf_ob_syms, 2);
    print_message("stream: %zu messages from two processes\n", n_msgs);
}

/* Raw frames from two hosts (record = raw): the same frame has the same Msg-Id (stream name
 * and u), so the stream holds each event's frame once. */
static void test_nats_raw_frames_from_two_hosts_stored_once(void **state)
{
    nf_fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 200\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s", f->c.url);
    nf_write_conf(f, f->a->conf, f->a->logs, nats);
    nf_write_conf(f, f->b->conf, f->b->logs, nats);
    for (int i = 0; i < 2; i++) {
        FILE *c = fopen(i ? f->b->conf : f->a->conf, "a");
        fprintf(c, "\n[book]\nrecord = raw\n");
        fclose(c);
    }
    f->b->fs = f->a->fs;
    f->b->fs.pid = 0;
    nf_spawn_orderbook(f->a);
    nf_spawn_orderbook(f->b);
    tr_truth t;
    char err[256];
    nf_wait_captured(f->a, f->a->logs, 60);
    nf_wait_captured(f->a, f->b->logs, 60);
    if (ob_stop(f->a, 30) != 0 || ob_stop(f->b, 30) != 0 ||
        !ob_file_contains(f->a->err, "0 pending") || !ob_file_contains(f->b->err, "0 pending"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    assert_int_equal(tr_read_truth(&t, f->a->fs.truth, err, sizeof err), 0);
    ns_msgs ms;
    assert_int_equal(ns_read_all(f->c.url, "DEPTHLOG", &ms), 0);
    for (int k = 0; k < 2; k++) {
        const char *sym = nf_ob_syms[k];
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
    nf_fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 3), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 500\n");
    char nats[512];
    snprintf(nats, sizeof nats, "url = %s\nreplicas = 3", f->c.url);
    nf_write_conf(f, f->a->conf, f->a->logs, nats);
    nf_spawn_orderbook(f->a);
    nf_wait_stored(f, 100, 60);
    for (int i = 0; i < 3; i++)
        ncl_kill(&f->c, i);
    ob_wait_for_text(f->a, f->a->err, "NATS: disconnected", 10);
    sleep(3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ncl_restart(&f->c, i), 0);
    nf_wait_captured(f->a, f->a->logs, 60);
    ob_wait_for_text(f->a, f->a->err, "NATS: connected to", 30);
    /* The restarted cluster elects the stream's leader when it can (slowly on a loaded
     * machine): the stop comes once everything recorded is in the stream, so its 10 s drain
     * is not what is being tested. */
    tr_records rs;
    char err[256];
    assert_int_equal(tr_read_records(&rs, f->a->logs, err, sizeof err), 0);
    nf_wait_stored(f, (long)rs.n, 120);
    tr_records_free(&rs);
    if (ob_stop(f->a, 40) != 0 || !ob_file_contains(f->a->err, "0 pending") ||
        !ob_file_contains(f->a->err, " 0 failed"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    assert_files_complete(f->a, f->a->logs);
    assert_int_equal(ncl_wait_ready(&f->c, -1, 30), 0);
    size_t n_msgs = assert_stream_equals_truth(f, nf_ob_syms, 2);
    print_message("stream: %zu messages after 3 s with no NATS\n", n_msgs);
}

/* --shard 1/2 and 2/2 on two processes given the same list: their files are disjoint, and
 * the stream holds every event of every symbol once. */
static void test_nats_two_shards_disjoint_and_complete(void **state)
{
    nf_fixture *f = *state;
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
    nf_write_conf(f, f->a->conf, f->a->logs, nats);
    nf_write_conf(f, f->b->conf, f->b->logs, nats);
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
    nf_wait_captured_of(f->a, f->a->logs, one, 2, 60);
    nf_wait_captured_of(f->a, f->b->logs, two, 2, 60);
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
    nf_fixture *f = *state;
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 100\n");
    nf_write_conf(f, f->a->conf, f->a->logs, "url = nats://127.0.0.1:1");
    nf_spawn_orderbook(f->a);
    ob_wait_for_text(f->a, f->a->err, "NATS: cannot connect to nats://127.0.0.1:1", 20);
    nf_wait_captured(f->a, f->a->logs, 60);
    if (ob_stop(f->a, 30) != 0)
        ob_fail_with_logs(f->a, "orderbook did not stop with 0");
    assert_files_complete(f->a, f->a->logs);
    if (!ob_file_contains(f->a->err, "nats: 0 published"))
        ob_fail_with_logs(f->a, "the summary does not say nothing was published");
}

/* A malformed [nats] url: exit 2 naming the key. */
static void test_nats_orderbook_malformed_url_exit_2(void **state)
{
    nf_fixture *f = *state;
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 50\nevents 10\n");
    nf_write_conf(f, f->a->conf, f->a->logs, "url = nats//127.0.0.1:4222");
    nf_spawn_orderbook(f->a);
    int rc = proc_wait(f->a->pid, 20);
    f->a->pid = 0;
    if (rc != 2 || !ob_file_contains(f->a->err, "[nats] url"))
        ob_fail_with_logs(f->a, "exit %d, expected 2 and a message naming [nats] url", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        NF_TEST(test_nats_two_orderbooks_one_copy_equal_to_the_truth),
        NF_TEST(test_nats_raw_frames_from_two_hosts_stored_once),
        NF_TEST(test_nats_orderbook_whole_cluster_down_nothing_lost),
        NF_TEST(test_nats_two_shards_disjoint_and_complete),
        NF_TEST(test_nats_orderbook_unreachable_url_capture_goes_on),
        NF_TEST(test_nats_orderbook_malformed_url_exit_2),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
