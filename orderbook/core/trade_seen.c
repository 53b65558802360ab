#include "trade_seen.h"

int trade_seen_take(trade_seen *t, uint64_t id, uint64_t *missed)
{
    if (!t->any) {
        t->any = 1;
        t->top = id;
        t->mask = 1;
        return 1;
    }
    if (id > t->top) {
        uint64_t jump = id - t->top;
        *missed += jump - 1;
        t->mask = jump >= TRADE_SEEN_WINDOW ? 1 : t->mask << jump | 1;
        t->top = id;
        return 1;
    }
    uint64_t k = t->top - id;
    if (k >= TRADE_SEEN_WINDOW || (t->mask >> k & 1))
        return 0;
    t->mask |= (uint64_t)1 << k;
    if (*missed > 0)
        --*missed;
    return 1;
}
