#include "serve.h"

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "sbuf.h"
#include "serve_api.h"
#include "serve_assets.h"
#include "serve_files.h"
#include "serve_metrics.h"
#include "serve_request.h"

#define TICK_MS 500   /* how often the live update is rebuilt and offered */
#define PUSH_MS 1000  /* a client gets an update at least this often, changed or not */
#define CHUNK   16384 /* bytes of a body written per writeable callback */
/* lws's header buffer per request: a request target or headers over our bounds but within
 * this get their 414/431; lws closes a connection whose request exceeds it, unanswered. */
#define HEADER_SPACE    65536
#define MAX_CONNECTIONS 128 /* descriptors the context takes (lws sizes tables by this) */

struct serve {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    pthread_t thread;
    atomic_int stopping;
    serve_board board;
    char dir[PATH_MAX];
    int port;
    int loopback;               /* listening on 127.0.0.0/8 or ::1 */
    lws_sorted_usec_list_t sul; /* the tick */
    /* The server's thread only: */
    unsigned char *live; /* LWS_PRE bytes, then the latest live update */
    size_t live_len;     /* bytes of the update (after LWS_PRE) */
    uint64_t live_gen;   /* bumped whenever `live` is offered anew */
    int64_t live_ms;     /* when it was last bumped */
};

typedef struct http_pss {
    sbuf body;                 /* a built body (metrics, JSON, error), or empty */
    const unsigned char *data; /* what is being sent: body.p or an asset */
    size_t len;                /* bytes of data */
    size_t off;                /* bytes sent */
    int close;                 /* close the connection after the answer */
} http_pss;

typedef struct live_pss {
    uint64_t gen; /* the update this client got last */
} live_pss;

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);
static int live_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);

static const struct lws_protocols protocols[] = {
    {"http", http_cb, sizeof(http_pss), 0, 0, NULL, 0},
    {"depthlog-live", live_cb, sizeof(live_pss), 1024, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the live update ---- */

/* Rebuild the update from the latest view and the files; offer it when it changed or a
 * second has passed. */
static void refresh_live(serve *s)
{
    const serve_view *v = serve_board_get(&s->board);
    if (v == NULL)
        return;
    serve_files files;
    serve_files_scan(s->dir, &files);
    sbuf m;
    sbuf_init(&m);
    static const char pre[LWS_PRE] = {0};
    sbuf_add(&m, pre, LWS_PRE);
    serve_api_live(&m, v, s->dir, &files);
    serve_board_release(&s->board, v);
    if (m.oom) {
        sbuf_free(&m);
        return;
    }
    size_t len = m.len - LWS_PRE;
    int same =
        s->live != NULL && s->live_len == len && memcmp(s->live + LWS_PRE, m.p + LWS_PRE, len) == 0;
    int64_t now = now_ms();
    if (same && now - s->live_ms < PUSH_MS) {
        sbuf_free(&m);
        return;
    }
    free(s->live);
    s->live = (unsigned char *)m.p; /* taken over from the buffer */
    s->live_len = len;
    s->live_gen++;
    s->live_ms = now;
}

static void tick(lws_sorted_usec_list_t *sul)
{
    serve *s = lws_container_of(sul, serve, sul);
    refresh_live(s);
    lws_callback_on_writable_all_protocol(s->ctx, &protocols[1]);
    lws_sul_schedule(s->ctx, 0, &s->sul, tick, TICK_MS * LWS_US_PER_MS);
}

/* Only the page's own origin may open the websocket (a browser sends Origin; other clients
 * usually do not), and on loopback only under a loopback name, as for HTTP. */
static int origin_allowed(const serve *s, struct lws *wsi)
{
    char origin[256], host[256], want[300];
    int has_host = lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0;
    if (has_host && lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) < 0)
        return 0;
    if (s->loopback && has_host && !serve_loopback_host(host))
        return 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return 1;
    if (!has_host || lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0)
        return 0;
    snprintf(want, sizeof want, "http://%s", host);
    return strcmp(origin, want) == 0;
}

static int live_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    live_pss *pss = user;
    serve *s = lws_context_user(lws_get_context(wsi));
    char path[64];
    (void)in;
    (void)len;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0 ||
            strcmp(path, SERVE_LIVE_PATH) != 0 || !origin_allowed(s, wsi))
            return 1; /* refused */
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        pss->gen = 0;
        lws_callback_on_writable(wsi); /* the first update at once */
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        /* Only ever the latest update: while a slow client's last one is still going out,
         * lws does not call this, and the updates in between are never queued. */
        if (s->live == NULL || pss->gen == s->live_gen)
            return 0;
        if (lws_write(wsi, s->live + LWS_PRE, s->live_len, LWS_WRITE_TEXT) < (int)s->live_len)
            return -1;
        pss->gen = s->live_gen;
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return 0; /* the page sends nothing that matters */
    default:
        return 0;
    }
}

/* ---- HTTP ---- */

static void http_reset(http_pss *pss)
{
    sbuf_free(&pss->body);
    pss->data = NULL;
    pss->len = pss->off = 0;
    pss->close = 0;
}

/* Bytes of every header value lws kept, but the request target's. */
static size_t header_bytes(struct lws *wsi)
{
    size_t n = 0;
    for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
        enum lws_token_indexes tok = (enum lws_token_indexes)t;
        if (tok == WSI_TOKEN_GET_URI || tok == WSI_TOKEN_POST_URI ||
            tok == WSI_TOKEN_HTTP_URI_ARGS || tok == WSI_TOKEN_OPTIONS_URI ||
            tok == WSI_TOKEN_PUT_URI || tok == WSI_TOKEN_PATCH_URI || tok == WSI_TOKEN_DELETE_URI ||
            tok == WSI_TOKEN_CONNECT || tok == WSI_TOKEN_HEAD_URI)
            continue;
        int l = lws_hdr_total_length(wsi, tok);
        if (l > 0)
            n += (size_t)l;
    }
    return n;
}

/* The query as sent (a=1&b=2): lws keeps each argument as a fragment. Returns 0 or -1. */
static int query_args(struct lws *wsi, char *out, size_t cap)
{
    size_t used = 0;
    for (int i = 0;; i++) {
        char frag[SERVE_URI_MAX + 1];
        int n = lws_hdr_copy_fragment(wsi, frag, (int)sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        if (used + (size_t)n + 2 > cap)
            return -1;
        if (i > 0)
            out[used++] = '&';
        memcpy(out + used, frag, (size_t)n);
        used += (size_t)n;
    }
    out[used] = '\0';
    return 0;
}

static const char *const method_names[] = {"GET",   "POST",   "OPTIONS", "PUT",
                                           "PATCH", "DELETE", "CONNECT", "HEAD"};

/* The text of a request that serve_request points into. */
typedef struct request_text {
    char path[SERVE_URI_MAX + 1];
    char query[SERVE_URI_MAX + 1];
    char host[256];
} request_text;

/* What the judge needs of the request on wsi, into r (pointing into t). */
static void read_request(const serve *s, struct lws *wsi, request_text *t, serve_request *r)
{
    char *uri = NULL;
    int uri_len = 0;
    int m = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
    int args = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    memset(r, 0, sizeof *r);
    r->method = m >= 0 && m <= LWSHUMETH_HEAD ? method_names[m] : "?";
    r->uri_len = (size_t)(uri_len > 0 ? uri_len : 0) + (size_t)(args > 0 ? args + 1 : 0);
    r->header_len = header_bytes(wsi);
    r->path = "";
    if (uri != NULL && uri_len > 0 && (size_t)uri_len < sizeof t->path) {
        memcpy(t->path, uri, (size_t)uri_len);
        t->path[uri_len] = '\0';
        r->path = t->path;
    }
    if (args > 0 && query_args(wsi, t->query, sizeof t->query) == 0)
        r->query = t->query;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0) {
        /* A Host too long to copy is no loopback name either. */
        if (lws_hdr_copy(wsi, t->host, sizeof t->host, WSI_TOKEN_HOST) < 0)
            snprintf(t->host, sizeof t->host, "?");
        r->host = t->host;
    }
    r->loopback = s->loopback;
}

/* Build the answer to the request into pss; returns the status and sets *type. */
static int answer(serve *s, struct lws *wsi, http_pss *pss, const char **type)
{
    request_text t;
    serve_request r;
    read_request(s, wsi, &t, &r);
    serve_verdict v;
    serve_judge(&r, &v);
    *type = "text/plain; charset=utf-8";
    if (v.route == SERVE_ROUTE_ASSET) {
        *type = v.asset->type;
        pss->data = v.asset->data;
        pss->len = v.asset->len;
        return 200;
    }
    const serve_view *view = NULL;
    if (v.route == SERVE_ROUTE_METRICS || v.route == SERVE_ROUTE_BOOK) {
        view = serve_board_get(&s->board);
        if (view == NULL) {
            v.route = SERVE_ROUTE_ERROR;
            v.status = 503;
            v.message = "the capture has not started yet: try again in a second";
        }
    }
    const serve_symbol *sym = NULL;
    if (v.route == SERVE_ROUTE_BOOK) {
        sym = serve_find_symbol(view, v.symbol);
        if (sym == NULL) {
            v.route = SERVE_ROUTE_ERROR;
            v.status = 404;
            v.message = "this symbol is not being captured";
        }
    }
    switch (v.route) {
    case SERVE_ROUTE_METRICS:
        *type = SERVE_METRICS_TYPE;
        serve_metrics(&pss->body, view);
        break;
    case SERVE_ROUTE_BOOK:
        *type = "application/json";
        serve_api_book(&pss->body, view, sym, v.depth);
        break;
    default:
        sbuf_printf(&pss->body, "%d %s: %s\n", v.status, serve_reason(v.status), v.message);
        pss->close = 1;
        break;
    }
    serve_board_release(&s->board, view);
    if (pss->body.oom) {
        http_reset(pss);
        sbuf_printf(&pss->body, "500 %s: out of memory\n", serve_reason(500));
        pss->close = 1;
        v.status = 500;
        *type = "text/plain; charset=utf-8";
    }
    pss->data = (const unsigned char *)pss->body.p;
    pss->len = pss->body.len;
    return v.status;
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int start_answer(serve *s, struct lws *wsi, http_pss *pss)
{
    http_reset(pss);
    const char *type = NULL;
    int status = answer(s, wsi, pss, &type);
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = &buf[LWS_PRE], *p = start, *end = &buf[sizeof buf - 1];
    if (lws_add_http_common_headers(wsi, (unsigned)status, type, (lws_filepos_t)pss->len, &p,
                                    end) ||
        add_header(wsi, "cache-control:", "no-store", &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end))
        return 1;
    if (strncmp(type, "text/html", 9) == 0 &&
        add_header(wsi, "content-security-policy:",
                   "default-src 'self'; connect-src 'self'; img-src 'self' data:", &p, end))
        return 1;
    if (status == 405 && add_header(wsi, "allow:", "GET", &p, end))
        return 1;
    if (pss->close && add_header(wsi, "connection:", "close", &p, end))
        return 1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int write_more(struct lws *wsi, http_pss *pss)
{
    if (pss->data == NULL)
        return 0;
    unsigned char out[LWS_PRE + CHUNK];
    size_t n = pss->len - pss->off < CHUNK ? pss->len - pss->off : CHUNK;
    int final = pss->off + n == pss->len;
    memcpy(out + LWS_PRE, pss->data + pss->off, n);
    if (lws_write(wsi, out + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    pss->off += n;
    if (!final) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    int close = pss->close;
    http_reset(pss);
    if (close || lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    http_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return start_answer(lws_context_user(lws_get_context(wsi)), wsi, pss);
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* a body (of a refused POST) is read and ignored */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        lws_callback_on_writable(wsi); /* lws holds the answer back until the body is in */
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return write_more(wsi, pss);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* an upgrade that names no protocol of ours */
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss != NULL)
            http_reset(pss);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* ---- lifecycle ---- */

int serve_parse_listen(const char *listen, char *host, size_t hostlen, int *port, char *err,
                       size_t errlen)
{
    char h[128] = "127.0.0.1";
    const char *p = listen;
    if (listen == NULL || listen[0] == '\0') {
        snprintf(err, errlen, "listen: empty (expected e.g. 127.0.0.1:8080)");
        return -1;
    }
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof h) {
            snprintf(err, errlen, "listen = %s: expected [IPv6 address]:port", listen);
            return -1;
        }
        memcpy(h, listen + 1, (size_t)(close - listen - 1));
        h[close - listen - 1] = '\0';
        p = close + 2;
    } else if (strchr(listen, ':') != NULL) {
        const char *colon = strrchr(listen, ':');
        if ((size_t)(colon - listen) >= sizeof h) {
            snprintf(err, errlen, "listen = %s: address too long", listen);
            return -1;
        }
        memcpy(h, listen, (size_t)(colon - listen));
        h[colon - listen] = '\0';
        p = colon + 1;
    }
    if (strcmp(h, "localhost") == 0)
        snprintf(h, sizeof h, "127.0.0.1");
    unsigned char addr[16];
    if (inet_pton(AF_INET, h, addr) != 1 && inet_pton(AF_INET6, h, addr) != 1) {
        snprintf(err, errlen,
                 "listen = %s: expected a numeric address and a port, e.g. 127.0.0.1:8080", listen);
        return -1;
    }
    char *end = NULL;
    long n = p[0] >= '0' && p[0] <= '9' ? strtol(p, &end, 10) : -1;
    if (n < 0 || n > 65535 || end == NULL || *end != '\0') {
        snprintf(err, errlen, "listen = %s: the port must be 0..65535", listen);
        return -1;
    }
    if (strlen(h) >= hostlen) {
        snprintf(err, errlen, "listen = %s: address too long", listen);
        return -1;
    }
    memcpy(host, h, strlen(h) + 1);
    *port = (int)n;
    return 0;
}

static void *service_thread(void *arg)
{
    serve *s = arg;
    while (!atomic_load(&s->stopping)) {
        if (lws_service(s->ctx, 0) < 0)
            break;
    }
    return NULL;
}

serve *serve_start(const char *listen, const char *dir, char *err, size_t errlen)
{
    char host[128];
    int port = 0;
    if (serve_parse_listen(listen, host, sizeof host, &port, err, errlen) != 0)
        return NULL;
    serve *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "listen = %s: out of memory", listen);
        return NULL;
    }
    serve_board_init(&s->board);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    unsigned char v6[16];
    int is_v6 = inet_pton(AF_INET6, host, v6) == 1;
    s->loopback = is_v6 ? strcmp(host, "::1") == 0 : strncmp(host, "127.", 4) == 0;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (!is_v6)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.user = s;
    info.fd_limit_per_thread = MAX_CONNECTIONS;
    info.max_http_header_data2 = HEADER_SPACE; /* the short field stops at 65535 */
    info.timeout_secs = 10;                    /* a request that never completes is closed */
    s->ctx = lws_create_context(&info);
    if (s->ctx == NULL) {
        snprintf(err, errlen, "listen = %s: cannot create the server's context", listen);
        goto fail;
    }
    info.port = port;
    info.iface = host;
    info.protocols = protocols;
    info.vhost_name = "depthlog-serve";
    s->vh = lws_create_vhost(s->ctx, &info);
    if (s->vh == NULL) {
        snprintf(err, errlen, "listen = %s: cannot listen there (in use, or not this host's?)",
                 listen);
        goto fail;
    }
    s->port = lws_get_vhost_listen_port(s->vh);
    lws_sul_schedule(s->ctx, 0, &s->sul, tick, TICK_MS * LWS_US_PER_MS);
    if (pthread_create(&s->thread, NULL, service_thread, s) != 0) {
        snprintf(err, errlen, "listen = %s: cannot start the server's thread", listen);
        goto fail;
    }
    return s;
fail:
    if (s->ctx != NULL)
        lws_context_destroy(s->ctx);
    serve_board_destroy(&s->board);
    free(s);
    return NULL;
}

int serve_port(const serve *s)
{
    return s->port;
}

void serve_publish(serve *s, serve_view *v)
{
    if (s == NULL || v == NULL) {
        serve_view_free(v);
        return;
    }
    serve_board_publish(&s->board, v);
}

void serve_stop(serve *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, 1);
    lws_cancel_service(s->ctx);
    pthread_join(s->thread, NULL);
    lws_context_destroy(s->ctx);
    free(s->live);
    serve_board_destroy(&s->board);
    free(s);
}
