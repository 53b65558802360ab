#include "app_page.h"

#include <stdio.h>
#include <string.h>

#include "console.h"
#include "serve_capture.h"

void app_page_publish(app *a)
{
    if (a->web == NULL)
        return;
    alog_stats st;
    alog_get_stats(a->lg, &st);
    serve_net net = {a->legs_up, app_legs_wanted(a), feed_rest_weight(a->net)};
    serve_publish(a->web, serve_take_view(a->pipeline, &st, &net, realtime_ns()));
}

int app_page_start(app *a)
{
    const cfg_listen *l = &a->conf.listen;
    if (l->host[0] == '\0')
        return 0;
    char addr[sizeof l->host + 16], err[512];
    snprintf(addr, sizeof addr, strchr(l->host, ':') ? "[%s]:%d" : "%s:%d", l->host, l->port);
    a->web = serve_start(addr, a->conf.dir, err, sizeof err);
    if (a->web == NULL) {
        con_say("[serve] %s", err);
        return -1;
    }
    if (!a->args.quiet)
        con_say("live page at http://%s/ (also /metrics, /api/book?symbol=S)", addr);
    return 0;
}
