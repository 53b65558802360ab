/* The snapshot client: a queue of symbols (and exchangeInfo), spaced requests, and what each
 * response means. */
#include "rest_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "body.h"
#include "conn_why.h"

#define MAX_BODY          (32u << 20) /* a bigger snapshot body is refused */
#define MAX_LISTING_BODY  (64u << 20) /* spot's exchangeInfo is a few MB */
#define PARALLEL          2           /* requests in flight at once */
#define REFETCH_WINDOW_US 2000000     /* asked again this soon after its snapshot: a refetch */
#define REFETCH_SAY_AFTER 3           /* refetches in a row before saying so (once) */

typedef struct sym_state {
    const char *symbol;    /* NULL: the client's exchangeInfo request */
    int queued;            /* waiting in the queue */
    int flying;            /* a request in flight */
    unsigned failures;     /* failed requests in a row (HTTP errors): its backoff */
    unsigned refetches;    /* asked again right after its snapshot, in a row */
    int said;              /* the refetch backoff was reported */
    int64_t delivered_us;  /* when its last snapshot was handed over; 0: never */
    int64_t not_before_us; /* its own backoff: no request before this */
} sym_state;

typedef struct request {
    rest_client *rc;
    sym_state *sym;
    int status;           /* HTTP status, 0 before the headers */
    char retry_after[32]; /* the Retry-After header, "" if none */
    char *body;
    size_t len, cap;
    int finished;  /* the outcome was handled */
    int destroyed; /* lws destroyed its wsi during the connect call */
    char verify_error[200];
    struct request *next; /* in the list of requests in flight */
} request;

struct rest_client {
    rest_client_endpoint ep;
    rest_client_events ev;
    sym_state **syms; /* each its own: the queue and requests point at them as they grow */
    size_t n;
    sym_state listing; /* exchangeInfo: queued, spaced and retried like a symbol */
    sym_state **queue; /* waiting, in order; each symbol (and the listing) at most once */
    size_t q_len;
    request *flying;             /* requests whose wsi lws still holds */
    size_t n_flying;             /* of them, those not finished */
    request *connecting;         /* the request inside lws_client_connect_via_info */
    int64_t next_us;             /* no new request before this: spacing, Retry-After, weight */
    unsigned transport_failures; /* requests in a row that got no HTTP response */
    int64_t weight;              /* X-MBX-USED-WEIGHT-1M of the last response, or -1 */
    int64_t weight_at_us;        /* when it came */
    int stopped;
    uint32_t rand;
    lws_sorted_usec_list_t timer;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void problem(rest_client *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(rest_client *rc, const char *fmt, ...)
{
    if (rc->stopped || rc->ev.problem == NULL)
        return;
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rc->ev.problem(rc->ev.ctx, msg);
}

static void hold_until(rest_client *rc, int64_t at_us)
{
    if (at_us > rc->next_us)
        rc->next_us = at_us;
}

/* What a request is for, in messages: "snapshot of BTCUSDT" or "exchangeInfo". */
static const char *what(const sym_state *s, char *buf, size_t len)
{
    if (s->symbol == NULL)
        return "exchangeInfo";
    snprintf(buf, len, "snapshot of %s", s->symbol);
    return buf;
}

/* How long a request holds the next one: its own weight's share of the budget. */
static int64_t spacing_us(const rest_client *rc, const sym_state *s)
{
    if (s->symbol == NULL)
        return brest_weight_spacing_us(rc->ep.market, brest_exchange_info_weight(rc->ep.market));
    return brest_spacing_us(rc->ep.market, rc->ep.limit);
}

/* ---- the queue ---- */

static void pump(rest_client *rc);

static void timer_cb(lws_sorted_usec_list_t *sul)
{
    rest_client *rc = lws_container_of(sul, rest_client, timer);
    pump(rc);
}

static void wake_at(rest_client *rc, int64_t at_us)
{
    int64_t d = at_us - now_us();
    lws_sul_schedule(rc->ep.lws, 0, &rc->timer, timer_cb, d > 0 ? (lws_usec_t)d : 1);
}

static void enqueue(rest_client *rc, sym_state *s, int front)
{
    if (s->queued || s->flying)
        return;
    if (front) {
        memmove(&rc->queue[1], &rc->queue[0], rc->q_len * sizeof rc->queue[0]);
        rc->queue[0] = s;
    } else {
        rc->queue[rc->q_len] = s;
    }
    rc->q_len++;
    s->queued = 1;
}

/* The first queued symbol whose own backoff is over, taken out of the queue; NULL if none
 * (then *earliest is when the first one will be). */
static sym_state *take_ready(rest_client *rc, int64_t now, int64_t *earliest)
{
    *earliest = INT64_MAX;
    for (size_t k = 0; k < rc->q_len; k++) {
        sym_state *s = rc->queue[k];
        if (s->not_before_us > now) {
            if (s->not_before_us < *earliest)
                *earliest = s->not_before_us;
            continue;
        }
        memmove(&rc->queue[k], &rc->queue[k + 1], (rc->q_len - k - 1) * sizeof rc->queue[0]);
        rc->q_len--;
        s->queued = 0;
        return s;
    }
    return NULL;
}

static void start(rest_client *rc, sym_state *s);

static void pump(rest_client *rc)
{
    if (rc->stopped)
        return;
    int64_t now = now_us();
    while (rc->q_len > 0 && rc->n_flying < PARALLEL) {
        if (now < rc->next_us) {
            wake_at(rc, rc->next_us);
            return;
        }
        int64_t earliest;
        sym_state *s = take_ready(rc, now, &earliest);
        if (s == NULL) {
            wake_at(rc, earliest);
            return;
        }
        rc->next_us = now + spacing_us(rc, s);
        start(rc, s);
    }
}

static sym_state *find(rest_client *rc, const char *symbol)
{
    for (size_t i = 0; i < rc->n; i++)
        if (strcmp(rc->syms[i]->symbol, symbol) == 0)
            return rc->syms[i];
    return NULL;
}

void rest_client_request(rest_client *rc, const char *symbol)
{
    sym_state *s = find(rc, symbol);
    if (s == NULL || rc->stopped || s->queued || s->flying)
        return;
    int64_t now = now_us();
    if (s->delivered_us != 0 && now - s->delivered_us < REFETCH_WINDOW_US) {
        /* Its snapshot just came and is wanted again: it was stale (or broken). Binance's
         * cache may lag a while; asking every spacing would spend the budget on it. The
         * first refetch goes at once (a disconnect right after a snapshot asks too). */
        if (s->refetches++ > 0) {
            uint32_t ms = backoff_ms(&backoff_refetch, s->refetches - 2, backoff_rand(&rc->rand));
            if (now + (int64_t)ms * 1000 > s->not_before_us)
                s->not_before_us = now + (int64_t)ms * 1000;
        }
        if (s->refetches == REFETCH_SAY_AFTER && !s->said) {
            s->said = 1;
            problem(rc,
                    "snapshot of %s: %u in a row were stale (older than the stream's events) "
                    "or unusable; fetching it again with backoff, at most every %u s",
                    s->symbol, s->refetches, (unsigned)(backoff_refetch.cap_ms / 1000));
        }
    } else {
        s->refetches = 0;
    }
    enqueue(rc, s, 0);
    pump(rc);
}

void rest_client_request_listing(rest_client *rc)
{
    if (rc->stopped)
        return;
    enqueue(rc, &rc->listing, 0);
    pump(rc);
}

/* ---- one request ---- */

static void unlink_request(rest_client *rc, request *r)
{
    for (request **pp = &rc->flying; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    free(r->body);
    free(r);
}

/* The request is over for the queue (its wsi may live a little longer). */
static void finish(request *r)
{
    r->finished = 1;
    r->sym->flying = 0;
    r->rc->n_flying--;
}

/* No HTTP response. `lws_text` NULL: lws_client_connect_via_info failed without a word. */
static void transport_failed(request *r, const char *lws_text, int err)
{
    rest_client *rc = r->rc;
    sym_state *s = r->sym;
    finish(r);
    if (rc->stopped)
        return;
    char why[300], label[64];
    if (lws_text == NULL)
        why_start_failed(rc->ep.host, err, why, sizeof why);
    else
        why_connect(lws_text, r->verify_error, err, rc->ep.host, why, sizeof why);
    /* No answer at all is the host's problem, not the symbol's: hold every request. */
    uint32_t ms = backoff_ms(&backoff_reconnect, rc->transport_failures++, backoff_rand(&rc->rand));
    hold_until(rc, now_us() + (int64_t)ms * 1000);
    if (r->verify_error[0] != '\0')
        problem(rc, "TLS handshake with %s:%d failed: %s; retrying in %.1f s", rc->ep.host,
                rc->ep.port, why, ms / 1000.0);
    else
        problem(rc, "%s from %s:%d: %s; retrying in %.1f s", what(s, label, sizeof label),
                rc->ep.host, rc->ep.port, why, ms / 1000.0);
    enqueue(rc, s, 1);
}

/* A complete HTTP response: what it means, decided by binance_rest. */
static void answered(request *r)
{
    rest_client *rc = r->rc;
    sym_state *s = r->sym;
    finish(r);
    if (rc->stopped)
        return;
    rc->transport_failures = 0;
    brest_verdict v =
        brest_judge(r->status, r->body, r->len, r->retry_after[0] ? r->retry_after : NULL);
    if (v.kind == BREST_UNKNOWN_SYMBOL && s->symbol == NULL)
        v.kind = BREST_BACK_OFF; /* exchangeInfo names no symbol: -1121 is not about one */
    char msg[640];
    brest_explain(v, r->status, r->body, r->len, rc->ep.host, s->symbol, msg, sizeof msg);
    int64_t now = now_us();
    switch (v.kind) {
    case BREST_OK:
        s->failures = 0;
        s->delivered_us = now;
        if (s->symbol == NULL) {
            if (rc->ev.listing != NULL)
                rc->ev.listing(rc->ev.ctx, r->body ? r->body : "", r->len);
        } else {
            rc->ev.snapshot(rc->ev.ctx, s->symbol, r->body ? r->body : "", r->len);
        }
        return;
    case BREST_UNKNOWN_SYMBOL:
        rc->ev.rejected(rc->ev.ctx, s->symbol, msg);
        return;
    case BREST_RETRY_AFTER:
    case BREST_REGION_BLOCKED:
        problem(rc, "%s", msg);
        hold_until(rc, now + (int64_t)v.delay_ms * 1000);
        enqueue(rc, s, 1);
        return;
    case BREST_BACK_OFF: {
        uint32_t ms = backoff_ms(&backoff_reconnect, s->failures++, backoff_rand(&rc->rand));
        problem(rc, "%s in %.1f s", msg, ms / 1000.0);
        s->not_before_us = now + (int64_t)ms * 1000;
        enqueue(rc, s, 1);
        return;
    }
    }
}

static void start(rest_client *rc, sym_state *s)
{
    request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        s->not_before_us = now_us() + 1000000;
        enqueue(rc, s, 1);
        return;
    }
    r->rc = rc;
    r->sym = s;
    r->next = rc->flying;
    rc->flying = r;
    rc->n_flying++;
    s->flying = 1;
    char path[1024];
    if (s->symbol == NULL)
        brest_exchange_info_path(rc->ep.market, rc->ep.path, path, sizeof path);
    else
        brest_depth_path(rc->ep.market, rc->ep.path, s->symbol, rc->ep.limit, path, sizeof path);
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = rc->ep.lws;
    i.address = rc->ep.host;
    i.port = rc->ep.port;
    i.path = path;
    i.host = rc->ep.host;
    i.origin = rc->ep.host;
    i.method = "GET";
    i.alpn = "http/1.1";
    i.ssl_connection = rc->ep.tls ? LCCSCF_USE_SSL : 0;
    i.local_protocol_name = rest_client_protocol.name;
    i.userdata = r;
    rc->connecting = r;
    struct lws *wsi = lws_client_connect_via_info(&i);
    int err = errno;
    rc->connecting = NULL;
    if (wsi == NULL || r->destroyed) {
        /* lws holds no wsi for it any more (it may or may not have called back). */
        if (!r->finished)
            transport_failed(r, NULL, err);
        unlink_request(rc, r); /* pump, our caller, goes on with the queue */
    }
}

static void headers(request *r, struct lws *wsi)
{
    rest_client *rc = r->rc;
    r->status = (int)lws_http_client_http_response(wsi);
    if (lws_hdr_copy(wsi, r->retry_after, sizeof r->retry_after, WSI_TOKEN_HTTP_RETRY_AFTER) <= 0)
        r->retry_after[0] = '\0';
    char v[32];
    if (lws_hdr_custom_copy(wsi, v, sizeof v, "x-mbx-used-weight-1m:", 21) > 0) {
        unsigned used = (unsigned)strtoul(v, NULL, 10);
        rc->weight = used;
        rc->weight_at_us = now_us();
        uint32_t ms = brest_weight_pause_ms(rc->ep.market, used);
        if (ms > 0)
            hold_until(rc, now_us() + (int64_t)ms * 1000);
    }
}

/* The wsi is gone: only now may the request be freed. */
static void wsi_gone(request *r)
{
    rest_client *rc = r->rc;
    if (!r->finished)
        transport_failed(r, "connection ended before a response", 0);
    if (rc->connecting == r) {
        r->destroyed = 1; /* start() frees it once lws_client_connect_via_info returns */
        return;
    }
    unlink_request(rc, r);
    pump(rc);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    request *r = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        /* Forwarded by the context's first protocol: here `user` is the X509_STORE_CTX. */
        r = lws_wsi_user(wsi);
        if (r != NULL)
            why_note_verify(user, len, r->verify_error, sizeof r->verify_error);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (r != NULL && !r->finished)
            transport_failed(r, in, errno);
        return 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        headers(r, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + 16384];
        char *p = buf + LWS_PRE;
        int n = (int)sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (body_append(&r->body, &r->len, &r->cap,
                        r->sym->symbol != NULL ? MAX_BODY : MAX_LISTING_BODY, in, len) != 0) {
            if (!r->finished)
                transport_failed(r, "body too large or out of memory", 0);
            return -1;
        }
        return 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (!r->finished)
            answered(r);
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (r != NULL && !r->finished)
            transport_failed(r, "connection closed before the response was complete", 0);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* Forwarded by the context's first protocol: every request's wsi ends here. */
        if (r != NULL)
            wsi_gone(r);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols rest_client_protocol = {"depthlog-rest", callback, 0, 0, 0, NULL, 0};

rest_client *rest_client_create(const rest_client_endpoint *ep, const char *const *symbols,
                                size_t n, const rest_client_events *ev, uint32_t seed)
{
    rest_client *rc = calloc(1, sizeof *rc);
    if (rc == NULL)
        return NULL;
    rc->ep = *ep;
    rc->ev = *ev;
    rc->rand = seed ? seed : 1;
    rc->weight = -1;
    if (rest_client_add(rc, symbols, n) != 0) {
        rest_client_destroy(rc);
        return NULL;
    }
    return rc;
}

int rest_client_add(rest_client *rc, const char *const *symbols, size_t k)
{
    sym_state **syms = realloc(rc->syms, (rc->n + k + 1) * sizeof *syms);
    if (syms == NULL)
        return -1;
    rc->syms = syms;
    /* The queue holds each symbol and the listing at most once. */
    sym_state **queue = realloc(rc->queue, (rc->n + k + 1) * sizeof *queue);
    if (queue == NULL)
        return -1;
    rc->queue = queue;
    for (size_t i = 0; i < k; i++) {
        syms[rc->n + i] = calloc(1, sizeof *syms[0]);
        if (syms[rc->n + i] == NULL) {
            while (i-- > 0)
                free(syms[rc->n + i]);
            return -1;
        }
        syms[rc->n + i]->symbol = symbols[i];
    }
    rc->n += k;
    return 0;
}

int64_t rest_client_used_weight(const rest_client *rc)
{
    if (rc->weight < 0)
        return -1;
    return now_us() - rc->weight_at_us >= 60 * 1000000 ? 0 : rc->weight;
}

void rest_client_stop(rest_client *rc)
{
    rc->stopped = 1;
    lws_sul_cancel(&rc->timer);
}

void rest_client_destroy(rest_client *rc)
{
    if (rc == NULL)
        return;
    while (rc->flying != NULL)
        unlink_request(rc, rc->flying);
    for (size_t i = 0; i < rc->n; i++)
        free(rc->syms[i]);
    free(rc->syms);
    free(rc->queue);
    free(rc);
}
