/* The feed's layout: its endpoints, idle policy, and which streams go on which connection of
 * which leg. Decided once, before the lws context exists. */
#include <stdlib.h>
#include <string.h>

#include "feed_internal.h"
#include "streams.h"

int feed_copy_endpoints(feed *f, const feed_config *cfg)
{
    const char *ws_path = cfg->ws.path ? cfg->ws.path : "";
    const char *rest_path = cfg->rest.path ? cfg->rest.path : "";
    const char *ca = cfg->ca_file ? cfg->ca_file : "";
    if (cfg->ws.host == NULL || cfg->rest.host == NULL || strlen(cfg->ws.host) >= HOST_MAX ||
        strlen(cfg->rest.host) >= HOST_MAX || strlen(ws_path) >= PATH_MAX_LEN ||
        strlen(rest_path) >= PATH_MAX_LEN || strlen(ca) >= sizeof f->ca_file)
        return -1;
    strcpy(f->ws_host, cfg->ws.host);
    strcpy(f->ws_path, ws_path);
    strcpy(f->rest_host, cfg->rest.host);
    strcpy(f->rest_path, rest_path);
    strcpy(f->ca_file, ca);
    if (cfg->legs == 2) {
        const feed_endpoint *b = cfg->ws_b.host != NULL ? &cfg->ws_b : &cfg->ws;
        const char *b_path = b->path ? b->path : "";
        if (strlen(b->host) >= HOST_MAX || strlen(b_path) >= PATH_MAX_LEN)
            return -1;
        strcpy(f->wsb_host, b->host);
        strcpy(f->wsb_path, b_path);
        f->cfg.ws_b = *b;
        f->cfg.ws_b.host = f->wsb_host;
        f->cfg.ws_b.path = f->wsb_path;
    }
    f->cfg.ws.host = f->ws_host;
    f->cfg.ws.path = f->ws_path;
    f->cfg.rest.host = f->rest_host;
    f->cfg.rest.path = f->rest_path;
    f->cfg.ca_file = f->ca_file;
    return 0;
}

void feed_set_idle_policy(feed *f)
{
    /* Ping well before hanging up, so a live but quiet connection answers in time. */
    unsigned ping = f->cfg.ping_s ? f->cfg.ping_s : 20;
    unsigned hangup = f->cfg.hangup_s ? f->cfg.hangup_s : 60;
    if (hangup <= ping)
        hangup = ping * 2;
    f->idle.secs_since_valid_ping = (uint16_t)(ping > 65535 ? 65535 : ping);
    f->idle.secs_since_valid_hangup = (uint16_t)(hangup > 65535 ? 65535 : hangup);
}

/* The connections for every symbol's streams of one kind (depth, or trades) under `prefix`:
 * STREAMS_PER_CONN each, appended to paths/counts. */
static int add_group(const feed_config *cfg, const char *prefix, int trades, char **paths,
                     size_t *counts, size_t *n_paths, size_t *longest, feed_group *g)
{
    g->first = *n_paths;
    for (size_t done = 0; done < cfg->n_symbols;) {
        size_t n = streams_for_conn(cfg->n_symbols - done);
        streams_spec spec = {cfg->market, cfg->speed_ms, trades};
        size_t len = streams_conn_path(&spec, prefix, NULL, 0);
        char *path = malloc(len + 1);
        if (path == NULL)
            return -1;
        streams_conn_path(&spec, prefix, path, len + 1);
        if (strlen(path) > *longest)
            *longest = strlen(path);
        paths[*n_paths] = path;
        counts[(*n_paths)++] = n;
        done += n;
    }
    g->n = *n_paths - g->first;
    return 0;
}

/* The path a connection of this kind on this leg opens, for its records. */
static int leg_path(feed *f, int leg, int trades, feed_leg *out)
{
    streams_spec spec = {f->cfg.market, f->cfg.speed_ms, trades};
    const char *prefix = leg ? f->wsb_path : f->ws_path;
    size_t len = streams_conn_path(&spec, prefix, NULL, 0);
    *out = (feed_leg){f, leg, malloc(len + 1)};
    if (out->path == NULL)
        return -1;
    streams_conn_path(&spec, prefix, out->path, len + 1);
    return 0;
}

/* Split the symbols over connections, per leg and kind (feed.conns). The paths are made
 * before the context, which must be sized for the longest. */
int feed_make_paths(feed *f, char **paths, size_t *counts, size_t *n_paths, size_t *longest)
{
    const feed_config *cfg = &f->cfg;
    *n_paths = 0;
    *longest = 0;
    for (int leg = 0; leg < (cfg->legs == 2 ? 2 : 1); leg++) {
        const char *prefix = leg ? f->wsb_path : f->ws_path;
        if (add_group(cfg, prefix, 0, paths, counts, n_paths, longest, &f->depth[leg]) != 0 ||
            (cfg->trades &&
             add_group(cfg, prefix, 1, paths, counts, n_paths, longest, &f->trades[leg]) != 0))
            return -1;
    }
    for (int leg = 0; leg < 2; leg++)
        if (leg_path(f, leg, 0, &f->legs[leg]) != 0 ||
            leg_path(f, leg, 1, &f->trade_legs[leg]) != 0)
            return -1;
    return 0;
}
