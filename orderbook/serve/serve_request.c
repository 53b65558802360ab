#include "serve_request.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve_assets.h"

const char *serve_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 414:
        return "URI Too Long";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

static void fail(serve_verdict *v, int status, const char *message)
{
    v->route = SERVE_ROUTE_ERROR;
    v->status = status;
    v->message = message;
}

/* The value of `key` in a query (a=1&b=2) into out; 1 if present, 0 if not, -1 too long. */
static int query_value(const char *q, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    while (q != NULL && *q != '\0') {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
            size_t vlen = len - klen - 1;
            if (vlen >= cap)
                return -1;
            memcpy(out, q + klen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        q = end ? end + 1 : NULL;
    }
    return 0;
}

/* Binance's symbol rule ^[A-Z0-9-_.]{1,20}$, any case; upper-cased in place. */
static int valid_symbol(char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SERVE_SYMBOL_MAX)
        return 0;
    for (char *c = s; *c != '\0'; c++) {
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
              *c == '.'))
            return 0;
    }
    return 1;
}

static void judge_book(const serve_request *r, serve_verdict *v)
{
    char sym[64], depth[16];
    int has = query_value(r->query, "symbol", sym, sizeof sym);
    if (has == 0) {
        fail(v, 400, "symbol is required: /api/book?symbol=BTCUSDT&depth=20");
        return;
    }
    if (has < 0 || !valid_symbol(sym)) {
        fail(v, 400, "symbol must be 1 to 20 of A-Z 0-9 - _ .");
        return;
    }
    v->depth = SERVE_DEPTH_DEFAULT;
    has = query_value(r->query, "depth", depth, sizeof depth);
    if (has != 0) {
        char *end = NULL;
        long d = has > 0 && depth[0] >= '0' && depth[0] <= '9' ? strtol(depth, &end, 10) : -1;
        if (d < 1 || d > SERVE_LEVELS || end == NULL || *end != '\0') {
            fail(v, 400, "depth must be a whole number from 1 to 100");
            return;
        }
        v->depth = (size_t)d;
    }
    memcpy(v->symbol, sym, strlen(sym) + 1);
    v->route = SERVE_ROUTE_BOOK;
    v->status = 200;
}

int serve_loopback_host(const char *host)
{
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    if (host[0] == '[' && host[n - 1] != ']')
        return 0;
    const char *rest = host + n;
    if (*rest == ':') {
        rest++;
        if (*rest == '\0' || strspn(rest, "0123456789") != strlen(rest))
            return 0;
    } else if (*rest != '\0') {
        return 0;
    }
    if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
        (n == 5 && strncmp(host, "[::1]", 5) == 0))
        return 1;
    char ip[16];
    if (n >= sizeof ip || strncmp(host, "127.", 4) != 0)
        return 0;
    memcpy(ip, host, n);
    ip[n] = '\0';
    struct in_addr a;
    return inet_pton(AF_INET, ip, &a) == 1;
}

void serve_judge(const serve_request *r, serve_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (r->uri_len > SERVE_URI_MAX) {
        fail(v, 414, "request target too long");
        return;
    }
    if (r->header_len > SERVE_HEADERS_MAX) {
        fail(v, 431, "request headers too large");
        return;
    }
    if (r->loopback && r->host != NULL && !serve_loopback_host(r->host)) {
        fail(v, 400, "Host must be 127.0.0.1, localhost or [::1]: this server is on loopback");
        return;
    }
    if (r->method == NULL || r->path == NULL || r->path[0] != '/') {
        fail(v, 400, "bad request");
        return;
    }
    const serve_asset *a = serve_asset_find(r->path);
    int known = a != NULL || strcmp(r->path, "/metrics") == 0 ||
                strcmp(r->path, "/api/book") == 0 || strcmp(r->path, SERVE_LIVE_PATH) == 0;
    if (!known) {
        fail(v, 404, "not found: try /, /metrics or /api/book?symbol=S&depth=N");
        return;
    }
    if (strcmp(r->method, "GET") != 0) {
        fail(v, 405, "read only: only GET is allowed");
        return;
    }
    if (a != NULL) {
        v->route = SERVE_ROUTE_ASSET;
        v->status = 200;
        v->asset = a;
    } else if (strcmp(r->path, "/metrics") == 0) {
        v->route = SERVE_ROUTE_METRICS;
        v->status = 200;
    } else if (strcmp(r->path, "/api/book") == 0) {
        judge_book(r, v);
    } else {
        fail(v, 426, "this path is the page's websocket");
    }
}
