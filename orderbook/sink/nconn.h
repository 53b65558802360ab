/* What the publisher (nats.c) and the archive's consumer (pull.c) share about a connection. */
#ifndef NCONN_H
#define NCONN_H

#include <nats/nats.h>

#include "servers.h"

/*
 * Make the options both sides connect with: the servers in sv, the client name `name`,
 * reconnecting forever every 250 ms, a 2 s connect timeout, retrying a first connect that
 * fails; on_connected runs on the first connect and every reconnect, on_disconnected on every
 * loss, both with closure. On success *out is the caller's to destroy; on failure *out may
 * still hold options, which the caller destroys too (natsOptions_Destroy(NULL) is harmless).
 */
natsStatus nconn_options(natsOptions **out, servers *sv, const char *name,
                         natsConnectionHandler on_connected, natsConnectionHandler on_disconnected,
                         void *closure);

/* The library's last error text for this thread, or the status' own text when it has none. */
const char *nconn_last_error(natsStatus s);

#endif
