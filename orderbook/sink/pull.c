#include "pull.h"

#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "nconn.h"
#include "servers.h"

#define REPORT_EVERY_S 10 /* a repeated problem is told at most this often */

struct npull {
    char stream[256], prefix[128], durable[128], filter[160];
    int batch;
    int ack_wait_s;
    void (*on_problem)(void *ctx, const char *what);
    void *ctx;
    servers sv;
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub; /* NULL until the consumer is bound */
    natsMsgList held;      /* the batch being written */
    uint64_t lag, acked;
    int64_t last_report;
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static void tell(npull *p, int rate_limited, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void tell(npull *p, int rate_limited, const char *fmt, ...)
{
    if (p->on_problem == NULL)
        return;
    if (rate_limited) {
        int64_t now = mono_s();
        if (p->last_report != 0 && now - p->last_report < REPORT_EVERY_S)
            return;
        p->last_report = now;
    }
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->on_problem(p->ctx, what);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    if (natsConnection_IsClosed(nc))
        return; /* our own close at the end */
    tell(closure, 0, "NATS: disconnected; reconnecting");
}

static void on_connected(natsConnection *nc, void *closure)
{
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    tell(closure, 0, "NATS: connected to %s", url);
}

npull *npull_open(const npull_options *o, char *err, size_t errlen)
{
    npull *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(p->stream, sizeof p->stream, "%s", o->stream);
    snprintf(p->prefix, sizeof p->prefix, "%s", o->prefix);
    snprintf(p->durable, sizeof p->durable, "%s", o->durable);
    snprintf(p->filter, sizeof p->filter, "%s.>", o->prefix);
    p->batch = o->batch > 0 ? o->batch : 1000;
    p->ack_wait_s = o->ack_wait_s > 0 ? o->ack_wait_s : 10;
    p->on_problem = o->on_problem;
    p->ctx = o->ctx;
    if (servers_parse(o->url, &p->sv, err, errlen) != 0) {
        free(p);
        return NULL;
    }
    natsStatus s = nconn_options(&p->opts, &p->sv, "depthlog orderbook-archive", on_connected,
                                 on_disconnected, p);
    if (s == NATS_OK) {
        s = natsConnection_Connect(&p->nc, p->opts);
        if (s == NATS_NOT_YET_CONNECTED) {
            tell(p, 0, "NATS: cannot connect to %s yet; retrying", o->url);
            s = NATS_OK;
        }
    }
    if (s == NATS_OK) {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = 5000;
        s = natsConnection_JetStream(&p->js, p->nc, &jo);
    }
    if (s != NATS_OK) {
        snprintf(err, errlen, "NATS: %s", nconn_last_error(s));
        npull_close(p);
        return NULL;
    }
    return p;
}

/* Bind to (or create) the durable consumer. 0, or -1 (told; try again later). */
static int bind_consumer(npull *p)
{
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = p->stream;
    so.Config.Durable = p->durable;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = (int64_t)p->ack_wait_s * 1000000000LL;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.MaxAckPending = 20000;
    jsErrCode je = 0;
    natsStatus s = js_PullSubscribe(&p->sub, p->js, p->filter, p->durable, NULL, &so, &je);
    if (s == NATS_OK)
        return 0;
    p->sub = NULL;
    if (je == JSStreamNotFoundErr || s == NATS_NOT_FOUND)
        tell(p, 1, "NATS: stream %s does not exist yet (orderbook creates it); waiting", p->stream);
    else
        tell(p, 1, "NATS: consumer %s on stream %s: %s; trying again", p->durable, p->stream,
             nconn_last_error(s));
    return -1;
}

int npull_fetch(npull *p, int timeout_ms)
{
    if (p->sub == NULL && bind_consumer(p) != 0) {
        struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return 0;
    }
    jsErrCode je = 0;
    natsStatus s = natsSubscription_Fetch(&p->held, p->sub, p->batch, timeout_ms, &je);
    if (s == NATS_TIMEOUT) {
        p->lag = 0; /* nothing waited for a whole timeout */
        return 0;
    }
    if (s != NATS_OK) {
        tell(p, 1, "NATS: fetching from %s: %s; trying again", p->durable, nconn_last_error(s));
        if (s != NATS_CONNECTION_CLOSED && !natsConnection_IsReconnecting(p->nc)) {
            struct timespec ts = {0, 200000000L};
            nanosleep(&ts, NULL);
        }
        return 0;
    }
    if (p->held.Count > 0) {
        jsMsgMetaData *meta = NULL;
        if (natsMsg_GetMetaData(&meta, p->held.Msgs[p->held.Count - 1]) == NATS_OK)
            p->lag = meta->NumPending;
        jsMsgMetaData_Destroy(meta);
    }
    return p->held.Count;
}

const char *npull_data(npull *p, int i, size_t *len)
{
    natsMsg *m = p->held.Msgs[i];
    *len = (size_t)natsMsg_GetDataLength(m);
    return natsMsg_GetData(m);
}

int npull_ack(npull *p)
{
    int rc = 0;
    for (int i = 0; i < p->held.Count; i++) {
        if (natsMsg_Ack(p->held.Msgs[i], NULL) != NATS_OK)
            rc = -1;
        else
            p->acked++;
    }
    /* The acknowledgments are on their way before the next batch is written. */
    if (rc == 0 && natsConnection_FlushTimeout(p->nc, 5000) != NATS_OK)
        rc = -1;
    natsMsgList_Destroy(&p->held);
    memset(&p->held, 0, sizeof p->held);
    return rc;
}

void npull_drop(npull *p)
{
    natsMsgList_Destroy(&p->held);
    memset(&p->held, 0, sizeof p->held);
}

uint64_t npull_lag(const npull *p)
{
    return p->lag;
}

uint64_t npull_acked(const npull *p)
{
    return p->acked;
}

void npull_close(npull *p)
{
    if (p == NULL)
        return;
    npull_drop(p);
    natsSubscription_Destroy(p->sub);
    jsCtx_Destroy(p->js);
    natsConnection_Destroy(p->nc);
    natsOptions_Destroy(p->opts);
    /* Connection events may still be running on a library thread with p as their closure. */
    nats_CloseAndWait(5000);
    free(p);
}
