/* The fake Binance's websocket connections (server.h): each one's queue of frames, its opening
 * (the streams in its URL, its leg, the `silent` fault), its writing (fragments, leg-jitter's
 * due times) and its closing. */
#include <stdlib.h>
#include <string.h>

#include "server.h"

void fb_enqueue_frame(fb_session *s, const char *text, size_t len, int binary, int close_after,
                      int control)
{
    fb_out_frame *f = calloc(1, sizeof *f);
    f->buf = malloc(LWS_PRE + len + 1);
    memcpy(f->buf + LWS_PRE, text, len);
    f->len = len;
    f->binary = binary;
    f->close_after = close_after;
    f->control = control;
    if (fb.sc.legs.jitter_ms > 0 && !control) {
        long due = fb_ms_since_start() + rand() % (fb.sc.legs.jitter_ms + 1);
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

void fb_enqueue(fb_session *s, const char *text, size_t len, int binary, int close_after)
{
    fb_enqueue_frame(s, text, len, binary, close_after, 0);
}

void fb_drop_queue(fb_session *s)
{
    while (s->head) {
        fb_out_frame *f = s->head;
        s->head = f->next;
        free(f->buf);
        free(f);
    }
    s->tail = NULL;
    s->queued = 0;
}

void fb_ws_open(struct lws *wsi, fb_session *s)
{
    s->is_ws = 1;
    s->wsi = wsi;
    s->conn_no = ++fb.ws_connections;
    s->leg = fb.vhost_b != NULL && lws_get_vhost(wsi) == fb.vhost_b;
    s->leg_no = ++fb.leg_conns[s->leg];
    s->subscribed = calloc((size_t)(fb.sc.n_symbols > 0 ? fb.sc.n_symbols : 1), sizeof(int));
    static char args[65536];
    args[0] = '\0';
    lws_hdr_copy(wsi, args, sizeof args, WSI_TOKEN_HTTP_URI_ARGS);
    char path[256] = "";
    lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI);
    s->route = strncmp(path, "/public/", 8) == 0   ? ROUTE_PUBLIC
               : strncmp(path, "/market/", 8) == 0 ? ROUTE_MARKET
                                                   : ROUTE_ROOT;
    fb_subscribe_url(s, args);
    if (s->conn_no <= fb.sc.silent_count) {
        /* Open, then nothing: no frames, and no reading, so no pong to any ping. */
        s->silent = 1;
        lws_rx_flow_control(wsi, 0);
    }
    s->next_ws = fb.ws;
    fb.ws = s;
    int streams = 0;
    for (int i = 0; i < fb.sc.n_symbols; i++)
        streams += (s->subscribed[i] & SUB_DEPTH) + (s->subscribed[i] >> 1);
    fb_log_line("ws %ld %d %d\n", fb_ms_since_start(), s->conn_no, streams);
    fb_log_line("path %d %s\n", s->conn_no, path);
    if (fb.sc.legs.on)
        fb_log_line("leg %d %c\n", s->conn_no, s->leg ? 'b' : 'a');
    if (streams > 0)
        fb_start_market();
}

void fb_ws_close(fb_session *s)
{
    lws_sul_cancel(&s->cut_at);
    lws_sul_cancel(&s->due);
    for (fb_session **pp = &fb.ws; *pp; pp = &(*pp)->next_ws) {
        if (*pp == s) {
            *pp = s->next_ws;
            break;
        }
    }
    fb_log_line("closed %ld %d %ld %d\n", fb_ms_since_start(), s->conn_no, s->frames_sent,
                s->close_code ? s->close_code : 1006);
    fb_drop_queue(s);
    free(s->subscribed);
    s->subscribed = NULL;
    free(s->rx);
    s->rx = NULL;
}

/* leg-jitter: the head of the queue is due. */
static void due_cb(lws_sorted_usec_list_t *sul)
{
    fb_session *s = lws_container_of(sul, fb_session, due);
    lws_callback_on_writable(s->wsi);
}

/* Write the next piece of the head of the queue; what the scripted faults do once a frame
 * of the market is out. -1: cut the connection. */
int fb_ws_writable(struct lws *wsi, fb_session *s)
{
    if (s->kill)
        return -1; /* abrupt: no close frame */
    if (s->leg_stalled)
        return 0;
    fb_out_frame *f = s->head;
    if (f == NULL)
        return 0;
    long now = fb_ms_since_start();
    if (f->sent == 0 && f->due_ms > now) {
        lws_sul_schedule(fb.ctx, 0, &s->due, due_cb, (lws_usec_t)(f->due_ms - now) * LWS_US_PER_MS);
        return 0;
    }
    size_t piece = f->len - f->sent;
    if (fb.sc.fragment > 0 && piece > (size_t)fb.sc.fragment)
        piece = (size_t)fb.sc.fragment;
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
    if (fb_frame_faults(wsi, s) != 0)
        return -1; /* abrupt: no close frame */
    if (s->head != NULL)
        lws_callback_on_writable(wsi);
    return 0;
}
