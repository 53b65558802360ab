/* The fixture of the JetStream integration tests (nats_fixture.h). */
#include "nats_fixture.h"

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

#include <signal.h>

#include "nats_stream.h"
#include "ob_wait.h"
#include "proc.h"
#include "truth.h"
#include "test_util.h"

int nf_setup(void **state)
{
    nf_fixture *f = calloc(1, sizeof *f);
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

int nf_teardown(void **state)
{
    nf_fixture *f = *state;
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

int nf_node_of(const char *name)
{
    return name[0] == 'n' ? atoi(name + 1) - 1 : -1;
}

const char *const nf_ob_syms[2] = {"BTCUSDT", "ETHUSDT"};

/* Poll until the stream holds at least n messages (what orderbook published); fails with the logs
 * after `seconds`. */
void nf_wait_stored(nf_fixture *f, long n, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (ns_count(f->c.url, "DEPTHLOG") < n)
        ob_poll_next(f->a, &p, "fewer than %ld records published within %d s", n, seconds);
}

/* orderbook's (or orderbook-archive's) configuration for the fake Binance of `a`, logging
 * into `logs`, with `nats` lines in [nats]. One connection (legs = 1):
 * the records counted here are one connection's (two legs: test_legs.c). */
void nf_write_conf(nf_fixture *f, const char *path, const char *logs, const char *nats)
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

void nf_spawn_orderbook(ob_run *r)
{
    char *args[] = {"-c", r->conf, "BTCUSDT", "ETHUSDT", NULL};
    ob_spawn(r, args, NULL);
}

/* Wait until the fake Binance is done and `logs` hold its last event of these symbols. */
void nf_wait_captured_of(ob_run *r, const char *logs, const char *const *syms, int n, int seconds)
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

void nf_wait_captured(ob_run *r, const char *logs, int seconds)
{
    nf_wait_captured_of(r, logs, nf_ob_syms, 2, seconds);
}
