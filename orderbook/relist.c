#include "relist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct relist {
    pthread_t thread;
    atomic_int stop;
    unsigned every_s;
    relist_read_fn read;
    void *ctx;
    exinfo_list listed; /* the last reading (the thread's own) */
    pthread_mutex_t lock;
    exinfo_list gone; /* under lock: left, not yet taken */
    size_t joined;    /* under lock */
};

static int copy_list(exinfo_list *dst, const exinfo_list *src)
{
    dst->n = 0;
    dst->sym = malloc((src->n ? src->n : 1) * sizeof *dst->sym);
    if (dst->sym == NULL)
        return -1;
    memcpy(dst->sym, src->sym, src->n * sizeof *dst->sym);
    dst->n = src->n;
    return 0;
}

/* Append src's symbols to dst; -1 when memory ran out (dst unchanged). */
static int append(exinfo_list *dst, const exinfo_list *src)
{
    if (src->n == 0)
        return 0;
    char(*grown)[SYM_MAX + 1] = realloc(dst->sym, (dst->n + src->n) * sizeof *dst->sym);
    if (grown == NULL)
        return -1;
    memcpy(grown + dst->n, src->sym, src->n * sizeof *grown);
    dst->sym = grown;
    dst->n += src->n;
    return 0;
}

static void *run(void *arg)
{
    relist *r = arg;
    for (;;) {
        for (unsigned t = 0; t < r->every_s * 10; t++) {
            if (atomic_load(&r->stop))
                return NULL;
            struct timespec ts = {0, 100000000};
            nanosleep(&ts, NULL);
        }
        exinfo_list now, added, removed;
        if (r->read(r->ctx, &now) != 0)
            continue; /* the caller said why; the next reading may work */
        if (exinfo_diff(&r->listed, &now, &added, &removed) != 0) {
            exinfo_free(&now);
            continue;
        }
        pthread_mutex_lock(&r->lock);
        int kept = append(&r->gone, &removed) == 0;
        r->joined += added.n;
        pthread_mutex_unlock(&r->lock);
        exinfo_free(&added);
        exinfo_free(&removed);
        if (kept) {
            exinfo_free(&r->listed);
            r->listed = now;
        } else {
            exinfo_free(&now); /* compared again next time */
        }
    }
}

relist *relist_start(const exinfo_list *listed, unsigned every_s, relist_read_fn read, void *ctx)
{
    relist *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->every_s = every_s;
    r->read = read;
    r->ctx = ctx;
    atomic_init(&r->stop, 0);
    pthread_mutex_init(&r->lock, NULL);
    if (copy_list(&r->listed, listed) != 0 || pthread_create(&r->thread, NULL, run, r) != 0) {
        exinfo_free(&r->listed);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void relist_take_gone(relist *r, exinfo_list *out, size_t *joined)
{
    pthread_mutex_lock(&r->lock);
    *out = r->gone;
    r->gone.sym = NULL;
    r->gone.n = 0;
    *joined = r->joined;
    pthread_mutex_unlock(&r->lock);
}

void relist_stop(relist *r)
{
    if (r == NULL)
        return;
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    exinfo_free(&r->listed);
    exinfo_free(&r->gone);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
