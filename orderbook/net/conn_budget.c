#include "conn_budget.h"

#include <string.h>

void conn_budget_init(conn_budget *b)
{
    memset(b, 0, sizeof *b);
}

int64_t conn_budget_take(conn_budget *b, int64_t now_us)
{
    /* Forget the attempts that left the window. */
    while (b->n > 0 && now_us - b->at[b->head] >= CONN_BUDGET_WINDOW_US) {
        b->head = (b->head + 1) % CONN_BUDGET_MAX;
        b->n--;
    }
    if (b->n == CONN_BUDGET_MAX)
        return b->at[b->head] + CONN_BUDGET_WINDOW_US - now_us;
    b->at[(b->head + b->n) % CONN_BUDGET_MAX] = now_us;
    b->n++;
    return 0;
}
