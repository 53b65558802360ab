/*
 * One GET of a market's exchangeInfo, for --all: on its own short-lived lws context with the
 * feed's trust (the system's and ca_file, peer and host name always verified), on the
 * calling thread, before the feed starts. Knows nothing of what the body says (core/exinfo).
 */
#ifndef EXINFO_FETCH_H
#define EXINFO_FETCH_H

#include <stddef.h>

#include "binance_rest.h"
#include "feed.h"

/*
 * GET brest_exchange_info_path(m, rest->path) from `rest`, waiting at most timeout_s seconds.
 * Returns 0 with the body (HTTP 200; malloc'ed, NUL-terminated, *len bytes) in *body, or -1
 * with what went wrong in err (the HTTP status and the start of the body, or the connection's
 * failure).
 */
int exinfo_fetch(const feed_endpoint *rest, brest_market m, const char *ca_file, int timeout_s,
                 char **body, size_t *len, char *err, size_t errlen);

#endif
