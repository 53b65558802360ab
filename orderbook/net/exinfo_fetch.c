#include "exinfo_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "body.h"

#define MAX_BODY (64u << 20) /* spot's exchangeInfo is a few MB */

typedef struct fetch {
    const char *ca_file;
    int status; /* HTTP status, 0 before the headers */
    int done;
    char *body;
    size_t len, cap;
    char err[256];
} fetch;

static void finish(fetch *f, const char *why)
{
    if (f->done)
        return;
    f->done = 1;
    if (why != NULL)
        snprintf(f->err, sizeof f->err, "%s", why);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    fetch *f = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
        /* Added to the system's trust, never instead of it. */
        if (f->ca_file != NULL && f->ca_file[0] != '\0' &&
            SSL_CTX_load_verify_locations((SSL_CTX *)user, f->ca_file, NULL) != 1)
            return 1;
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        finish(f, in != NULL ? (const char *)in : "connection failed");
        return 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        f->status = (int)lws_http_client_http_response(wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + 16384];
        char *p = buf + LWS_PRE;
        int n = (int)sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (body_append(&f->body, &f->len, &f->cap, MAX_BODY, in, len) != 0) {
            finish(f, "exchangeInfo too large or out of memory");
            return -1;
        }
        return 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        finish(f, NULL);
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        finish(f, "connection closed before the response was complete");
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"exinfo", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int exinfo_fetch(const feed_endpoint *rest, brest_market m, const char *ca_file, int timeout_s,
                 char **body, size_t *len, char *err, size_t errlen)
{
    fetch f;
    memset(&f, 0, sizeof f);
    f.ca_file = ca_file;
    *body = NULL;
    *len = 0;
    /* lws's own errors and warnings stay on stderr, as the feed's do; not its notices. */
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = &f;
    info.fd_limit_per_thread = 8;
    struct lws_context *ctx = lws_create_context(&info);
    if (ctx == NULL) {
        snprintf(err, errlen, "cannot start TLS for exchangeInfo");
        return -1;
    }
    char path[1024];
    brest_exchange_info_path(m, rest->path != NULL ? rest->path : "", path, sizeof path);
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = ctx;
    i.address = rest->host;
    i.port = rest->port;
    i.path = path;
    i.host = rest->host;
    i.origin = rest->host;
    i.method = "GET";
    i.alpn = "http/1.1";
    i.ssl_connection = rest->tls ? LCCSCF_USE_SSL : 0;
    i.local_protocol_name = protocols[0].name;
    if (lws_client_connect_via_info(&i) == NULL)
        finish(&f, f.err[0] != '\0' ? f.err : "cannot connect");
    time_t deadline = time(NULL) + timeout_s;
    while (!f.done && time(NULL) < deadline)
        if (lws_service(ctx, 0) < 0)
            break;
    lws_context_destroy(ctx);
    if (!f.done || f.err[0] != '\0' || f.status != 200) {
        if (!f.done)
            snprintf(err, errlen, "GET %s%s: no answer within %d s", rest->host, path, timeout_s);
        else if (f.err[0] != '\0')
            snprintf(err, errlen, "GET %s%s: %s", rest->host, path, f.err);
        else
            snprintf(err, errlen, "GET %s%s: HTTP %d: %.200s", rest->host, path, f.status,
                     f.body != NULL ? f.body : "");
        free(f.body);
        return -1;
    }
    *body = f.body;
    *len = f.len;
    return 0;
}
