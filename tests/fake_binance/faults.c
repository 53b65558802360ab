/* The fake Binance's scripted connection faults (server.h): cut-all, the per-leg faults of a
 * leg's first connection and the faults of the first connection after N frames. */
#include <string.h>
#include <unistd.h>

#include "server.h"

/* cut-all: every websocket connection goes at once, without a close frame. */
void fb_cut_all(void)
{
    for (fb_session *s = fb.ws; s != NULL; s = s->next_ws) {
        s->kill = 1;
        lws_callback_on_writable(s->wsi);
    }
    fb_log_line("cutall %ld\n", fb_ms_since_start());
}

/* leg-shutdown: the cut that follows serverShutdown. */
static void cut_cb(lws_sorted_usec_list_t *sul)
{
    fb_session *s = lws_container_of(sul, fb_session, cut_at);
    s->kill = 1;
    lws_callback_on_writable(s->wsi);
}

/* The per-leg faults of the first connection of a leg, once it has sent `frames_sent`. */
static void leg_faults(struct lws *wsi, fb_session *s)
{
    const sc_leg_faults *lf = &fb.sc.legs;
    if (s->trades && !fb.trade_cut_done[s->leg] && s->frames_sent == lf->trade_cut_after[s->leg]) {
        fb.trade_cut_done[s->leg] = 1;
        s->kill = 1;
        fb_log_line("tradecut %ld %d\n", fb_ms_since_start(), s->conn_no);
    }
    if (s->leg_no != 1)
        return;
    if (s->frames_sent == lf->cut_after[s->leg])
        s->kill = 1;
    if (s->frames_sent == lf->stall_after[s->leg]) {
        s->leg_stalled = 1;
        fb_drop_queue(s);
        lws_rx_flow_control(wsi, 0); /* pings go unread: no pong */
        fb_log_line("stall %ld %d\n", fb_ms_since_start(), s->conn_no);
    }
    if (s->frames_sent == lf->shutdown_after[s->leg]) {
        const char *msg = "{\"e\":\"serverShutdown\",\"E\":1763938799000}";
        fb_enqueue_frame(s, msg, strlen(msg), 0, 0, 1);
        lws_sul_schedule(fb.ctx, 0, &s->cut_at, cut_cb,
                         (lws_usec_t)lf->shutdown_ms[s->leg] * LWS_US_PER_MS);
        fb_log_line("shutdown %ld %d\n", fb_ms_since_start(), s->conn_no);
    }
}

/* The faults due once connection s has sent another frame of the market (frames_sent): its
 * leg's, then those of the first connection (close, stall, shutdown). -1: cut it now,
 * without a close frame. */
int fb_frame_faults(struct lws *wsi, fb_session *s)
{
    leg_faults(wsi, s);
    if (s->kill)
        return -1;
    if (s->conn_no == 1 && s->frames_sent == fb.sc.close_after)
        return -1;
    if (s->conn_no == 1 && s->frames_sent == fb.sc.stall_after && !s->stalled) {
        s->stalled = 1;
        usleep((useconds_t)fb.sc.stall_ms * 1000); /* nothing answered meanwhile, not even pings */
    }
    if (s->conn_no == 1 && s->frames_sent == fb.sc.shutdown_after) {
        const char *msg = "{\"e\":\"serverShutdown\",\"E\":1763938799000}";
        fb_enqueue(s, msg, strlen(msg), 0, 1);
    }
    return 0;
}
