/* Reconnect and retry delays: capped exponential backoff with jitter. Pure. */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

#define FEED_BACKOFF_BASE_MS 500u   /* the first retry */
#define FEED_BACKOFF_CAP_MS  30000u /* never more than this, jitter included */

/* The delay before retry number `attempt` (0 = the first): base * 2^attempt, capped, plus up
 * to 25% jitter taken from `random` (any 32-bit value), so clients that lost the same server
 * do not all come back in the same millisecond. */
uint32_t feed_backoff_ms(unsigned attempt, uint32_t random);

/* The REST weight of GET /api/v3/depth with this limit, as Binance documents it. */
unsigned feed_depth_weight(int limit);

#endif
