#include "serve_view.h"

#include <stdlib.h>

serve_view *serve_view_new(size_t n)
{
    serve_view *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->sym = n ? calloc(n, sizeof *v->sym) : NULL;
    if (n && v->sym == NULL) {
        free(v);
        return NULL;
    }
    v->n = n;
    v->legs_up = SERVE_UNKNOWN;
    v->legs_wanted = SERVE_UNKNOWN;
    v->rest_weight = SERVE_UNKNOWN;
    v->bytes_written = SERVE_UNKNOWN;
    return v;
}

void serve_view_free(serve_view *v)
{
    if (v == NULL)
        return;
    free(v->sym);
    free(v);
}

void serve_board_init(serve_board *b)
{
    pthread_mutex_init(&b->mu, NULL);
    b->cur = NULL;
}

void serve_board_destroy(serve_board *b)
{
    serve_view_free(b->cur);
    b->cur = NULL;
    pthread_mutex_destroy(&b->mu);
}

void serve_board_publish(serve_board *b, serve_view *v)
{
    v->refs = 1; /* the board's own reference */
    pthread_mutex_lock(&b->mu);
    serve_view *old = b->cur;
    b->cur = v;
    int gone = old != NULL && --old->refs == 0;
    pthread_mutex_unlock(&b->mu);
    if (gone)
        serve_view_free(old); /* freed outside the lock: a reader never waits for free() */
}

const serve_view *serve_board_get(serve_board *b)
{
    pthread_mutex_lock(&b->mu);
    serve_view *v = b->cur;
    if (v != NULL)
        v->refs++;
    pthread_mutex_unlock(&b->mu);
    return v;
}

void serve_board_release(serve_board *b, const serve_view *cv)
{
    if (cv == NULL)
        return;
    serve_view *v = (serve_view *)(uintptr_t)cv; /* the board's own object, handed out const */
    pthread_mutex_lock(&b->mu);
    int gone = --v->refs == 0;
    pthread_mutex_unlock(&b->mu);
    if (gone)
        serve_view_free(v);
}
