/* The feed: the lws context, its lifecycle and timers; the connections do the rest. */
#include "feed.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "feed_internal.h"
#include "rest_client.h"
#include "streams.h"
#include "ws_conn.h"

#define CLOSE_WAIT_US 2000000  /* at stop, how long the close handshakes may take */
#define MBB_CHECK_US  200000   /* how often connections are looked at for replacing */
#define MBB_GRACE_US  1000000  /* a replacement delivers this long before the old one closes */
#define MBB_QUIET_US  10000000 /* subscribed this long without a message (quiet streams): done */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void feed_request_snapshot(feed *f, const char *symbol)
{
    rest_client_request(f->rest, symbol);
}

void feed_request_listing(feed *f)
{
    rest_client_request_listing(f->rest);
}

int64_t feed_rest_weight(const feed *f)
{
    return rest_client_used_weight(f->rest);
}

/* ---- the context's first protocol: trust, and what lws hands only to it ---- */

static int first_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS: {
        /* Added to the system's trust, never instead of it, and checks stay on. */
        feed *f = lws_context_user(lws_get_context(wsi));
        if (f->ca_file[0] != '\0' &&
            SSL_CTX_load_verify_locations((SSL_CTX *)user, f->ca_file, NULL) != 1) {
            lwsl_err("ca_file %s: cannot load it as PEM certificates\n", f->ca_file);
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
    case LWS_CALLBACK_WSI_DESTROY: {
        /* lws 4.1.6 calls these on the context's first protocol whatever the connection's:
         * hand them to the protocol the connection is bound to. */
        const struct lws_protocols *p = lws_get_protocol(wsi);
        if (p != NULL && p->callback != first_callback)
            return p->callback(wsi, reason, user, in, len);
        return 0;
    }
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols first_protocol = {"depthlog", first_callback, 0, 0, 0, NULL, 0};

/* ---- lifecycle ---- */

static void tick_cb(lws_sorted_usec_list_t *sul)
{
    feed *f = lws_container_of(sul, feed, tick);
    if (f->stopping)
        return;
    if (f->h.on_tick != NULL)
        f->h.on_tick(f->h.ctx);
    lws_sul_schedule(f->ctx, 0, &f->tick, tick_cb, LWS_US_PER_SEC);
}

/* ---- make-before-break ---- */

/* Start replacing conns[i]: its clone opens and subscribes while it goes on. */
static void mbb_start(feed *f, size_t i, const char *why)
{
    ws_conn **sp = realloc(f->spares, (f->n_spares + 1) * sizeof *sp);
    if (sp == NULL)
        return;
    f->spares = sp;
    ws_conn *fresh = ws_conn_clone(f->conns[i], ((uint32_t)now_us() ^ (uint32_t)i) | 1u);
    if (fresh == NULL)
        return;
    f->spares[f->n_spares++] = fresh;
    f->fresh = fresh;
    f->fresh_for = i;
    f->fresh_ready = 0;
    snprintf(f->fresh_why, sizeof f->fresh_why, "%s", why);
    ws_conn_being_replaced(f->conns[i]);
    ws_conn_open(fresh);
}

/* The replacement delivers: it takes the old one's place, and the old one closes. */
static void mbb_finish(feed *f)
{
    ws_conn *old = f->conns[f->fresh_for];
    f->conns[f->fresh_for] = f->fresh;
    for (size_t k = 0; k < f->n_spares; k++)
        if (f->spares[k] == f->fresh)
            f->spares[k] = old;
    f->fresh = NULL;
    ws_conn_retire(old, f->fresh_why);
}

static void mbb_cb(lws_sorted_usec_list_t *sul)
{
    feed *f = lws_container_of(sul, feed, mbb_check);
    if (f->stopping)
        return;
    int64_t now = now_us();
    if (f->fresh != NULL) {
        if (!ws_conn_is_up(f->conns[f->fresh_for]))
            mbb_finish(f); /* the old one dropped first: the replacement, up or not, is all */
        else if (ws_conn_subscribed(f->fresh) && ws_conn_age_us(f->fresh, now) >= MBB_QUIET_US)
            mbb_finish(f); /* its streams are quiet: nothing to wait for */
        else if (!ws_conn_delivering(f->fresh))
            f->fresh_ready = 0;
        else if (f->fresh_ready == 0)
            f->fresh_ready = now;
        else if (now - f->fresh_ready >= MBB_GRACE_US)
            mbb_finish(f);
    } else {
        int64_t max_age = (int64_t)f->cfg.max_age_s * 1000000;
        for (size_t i = 0; i < f->n_conns; i++) {
            if (ws_conn_shutdown_seen(f->conns[i])) {
                mbb_start(f, i, "replaced: serverShutdown");
                break;
            }
            if (max_age > 0 && ws_conn_age_us(f->conns[i], now) >= max_age) {
                mbb_start(f, i, "replaced: max_connection_age_s");
                break;
            }
        }
    }
    lws_sul_schedule(f->ctx, 0, &f->mbb_check, mbb_cb, MBB_CHECK_US);
}

static struct lws_context *make_context(feed *f, size_t n_conns, size_t longest)
{
    f->protocols[0] = first_protocol;
    f->protocols[1] = ws_conn_protocol;
    f->protocols[2] = rest_client_protocol;
    memset(&f->protocols[3], 0, sizeof f->protocols[3]); /* the list's end */

    /* lws's own errors and warnings stay on stderr: they name what failed underneath. */
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = f->protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = f;
    /* The handshake request is built in this buffer. */
    info.pt_serv_buf_size = (unsigned)(longest + 8192 > 32768 ? longest + 8192 : 32768);
    /* The connections, two snapshot requests, lws's own, and a make-before-break. */
    info.fd_limit_per_thread = (unsigned)(1 + n_conns + 2 + 4 + 2); /* +2: a replacement */
    return lws_create_context(&info);
}

/* The trade streams' connections: their ups and downs touch no book. */
static void trades_up(void *ctx, const char *const *symbols, size_t n)
{
    feed_leg *l = ctx;
    (void)symbols, (void)n;
    if (l->f->h.on_trades_conn != NULL)
        l->f->h.on_trades_conn(l->f->h.ctx, l->leg, 1, l->path, NULL);
}

static void trades_down(void *ctx, const char *const *symbols, size_t n, const char *why)
{
    feed_leg *l = ctx;
    (void)symbols, (void)n;
    if (l->f->h.on_trades_conn != NULL)
        l->f->h.on_trades_conn(l->f->h.ctx, l->leg, 0, l->path, why);
}

/* The depth connections: their ups and downs name their leg when the handlers want it. */
static void leg_up(void *ctx, const char *const *symbols, size_t n)
{
    feed_leg *l = ctx;
    if (l->f->h.on_leg_up != NULL)
        l->f->h.on_leg_up(l->f->h.ctx, l->leg, l->path, symbols, n);
    else
        l->f->h.on_connected(l->f->h.ctx, symbols, n);
}

static void leg_down(void *ctx, const char *const *symbols, size_t n, const char *why)
{
    feed_leg *l = ctx;
    if (l->f->h.on_leg_down != NULL)
        l->f->h.on_leg_down(l->f->h.ctx, l->leg, symbols, n, why);
    else
        l->f->h.on_disconnected(l->f->h.ctx, symbols, n, why);
}

static void leg_message(void *ctx, const char *msg, size_t len)
{
    feed_leg *l = ctx;
    l->f->h.on_message(l->f->h.ctx, msg, len);
}

static void leg_problem(void *ctx, const char *what)
{
    feed_leg *l = ctx;
    l->f->h.on_problem(l->f->h.ctx, what);
}

static void leg_joined(void *ctx, const char *const *symbols, size_t n)
{
    feed_leg *l = ctx;
    if (l->f->h.on_joined != NULL)
        l->f->h.on_joined(l->f->h.ctx, l->leg, symbols, n);
}

/* Whether conns[i] belongs to group g. */
static int in_group(const feed_group *g, size_t i)
{
    return i >= g->first && i < g->first + g->n;
}

/* The clients, once the context is there. Takes the paths over. */
static int make_clients(feed *f, char **paths, const size_t *counts, size_t n_paths)
{
    const feed_config *cfg = &f->cfg;
    ws_conn_endpoint ep[2] = {
        {f->ctx, f->ws_host, cfg->ws.port, cfg->ws.tls, &f->idle, &f->budget},
        {f->ctx, f->wsb_host, cfg->ws_b.port, cfg->ws_b.tls, &f->idle, &f->budget}};
    ws_conn_events ev[2][2]; /* [leg][trades] */
    for (int leg = 0; leg < 2; leg++) {
        ev[leg][0] =
            (ws_conn_events){&f->legs[leg], leg_up, leg_down, leg_message, leg_problem, leg_joined};
        /* A trade stream added later starts nothing: its trades are recorded as they come. */
        ev[leg][1] = (ws_conn_events){&f->trade_legs[leg], trades_up,   trades_down,
                                      leg_message,         leg_problem, NULL};
    }
    const char *const *syms = cfg->symbols;
    for (size_t i = 0; i < n_paths; i++) {
        uint32_t seed = ((uint32_t)now_us() ^ (uint32_t)(i * 2654435761u)) | 1u;
        int leg = i >= f->depth[1].first && cfg->legs == 2;
        int trades = in_group(&f->trades[leg], i);
        streams_spec spec = {cfg->market, cfg->speed_ms, trades};
        if (i == f->depth[leg].first || i == f->trades[leg].first)
            syms = cfg->symbols; /* every group carries all the symbols */
        f->conns[i] =
            ws_conn_create(&ep[leg], paths[i], syms, counts[i], &spec, &ev[leg][trades], seed);
        paths[i] = NULL;
        if (f->conns[i] == NULL)
            return -1;
        f->n_conns++;
        syms += counts[i];
    }
    rest_client_endpoint rep = {f->ctx,       f->rest_host, cfg->rest.port,     cfg->rest.tls,
                                f->rest_path, cfg->market,  cfg->snapshot_limit};
    rest_client_events rev = {f->h.ctx, f->h.on_snapshot, f->h.on_symbol_rejected, f->h.on_problem,
                              f->h.on_listing};
    f->rest = rest_client_create(&rep, cfg->symbols, cfg->n_symbols, &rev, (uint32_t)now_us() | 1u);
    return f->rest == NULL ? -1 : 0;
}

feed *feed_create(const feed_config *cfg, const feed_handlers *h)
{
    if (cfg->n_symbols == 0) {
        errno = EINVAL;
        return NULL;
    }
    feed *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->cfg = *cfg;
    f->h = *h;
    if (feed_copy_endpoints(f, cfg) != 0) {
        free(f);
        errno = EINVAL;
        return NULL;
    }
    feed_set_idle_policy(f);
    conn_budget_init(&f->budget);
    /* At least one symbol per connection. */
    size_t most = (cfg->trades ? 2u : 1u) * (cfg->legs == 2 ? 2u : 1u) * cfg->n_symbols;
    char **paths = calloc(most, sizeof *paths);
    size_t *counts = calloc(most, sizeof *counts);
    f->conns = calloc(most, sizeof *f->conns);
    size_t n_paths = 0, longest = 0;
    int ok = paths != NULL && counts != NULL && f->conns != NULL &&
             feed_make_paths(f, paths, counts, &n_paths, &longest) == 0 &&
             (f->ctx = make_context(f, n_paths, longest)) != NULL &&
             make_clients(f, paths, counts, n_paths) == 0;
    for (size_t i = 0; paths != NULL && i < n_paths; i++)
        free(paths[i]); /* those not taken over */
    free(paths);
    free(counts);
    if (!ok) {
        feed_destroy(f);
        errno = ENOMEM;
        return NULL;
    }
    return f;
}

/* The last connection of each group (depth and trades, on each leg): the ones new streams
 * join. Returns how many, their indices in last[]. */
static size_t last_conns(const feed *f, size_t last[4])
{
    size_t n = 0;
    for (int leg = 0; leg < 2; leg++) {
        if (f->depth[leg].n > 0)
            last[n++] = f->depth[leg].first + f->depth[leg].n - 1;
        if (f->trades[leg].n > 0)
            last[n++] = f->trades[leg].first + f->trades[leg].n - 1;
    }
    return n;
}

size_t feed_room(const feed *f)
{
    size_t last[4], n = last_conns(f, last), room = STREAMS_PER_CONN;
    for (size_t j = 0; j < n; j++)
        if (STREAMS_PER_CONN - ws_conn_count(f->conns[last[j]]) < room)
            room = STREAMS_PER_CONN - ws_conn_count(f->conns[last[j]]);
    return room;
}

int feed_add_symbols(feed *f, const char *const *symbols, size_t k)
{
    size_t last[4], n = last_conns(f, last);
    if (feed_room(f) < k) {
        errno = ENOSPC;
        return -1;
    }
    if (rest_client_add(f->rest, symbols, k) != 0) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        /* A replacement being brought up carries them too, or they would end with the old. */
        int fresh = f->fresh != NULL && f->fresh_for == last[j];
        if ((fresh && ws_conn_add(f->fresh, symbols, k) != 0) ||
            ws_conn_add(f->conns[last[j]], symbols, k) != 0) {
            errno = ENOMEM;
            return -1;
        }
    }
    return 0;
}

static int all_closed(const feed *f)
{
    for (size_t i = 0; i < f->n_conns; i++)
        if (!ws_conn_closed(f->conns[i]))
            return 0;
    for (size_t i = 0; i < f->n_spares; i++)
        if (!ws_conn_closed(f->spares[i]))
            return 0;
    return 1;
}

static void wake_cb(lws_sorted_usec_list_t *sul)
{
    (void)sul; /* only wakes lws_service so the deadline is looked at */
}

/* Close every websocket with a close frame, and give the handshakes a moment. */
static void close_all(feed *f)
{
    rest_client_stop(f->rest);
    lws_sul_cancel(&f->tick);
    lws_sul_cancel(&f->mbb_check);
    for (size_t i = 0; i < f->n_conns; i++)
        ws_conn_close(f->conns[i]);
    for (size_t i = 0; i < f->n_spares; i++)
        ws_conn_close(f->spares[i]);
    int64_t deadline = now_us() + CLOSE_WAIT_US;
    while (!all_closed(f) && now_us() < deadline) {
        lws_sul_schedule(f->ctx, 0, &f->tick, wake_cb, 100 * LWS_US_PER_MS);
        if (lws_service(f->ctx, 0) < 0)
            break;
    }
    lws_sul_cancel(&f->tick);
}

int feed_run(feed *f)
{
    for (size_t i = 0; i < f->n_conns; i++)
        ws_conn_open(f->conns[i]);
    lws_sul_schedule(f->ctx, 0, &f->tick, tick_cb, LWS_US_PER_SEC);
    lws_sul_schedule(f->ctx, 0, &f->mbb_check, mbb_cb, MBB_CHECK_US);
    while (!atomic_load(&f->stop)) {
        if (lws_service(f->ctx, 0) < 0)
            break;
    }
    close_all(f);
    f->stopping = 1;
    return 0;
}

void feed_stop(feed *f)
{
    atomic_store(&f->stop, 1);
    if (f->ctx != NULL)
        lws_cancel_service(f->ctx);
}

void feed_destroy(feed *f)
{
    if (f == NULL)
        return;
    f->stopping = 1;
    if (f->ctx != NULL) {
        /* Nothing may call back into the pipeline from here on. */
        if (f->rest != NULL)
            rest_client_stop(f->rest);
        for (size_t i = 0; i < f->n_conns; i++)
            ws_conn_close(f->conns[i]);
        for (size_t i = 0; i < f->n_spares; i++)
            ws_conn_close(f->spares[i]);
        lws_context_destroy(f->ctx); /* closes whatever is still open */
    }
    for (size_t i = 0; f->conns != NULL && i < f->n_conns; i++)
        ws_conn_destroy(f->conns[i]);
    for (size_t i = 0; i < f->n_spares; i++)
        ws_conn_destroy(f->spares[i]);
    free(f->spares);
    rest_client_destroy(f->rest);
    free(f->conns);
    for (int leg = 0; leg < 2; leg++) {
        free(f->legs[leg].path);
        free(f->trade_legs[leg].path);
    }
    free(f);
}
