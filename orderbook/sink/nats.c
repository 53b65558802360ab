#include "nats.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "ring.h"
#include "route.h"
#include "nconn.h"
#include "servers.h"

#define ACK_WAIT_MS     4000 /* an unacknowledged publish is sent again after this */
#define STALL_MS        100  /* a send waits this long for room in flight, then retries */
#define RETRY_MIN_MS    250  /* failed sends go again after this, */
#define RETRY_MAX_MS    2000 /* doubling up to this while sends keep failing */
#define STREAM_EVERY_MS 1000 /* checking or creating the stream is retried this often */
#define REPORT_EVERY_S  10   /* a repeated problem is told at most this often */
#define SEND_BATCH      512  /* records taken per turn of the loop */

struct npub {
    char url[2048], stream[256], prefix[128], market[32];
    int replicas;
    int max_inflight;
    void (*on_problem)(void *ctx, const char *what);
    void *ctx;
    servers sv;

    ring *rb; /* records waiting: the network thread puts, the thread takes */
    pthread_t thread;
    int started;         /* the thread runs (joined once) */
    atomic_int stopping; /* npub_stop: publish what is left, then end */
    atomic_int quit;     /* end now */
    _Atomic int64_t deadline_ns;

    natsOptions *opts; /* the thread's */
    natsConnection *nc;
    jsCtx *js;
    atomic_int connected;
    int stream_ready; /* the stream exists with our subjects */
    int gave_up;      /* it exists with others: publishing is impossible */

    pthread_mutex_t retry_lock;
    natsMsg **retry; /* sends that failed: the ack handler adds, the thread resends */
    size_t n_retry, cap_retry;
    natsMsg *held; /* a message the library would not take yet */
    int sent_any;  /* js_PublishMsgAsync has taken a message */

    _Atomic uint64_t published, duplicates, failed, retried;
    _Atomic uint64_t inflight;    /* taken from the buffer, not yet acknowledged or failed */
    _Atomic int64_t last_fail_ns; /* when a send last failed (no leader, timeout, ...) */
    _Atomic int64_t last_report[4];
};

enum { REPORT_CONNECT, REPORT_STREAM, REPORT_SEND, REPORT_FULL };

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void tell(npub *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(npub *p, const char *fmt, ...)
{
    if (p->on_problem == NULL)
        return;
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->on_problem(p->ctx, what);
}

/* Is it time to tell about this kind of problem again? */
static int report_due(npub *p, int kind)
{
    int64_t now = mono_ns(), last = atomic_load(&p->last_report[kind]);
    if (last != 0 && now - last < REPORT_EVERY_S * 1000000000LL)
        return 0;
    return atomic_compare_exchange_strong(&p->last_report[kind], &last, now);
}

/* ---- connection events (the library's threads) ---- */

static void on_disconnected(natsConnection *nc, void *closure)
{
    npub *p = closure;
    atomic_store(&p->connected, 0);
    if (natsConnection_IsClosed(nc))
        return; /* our own close at the end, not an outage */
    tell(p,
         "NATS: disconnected; records wait in memory (up to %zu MiB) and are published "
         "when it is back",
         ring_capacity(p->rb) >> 20);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    npub *p = closure;
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    atomic_store(&p->connected, 1);
    tell(p, "NATS: connected to %s", url);
}

/* Every asynchronous publish ends here: acknowledged, or failed (then sent again). */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    npub *p = closure;
    if (pa != NULL) {
        atomic_fetch_add(&p->published, 1);
        if (pa->Duplicate)
            atomic_fetch_add(&p->duplicates, 1);
        atomic_fetch_sub(&p->inflight, 1);
        natsMsg_Destroy(msg);
        return;
    }
    if (pae != NULL && pae->ErrCode == JSStreamMessageExceedsMaximumErr) {
        /* Sending it again can never work. */
        atomic_fetch_add(&p->failed, 1);
        atomic_fetch_sub(&p->inflight, 1);
        if (report_due(p, REPORT_SEND))
            tell(p, "NATS: a record on %s was refused: %s", natsMsg_GetSubject(msg),
                 pae->ErrText ? pae->ErrText : "too large");
        natsMsg_Destroy(msg);
        return;
    }
    atomic_store(&p->last_fail_ns, mono_ns());
    if (pae != NULL && report_due(p, REPORT_SEND))
        tell(p, "NATS: publishing: %s; sending again",
             pae->ErrText != NULL && pae->ErrText[0] != '\0' ? pae->ErrText
                                                             : natsStatus_GetText(pae->Err));
    pthread_mutex_lock(&p->retry_lock);
    if (p->n_retry == p->cap_retry) {
        size_t cap = p->cap_retry ? p->cap_retry * 2 : 64;
        natsMsg **r = realloc(p->retry, cap * sizeof *r);
        if (r == NULL) {
            pthread_mutex_unlock(&p->retry_lock);
            atomic_fetch_add(&p->failed, 1);
            atomic_fetch_sub(&p->inflight, 1);
            natsMsg_Destroy(msg);
            return;
        }
        p->retry = r;
        p->cap_retry = cap;
    }
    p->retry[p->n_retry++] = msg;
    pthread_mutex_unlock(&p->retry_lock);
}

/* ---- the stream ---- */

/* 1: ready; 0: not yet (try again later); -1: it can never be used. */
static int ensure_stream(npub *p)
{
    char subjects[160];
    snprintf(subjects, sizeof subjects, "%s.>", p->prefix);
    jsStreamInfo *si = NULL;
    jsErrCode je = 0;
    natsStatus s = js_GetStreamInfo(&si, p->js, p->stream, NULL, &je);
    if (s == NATS_NOT_FOUND) {
        jsStreamConfig cfg;
        jsStreamConfig_Init(&cfg);
        const char *subj[1] = {subjects};
        cfg.Name = p->stream;
        cfg.Subjects = subj;
        cfg.SubjectsLen = 1;
        cfg.Storage = js_FileStorage;
        cfg.Replicas = (int64_t)p->replicas;
        cfg.Duplicates = (int64_t)NPUB_DUPLICATE_S * 1000000000LL;
        je = 0;
        s = js_AddStream(&si, p->js, &cfg, NULL, &je);
        if (s != NATS_OK && je == JSStreamNameExistErr)
            return 0; /* another host made it meanwhile: look again */
        if (s != NATS_OK && je == JSStreamSubjectOverlapErr) {
            tell(p,
                 "NATS: cannot create stream %s: its subjects \"%s\" overlap another stream's; "
                 "change [nats] subject_prefix or stream",
                 p->stream, subjects);
            return -1;
        }
        if (s == NATS_OK)
            tell(p,
                 "NATS: created stream %s (subjects \"%s\", %d replica%s, duplicate window "
                 "%d s)",
                 p->stream, subjects, p->replicas, p->replicas == 1 ? "" : "s", NPUB_DUPLICATE_S);
    }
    if (s != NATS_OK) {
        if (report_due(p, REPORT_STREAM))
            tell(p, "NATS: stream %s: %s; trying again", p->stream, nconn_last_error(s));
        return 0;
    }
    int ours = 0;
    char have[512] = "";
    size_t used = 0;
    for (int i = 0; i < si->Config->SubjectsLen; i++) {
        const char *x = si->Config->Subjects[i];
        if (strcmp(x, subjects) == 0)
            ours = 1;
        used += (size_t)snprintf(have + used, used < sizeof have ? sizeof have - used : 0,
                                 "%s\"%s\"", i ? ", " : "", x);
        if (used >= sizeof have)
            used = sizeof have - 1;
    }
    int64_t dup = si->Config->Duplicates;
    jsStreamInfo_Destroy(si);
    if (!ours) {
        tell(p,
             "NATS: stream %s exists with subjects %s, not \"%s\": nothing is published; use "
             "another [nats] stream, or the subject_prefix it was made for",
             p->stream, have[0] ? have : "(none)", subjects);
        return -1;
    }
    if (dup < (int64_t)NPUB_DUPLICATE_S * 1000000000LL)
        tell(p,
             "NATS: stream %s has a duplicate window of %lld s (less than %d s): redundant "
             "hosts may store an event twice",
             p->stream, (long long)(dup / 1000000000LL), NPUB_DUPLICATE_S);
    return 1;
}

/* ---- the thread ---- */

static natsStatus open_connection(npub *p)
{
    natsStatus s =
        nconn_options(&p->opts, &p->sv, "depthlog orderbook", on_reconnected, on_disconnected, p);
    if (s != NATS_OK)
        return s;
    s = natsConnection_Connect(&p->nc, p->opts);
    if (s == NATS_OK) {
        atomic_store(&p->connected, 1);
    } else if (s == NATS_NOT_YET_CONNECTED) {
        tell(p,
             "NATS: cannot connect to %s yet; capture goes on, records wait in memory and "
             "are published once it answers (retrying)",
             p->url);
        s = NATS_OK;
    } else {
        return s;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = p->max_inflight;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = p;
    jo.PublishAsync.StallWait = STALL_MS;
    jo.Wait = ACK_WAIT_MS;
    return natsConnection_JetStream(&p->js, p->nc, &jo);
}

/* Send one message (ownership passes on success); NATS_OK or why not. */
static natsStatus publish_one(npub *p, natsMsg **m)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = ACK_WAIT_MS;
    natsStatus s = js_PublishMsgAsync(p->js, m, &po);
    if (s == NATS_OK)
        p->sent_any = 1;
    return s;
}

/* The failed sends, again; returns how many there were. */
static size_t resend(npub *p)
{
    pthread_mutex_lock(&p->retry_lock);
    natsMsg **list = p->retry;
    size_t n = p->n_retry;
    p->retry = NULL;
    p->n_retry = p->cap_retry = 0;
    pthread_mutex_unlock(&p->retry_lock);
    for (size_t i = 0; i < n; i++) {
        if (p->held == NULL && atomic_load(&p->connected) && publish_one(p, &list[i]) == NATS_OK) {
            atomic_fetch_add(&p->retried, 1);
            continue;
        }
        /* Not now: back on the list for the next turn. */
        pthread_mutex_lock(&p->retry_lock);
        if (p->n_retry == p->cap_retry) {
            size_t cap = p->cap_retry ? p->cap_retry * 2 : 64;
            natsMsg **r = realloc(p->retry, cap * sizeof *r);
            if (r != NULL) {
                p->retry = r;
                p->cap_retry = cap;
            }
        }
        if (p->n_retry < p->cap_retry) {
            p->retry[p->n_retry++] = list[i];
        } else {
            natsMsg_Destroy(list[i]);
            atomic_fetch_add(&p->failed, 1);
            atomic_fetch_sub(&p->inflight, 1);
        }
        pthread_mutex_unlock(&p->retry_lock);
    }
    free(list);
    return n;
}

/* A message for the record, or NULL (not a record, or no memory: counted as failed). */
static natsMsg *message(npub *p, const char *line, size_t len)
{
    route r;
    natsMsg *m = NULL;
    if (route_of(line, len, p->prefix, p->market, &r) != 0 ||
        natsMsg_Create(&m, r.subject, NULL, line, (int)len) != NATS_OK ||
        natsMsgHeader_Set(m, "Nats-Msg-Id", r.msg_id) != NATS_OK) {
        natsMsg_Destroy(m);
        atomic_fetch_add(&p->failed, 1);
        return NULL;
    }
    return m;
}

/* Records from the buffer into flight; returns how many were taken. */
static int send_from_buffer(npub *p)
{
    int taken = 0;
    if (p->held != NULL) {
        if (publish_one(p, &p->held) != NATS_OK)
            return 0;
        p->held = NULL;
    }
    const char *data;
    size_t len;
    while (taken < SEND_BATCH && atomic_load(&p->connected) && (len = ring_peek(p->rb, &data))) {
        natsMsg *m = message(p, data, len);
        ring_pop(p->rb);
        taken++;
        if (m == NULL)
            continue;
        atomic_fetch_add(&p->inflight, 1);
        if (publish_one(p, &m) != NATS_OK) {
            p->held = m; /* in flight is full, or the connection just went: later */
            break;
        }
    }
    return taken;
}

/* The stream can't be used: what waits, and what comes, is not published. */
static void drop_buffer(npub *p)
{
    const char *data;
    while (ring_peek(p->rb, &data) != 0) {
        ring_pop(p->rb);
        atomic_fetch_add(&p->failed, 1);
    }
}

static int all_done(npub *p)
{
    return ring_count(p->rb) == 0 && atomic_load(&p->inflight) == 0;
}

static void *publisher(void *arg)
{
    npub *p = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* the library's threads inherit this */
    natsStatus s = open_connection(p);
    if (s != NATS_OK) {
        tell(p, "NATS: cannot start: %s; nothing is published", nconn_last_error(s));
        p->gave_up = 1;
    }
    int64_t next_stream = 0, next_retry = 0;
    int retry_ms = RETRY_MIN_MS;
    while (!atomic_load(&p->quit)) {
        int64_t now = mono_ns();
        if (atomic_load(&p->stopping) && (all_done(p) || now > atomic_load(&p->deadline_ns)))
            break;
        if (p->gave_up) {
            drop_buffer(p);
            ring_wait(p->rb, 100);
            continue;
        }
        if (!p->stream_ready) {
            if (atomic_load(&p->connected) && now >= next_stream) {
                int r = ensure_stream(p);
                p->stream_ready = r == 1;
                p->gave_up = r == -1;
                next_stream = now + STREAM_EVERY_MS * 1000000LL;
            }
            if (!p->stream_ready) {
                sleep_ms(50);
                continue;
            }
        }
        if (!atomic_load(&p->connected)) {
            sleep_ms(50);
            continue;
        }
        if (now >= next_retry) {
            /* While NATS keeps failing them (no stream leader yet), back off. */
            if (resend(p) > 0) {
                /* Failing that long: maybe the stream is gone; look (and make it) again. */
                if (retry_ms == RETRY_MAX_MS)
                    p->stream_ready = 0;
                retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
            } else {
                retry_ms = RETRY_MIN_MS;
            }
            next_retry = now + retry_ms * 1000000LL;
        }
        /* Sends are failing (the stream has no leader yet, ...): new records wait in the
         * buffer until a resend goes through, instead of failing alongside. */
        if (now - atomic_load(&p->last_fail_ns) < retry_ms * 1000000LL) {
            sleep_ms(10);
            continue;
        }
        if (send_from_buffer(p) == 0) {
            if (p->held != NULL || ring_count(p->rb) != 0)
                sleep_ms(10);
            else
                ring_wait(p->rb, 50);
        }
    }
    return NULL;
}

/* ---- the API ---- */

static void copy(char *dst, size_t cap, const char *src, const char *dflt)
{
    snprintf(dst, cap, "%s", src != NULL && src[0] != '\0' ? src : dflt);
}

npub *npub_start(const npub_options *o, char *err, size_t errlen)
{
    npub *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    copy(p->url, sizeof p->url, o->url, "");
    copy(p->stream, sizeof p->stream, o->stream, "DEPTHLOG");
    copy(p->prefix, sizeof p->prefix, o->prefix, "depthlog");
    copy(p->market, sizeof p->market, o->market, "spot");
    p->replicas = o->replicas > 0 ? o->replicas : 1;
    p->max_inflight = o->max_inflight > 0 ? o->max_inflight : NPUB_MAX_INFLIGHT;
    p->on_problem = o->on_problem;
    p->ctx = o->ctx;
    pthread_mutex_init(&p->retry_lock, NULL);
    if (servers_parse(p->url, &p->sv, err, errlen) != 0)
        goto fail;
    p->rb = ring_create(o->buffer_bytes ? o->buffer_bytes : NPUB_BUFFER_BYTES);
    if (p->rb == NULL) {
        snprintf(err, errlen, "cannot allocate the buffer: %s", strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&p->thread, NULL, publisher, p);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
        goto fail;
    }
    p->started = 1;
    return p;
fail:
    ring_destroy(p->rb);
    pthread_mutex_destroy(&p->retry_lock);
    free(p);
    return NULL;
}

int npub_put(npub *p, const char *line, size_t len)
{
    if (p == NULL)
        return 0;
    if (ring_put(p->rb, line, len) == 0)
        return 0;
    atomic_fetch_add(&p->failed, 1);
    if (report_due(p, REPORT_FULL))
        tell(p,
             "NATS: the buffer of %zu MiB is full: records are not published (the files have "
             "them)",
             ring_capacity(p->rb) >> 20);
    return -1;
}

void npub_get_counts(npub *p, npub_counts *out)
{
    memset(out, 0, sizeof *out);
    if (p == NULL)
        return;
    out->published = atomic_load(&p->published);
    out->duplicates = atomic_load(&p->duplicates);
    out->failed = atomic_load(&p->failed);
    out->retried = atomic_load(&p->retried);
    out->pending = (uint64_t)ring_count(p->rb) + atomic_load(&p->inflight);
}

/* Forget the failed sends that wait for a resend. */
static void drop_retries(npub *p)
{
    pthread_mutex_lock(&p->retry_lock);
    for (size_t i = 0; i < p->n_retry; i++)
        natsMsg_Destroy(p->retry[i]);
    free(p->retry);
    p->retry = NULL;
    p->n_retry = p->cap_retry = 0;
    pthread_mutex_unlock(&p->retry_lock);
}

/* The thread has ended: what the library still holds is never acknowledged now. */
static void finish(npub *p)
{
    if (!p->started)
        return;
    pthread_join(p->thread, NULL);
    p->started = 0;
    natsMsg_Destroy(p->held);
    p->held = NULL;
    /* libnats 3.4 crashes here when nothing was ever published asynchronously. */
    if (p->js != NULL && p->sent_any) {
        natsMsgList pending;
        if (js_PublishAsyncGetPendingList(&pending, p->js) == NATS_OK)
            natsMsgList_Destroy(&pending);
    }
    jsCtx_Destroy(p->js);
    p->js = NULL;
    natsConnection_Destroy(p->nc);
    p->nc = NULL;
    natsOptions_Destroy(p->opts);
    p->opts = NULL;
    /* Last: until the connection is gone, a failed acknowledgment may still put a message on
     * the retry list (a leak under ASan in CI, 8 messages after a leader was killed). */
    drop_retries(p);
}

int npub_stop(npub *p, int drain_ms)
{
    if (p == NULL)
        return 0;
    atomic_store(&p->deadline_ns, mono_ns() + (int64_t)drain_ms * 1000000LL);
    atomic_store(&p->stopping, 1);
    ring_wake(p->rb);
    finish(p);
    return all_done(p) ? 0 : -1;
}

void npub_destroy(npub *p)
{
    if (p == NULL)
        return;
    atomic_store(&p->quit, 1);
    ring_wake(p->rb);
    finish(p);
    /* An acknowledgment or a connection event may still be running on a library thread with
     * p as its closure: once the library's threads are gone, nothing refers to p. */
    nats_CloseAndWait(5000);
    drop_retries(p);
    ring_destroy(p->rb);
    pthread_mutex_destroy(&p->retry_lock);
    free(p);
}
