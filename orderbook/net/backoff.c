#include "backoff.h"

uint32_t feed_backoff_ms(unsigned attempt, uint32_t random)
{
    uint32_t base = FEED_BACKOFF_BASE_MS;
    for (unsigned i = 0; i < attempt && base < FEED_BACKOFF_CAP_MS; i++)
        base *= 2;
    if (base > FEED_BACKOFF_CAP_MS)
        base = FEED_BACKOFF_CAP_MS;
    uint32_t jitter = random % (base / 4 + 1);
    uint32_t d = base + jitter;
    return d > FEED_BACKOFF_CAP_MS ? FEED_BACKOFF_CAP_MS : d;
}

unsigned feed_depth_weight(int limit)
{
    if (limit <= 100)
        return 5;
    if (limit <= 500)
        return 25;
    if (limit <= 1000)
        return 50;
    return 250;
}
