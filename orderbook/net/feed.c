/* The lws client: websocket connections, their reconnects, and the snapshot requests. */
#include "feed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "backoff.h"
#include "streams.h"

#define MAX_MESSAGE   (8u << 20)  /* a bigger websocket message drops the connection */
#define MAX_BODY      (32u << 20) /* a bigger snapshot body is refused */
#define REST_PARALLEL 2           /* snapshot requests in flight at once */
#define WEIGHT_BUDGET 6000u       /* Binance's REST weight per minute */
#define WEIGHT_SHARE  80u         /* % of it we allow ourselves */

enum { KIND_WS = 1, KIND_REST = 2 };

typedef struct conn {
    int kind; /* KIND_WS: first, shared with rest_req */
    feed *f;
    struct lws *wsi;            /* NULL while not connected */
    const char *const *symbols; /* the slice of the feed's symbols this connection carries */
    size_t n;
    char *path; /* "/stream?streams=..." */
    char *msg;  /* the message being reassembled */
    size_t len, cap;
    int skipping;      /* the current message is binary or too large: dropped */
    int up;            /* ESTABLISHED seen and not yet reported down */
    unsigned attempts; /* failed connects since the last success */
    lws_sorted_usec_list_t retry;
} conn;

typedef struct rest_req {
    int kind; /* KIND_REST */
    feed *f;
    char symbol[24];
    int status; /* HTTP status, 0 before the headers */
    char *body;
    size_t len, cap;
    int finished;           /* the outcome was handled */
    unsigned retry_after_s; /* from Retry-After on 429/418/503 */
    struct rest_req *next;  /* in the list of requests in flight */
} rest_req;

typedef struct pending {
    char symbol[24];
    unsigned attempts; /* failed tries of this symbol's request */
} pending;

struct feed {
    feed_config cfg;
    char ca_file[4096];
    feed_handlers h;
    struct lws_context *ctx;
    atomic_int stop;
    int stopping; /* feed_run is ending: no more handler calls */
    conn *conns;
    size_t n_conns;
    pending *queue; /* snapshot requests waiting, in order */
    size_t q_len;
    rest_req *flying; /* requests in flight */
    size_t n_flying;
    int64_t rest_next_us; /* no new request before this (monotonic) */
    lws_sorted_usec_list_t rest_timer;
    lws_sorted_usec_list_t tick;
    char verify_error[200]; /* the last certificate verification failure */
    uint32_t rand_state;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint32_t next_rand(feed *f)
{
    /* xorshift: jitter needs spread, not secrecy */
    uint32_t x = f->rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return f->rand_state = x;
}

static void problem(feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(feed *f, const char *fmt, ...)
{
    if (f->stopping || f->h.on_problem == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->h.on_problem(f->h.ctx, msg);
}

/* ---- websocket connections ---- */

static void conn_connect(conn *c);

static void retry_cb(lws_sorted_usec_list_t *sul)
{
    conn *c = lws_container_of(sul, conn, retry);
    if (!c->f->stopping)
        conn_connect(c);
}

static void schedule_reconnect(conn *c)
{
    uint32_t ms = feed_backoff_ms(c->attempts++, next_rand(c->f));
    lws_sul_schedule(c->f->ctx, 0, &c->retry, retry_cb, (lws_usec_t)ms * 1000);
}

static void conn_down(conn *c, const char *why)
{
    feed *f = c->f;
    c->wsi = NULL;
    c->len = 0;
    c->skipping = 0;
    if (c->up && !f->stopping)
        f->h.on_disconnected(f->h.ctx, c->symbols, c->n, why);
    c->up = 0;
    if (!f->stopping)
        schedule_reconnect(c);
}

static const lws_retry_bo_t *retry_policy(feed *f)
{
    static lws_retry_bo_t policy;
    /* 4.1.6's defaults are 400/400: a ping and a hangup at the same moment, every 400 s.
     * Ping well before hanging up, so a live but quiet connection answers in time. */
    policy.secs_since_valid_ping = (uint16_t)(f->cfg.ping_s ? f->cfg.ping_s : 20);
    policy.secs_since_valid_hangup = (uint16_t)(f->cfg.hangup_s ? f->cfg.hangup_s : 60);
    if (policy.secs_since_valid_hangup <= policy.secs_since_valid_ping)
        policy.secs_since_valid_hangup = (uint16_t)(policy.secs_since_valid_ping * 2);
    return &policy;
}

static void conn_connect(conn *c)
{
    feed *f = c->f;
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = f->ctx;
    i.address = f->cfg.ws.host;
    i.port = f->cfg.ws.port;
    i.path = c->path;
    i.host = f->cfg.ws.host;
    i.origin = f->cfg.ws.host;
    i.ssl_connection = LCCSCF_USE_SSL; /* peer and host name verified: no ALLOW_* flag */
    i.local_protocol_name = "depth";
    i.userdata = c;
    i.pwsi = &c->wsi;
    i.retry_and_idle_policy = retry_policy(f);
    f->verify_error[0] = '\0';
    if (lws_client_connect_via_info(&i) == NULL) {
        c->wsi = NULL;
        problem(f, "cannot start a connection to %s:%d; retrying", f->cfg.ws.host, f->cfg.ws.port);
        schedule_reconnect(c);
    }
}

static int conn_receive(conn *c, struct lws *wsi, const char *in, size_t len)
{
    feed *f = c->f;
    int first = lws_is_first_fragment(wsi);
    if (first) {
        c->len = 0;
        c->skipping = lws_frame_is_binary(wsi);
    }
    if (!c->skipping) {
        if (c->len + len > MAX_MESSAGE) {
            problem(f, "a message from %s is larger than %u bytes: reconnecting", f->cfg.ws.host,
                    MAX_MESSAGE);
            return -1;
        }
        if (c->len + len + 1 > c->cap) {
            size_t cap = c->cap ? c->cap : 65536;
            while (cap < c->len + len + 1)
                cap *= 2;
            char *m = realloc(c->msg, cap);
            if (m == NULL)
                return -1;
            c->msg = m;
            c->cap = cap;
        }
        memcpy(c->msg + c->len, in, len);
        c->len += len;
    }
    /* lws may hand one frame over in pieces, and a message may span several frames. */
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        if (!c->skipping && !f->stopping) {
            c->msg[c->len] = '\0';
            f->h.on_message(f->h.ctx, c->msg, c->len);
        }
        c->len = 0;
        c->skipping = 0;
    }
    return 0;
}

/* ---- snapshots ---- */

static void rest_pump(feed *f);

static void rest_timer_cb(lws_sorted_usec_list_t *sul)
{
    feed *f = lws_container_of(sul, feed, rest_timer);
    if (!f->stopping)
        rest_pump(f);
}

static void rest_wake_at(feed *f, int64_t at_us)
{
    int64_t d = at_us - now_us();
    lws_sul_schedule(f->ctx, 0, &f->rest_timer, rest_timer_cb, d > 0 ? (lws_usec_t)d : 1);
}

static int queued(const feed *f, const char *symbol)
{
    for (size_t i = 0; i < f->q_len; i++)
        if (strcmp(f->queue[i].symbol, symbol) == 0)
            return 1;
    for (const rest_req *r = f->flying; r != NULL; r = r->next)
        if (strcmp(r->symbol, symbol) == 0 && !r->finished)
            return 1;
    return 0;
}

static void enqueue(feed *f, const char *symbol, unsigned attempts, int front)
{
    if (queued(f, symbol))
        return;
    pending p;
    snprintf(p.symbol, sizeof p.symbol, "%s", symbol);
    p.attempts = attempts;
    if (front) {
        memmove(&f->queue[1], &f->queue[0], f->q_len * sizeof f->queue[0]);
        f->queue[0] = p;
    } else {
        f->queue[f->q_len] = p;
    }
    f->q_len++;
}

void feed_request_snapshot(feed *f, const char *symbol)
{
    enqueue(f, symbol, 0, 0);
    rest_pump(f);
}

static int64_t spacing_us(const feed *f)
{
    /* Our share of the weight budget, spread evenly over the minute. */
    uint64_t per_min =
        WEIGHT_BUDGET * WEIGHT_SHARE / 100 / feed_depth_weight(f->cfg.snapshot_limit);
    return (int64_t)(60000000 / (per_min ? per_min : 1));
}

static void rest_start(feed *f, const pending *p)
{
    rest_req *r = calloc(1, sizeof *r);
    if (r == NULL) {
        enqueue(f, p->symbol, p->attempts, 1);
        return;
    }
    r->kind = KIND_REST;
    r->f = f;
    snprintf(r->symbol, sizeof r->symbol, "%s", p->symbol);
    r->next = f->flying;
    f->flying = r;
    f->n_flying++;
    char path[URL_PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/api/v3/depth?symbol=%s&limit=%d", f->cfg.rest.path, p->symbol,
             f->cfg.snapshot_limit);
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = f->ctx;
    i.address = f->cfg.rest.host;
    i.port = f->cfg.rest.port;
    i.path = path;
    i.host = f->cfg.rest.host;
    i.origin = f->cfg.rest.host;
    i.method = "GET";
    i.alpn = "http/1.1";
    i.ssl_connection = LCCSCF_USE_SSL;
    i.local_protocol_name = "depth";
    i.userdata = r;
    if (lws_client_connect_via_info(&i) == NULL) {
        /* No callback will come for it: account for it here. */
        r->finished = 1;
        f->n_flying--;
        enqueue(f, p->symbol, p->attempts + 1, 1);
        f->rest_next_us = now_us() + (int64_t)feed_backoff_ms(p->attempts, next_rand(f)) * 1000;
    }
}

static void rest_pump(feed *f)
{
    int64_t now = now_us();
    while (f->q_len > 0 && f->n_flying < REST_PARALLEL) {
        if (now < f->rest_next_us) {
            rest_wake_at(f, f->rest_next_us);
            return;
        }
        pending p = f->queue[0];
        memmove(&f->queue[0], &f->queue[1], (f->q_len - 1) * sizeof f->queue[0]);
        f->q_len--;
        f->rest_next_us = now + spacing_us(f);
        rest_start(f, &p);
    }
}

/* The request is over (one way or another): the next one may go. */
static void rest_done(rest_req *r)
{
    feed *f = r->f;
    for (rest_req **pp = &f->flying; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    if (!r->finished)
        f->n_flying--;
    free(r->body);
    free(r);
    if (!f->stopping)
        rest_pump(f);
}

static void rest_retry(rest_req *r, unsigned delay_ms)
{
    feed *f = r->f;
    enqueue(f, r->symbol, 1, 1);
    int64_t at = now_us() + (int64_t)delay_ms * 1000;
    if (at > f->rest_next_us)
        f->rest_next_us = at;
}

/* Decide what a finished response means. Called once per request. */
static void rest_outcome(rest_req *r, const char *transport_error)
{
    feed *f = r->f;
    if (r->finished)
        return;
    r->finished = 1;
    f->n_flying--;
    if (f->stopping)
        return;
    if (transport_error != NULL) {
        if (f->verify_error[0] != '\0')
            problem(f, "TLS handshake with %s:%d failed: %s; retrying", f->cfg.rest.host,
                    f->cfg.rest.port, f->verify_error);
        else
            problem(f, "snapshot of %s from %s: %s; retrying", r->symbol, f->cfg.rest.host,
                    transport_error);
        rest_retry(r, feed_backoff_ms(2, next_rand(f)));
        return;
    }
    if (r->status == 200) {
        f->h.on_snapshot(f->h.ctx, r->symbol, r->body ? r->body : "", r->len);
        return;
    }
    if (r->status == 429 || r->status == 418) {
        unsigned s = r->retry_after_s ? r->retry_after_s : 60;
        problem(f, "HTTP %d from %s: %s; no snapshot request for %u s (Retry-After)", r->status,
                f->cfg.rest.host,
                r->status == 418 ? "this IP is banned for a while" : "rate limited", s);
        rest_retry(r, s * 1000u);
        return;
    }
    if (r->status == 451) {
        problem(f,
                "HTTP 451 from %s: Binance blocks this region. Use another endpoint in the "
                "config: rest_url = https://api.binance.us with ws_url = "
                "wss://stream.binance.us:9443 (Binance.US), or the market-data-only "
                "https://data-api.binance.vision with wss://data-stream.binance.vision; "
                "retrying in 60 s",
                f->cfg.rest.host);
        rest_retry(r, 60000);
        return;
    }
    if (r->status == 400 && r->body != NULL && strstr(r->body, "-1121") != NULL) {
        char why[300];
        snprintf(why, sizeof why, "Binance does not know the symbol %s (HTTP 400: %.200s)",
                 r->symbol, r->body);
        f->h.on_symbol_rejected(f->h.ctx, r->symbol, why);
        return;
    }
    problem(f, "snapshot of %s: HTTP %d from %s: %.200s; retrying", r->symbol, r->status,
            f->cfg.rest.host, r->body ? r->body : "");
    rest_retry(r, feed_backoff_ms(3, next_rand(f)));
}

static int rest_body(rest_req *r, const char *in, size_t len)
{
    if (r->len + len > MAX_BODY)
        return -1;
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + len + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (b == NULL)
            return -1;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, in, len);
    r->len += len;
    r->body[r->len] = '\0';
    return 0;
}

static void rest_headers(rest_req *r, struct lws *wsi)
{
    r->status = (int)lws_http_client_http_response(wsi);
    char v[32];
    if (lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_RETRY_AFTER) > 0)
        r->retry_after_s = (unsigned)strtoul(v, NULL, 10);
    if (lws_hdr_custom_copy(wsi, v, sizeof v, "x-mbx-used-weight-1m:", 21) > 0) {
        unsigned used = (unsigned)strtoul(v, NULL, 10);
        if (used * 100 >= WEIGHT_BUDGET * WEIGHT_SHARE) {
            /* Near the budget Binance counted for us: let the minute window move on. */
            int64_t at = now_us() + 10 * 1000000;
            if (at > r->f->rest_next_us)
                r->f->rest_next_us = at;
        }
    }
}

/* ---- the one lws callback ---- */

static void note_verify_error(feed *f, void *store_ctx, size_t preverify_ok)
{
    if (preverify_ok)
        return;
    X509_STORE_CTX *x = store_ctx;
    int err = X509_STORE_CTX_get_error(x);
    snprintf(f->verify_error, sizeof f->verify_error, "certificate verify failed: %s",
             X509_verify_cert_error_string(err));
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    feed *f = lws_context_user(lws_get_context(wsi));
    int kind = user != NULL ? *(int *)user : 0;
    conn *c = kind == KIND_WS ? user : NULL;
    rest_req *r = kind == KIND_REST ? user : NULL;

    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
        /* Added to the system's trust, never instead of it, and checks stay on. */
        if (f->ca_file[0] != '\0' &&
            SSL_CTX_load_verify_locations((SSL_CTX *)user, f->ca_file, NULL) != 1) {
            lwsl_err("ca_file %s: cannot load it as PEM certificates\n", f->ca_file);
            return 1;
        }
        return 0;
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        note_verify_error(f, user, len);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (c != NULL) {
            c->attempts = 0;
            c->up = 1;
            c->len = 0;
            if (!f->stopping)
                f->h.on_connected(f->h.ctx, c->symbols, c->n);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return c != NULL ? conn_receive(c, wsi, in, len) : 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        /* lws 4.1.6 says only "connect SSL err 1: error:00000001:lib(0)::reason(1)" for a
         * refused certificate: the reason kept from the verify callback is the real one. */
        char why[300];
        snprintf(why, sizeof why, "%s", in ? (const char *)in : "connection failed");
        if (f->verify_error[0] != '\0')
            snprintf(why, sizeof why, "%s", f->verify_error);
        if (c != NULL) {
            problem(f, "connection to %s:%d failed: %s; retrying", f->cfg.ws.host, f->cfg.ws.port,
                    why);
            f->verify_error[0] = '\0';
            conn_down(c, why);
        } else if (r != NULL) {
            rest_outcome(r, why);
            f->verify_error[0] = '\0';
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c != NULL)
            conn_down(c, "connection closed");
        return 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        if (r != NULL)
            rest_headers(r, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + 16384];
        char *p = buf + LWS_PRE;
        int n = (int)sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (r != NULL && rest_body(r, in, len) != 0) {
            rest_outcome(r, "snapshot body too large");
            return -1;
        }
        return 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (r != NULL)
            rest_outcome(r, NULL);
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (r != NULL)
            rest_outcome(r, "connection closed before the response was complete");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* The one callback every request's wsi ends with: only now is it safe to free. */
        if (r != NULL) {
            rest_outcome(r, "connection ended before a response");
            rest_done(r);
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"depth", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

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
    if (cfg->ca_file != NULL)
        snprintf(f->ca_file, sizeof f->ca_file, "%s", cfg->ca_file);
    f->cfg.ca_file = f->ca_file;
    f->h = *h;
    f->rand_state = (uint32_t)now_us() | 1u;
    f->queue = calloc(cfg->n_symbols, sizeof *f->queue);
    if (f->queue == NULL)
        goto fail;
    size_t longest = 0;
    for (size_t done = 0; done < cfg->n_symbols;) {
        conn *grown = realloc(f->conns, (f->n_conns + 1) * sizeof *f->conns);
        if (grown == NULL)
            goto fail;
        f->conns = grown;
        conn *c = &f->conns[f->n_conns++];
        memset(c, 0, sizeof *c);
        c->kind = KIND_WS;
        c->f = f;
        c->symbols = cfg->symbols + done;
        c->n =
            feed_streams_that_fit(cfg->ws.path, cfg->speed_ms, c->symbols, cfg->n_symbols - done);
        c->path = feed_stream_path(cfg->ws.path, cfg->speed_ms, c->symbols, c->n);
        if (c->path == NULL)
            goto fail;
        done += c->n;
        if (strlen(c->path) > longest)
            longest = strlen(c->path);
    }

    /* lws's own errors and warnings stay on stderr: they name what failed underneath. */
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = f;
    /* The handshake request is built in this buffer: room for 1024 streams in the URL. */
    info.pt_serv_buf_size = (unsigned)(longest + 8192 > 32768 ? longest + 8192 : 32768);
    info.fd_limit_per_thread = (unsigned)(1 + f->n_conns + REST_PARALLEL + 4);
    f->ctx = lws_create_context(&info);
    if (f->ctx == NULL) {
        errno = ENOMEM;
        goto fail;
    }
    return f;
fail:
    feed_destroy(f);
    return NULL;
}

int feed_run(feed *f)
{
    for (size_t i = 0; i < f->n_conns; i++)
        conn_connect(&f->conns[i]);
    lws_sul_schedule(f->ctx, 0, &f->tick, tick_cb, LWS_US_PER_SEC);
    while (!atomic_load(&f->stop)) {
        if (lws_service(f->ctx, 0) < 0)
            break;
    }
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
    if (f->ctx != NULL)
        lws_context_destroy(f->ctx); /* closes every connection; callbacks see `stopping` */
    for (size_t i = 0; f->conns != NULL && i < f->n_conns; i++) {
        free(f->conns[i].path);
        free(f->conns[i].msg);
    }
    while (f->flying != NULL) {
        rest_req *r = f->flying;
        f->flying = r->next;
        free(r->body);
        free(r);
    }
    free(f->conns);
    free(f->queue);
    free(f);
}
