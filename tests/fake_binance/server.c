/*
 * fake_binance: a local stand-in for Binance's spot depth streams and REST snapshots, over
 * TLS on 127.0.0.1, driven by a scenario (scenario.h) and writing its truth, for the tests
 * and the offline demo.
 *
 *   fake_binance --scenario FILE --cert PEM --key PEM --truth FILE --port-file FILE
 *                [--log FILE] [--port N]
 *
 * The port (0: any free one) is written to the port file once the server listens; with
 * `tlsstall` the never-answering plain TCP port follows it on the same line. The log gets
 * one line per REST request ("rest <ms> <symbol> <status>"), per websocket connection
 * ("ws <ms> <n> <streams it asked for>"), per websocket connection closed ("closed <ms> <n>
 * <frames sent> <close code>", the code the client's close frame carried: 1005 for a close
 * frame without one, 1006 for no close frame at all), per SUBSCRIBE ("sub <ms> <n> <streams
 * it added> <id> <ok|refused|over>"), per connection closed for sending control messages too
 * fast ("ratelimit <ms> <n>"), per TCP connection to the stalling port ("tcp <ms> <n>"), and once
 * every scripted event was produced, each symbol's final book size ("book <symbol> <bids> <asks>")
 * and then "done <ms>". The market starts with the first connection that asks for streams.
 * With `legs` a second port serves leg b (scenario.h); each connection then also logs
 * "leg <n> <a|b>".
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cJSON.h>
#include <libwebsockets.h>

#include "market.h"
#include "scenario.h"

#define FLOOD_QUEUE     256 /* flood: frames queued per connection before the market waits */
#define FLOOD_BATCH     64  /* flood: ticks per timer callback, so REST is still served */
#define STALL_MAX_CONNS 64  /* tlsstall: connections held open */

typedef struct out_frame {
    unsigned char *buf; /* LWS_PRE bytes, then the message */
    size_t len;
    size_t sent; /* bytes already sent (fragments) */
    int binary;
    int close_after; /* cut the connection once this frame is out */
    int control;     /* an answer to the client: not counted as a frame sent */
    long due_ms;     /* leg-jitter: not sent before this (ms since start) */
    struct out_frame *next;
} out_frame;

typedef struct session {
    int is_ws;
    /* websocket */
    int conn_no;     /* 1 for the first connection */
    int *subscribed; /* per symbol of the scenario; NULL until open */
    int silent;      /* says nothing, reads nothing (`silent`) */
    out_frame *head, *tail;
    long queued; /* frames in the queue */
    long frames_sent;
    int stalled;    /* the stall already happened */
    int close_code; /* from the client's close frame; 0 before any */
    char *rx;       /* a message from the client being reassembled */
    size_t rx_len, rx_cap;
    long ctl_ms[10]; /* when the last control messages came, oldest first */
    int ctl_n;
    int route; /* usdm: ROUTE_ROOT, ROUTE_PUBLIC or ROUTE_MARKET, by the URL's path */
    struct session *next_ws;
    struct lws *wsi;
    int leg;                       /* 0: leg a (the first port), 1: leg b */
    int leg_no;                    /* 1 for the first connection of its leg */
    int leg_stalled;               /* leg-stall: no frames, nothing read, for good */
    int kill;                      /* cut at the next chance to write (no close frame) */
    lws_sorted_usec_list_t cut_at; /* leg-shutdown: the cut after serverShutdown */
    lws_sorted_usec_list_t due;    /* leg-jitter: wakes the writer when the head is due */
    long last_due;                 /* leg-jitter: the latest due time queued (order kept) */
    /* http */
    unsigned char *body; /* LWS_PRE bytes, then the body */
    size_t body_len, body_sent;
} session;

/* The subscriptions of a connection, per symbol. */
#define SUB_DEPTH 1
#define SUB_TRADE 2

enum { ROUTE_ROOT, ROUTE_PUBLIC, ROUTE_MARKET };

static struct {
    scenario sc;
    market *mk;
    FILE *log;
    session *ws; /* open websocket sessions */
    int ws_connections;
    int rest_requests;
    int done_logged;
    int ticking;     /* the market runs from the first connection that asks for streams on */
    long ticking_ms; /* when it started */
    volatile sig_atomic_t stop;
    struct lws_context *ctx;
    lws_sorted_usec_list_t tick;
    mk_frame *frames; /* room for one tick's frames (mk_tick_max) */
    int max_frames;
    struct timespec start;
    struct lws_vhost *vhost_b; /* `legs`: leg b's listener */
    int leg_conns[2];          /* websocket connections per leg so far */
    long *depth_frames;        /* per symbol: depth frames produced (for leg-withhold) */
    long ticks;                /* market ticks so far */
} g;

static long ms_since_start(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - g.start.tv_sec) * 1000 + (now.tv_nsec - g.start.tv_nsec) / 1000000;
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
    if (g.log == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g.log, fmt, ap);
    va_end(ap);
    fflush(g.log);
}

static void enqueue_frame(session *s, const char *text, size_t len, int binary, int close_after,
                          int control)
{
    out_frame *f = calloc(1, sizeof *f);
    f->buf = malloc(LWS_PRE + len + 1);
    memcpy(f->buf + LWS_PRE, text, len);
    f->len = len;
    f->binary = binary;
    f->close_after = close_after;
    f->control = control;
    if (g.sc.legs.jitter_ms > 0 && !control) {
        long due = ms_since_start() + rand() % (g.sc.legs.jitter_ms + 1);
        f->due_ms = due > s->last_due ? due : s->last_due;
        s->last_due = f->due_ms;
    }
    if (s->tail)
        s->tail->next = f;
    else
        s->head = f;
    s->tail = f;
    s->queued++;
    lws_callback_on_writable(s->wsi);
}

static void enqueue(session *s, const char *text, size_t len, int binary, int close_after)
{
    enqueue_frame(s, text, len, binary, close_after, 0);
}

static void drop_queue(session *s)
{
    while (s->head) {
        out_frame *f = s->head;
        s->head = f->next;
        free(f->buf);
        free(f);
    }
    s->tail = NULL;
    s->queued = 0;
}

/* Which symbol a message is about: its "s", or the stream's name. -1 for all. */
static int frame_symbol(const char *text)
{
    const char *p = strstr(text, "\"s\":\"");
    if (p == NULL)
        return -1;
    p += 5;
    for (int i = 0; i < g.sc.n_symbols; i++) {
        size_t n = strlen(g.sc.symbols[i]);
        if (strncmp(p, g.sc.symbols[i], n) == 0 && p[n] == '"')
            return i;
    }
    return -1;
}

/* Does this connection get a frame of this kind (SUB_DEPTH, SUB_TRADE)? On usdm depth goes
 * to /public (and the root), trades to /market only, as Binance routes them. */
static int routed(const session *s, int kind)
{
    if (g.sc.market != SC_USDM)
        return 1;
    return kind == SUB_TRADE ? s->route == ROUTE_MARKET : s->route != ROUTE_MARKET;
}

/* leg-jitter: "E" becomes the time the event was made (ms since the epoch). */
static void stamp_time(char **text)
{
    char *at = strstr(*text, "\"E\":");
    if (at == NULL)
        return;
    size_t old = strlen("\"E\":") + strspn(at + strlen("\"E\":"), "0123456789");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char e[48];
    int n = snprintf(e, sizeof e, "\"E\":%lld",
                     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    size_t len = strlen(*text), head = (size_t)(at - *text);
    char *out = malloc(len - old + (size_t)n + 1);
    if (out == NULL)
        return;
    memcpy(out, *text, head);
    memcpy(out + head, e, (size_t)n);
    memcpy(out + head + (size_t)n, at + old, len - head - old + 1);
    free(*text);
    *text = out;
}

/* cut-all: every websocket connection goes at once, without a close frame. */
static void cut_all(void)
{
    for (session *s = g.ws; s != NULL; s = s->next_ws) {
        s->kill = 1;
        lws_callback_on_writable(s->wsi);
    }
    log_line("cutall %ld\n", ms_since_start());
}

/* One tick of the market: its frames go to every connection that subscribed to them. */
static void tick_once(void)
{
    int n = mk_tick(g.mk, g.frames, g.max_frames);
    if (++g.ticks == g.sc.legs.cut_all_tick)
        cut_all();
    for (int i = 0; i < n; i++) {
        int sym = frame_symbol(g.frames[i].text);
        int kind = strstr(g.frames[i].text, "@trade\"") != NULL ||
                           strstr(g.frames[i].text, "@aggTrade\"") != NULL
                       ? SUB_TRADE
                       : SUB_DEPTH;
        if (g.sc.legs.jitter_ms > 0)
            stamp_time(&g.frames[i].text);
        long nth = 0;
        if (sym >= 0 && kind == SUB_DEPTH && strstr(g.frames[i].text, "depthUpdate") != NULL)
            nth = ++g.depth_frames[sym];
        for (session *s = g.ws; s != NULL; s = s->next_ws)
            if (!s->silent && !s->leg_stalled && !s->kill &&
                (sym < 0 || (s->subscribed[sym] & kind)) && routed(s, kind) &&
                !(nth > 0 && sc_withheld(&g.sc, s->leg, sym, nth)))
                enqueue(s, g.frames[i].text, strlen(g.frames[i].text), g.frames[i].binary, 0);
        free(g.frames[i].text);
    }
}

/* flood: is some connection's queue full (so the market waits for it)? */
static int flood_full(void)
{
    for (session *s = g.ws; s != NULL; s = s->next_ws)
        if (!s->silent && s->queued >= FLOOD_QUEUE)
            return 1;
    return 0;
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    if (g.sc.flood) {
        for (int i = 0; i < FLOOD_BATCH && !flood_full() && !mk_done(g.mk); i++)
            tick_once();
    } else {
        tick_once();
    }
    if (mk_done(g.mk)) {
        if (!g.done_logged) {
            for (int i = 0; i < g.sc.n_symbols; i++) {
                int bids, asks;
                mk_book_size(g.mk, i, &bids, &asks);
                log_line("book %s %d %d\n", g.sc.symbols[i], bids, asks);
            }
            log_line("done %ld\n", ms_since_start());
        }
        g.done_logged = 1;
        return; /* quiet from now on: the connections stay open */
    }
    int rate = g.sc.rate > 0 ? g.sc.rate : 1000;
    lws_usec_t next = g.sc.flood ? LWS_US_PER_MS : LWS_US_PER_SEC / rate;
    lws_sul_schedule(g.ctx, 0, &g.tick, tick_cb, next);
}

/* ---- REST ---- */

/* The value of a query argument ("name=" given); lws copies "name=value" and points past
 * the '=' in its buffer. */
static void url_arg(struct lws *wsi, const char *name, char *out, size_t len)
{
    char buf[128];
    const char *v = lws_get_urlarg_by_name(wsi, name, buf, (int)sizeof buf);
    if (v != NULL)
        snprintf(out, len, "%s", v);
}

/* The market's paths. */
static const char *depth_path(void)
{
    return g.sc.market == SC_USDM    ? "/fapi/v1/depth"
           : g.sc.market == SC_COINM ? "/dapi/v1/depth"
                                     : "/api/v3/depth";
}

static const char *exchange_info_path(void)
{
    return g.sc.market == SC_USDM    ? "/fapi/v1/exchangeInfo"
           : g.sc.market == SC_COINM ? "/dapi/v1/exchangeInfo"
                                     : "/api/v3/exchangeInfo";
}

/* Futures take only these limits; their weights are 2/5/10/20. 0: not allowed. */
static int futures_weight(int limit)
{
    switch (limit) {
    case 5:
    case 10:
    case 20:
    case 50:
        return 2;
    case 100:
        return 5;
    case 500:
        return 10;
    case 1000:
        return 20;
    default:
        return 0;
    }
}

static int http_request(struct lws *wsi, session *s, const char *uri)
{
    char symbol[64] = "", limit_s[16] = "100";
    int status = 200;
    char *body = NULL;
    char retry[16] = "";
    char weight[16] = "5";
    if (strcmp(uri, exchange_info_path()) == 0) {
        char st[32] = "";
        url_arg(wsi, "symbolStatus=", st, sizeof st);
        long ms = g.ticking ? ms_since_start() - g.ticking_ms : 0;
        body = mk_exchange_info(g.mk, g.sc.market == SC_SPOT && strcmp(st, "TRADING") == 0, ms);
        log_line("rest %ld exchangeInfo %d\n", ms_since_start(), status);
    } else if (strcmp(uri, depth_path()) != 0) {
        status = 404;
        body = strdup("{\"code\":-1,\"msg\":\"not found\"}");
    } else if (g.sc.market != SC_SPOT && (url_arg(wsi, "limit=", limit_s, sizeof limit_s),
                                          futures_weight(atoi(limit_s)) == 0)) {
        url_arg(wsi, "symbol=", symbol, sizeof symbol);
        status = 400;
        body = strdup("{\"code\":-1130,\"msg\":\"Invalid data sent for a parameter.\"}");
        log_line("rest %ld %s %d\n", ms_since_start(), symbol, status);
    } else {
        if (g.sc.market != SC_SPOT)
            snprintf(weight, sizeof weight, "%d", futures_weight(atoi(limit_s)));
        url_arg(wsi, "symbol=", symbol, sizeof symbol);
        url_arg(wsi, "limit=", limit_s, sizeof limit_s);
        g.rest_requests++;
        if (g.sc.rest451) {
            status = 451;
            body = strdup("{\"code\":0,\"msg\":\"Service unavailable from a restricted "
                          "location\"}");
        } else if (g.rest_requests <= g.sc.rest_err_count) {
            status = g.sc.rest_err_status;
            snprintf(retry, sizeof retry, "%d", g.sc.rest_err_retry_s);
            body = strdup("{\"code\":-1003,\"msg\":\"Too many requests\"}");
        } else {
            body = mk_snapshot(g.mk, symbol, atoi(limit_s));
            if (body == NULL) {
                status = 400;
                body = strdup("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
            }
        }
        log_line("rest %ld %s %d\n", ms_since_start(), symbol, status);
    }
    size_t len = strlen(body);
    s->body = malloc(LWS_PRE + len);
    memcpy(s->body + LWS_PRE, body, len);
    s->body_len = len;
    s->body_sent = 0;
    free(body);

    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)status, "application/json", len, &p, end))
        return 1;
    if (retry[0] != '\0' &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RETRY_AFTER, (unsigned char *)retry,
                                     (int)strlen(retry), &p, end))
        return 1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-mbx-used-weight-1m:",
                                    (const unsigned char *)weight, (int)strlen(weight), &p, end))
        return 1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_writable(struct lws *wsi, session *s)
{
    if (s->body == NULL)
        return 0;
    size_t n = s->body_len - s->body_sent;
    if (n > 16384)
        n = 16384;
    int last = s->body_sent + n == s->body_len;
    if (lws_write(wsi, s->body + LWS_PRE + s->body_sent, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return 1;
    s->body_sent += n;
    if (!last) {
        /* lws_write needs LWS_PRE writable bytes before what it sends: move the rest. */
        memmove(s->body + LWS_PRE, s->body + LWS_PRE + s->body_sent, s->body_len - s->body_sent);
        s->body_len -= s->body_sent;
        s->body_sent = 0;
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(s->body);
    s->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- websocket ---- */

/* The symbol index of a stream name and what it carries: "btcusdt@depth@100ms" (SUB_DEPTH),
 * "btcusdt@trade" on spot or "btcusdt@aggTrade" on futures (SUB_TRADE); -1 for others. */
static int stream_symbol(const char *name, int *kind)
{
    size_t name_len = strcspn(name, "@");
    const char *rest = name + name_len;
    const char *trade = g.sc.market == SC_SPOT ? "@trade" : "@aggTrade";
    if (strncmp(rest, "@depth", 6) == 0)
        *kind = SUB_DEPTH;
    else if (strcmp(rest, trade) == 0)
        *kind = SUB_TRADE;
    else
        return -1;
    for (int i = 0; i < g.sc.n_symbols; i++) {
        const char *sym = g.sc.symbols[i];
        if (strlen(sym) == name_len && strncasecmp(sym, name, name_len) == 0)
            return i;
    }
    return -1;
}

/* Mark the symbols named in "streams=a@depth@100ms/b@depth": exact names only. */
static void subscribe(session *s, const char *args)
{
    const char *p = strstr(args, "streams=");
    if (p == NULL)
        return;
    p += strlen("streams=");
    while (*p != '\0') {
        size_t len = strcspn(p, "/&");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), p);
        int kind = 0;
        int sym = stream_symbol(name, &kind);
        if (sym >= 0)
            s->subscribed[sym] |= kind;
        p += len;
        if (*p != '/')
            break;
        p++;
    }
}

/* Start the market with the first connection that asks for streams (in its URL or by
 * SUBSCRIBE), so a slow client start, or a slow subscription, never misses the script. */
static void start_market(void)
{
    if (g.ticking)
        return;
    g.ticking = 1;
    g.ticking_ms = ms_since_start();
    lws_sul_schedule(g.ctx, 0, &g.tick, tick_cb, LWS_US_PER_SEC / 10);
}

/* ---- SUBSCRIBE ---- */

/* A control message: more than 5 in a second (10 on futures) closes the connection, as
 * Binance does. */
static int over_rate(session *s)
{
    long now = ms_since_start();
    int most = g.sc.market == SC_SPOT ? 5 : 10;
    if (s->ctl_n == most && now - s->ctl_ms[0] < 1000) {
        log_line("ratelimit %ld %d\n", now, s->conn_no);
        return 1;
    }
    if (s->ctl_n == most) {
        memmove(s->ctl_ms, s->ctl_ms + 1, (size_t)(most - 1) * sizeof s->ctl_ms[0]);
        s->ctl_n--;
    }
    s->ctl_ms[s->ctl_n++] = now;
    return 0;
}

/* {"result":null,"id":N}, or {"error":{...},"id":N} when `refusal` is not NULL. */
static void answer(session *s, long id, const char *refusal)
{
    char text[512];
    int n;
    if (refusal == NULL)
        n = snprintf(text, sizeof text, "{\"result\":null,\"id\":%ld}", id);
    else
        n = snprintf(text, sizeof text,
                     "{\"error\":{\"code\":2,\"msg\":\"Invalid request: %s\"},\"id\":%ld}", refusal,
                     id);
    enqueue_frame(s, text, (size_t)n, 0, 0, 1);
}

/* {"method":"SUBSCRIBE","params":[...],"id":N}: mark the streams, answer. -1: close. */
static int control_message(session *s, const char *text, size_t len)
{
    if (over_rate(s))
        return -1;
    cJSON *j = cJSON_ParseWithLength(text, len);
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    long n_id = cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
    const char *verdict = "ok";
    int added = 0, refused = 0, total = 0;
    if (!cJSON_IsString(method) || strcmp(method->valuestring, "SUBSCRIBE") != 0 ||
        !cJSON_IsArray(params) || n_id < 0) {
        answer(s, n_id, "not a SUBSCRIBE");
        cJSON_Delete(j);
        return 0;
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        int kind = 0;
        int sym = cJSON_IsString(p) ? stream_symbol(p->valuestring, &kind) : -1;
        refused |= sym >= 0 && sym == g.sc.refuse_symbol;
    }
    for (int i = 0; i < g.sc.n_symbols; i++)
        total += (s->subscribed[i] & SUB_DEPTH) + (s->subscribed[i] >> 1);
    if (refused) {
        verdict = "refused";
        answer(s, n_id, "refused stream");
    } else if (total + cJSON_GetArraySize(params) > 1024) {
        verdict = "over";
        answer(s, n_id, "over 1024 streams on this connection");
    } else {
        cJSON_ArrayForEach(p, params)
        {
            int kind = 0;
            int sym = cJSON_IsString(p) ? stream_symbol(p->valuestring, &kind) : -1;
            if (sym >= 0 && !(s->subscribed[sym] & kind)) {
                s->subscribed[sym] |= kind;
                added++;
            }
        }
        answer(s, n_id, NULL);
    }
    log_line("sub %ld %d %d %ld %s\n", ms_since_start(), s->conn_no, added, n_id, verdict);
    cJSON_Delete(j);
    if (added > 0)
        start_market();
    return 0;
}

/* A piece of a message from the client; whole ones go to control_message. */
static int ws_receive(struct lws *wsi, session *s, const char *in, size_t len)
{
    if (s->rx_len + len + 1 > s->rx_cap) {
        size_t cap = s->rx_cap ? s->rx_cap * 2 : 65536;
        while (cap < s->rx_len + len + 1)
            cap *= 2;
        s->rx = realloc(s->rx, cap);
        s->rx_cap = cap;
    }
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    s->rx[s->rx_len] = '\0';
    size_t n = s->rx_len;
    s->rx_len = 0;
    return control_message(s, s->rx, n);
}

static void ws_open(struct lws *wsi, session *s)
{
    s->is_ws = 1;
    s->wsi = wsi;
    s->conn_no = ++g.ws_connections;
    s->leg = g.vhost_b != NULL && lws_get_vhost(wsi) == g.vhost_b;
    s->leg_no = ++g.leg_conns[s->leg];
    s->subscribed = calloc((size_t)(g.sc.n_symbols > 0 ? g.sc.n_symbols : 1), sizeof(int));
    static char args[65536];
    args[0] = '\0';
    lws_hdr_copy(wsi, args, sizeof args, WSI_TOKEN_HTTP_URI_ARGS);
    char path[256] = "";
    lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI);
    s->route = strncmp(path, "/public/", 8) == 0   ? ROUTE_PUBLIC
               : strncmp(path, "/market/", 8) == 0 ? ROUTE_MARKET
                                                   : ROUTE_ROOT;
    subscribe(s, args);
    if (s->conn_no <= g.sc.silent_count) {
        /* Open, then nothing: no frames, and no reading, so no pong to any ping. */
        s->silent = 1;
        lws_rx_flow_control(wsi, 0);
    }
    s->next_ws = g.ws;
    g.ws = s;
    int streams = 0;
    for (int i = 0; i < g.sc.n_symbols; i++)
        streams += (s->subscribed[i] & SUB_DEPTH) + (s->subscribed[i] >> 1);
    log_line("ws %ld %d %d\n", ms_since_start(), s->conn_no, streams);
    log_line("path %d %s\n", s->conn_no, path);
    if (g.sc.legs.on)
        log_line("leg %d %c\n", s->conn_no, s->leg ? 'b' : 'a');
    if (streams > 0)
        start_market();
}

static void ws_close(session *s)
{
    lws_sul_cancel(&s->cut_at);
    lws_sul_cancel(&s->due);
    for (session **pp = &g.ws; *pp; pp = &(*pp)->next_ws) {
        if (*pp == s) {
            *pp = s->next_ws;
            break;
        }
    }
    log_line("closed %ld %d %ld %d\n", ms_since_start(), s->conn_no, s->frames_sent,
             s->close_code ? s->close_code : 1006);
    drop_queue(s);
    free(s->subscribed);
    s->subscribed = NULL;
    free(s->rx);
    s->rx = NULL;
}

/* leg-shutdown: the cut that follows serverShutdown. */
static void cut_cb(lws_sorted_usec_list_t *sul)
{
    session *s = lws_container_of(sul, session, cut_at);
    s->kill = 1;
    lws_callback_on_writable(s->wsi);
}

/* The per-leg faults of the first connection of a leg, once it has sent `frames_sent`. */
static void leg_faults(struct lws *wsi, session *s)
{
    const sc_leg_faults *lf = &g.sc.legs;
    if (s->leg_no != 1)
        return;
    if (s->frames_sent == lf->cut_after[s->leg])
        s->kill = 1;
    if (s->frames_sent == lf->stall_after[s->leg]) {
        s->leg_stalled = 1;
        drop_queue(s);
        lws_rx_flow_control(wsi, 0); /* pings go unread: no pong */
        log_line("stall %ld %d\n", ms_since_start(), s->conn_no);
    }
    if (s->frames_sent == lf->shutdown_after[s->leg]) {
        const char *msg = "{\"e\":\"serverShutdown\",\"E\":1763938799000}";
        enqueue_frame(s, msg, strlen(msg), 0, 0, 1);
        lws_sul_schedule(g.ctx, 0, &s->cut_at, cut_cb,
                         (lws_usec_t)lf->shutdown_ms[s->leg] * LWS_US_PER_MS);
        log_line("shutdown %ld %d\n", ms_since_start(), s->conn_no);
    }
}

/* leg-jitter: the head of the queue is due. */
static void due_cb(lws_sorted_usec_list_t *sul)
{
    session *s = lws_container_of(sul, session, due);
    lws_callback_on_writable(s->wsi);
}

static int ws_writable(struct lws *wsi, session *s)
{
    if (s->kill)
        return -1; /* abrupt: no close frame */
    if (s->leg_stalled)
        return 0;
    out_frame *f = s->head;
    if (f == NULL)
        return 0;
    long now = ms_since_start();
    if (f->sent == 0 && f->due_ms > now) {
        lws_sul_schedule(g.ctx, 0, &s->due, due_cb, (lws_usec_t)(f->due_ms - now) * LWS_US_PER_MS);
        return 0;
    }
    size_t piece = f->len - f->sent;
    if (g.sc.fragment > 0 && piece > (size_t)g.sc.fragment)
        piece = (size_t)g.sc.fragment;
    int first = f->sent == 0, last = f->sent + piece == f->len;
    int flags = lws_write_ws_flags(f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, first, last);
    /* lws writes the frame header into the LWS_PRE bytes before the piece: the buffer's
     * head room for the first piece, bytes already sent for the others. */
    if (lws_write(wsi, f->buf + LWS_PRE + f->sent, piece, (enum lws_write_protocol)flags) <
        (int)piece)
        return -1;
    f->sent += piece;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    s->head = f->next;
    if (s->head == NULL)
        s->tail = NULL;
    s->queued--;
    int close_now = f->close_after, control = f->control;
    free(f->buf);
    free(f);
    if (close_now)
        return -1;
    if (control) { /* an answer: not a frame of the market, triggers no scripted fault */
        if (s->head != NULL)
            lws_callback_on_writable(wsi);
        return 0;
    }
    s->frames_sent++;
    leg_faults(wsi, s);
    if (s->kill)
        return -1;
    if (s->conn_no == 1 && s->frames_sent == g.sc.close_after)
        return -1; /* abrupt: no close frame */
    if (s->conn_no == 1 && s->frames_sent == g.sc.stall_after && !s->stalled) {
        s->stalled = 1;
        usleep((useconds_t)g.sc.stall_ms * 1000); /* nothing answered meanwhile, not even pings */
    }
    if (s->conn_no == 1 && s->frames_sent == g.sc.shutdown_after) {
        const char *msg = "{\"e\":\"serverShutdown\",\"E\":1763938799000}";
        enqueue(s, msg, strlen(msg), 0, 1);
    }
    if (s->head != NULL)
        lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    session *s = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return http_request(wsi, s, (const char *)in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writable(wsi, s);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s != NULL) { /* NULL when the request failed before a session was made */
            free(s->body);
            s->body = NULL;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        ws_open(wsi, s);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writable(wsi, s);
    case LWS_CALLBACK_CLOSED:
        ws_close(s);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return s->silent ? 0 : ws_receive(wsi, s, in, len);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        /* The close frame's payload starts with the code, big-endian. */
        const unsigned char *p = in;
        s->close_code = len >= 2 ? p[0] << 8 | p[1] : 1005;
        return 0;
    }
    default:
        break;
    }
    (void)len;
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"binance", callback, sizeof(session), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- tlsstall: a TCP port that accepts and never answers ---- */

static void *stall_thread(void *arg)
{
    int lfd = *(int *)arg;
    int held[STALL_MAX_CONNS];
    int n = 0, total = 0;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        log_line("tcp %ld %d\n", ms_since_start(), ++total);
        /* Kept open and never read: the client's ClientHello waits forever. The oldest
         * goes once the table is full, so a retrying client never runs the server out. */
        if (n == STALL_MAX_CONNS) {
            close(held[0]);
            memmove(held, held + 1, (STALL_MAX_CONNS - 1) * sizeof held[0]);
            n--;
        }
        held[n++] = fd;
    }
}

/* Listen on 127.0.0.1 (any port) and start the stalling thread; returns the port or -1. */
static int stall_start(void)
{
    static int lfd;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    pthread_t t;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0 ||
        pthread_create(&t, NULL, stall_thread, &lfd) != 0) {
        close(lfd);
        return -1;
    }
    pthread_detach(t);
    return ntohs(a.sin_port);
}

static void on_signal(int sig)
{
    (void)sig;
    g.stop = 1;
    if (g.ctx)
        lws_cancel_service(g.ctx);
}

int main(int argc, char **argv)
{
    const char *scenario_path = NULL, *cert = NULL, *key = NULL, *truth = NULL;
    const char *port_file = NULL, *log_path = NULL;
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--scenario") == 0)
            scenario_path = argv[i + 1];
        else if (strcmp(argv[i], "--cert") == 0)
            cert = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0)
            key = argv[i + 1];
        else if (strcmp(argv[i], "--truth") == 0)
            truth = argv[i + 1];
        else if (strcmp(argv[i], "--port-file") == 0)
            port_file = argv[i + 1];
        else if (strcmp(argv[i], "--log") == 0)
            log_path = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
    }
    if (!scenario_path || !cert || !key || !truth || !port_file) {
        fprintf(stderr, "usage: fake_binance --scenario FILE --cert PEM --key PEM --truth FILE "
                        "--port-file FILE [--log FILE] [--port N]\n");
        return 2;
    }
    char err[1024];
    if (sc_load(&g.sc, scenario_path, err, sizeof err) != 0) {
        fprintf(stderr, "fake_binance: %s\n", err);
        sc_free(&g.sc);
        return 2;
    }
    g.max_frames = mk_tick_max(&g.sc);
    g.frames = calloc((size_t)g.max_frames, sizeof *g.frames);
    g.depth_frames = calloc((size_t)(g.sc.n_symbols > 0 ? g.sc.n_symbols : 1), sizeof(long));
    if (g.frames == NULL || g.depth_frames == NULL) {
        fprintf(stderr, "fake_binance: out of memory\n");
        return 1;
    }
    FILE *tf = fopen(truth, "w");
    if (tf == NULL) {
        perror(truth);
        return 1;
    }
    g.log = log_path ? fopen(log_path, "w") : NULL;
    g.mk = mk_create(&g.sc, tf, err, sizeof err);
    if (g.mk == NULL) {
        fprintf(stderr, "fake_binance: %s\n", err);
        return 1;
    }
    mk_log_trades(g.mk, g.log);
    clock_gettime(CLOCK_MONOTONIC, &g.start);
    int stall_port = 0;
    if (g.sc.tlsstall && (stall_port = stall_start()) < 0) {
        fprintf(stderr, "fake_binance: cannot listen for tlsstall: %s\n", strerror(errno));
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = cert;
    info.ssl_private_key_filepath = key;
    info.max_http_header_data = 32768;
    info.vhost_name = "localhost";
    g.ctx = lws_create_context(&info);
    if (g.ctx == NULL) {
        fprintf(stderr, "fake_binance: cannot listen\n");
        return 1;
    }
    int actual = lws_get_vhost_listen_port(lws_get_vhost_by_name(g.ctx, "localhost"));
    int port_b = 0;
    if (g.sc.legs.on) {
        /* Leg b: the same server, market and certificate on a second port. */
        info.port = 0;
        info.vhost_name = "leg-b";
        g.vhost_b = lws_create_vhost(g.ctx, &info);
        if (g.vhost_b == NULL) {
            fprintf(stderr, "fake_binance: cannot listen for leg b\n");
            return 1;
        }
        port_b = lws_get_vhost_listen_port(g.vhost_b);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (stall_port > 0)
        fprintf(pf, "%d %d\n", actual, stall_port);
    else
        fprintf(pf, "%d\n", actual);
    if (port_b > 0)
        fprintf(pf, "b %d\n", port_b);
    fclose(pf);
    rename(tmp, port_file); /* appears whole: tests poll for it */

    while (!g.stop && ms_since_start() < (long)g.sc.timeout_s * 1000)
        if (lws_service(g.ctx, 0) < 0)
            break;
    lws_context_destroy(g.ctx);
    mk_destroy(g.mk);
    free(g.frames);
    free(g.depth_frames);
    sc_free(&g.sc);
    fclose(tf);
    if (g.log)
        fclose(g.log);
    return 0;
}
