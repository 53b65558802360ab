/* The feed's state, shared by feed.c (lifecycle, timers, make-before-break) and
 * feed_layout.c (endpoints and the split of streams over connections). Private to net/. */
#ifndef FEED_INTERNAL_H
#define FEED_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "conn_budget.h"
#include "feed.h"
#include "rest_client.h"
#include "ws_conn.h"

#define HOST_MAX     256
#define PATH_MAX_LEN 512

/* What a connection's events need: its feed and its leg. */
typedef struct feed_leg {
    struct feed *f;
    int leg;    /* 0: ws, 1: ws_b */
    char *path; /* the path its connections open (owned) */
} feed_leg;

/* The connections of one kind on one leg: conns[first..first + n). */
typedef struct feed_group {
    size_t first, n;
} feed_group;

struct feed {
    feed_config cfg;
    char ws_host[HOST_MAX], ws_path[PATH_MAX_LEN];
    char wsb_host[HOST_MAX], wsb_path[PATH_MAX_LEN]; /* the second leg's */
    /* The events of the depth connections, and of the trade connections, per leg. */
    feed_leg legs[2];
    feed_leg trade_legs[2];
    char rest_host[HOST_MAX], rest_path[PATH_MAX_LEN];
    char ca_file[4096];
    feed_handlers h;
    /* Ping and hang-up, set once from the options and shared by every connection. 4.1.6's
     * defaults are 400/400: a ping and a hang-up at the same moment, every 400 s. */
    lws_retry_bo_t idle;
    conn_budget budget; /* websocket connection attempts, every connection's */
    struct lws_context *ctx;
    atomic_int stop;
    int stopping; /* feed_run is ending: no more handler calls */
    ws_conn **conns;
    size_t n_conns;
    /* conns: leg a's depth connections, its trade connections (cfg.trades), then leg b's
     * (legs = 2) in the same order: every stream is on both legs. */
    feed_group depth[2], trades[2];
    rest_client *rest;
    lws_sorted_usec_list_t tick;
    struct lws_protocols protocols[4]; /* lws keeps a pointer to the list */
    /* Make-before-break: one replacement at a time in the whole feed, so the two legs of a
     * stream are never replaced together. */
    lws_sorted_usec_list_t mbb_check;
    ws_conn *fresh;      /* the replacement being brought up, or NULL */
    size_t fresh_for;    /* conns[fresh_for] is the one it replaces */
    int64_t fresh_ready; /* when it was first seen delivering (0: not yet) */
    char fresh_why[64];  /* the old one's disconnected reason */
    ws_conn **spares;    /* connections not in conns: replacements, then the replaced */
    size_t n_spares;
};

/* Copy the endpoints and the CA file into f (cfg's strings need not outlive it): 0, or -1 when
 * one is too long. */
int feed_copy_endpoints(feed *f, const feed_config *cfg);

/* The ping and hang-up times every connection shares, from the options. */
void feed_set_idle_policy(feed *f);

/* Split the symbols over connections, per leg and kind (f->depth, f->trades), and make each
 * leg's record path. paths[] and counts[] get one entry per connection; *longest is the
 * longest path, which the context must be sized for. 0, or -1 out of memory. */
int feed_make_paths(feed *f, char **paths, size_t *counts, size_t *n_paths, size_t *longest);

#endif
