/*
 * The fixture of the JetStream integration tests (test_nats_*.c): a temporary directory, a
 * nats-server cluster to start in it, two runs of the real orderbook (a also runs the fake
 * Binance), an orderbook-archive to kill at teardown, and what publishers told. Then what
 * the orderbook and archive tests share: their configuration, starting orderbook, and
 * waiting for the stream and the files. Failures are cmocka failures of the calling test.
 *
 * Each test starts its own cluster on ports the kernel picks; the binaries still run one at
 * a time (ctest RESOURCE_LOCK nats_cluster): a killed node restarts on its old ports.
 */
#ifndef NATS_FIXTURE_H
#define NATS_FIXTURE_H

#include <limits.h>
#include <pthread.h>
#include <sys/types.h>

#include "nats_cluster.h"
#include "ob_run.h"

typedef struct nf_fixture {
    char dir[PATH_MAX];
    ncl_cluster c;
    ob_run *a, *b; /* two orderbook processes (a also runs the fake Binance) */
    pid_t archive;
    pthread_mutex_t lock;
    char problems[16384]; /* what the publishers told, one line each */
} nf_fixture;

/* cmocka setup and teardown: *state is the nf_fixture. Teardown kills the archive, stops
 * both runs and the cluster, and removes the directory (kept with DEPTHLOG_KEEP set). */
#define NF_TEST(fn) cmocka_unit_test_setup_teardown(fn, nf_setup, nf_teardown)
int nf_setup(void **state);
int nf_teardown(void **state);

/* The node index of a server name "n1".."n5" (0..4), or -1. */
int nf_node_of(const char *name);

/* BTCUSDT, ETHUSDT: what nf_spawn_orderbook captures. */
extern const char *const nf_ob_syms[2];

/* Poll until the stream holds at least n messages (what orderbook published); fails with the logs
 * after `seconds`. */
void nf_wait_stored(nf_fixture *f, long n, int seconds);

/* orderbook's (or orderbook-archive's) configuration for the fake Binance of `a`, logging
 * into `logs`, with `nats` lines in [nats]. One connection (legs = 1):
 * the records counted here are one connection's (two legs: test_legs.c). */
void nf_write_conf(nf_fixture *f, const char *path, const char *logs, const char *nats);

/* Start orderbook with r->conf on nf_ob_syms. */
void nf_spawn_orderbook(ob_run *r);

/* Wait until the fake Binance is done and `logs` hold its last event of these symbols. */
void nf_wait_captured_of(ob_run *r, const char *logs, const char *const *syms, int n, int seconds);

/* nf_wait_captured_of nf_ob_syms. */
void nf_wait_captured(ob_run *r, const char *logs, int seconds);

#endif
