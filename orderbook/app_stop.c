#include "app_stop.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "app_join.h"
#include "app_listing.h"
#include "app_status.h"
#include "console.h"

void app_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGWINCH);
}

int app_wait_for_stop(app *a, const sigset_t *set)
{
    for (;;) {
        siginfo_t si;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(set, &si, &ts);
        if (atomic_load(&a->fatal))
            return 0;
        if (sig == SIGWINCH)
            con_width_changed();
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
            return sig;
    }
}

static void *flush_thread(void *arg)
{
    app *a = arg;
    alog_stop(a->lg, ALOG_STOP_FLUSH);
    return NULL;
}

/* Drain the logger, on a thread of its own so that a second SIGINT can stop it at once. */
static void drain(app *a, const sigset_t *set)
{
    pthread_t flusher;
    int err = pthread_create(&flusher, NULL, flush_thread, a);
    if (err != 0) {
        con_say("no thread to drain with (%s): draining here; a second Ctrl-C cannot cut it "
                "short",
                strerror(err));
        alog_stop(a->lg, ALOG_STOP_FLUSH);
        return;
    }
    for (;;) {
        /* Poll the flusher; a second SIGINT meanwhile drops what is still queued. */
        struct timespec ts = {0, 100000000};
        siginfo_t si;
        int s = sigtimedwait(set, &si, &ts);
        if (s == SIGINT) {
            con_say("stopping now: queued records are dropped");
            alog_stop(a->lg, ALOG_STOP_NOW);
        }
        if (pthread_tryjoin_np(flusher, NULL) == 0)
            break;
    }
}

int app_stop(app *a, pthread_t net, int sig, const sigset_t *set)
{
    /* Everything received so far is in the pipeline once the feed thread has returned. */
    feed_stop(a->net);
    pthread_join(net, NULL);
    app_relist_stop(a);
    serve_stop(a->web);
    if (sig != 0 && !a->args.quiet)
        con_say("stopping: writing what was received (Ctrl-C again to stop at once)");
    drain(a, set);
    if (a->pub != NULL && npub_stop(a->pub, 10000) != 0)
        con_say("nats: not everything was published within 10 s");
    uint64_t lost = app_summary(a);
    npub_destroy(a->pub);
    feed_destroy(a->net);
    cap_destroy(a->pipeline);
    app_join_free(a);
    alog_close(a->lg);
    if (atomic_load(&a->fatal))
        return 1;
    return lost > 0 ? 3 : 0;
}
