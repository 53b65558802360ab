/* Retry delays: capped exponential backoff with jitter. Pure. */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

typedef struct backoff_policy {
    uint32_t base_ms; /* the first retry waits this long (plus jitter) */
    uint32_t cap_ms;  /* never more than this, jitter included */
} backoff_policy;

/* Reconnecting a websocket, retrying a failed snapshot request. */
extern const backoff_policy backoff_reconnect;
/* Fetching again a snapshot that was asked for right after the last one came (stale). */
extern const backoff_policy backoff_refetch;

/* The delay before retry number `attempt` (0 = the first): base * 2^attempt, capped, plus up
 * to 25% jitter taken from `random` (any 32-bit value), so clients that lost the same server
 * do not all come back in the same millisecond. */
uint32_t backoff_ms(const backoff_policy *p, unsigned attempt, uint32_t random);

/* xorshift32: the next of a sequence of `random` values for backoff_ms. *state must not be 0.
 * Jitter needs spread, not secrecy. */
uint32_t backoff_rand(uint32_t *state);

#endif
