/*
 * The fake Binance's parts (server.c tells what it serves and logs): the state they share, a
 * session per connection, and what each part offers the others. Single-threaded: everything
 * runs on lws's service loop, but for tlsstall's thread, which only logs.
 */
#ifndef FAKE_BINANCE_SERVER_H
#define FAKE_BINANCE_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <libwebsockets.h>

#include "market.h"
#include "scenario.h"

typedef struct fb_out_frame {
    unsigned char *buf; /* LWS_PRE bytes, then the message */
    size_t len;
    size_t sent; /* bytes already sent (fragments) */
    int binary;
    int close_after; /* cut the connection once this frame is out */
    int control;     /* an answer to the client: not counted as a frame sent */
    long due_ms;     /* leg-jitter: not sent before this (ms since start) */
    struct fb_out_frame *next;
} fb_out_frame;

typedef struct fb_session {
    int is_ws;
    /* websocket */
    int conn_no;     /* 1 for the first connection */
    int *subscribed; /* per symbol of the scenario; NULL until open */
    int silent;      /* says nothing, reads nothing (`silent`) */
    fb_out_frame *head, *tail;
    long queued; /* frames in the queue */
    long frames_sent;
    int stalled;    /* the stall already happened */
    int close_code; /* from the client's close frame; 0 before any */
    char *rx;       /* a message from the client being reassembled */
    size_t rx_len, rx_cap;
    long ctl_ms[10]; /* when the last control messages came, oldest first */
    int ctl_n;
    int route; /* usdm: ROUTE_ROOT, ROUTE_PUBLIC or ROUTE_MARKET, by the URL's path */
    struct fb_session *next_ws;
    struct lws *wsi;
    int leg;                       /* 0: leg a (the first port), 1: leg b */
    int leg_no;                    /* 1 for the first connection of its leg */
    int leg_stalled;               /* leg-stall: no frames, nothing read, for good */
    int kill;                      /* cut at the next chance to write (no close frame) */
    int trades;                    /* it has subscribed a trade stream */
    lws_sorted_usec_list_t cut_at; /* leg-shutdown: the cut after serverShutdown */
    lws_sorted_usec_list_t due;    /* leg-jitter: wakes the writer when the head is due */
    long last_due;                 /* leg-jitter: the latest due time queued (order kept) */
    /* http */
    unsigned char *body; /* LWS_PRE bytes, then the body */
    size_t body_len, body_sent;
} fb_session;

/* The subscriptions of a connection, per symbol. */
#define SUB_DEPTH 1
#define SUB_TRADE 2

enum { ROUTE_ROOT, ROUTE_PUBLIC, ROUTE_MARKET };

/* The server: one, shared by its parts. */
typedef struct fb_server {
    scenario sc;
    market *mk;
    FILE *log;
    fb_session *ws; /* open websocket sessions */
    int ws_connections;
    int rest_requests;
    int exinfo_requests;   /* exchangeInfo requests so far */
    long weight_minute;    /* the wall-clock minute weight_used counts */
    int weight_used;       /* REST weight of the requests in that minute (X-MBX-USED-WEIGHT-1M) */
    int trade_cut_done[2]; /* trade-cut: the leg's first trade connection was cut */
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
} fb_server;

extern fb_server fb;

/* ---- log.c ---- */

/* ms since the server started (fb.start). */
long fb_ms_since_start(void);

/* One line to the log (--log); nothing without one. */
void fb_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ws.c: the websocket connections ---- */

/* Queue a frame of `len` bytes of `text` to s and ask to write; close_after: cut the
 * connection once it is out; control: an answer to the client, not a frame of the market
 * (not counted, never delayed by leg-jitter). */
void fb_enqueue_frame(fb_session *s, const char *text, size_t len, int binary, int close_after,
                      int control);

/* fb_enqueue_frame of a frame of the market. */
void fb_enqueue(fb_session *s, const char *text, size_t len, int binary, int close_after);

/* Drop every frame queued to s. */
void fb_drop_queue(fb_session *s);

/* A websocket connection opened: its number, leg, route and the streams of its URL. */
void fb_ws_open(struct lws *wsi, fb_session *s);

/* A websocket connection closed: logged, unlinked, its memory freed (not s itself). */
void fb_ws_close(fb_session *s);

/* Write the next piece of the head of s's queue; then the faults due. -1: cut it. */
int fb_ws_writable(struct lws *wsi, fb_session *s);

/* ---- subscribe.c: what the client asks for ---- */

/* Mark the symbols named in "streams=a@depth@100ms/b@depth" (a URL's arguments). */
void fb_subscribe_url(fb_session *s, const char *args);

/* A piece of a message from the client; whole ones are taken as SUBSCRIBE. -1: close. */
int fb_ws_receive(struct lws *wsi, fb_session *s, const char *in, size_t len);

/* ---- tick.c: the market in time ---- */

/* Start the market ticking, once: with the first connection that asks for streams. */
void fb_start_market(void);

/* ---- rest.c: the REST answers ---- */

/* Answer the request for `uri`: headers now, the body when writable. Non-zero: close. */
int fb_http_request(struct lws *wsi, fb_session *s, const char *uri);

/* Write the next piece of the body; -1 or 1: close. */
int fb_http_writable(struct lws *wsi, fb_session *s);

/* ---- faults.c: the scripted connection faults ---- */

/* cut-all: every websocket connection goes at once, without a close frame. */
void fb_cut_all(void);

/* The faults due once s has sent another frame of the market. -1: cut it now. */
int fb_frame_faults(struct lws *wsi, fb_session *s);

/* ---- tlsstall.c ---- */

/* Listen on 127.0.0.1 (any port) and start the stalling thread; the port or -1. */
int fb_tlsstall_start(void);

#endif
