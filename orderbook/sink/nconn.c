#include "nconn.h"

#include <stdbool.h>

natsStatus nconn_options(natsOptions **out, servers *sv, const char *name,
                         natsConnectionHandler on_connected, natsConnectionHandler on_disconnected,
                         void *closure)
{
    natsStatus s = natsOptions_Create(out);
    natsOptions *o = *out;
    if (s == NATS_OK)
        s = natsOptions_SetServers(o, sv->url, (int)sv->n);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, name);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 250);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, closure);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(o, on_disconnected, closure);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_connected, closure);
    return s;
}

const char *nconn_last_error(natsStatus s)
{
    const char *e = nats_GetLastError(NULL);
    return e != NULL && e[0] != '\0' ? e : natsStatus_GetText(s);
}
