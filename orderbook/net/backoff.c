#include "backoff.h"

const backoff_policy backoff_reconnect = {500, 30000};
const backoff_policy backoff_refetch = {1000, 30000};

uint32_t backoff_ms(const backoff_policy *p, unsigned attempt, uint32_t random)
{
    uint32_t base = p->base_ms;
    for (unsigned i = 0; i < attempt && base < p->cap_ms; i++)
        base *= 2;
    if (base > p->cap_ms)
        base = p->cap_ms;
    uint32_t jitter = random % (base / 4 + 1);
    uint32_t d = base + jitter;
    return d > p->cap_ms ? p->cap_ms : d;
}

uint32_t backoff_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}
