/* One websocket connection: connect, reassemble, reconnect with backoff, close with 1000. */
#include "ws_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "conn_why.h"
#include "streams.h"

#define MAX_MESSAGE (8u << 20) /* a bigger websocket message drops the connection */
/* SUBSCRIBEs remembered: more than can await their answers at once (a full connection's 4,
 * and streams added since). */
#define BATCHES 16

struct ws_conn {
    ws_conn_endpoint ep;
    ws_conn_events ev;
    const char **symbols; /* the symbols it carries (the strings are the feed's) */
    size_t n;
    streams_spec spec; /* which streams: names per market and speed */
    char *path;        /* "<base>/stream" */
    struct lws *wsi;   /* NULL while not connected */
    char *msg;         /* the message being reassembled */
    size_t len, cap;
    int skipping;           /* the current message is binary or too large: dropped */
    int established;        /* ESTABLISHED seen, not yet closed */
    int up;                 /* reported up, not yet down */
    size_t sub_sent;        /* symbols whose SUBSCRIBE went out on this connection */
    size_t answers_due;     /* SUBSCRIBEs sent and not answered */
    unsigned first_id;      /* the id of this connection's first SUBSCRIBE */
    unsigned next_id;       /* ids grow over the connection's life, never reused */
    int send_due;           /* the pacing gap is over: the next SUBSCRIBE may go */
    int kill;               /* close at the next writeable (why says why) */
    int closing;            /* ws_conn_close was called: no reconnect, no events */
    int replaced;           /* its replacement is on its way: when it drops, it stays down */
    int close_started;      /* our close frame is on its way: wait for the answer */
    unsigned attempts;      /* failed connects since the last success */
    uint32_t rand;          /* jitter state */
    int64_t last_rx_us;     /* monotonic: the last data or pong received */
    int peer_code;          /* the close code the server sent, 0 before any */
    char why[200];          /* set before a close we start ourselves: the reason reported */
    char verify_error[200]; /* the certificate problem of the handshake in progress */
    lws_sorted_usec_list_t retry;
    lws_sorted_usec_list_t sub_timer; /* pacing SUBSCRIBEs, then waiting for answers */
    int64_t up_since_us;              /* monotonic: when it last came up (0: not up) */
    uint64_t messages;                /* market messages since it last came up */
    int shutdown_seen;                /* a serverShutdown came on it since it last came up */
    size_t batch_from[BATCHES];       /* by SUBSCRIBE id % BATCHES: its first symbol, */
    size_t batch_n[BATCHES];          /* and how many it names (to say which were refused) */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void problem(ws_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(ws_conn *c, const char *fmt, ...)
{
    if (c->closing || c->ev.problem == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->ev.problem(c->ev.ctx, msg);
}

static void retry_cb(lws_sorted_usec_list_t *sul)
{
    ws_conn *c = lws_container_of(sul, ws_conn, retry);
    if (!c->closing)
        ws_conn_open(c);
}

static uint32_t schedule_reconnect(ws_conn *c)
{
    uint32_t ms = backoff_ms(&backoff_reconnect, c->attempts++, backoff_rand(&c->rand));
    lws_sul_schedule(c->ep.lws, 0, &c->retry, retry_cb, (lws_usec_t)ms * 1000);
    return ms;
}

/* The connection is gone (failed or closed): report it once and come back later. */
static void went_down(ws_conn *c, const char *why)
{
    c->wsi = NULL;
    c->len = 0;
    c->skipping = 0;
    c->established = 0;
    lws_sul_cancel(&c->sub_timer);
    if (c->up && !c->closing)
        c->ev.down(c->ev.ctx, c->symbols, c->n, why);
    c->up = 0;
    if (!c->closing && !c->replaced)
        schedule_reconnect(c);
}

void ws_conn_open(ws_conn *c)
{
    int64_t wait_us = c->ep.budget ? conn_budget_take(c->ep.budget, now_us()) : 0;
    if (wait_us > 0) {
        lws_sul_schedule(c->ep.lws, 0, &c->retry, retry_cb, (lws_usec_t)wait_us);
        problem(
            c, "%d connection attempts in 5 minutes (Binance allows 300): the next to %s in %.0f s",
            CONN_BUDGET_MAX, c->ep.host, (double)wait_us / 1e6);
        return;
    }
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = c->ep.lws;
    i.address = c->ep.host;
    i.port = c->ep.port;
    i.path = c->path;
    i.host = c->ep.host;
    i.origin = c->ep.host;
    /* Peer and host name verified: no LCCSCF_ALLOW_* flag, ever. */
    i.ssl_connection = c->ep.tls ? LCCSCF_USE_SSL : 0;
    i.protocol = NULL;
    i.local_protocol_name = ws_conn_protocol.name;
    i.userdata = c;
    i.pwsi = &c->wsi;
    i.retry_and_idle_policy = c->ep.idle;
    c->verify_error[0] = '\0';
    c->why[0] = '\0';
    c->peer_code = 0;
    unsigned before = c->attempts;
    if (lws_client_connect_via_info(&i) == NULL) {
        c->wsi = NULL;
        /* A failure lws reported through the callback is retried there already. */
        if (c->attempts == before && !c->closing) {
            char why[300];
            why_start_failed(c->ep.host, errno, why, sizeof why);
            uint32_t ms = schedule_reconnect(c);
            problem(c, "cannot connect to %s:%d: %s; retrying in %.1f s", c->ep.host, c->ep.port,
                    why, ms / 1000.0);
        }
    }
}

/* ---- subscribing ---- */

static void sub_timer_cb(lws_sorted_usec_list_t *sul)
{
    ws_conn *c = lws_container_of(sul, ws_conn, sub_timer);
    if (c->closing || c->wsi == NULL)
        return;
    if (c->sub_sent < c->n) {
        c->send_due = 1;
    } else if (c->answers_due > 0) {
        snprintf(c->why, sizeof c->why, "no answer to SUBSCRIBE within %d s",
                 STREAMS_ANSWER_WAIT_S);
        problem(c, "%s from %s: reconnecting", c->why, c->ep.host);
        c->kill = 1;
    }
    lws_callback_on_writable(c->wsi);
}

/* The websocket is up: report it, and subscribe to its streams. A snapshot that loads before
 * its stream's first event is judged by that event (sync fetches it again if stale). */
static void established(ws_conn *c, struct lws *wsi)
{
    c->attempts = 0;
    c->established = 1;
    c->close_started = 0;
    c->len = 0;
    c->last_rx_us = now_us();
    c->sub_sent = 0;
    c->answers_due = 0;
    c->first_id = c->next_id;
    c->send_due = 1;
    c->kill = 0;
    lws_callback_on_writable(wsi);
    if (c->closing)
        return;
    c->up = 1;
    c->up_since_us = now_us();
    c->messages = 0;
    c->shutdown_seen = 0;
    c->ev.up(c->ev.ctx, c->symbols, c->n);
}

/* Send the next batch of streams; the next one goes after the pacing gap. */
static int send_subscribe(ws_conn *c, struct lws *wsi)
{
    size_t k = c->n - c->sub_sent;
    if (k > STREAMS_PER_SUBSCRIBE)
        k = STREAMS_PER_SUBSCRIBE;
    size_t len;
    char *buf = streams_subscribe(&c->spec, c->symbols + c->sub_sent, k, c->next_id, LWS_PRE, &len);
    if (buf == NULL) {
        snprintf(c->why, sizeof c->why, "out of memory for a SUBSCRIBE");
        return -1;
    }
    int wrote = lws_write(wsi, (unsigned char *)buf + LWS_PRE, len, LWS_WRITE_TEXT);
    free(buf);
    if (wrote < (int)len) {
        snprintf(c->why, sizeof c->why, "cannot send a SUBSCRIBE");
        return -1;
    }
    c->batch_from[c->next_id % BATCHES] = c->sub_sent;
    c->batch_n[c->next_id % BATCHES] = k;
    c->next_id++;
    c->sub_sent += k;
    c->answers_due++;
    c->send_due = 0;
    lws_usec_t wait = c->sub_sent < c->n ? STREAMS_CONTROL_GAP_MS * LWS_US_PER_MS
                                         : STREAMS_ANSWER_WAIT_S * LWS_US_PER_SEC;
    lws_sul_schedule(c->ep.lws, 0, &c->sub_timer, sub_timer_cb, wait);
    return 0;
}

static int writeable(ws_conn *c, struct lws *wsi)
{
    if (c->closing) {
        /* lws still calls here while it awaits the server's answer to our close frame, and
         * a second -1 would drop the connection without that answer (the server sees 1006). */
        if (c->close_started)
            return 0;
        c->close_started = 1;
        unsigned char bye[] = "stopping";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, bye, sizeof bye - 1);
        return -1;
    }
    if (c->kill)
        return -1;
    if (c->send_due && c->sub_sent < c->n)
        return send_subscribe(c, wsi);
    return 0;
}

/* Name the streams of a refused batch (the first few of them) and what the server said. */
static void refused(ws_conn *c, unsigned id, const char *why)
{
    size_t from = c->batch_from[id % BATCHES];
    size_t to = from + c->batch_n[id % BATCHES] < c->n ? from + c->batch_n[id % BATCHES] : c->n;
    char names[600];
    size_t used = 0;
    for (size_t i = from; i < to && used < sizeof names - 64; i++) {
        used += streams_name(&c->spec, c->symbols[i], names + used, sizeof names - used);
        if (i + 1 < to)
            used += (size_t)snprintf(names + used, sizeof names - used, ", ");
    }
    if (used >= sizeof names - 64)
        snprintf(names + used, sizeof names - used, "... (%zu streams)", to - from);
    problem(c, "%s refused the streams %s: %s", c->ep.host, names, why);
}

/* An answer to one of this connection's SUBSCRIBEs. */
static void answered(ws_conn *c, streams_answer_kind kind, unsigned id, const char *why)
{
    if (id < c->first_id || id >= c->next_id || c->answers_due == 0)
        return; /* not ours, or from an earlier connection */
    c->answers_due--;
    if (kind == STREAMS_REFUSED)
        refused(c, id, why);
    if (c->answers_due == 0 && c->sub_sent == c->n)
        lws_sul_cancel(&c->sub_timer);
}

static int receive(ws_conn *c, struct lws *wsi, const char *in, size_t len)
{
    c->last_rx_us = now_us();
    if (lws_is_first_fragment(wsi)) {
        c->len = 0;
        c->skipping = lws_frame_is_binary(wsi);
    }
    if (!c->skipping) {
        if (c->len + len > MAX_MESSAGE) {
            snprintf(c->why, sizeof c->why, "a message larger than %u bytes", MAX_MESSAGE);
            problem(c, "a message from %s is larger than %u bytes: reconnecting", c->ep.host,
                    MAX_MESSAGE);
            return -1;
        }
        if (c->len + len + 1 > c->cap) {
            size_t cap = c->cap ? c->cap : 65536;
            while (cap < c->len + len + 1)
                cap *= 2;
            char *m = realloc(c->msg, cap);
            if (m == NULL) {
                snprintf(c->why, sizeof c->why, "out of memory for a message");
                return -1;
            }
            c->msg = m;
            c->cap = cap;
        }
        memcpy(c->msg + c->len, in, len);
        c->len += len;
    }
    /* lws may hand one frame over in pieces, and a message may span several frames. */
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        if (!c->skipping) {
            c->msg[c->len] = '\0';
            /* Answers to our SUBSCRIBEs are the connection's business, not market data. */
            unsigned id;
            char why[300];
            streams_answer_kind k = streams_answer(c->msg, c->len, &id, why, sizeof why);
            if (k != STREAMS_NOT_AN_ANSWER) {
                answered(c, k, id, why);
            } else {
                c->messages++;
                /* Binance's notice before it closes the connection: it is short. */
                if (c->len < 256 && strstr(c->msg, "\"serverShutdown\"") != NULL)
                    c->shutdown_seen = 1;
                c->ev.message(c->ev.ctx, c->msg, c->len);
            }
        }
        c->len = 0;
        c->skipping = 0;
    }
    return 0;
}

static void connect_failed(ws_conn *c, const char *in)
{
    char why[300];
    why_connect(in, c->verify_error, errno, c->ep.host, why, sizeof why);
    c->verify_error[0] = '\0';
    if (c->closing) {
        c->wsi = NULL;
        return;
    }
    /* went_down schedules the retry; say when it comes. */
    unsigned attempt = c->attempts;
    went_down(c, why);
    problem(c, "connection to %s:%d failed: %s; retrying (attempt %u)", c->ep.host, c->ep.port, why,
            attempt + 1);
}

static void closed(ws_conn *c)
{
    char why[200];
    if (c->why[0] != '\0') {
        snprintf(why, sizeof why, "%s", c->why);
    } else {
        unsigned hangup = c->ep.idle != NULL ? c->ep.idle->secs_since_valid_hangup : 0;
        why_closed(c->peer_code, (now_us() - c->last_rx_us) / 1000, hangup, why, sizeof why);
    }
    went_down(c, why);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    ws_conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        /* Forwarded by the context's first protocol: here `user` is the X509_STORE_CTX. */
        c = lws_wsi_user(wsi);
        if (c != NULL)
            why_note_verify(user, len, c->verify_error, sizeof c->verify_error);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        established(c, wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        c->last_rx_us = now_us();
        return 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* The payload starts with the status code, big-endian. */
        c->peer_code =
            len >= 2 ? ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1] : 1005;
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return writeable(c, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c != NULL)
            connect_failed(c, in);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c != NULL)
            closed(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols ws_conn_protocol = {"depthlog-ws", callback, 0, 0, 0, NULL, 0};

ws_conn *ws_conn_create(const ws_conn_endpoint *ep, char *path, const char *const *symbols,
                        size_t n, const streams_spec *spec, const ws_conn_events *ev, uint32_t seed)
{
    ws_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        free(path);
        return NULL;
    }
    c->ep = *ep;
    c->ev = *ev;
    c->path = path;
    c->symbols = malloc((n ? n : 1) * sizeof *c->symbols);
    if (c->symbols == NULL) {
        free(path);
        free(c);
        return NULL;
    }
    memcpy(c->symbols, symbols, n * sizeof *c->symbols);
    c->n = n;
    c->spec = *spec;
    c->rand = seed ? seed : 1;
    return c;
}

ws_conn *ws_conn_clone(const ws_conn *c, uint32_t seed)
{
    char *path = strdup(c->path);
    if (path == NULL)
        return NULL;
    return ws_conn_create(&c->ep, path, c->symbols, c->n, &c->spec, &c->ev, seed);
}

int ws_conn_add(ws_conn *c, const char *const *symbols, size_t k)
{
    const char **s = realloc(c->symbols, (c->n + k + 1) * sizeof *s);
    if (s == NULL)
        return -1;
    memcpy(s + c->n, symbols, k * sizeof *s);
    c->symbols = s;
    size_t old = c->n;
    c->n += k;
    if (c->closing || !c->established || c->wsi == NULL)
        return 0; /* its next connection subscribes them with the rest */
    if (c->up && c->ev.joined != NULL)
        c->ev.joined(c->ev.ctx, c->symbols + old, k);
    /* Still pacing its first batches: the new ones follow them; else they go now. */
    if (c->sub_sent == old) {
        c->send_due = 1;
        lws_callback_on_writable(c->wsi);
    }
    return 0;
}

size_t ws_conn_count(const ws_conn *c)
{
    return c->n;
}

int ws_conn_is_up(const ws_conn *c)
{
    return c->up && !c->closing;
}

int64_t ws_conn_age_us(const ws_conn *c, int64_t now)
{
    return ws_conn_is_up(c) ? now - c->up_since_us : 0;
}

int ws_conn_shutdown_seen(const ws_conn *c)
{
    return ws_conn_is_up(c) && c->shutdown_seen;
}

int ws_conn_subscribed(const ws_conn *c)
{
    return ws_conn_is_up(c) && c->sub_sent == c->n && c->answers_due == 0;
}

int ws_conn_delivering(const ws_conn *c)
{
    return ws_conn_subscribed(c) && c->messages > 0;
}

void ws_conn_being_replaced(ws_conn *c)
{
    c->replaced = 1;
}

void ws_conn_retire(ws_conn *c, const char *why)
{
    if (ws_conn_is_up(c))
        c->ev.down(c->ev.ctx, c->symbols, c->n, why);
    c->up = 0;
    ws_conn_close(c);
}

void ws_conn_close(ws_conn *c)
{
    c->closing = 1;
    lws_sul_cancel(&c->retry);
    lws_sul_cancel(&c->sub_timer);
    if (c->wsi != NULL && c->established)
        lws_callback_on_writable(c->wsi);
}

int ws_conn_closed(const ws_conn *c)
{
    return c->wsi == NULL || !c->established;
}

void ws_conn_destroy(ws_conn *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->msg);
    free(c->symbols);
    free(c);
}
