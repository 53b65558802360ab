/*
 * Connection attempts under Binance's limit of 300 per 5 minutes per IP: a sliding window of
 * the attempts made. Pure (the caller gives the time).
 */
#ifndef CONN_BUDGET_H
#define CONN_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define CONN_BUDGET_MAX       250 /* attempts per window: Binance allows 300, leave a margin */
#define CONN_BUDGET_WINDOW_US (300LL * 1000000) /* 5 minutes */

typedef struct conn_budget {
    int64_t at[CONN_BUDGET_MAX]; /* when the attempts in the window were made, a ring */
    size_t head;                 /* the oldest */
    size_t n;                    /* attempts in the ring */
} conn_budget;

/* An empty window. */
void conn_budget_init(conn_budget *b);

/* May an attempt start at now_us (monotonic)? 0: yes, and it is counted; else how many
 * microseconds until one may (nothing is counted). */
int64_t conn_budget_take(conn_budget *b, int64_t now_us);

#endif
