/*
 * A real NATS JetStream cluster for the integration tests: nats-server processes on
 * 127.0.0.1 with distinct client and route ports, their stores in the test's directory,
 * routes between all of them. Nodes can be killed and restarted with their stores.
 */
#ifndef NATS_CLUSTER_H
#define NATS_CLUSTER_H

#include <limits.h>
#include <sys/types.h>

#define NCL_MAX_NODES 5

typedef struct ncl_cluster {
    int n;                         /* nodes */
    int port[NCL_MAX_NODES];       /* client ports */
    int route_port[NCL_MAX_NODES]; /* cluster ports */
    pid_t pid[NCL_MAX_NODES];      /* 0: not running */
    int starts[NCL_MAX_NODES];     /* how many times each was started (log names) */
    char dir[PATH_MAX];            /* the test's directory */
    char url[NCL_MAX_NODES * 32];  /* "nats://127.0.0.1:p1,nats://127.0.0.1:p2,..." */
} ncl_cluster;

/* The nats-server binary: $DEPTHLOG_NATS_SERVER, else nats-server in /usr/sbin or PATH. */
const char *ncl_server_path(void);

/* Start `n` nodes (1..NCL_MAX_NODES; 1 is a lone server, no cluster) with their files under
 * dir/nats, and wait (bounded) until JetStream answers with a meta leader. 0, or -1 (what
 * went wrong on stderr, nodes stopped). */
int ncl_start(ncl_cluster *c, const char *dir, int n);

/* Wait at most `seconds` until JetStream answers account info through node i (-1: any
 * node). 0, or -1. */
int ncl_wait_ready(ncl_cluster *c, int node, int seconds);

/* SIGKILL node i and reap it. */
void ncl_kill(ncl_cluster *c, int i);

/* Start node i again with its store; does not wait for it. 0, or -1. */
int ncl_restart(ncl_cluster *c, int i);

/* Stop every node (SIGTERM, then SIGKILL). Safe to call twice. */
void ncl_stop(ncl_cluster *c);

/* The client URL of node i alone. */
void ncl_node_url(const ncl_cluster *c, int i, char *out, size_t len);

#endif
