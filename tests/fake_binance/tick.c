/* The fake Binance's market in time (server.h): a tick's frames go to every connection that
 * subscribed to them, at the scenario's rate (or as fast as the queues allow with `flood`),
 * from the first connection that asks for streams until the script is done. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define FLOOD_QUEUE 256 /* flood: frames queued per connection before the market waits */
#define FLOOD_BATCH 64  /* flood: ticks per timer callback, so REST is still served */

/* Which symbol a message is about: its "s", or the stream's name. -1 for all. */
static int frame_symbol(const char *text)
{
    const char *p = strstr(text, "\"s\":\"");
    if (p == NULL)
        return -1;
    p += 5;
    for (int i = 0; i < fb.sc.n_symbols; i++) {
        size_t n = strlen(fb.sc.symbols[i]);
        if (strncmp(p, fb.sc.symbols[i], n) == 0 && p[n] == '"')
            return i;
    }
    return -1;
}

/* Does this connection get a frame of this kind (SUB_DEPTH, SUB_TRADE)? On usdm depth goes
 * to /public (and the root), trades to /market only, as Binance routes them. */
static int routed(const fb_session *s, int kind)
{
    if (fb.sc.market != SC_USDM)
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
    int n = snprintf(e, sizeof e, "\"E\":%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
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

/* One tick of the market: its frames go to every connection that subscribed to them. */
static void tick_once(void)
{
    int n = mk_tick(fb.mk, fb.frames, fb.max_frames);
    if (++fb.ticks == fb.sc.legs.cut_all_tick)
        fb_cut_all();
    for (int i = 0; i < n; i++) {
        int sym = frame_symbol(fb.frames[i].text);
        int kind = strstr(fb.frames[i].text, "@trade\"") != NULL ||
                           strstr(fb.frames[i].text, "@aggTrade\"") != NULL
                       ? SUB_TRADE
                       : SUB_DEPTH;
        if (fb.sc.legs.jitter_ms > 0)
            stamp_time(&fb.frames[i].text);
        long nth = 0;
        if (sym >= 0 && kind == SUB_DEPTH && strstr(fb.frames[i].text, "depthUpdate") != NULL)
            nth = ++fb.depth_frames[sym];
        for (fb_session *s = fb.ws; s != NULL; s = s->next_ws)
            if (!s->silent && !s->leg_stalled && !s->kill &&
                (sym < 0 || (s->subscribed[sym] & kind)) && routed(s, kind) &&
                !(nth > 0 && sc_withheld(&fb.sc, s->leg, sym, nth)))
                fb_enqueue(s, fb.frames[i].text, strlen(fb.frames[i].text), fb.frames[i].binary, 0);
        free(fb.frames[i].text);
    }
}

/* flood: is some connection's queue full (so the market waits for it)? */
static int flood_full(void)
{
    for (fb_session *s = fb.ws; s != NULL; s = s->next_ws)
        if (!s->silent && s->queued >= FLOOD_QUEUE)
            return 1;
    return 0;
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    if (fb.sc.flood) {
        for (int i = 0; i < FLOOD_BATCH && !flood_full() && !mk_done(fb.mk); i++)
            tick_once();
    } else {
        tick_once();
    }
    if (mk_done(fb.mk)) {
        if (!fb.done_logged) {
            for (int i = 0; i < fb.sc.n_symbols; i++) {
                int bids, asks;
                mk_book_size(fb.mk, i, &bids, &asks);
                fb_log_line("book %s %d %d\n", fb.sc.symbols[i], bids, asks);
            }
            fb_log_line("done %ld\n", fb_ms_since_start());
        }
        fb.done_logged = 1;
        return; /* quiet from now on: the connections stay open */
    }
    int rate = fb.sc.rate > 0 ? fb.sc.rate : 1000;
    lws_usec_t next = fb.sc.flood ? LWS_US_PER_MS : LWS_US_PER_SEC / rate;
    lws_sul_schedule(fb.ctx, 0, &fb.tick, tick_cb, next);
}

/* Start the market with the first connection that asks for streams (in its URL or by
 * SUBSCRIBE), so a slow client start, or a slow subscription, never misses the script. */
void fb_start_market(void)
{
    if (fb.ticking)
        return;
    fb.ticking = 1;
    fb.ticking_ms = fb_ms_since_start();
    lws_sul_schedule(fb.ctx, 0, &fb.tick, tick_cb, LWS_US_PER_SEC / 10);
}
