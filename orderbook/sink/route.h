/*
 * Where a record goes in JetStream, read from the record line itself (pure, no I/O):
 *   subject     <prefix>.<market>.<SYMBOL>.<event>   (no symbol: <prefix>.<market>._.<event>)
 *   Nats-Msg-Id <market>:<SYMBOL>:<event>:<id>
 * id is u for depth, lastUpdateId for snapshot and rest, the trade id t for trade (a for an
 * aggTrade), and for a raw frame "<stream>:<u>" (or t, a). Records that carry no such id
 * (resync, connected, disconnected, removed, frames that are not events) use their ts: they
 * are one host's own facts, so two hosts store both, and a republish of the same record is
 * still stored once. Redundant hosts that see the same event derive the same id, so the
 * stream's duplicate window keeps the first arrival only.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

#define ROUTE_SUBJECT_MAX 256
#define ROUTE_ID_MAX      256

typedef struct route {
    char subject[ROUTE_SUBJECT_MAX]; /* NUL-terminated */
    char msg_id[ROUTE_ID_MAX];       /* NUL-terminated */
} route;

/*
 * The route of one record line (`len` bytes, no '\n' needed), for subjects under `prefix`
 * (e.g. "depthlog") on `market` ("spot"). In a subject token, characters NATS reserves
 * ('.', '*', '>', spaces) become '_'; the Msg-Id keeps the symbol as it is. Returns 0, or -1
 * when the line is not a record (no "event") or a name does not fit.
 */
int route_of(const char *line, size_t len, const char *prefix, const char *market, route *out);

#endif
