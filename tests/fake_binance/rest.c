/* The fake Binance's REST answers (server.h): depth snapshots and exchangeInfo, with the
 * scenario's REST faults (429/418 with Retry-After, 451, futures' limits and weights). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

/* The value of a query argument ("name=" given); lws copies "name=value" and points past
 * the '=' in its buffer. */
static void url_arg(struct lws *wsi, const char *name, char *out, size_t len)
{
    char buf[128];
    const char *v = lws_get_urlarg_by_name(wsi, name, buf, (int)sizeof buf);
    if (v != NULL)
        snprintf(out, len, "%s", v);
}

/* The market's paths. */
static const char *depth_path(void)
{
    return fb.sc.market == SC_USDM    ? "/fapi/v1/depth"
           : fb.sc.market == SC_COINM ? "/dapi/v1/depth"
                                      : "/api/v3/depth";
}

static const char *exchange_info_path(void)
{
    return fb.sc.market == SC_USDM    ? "/fapi/v1/exchangeInfo"
           : fb.sc.market == SC_COINM ? "/dapi/v1/exchangeInfo"
                                      : "/api/v3/exchangeInfo";
}

/* Futures take only these limits; their weights are 2/5/10/20. 0: not allowed. */
static int futures_weight(int limit)
{
    switch (limit) {
    case 5:
    case 10:
    case 20:
    case 50:
        return 2;
    case 100:
        return 5;
    case 500:
        return 10;
    case 1000:
        return 20;
    default:
        return 0;
    }
}

/* exchangeInfo's body (the scenario's exinfo503 answered instead), its status in *status. */
static char *exchange_info(struct lws *wsi, int *status)
{
    char st[32] = "";
    url_arg(wsi, "symbolStatus=", st, sizeof st);
    long ms = fb.ticking ? fb_ms_since_start() - fb.ticking_ms : 0;
    char *body;
    if (++fb.exinfo_requests > 1 && fb.exinfo_requests <= 1 + fb.sc.exinfo503) {
        *status = 503;
        body = strdup("{\"code\":-1001,\"msg\":\"Internal error; unable to process.\"}");
    } else {
        body = mk_exchange_info(fb.mk, fb.sc.market == SC_SPOT && strcmp(st, "TRADING") == 0, ms);
    }
    fb_log_line("rest %ld exchangeInfo %d\n", fb_ms_since_start(), *status);
    return body;
}

int fb_http_request(struct lws *wsi, fb_session *s, const char *uri)
{
    char symbol[64] = "", limit_s[16] = "100";
    int status = 200;
    char *body = NULL;
    char retry[16] = "";
    int weight = 5;
    if (strcmp(uri, exchange_info_path()) == 0) {
        weight = fb.sc.market == SC_SPOT ? 20 : 1; /* Binance's exchangeInfo weights */
        body = exchange_info(wsi, &status);
    } else if (strcmp(uri, depth_path()) != 0) {
        status = 404;
        body = strdup("{\"code\":-1,\"msg\":\"not found\"}");
    } else if (fb.sc.market != SC_SPOT && (url_arg(wsi, "limit=", limit_s, sizeof limit_s),
                                           futures_weight(atoi(limit_s)) == 0)) {
        url_arg(wsi, "symbol=", symbol, sizeof symbol);
        status = 400;
        body = strdup("{\"code\":-1130,\"msg\":\"Invalid data sent for a parameter.\"}");
        fb_log_line("rest %ld %s %d\n", fb_ms_since_start(), symbol, status);
    } else {
        if (fb.sc.market != SC_SPOT)
            weight = futures_weight(atoi(limit_s));
        url_arg(wsi, "symbol=", symbol, sizeof symbol);
        url_arg(wsi, "limit=", limit_s, sizeof limit_s);
        fb.rest_requests++;
        if (fb.sc.rest451) {
            status = 451;
            body = strdup("{\"code\":0,\"msg\":\"Service unavailable from a restricted "
                          "location\"}");
        } else if (fb.rest_requests <= fb.sc.rest_err_count) {
            status = fb.sc.rest_err_status;
            snprintf(retry, sizeof retry, "%d", fb.sc.rest_err_retry_s);
            body = strdup("{\"code\":-1003,\"msg\":\"Too many requests\"}");
        } else {
            body = mk_snapshot(fb.mk, symbol, atoi(limit_s));
            if (body == NULL) {
                status = 400;
                body = strdup("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
            }
        }
        fb_log_line("rest %ld %s %d\n", fb_ms_since_start(), symbol, status);
    }
    /* Like Binance, the header is the weight used in the current minute, this request's too. */
    long minute = (long)(time(NULL) / 60);
    if (minute != fb.weight_minute) {
        fb.weight_minute = minute;
        fb.weight_used = 0;
    }
    fb.weight_used += weight;
    char used[16];
    snprintf(used, sizeof used, "%d", fb.weight_used);
    size_t len = strlen(body);
    s->body = malloc(LWS_PRE + len);
    memcpy(s->body + LWS_PRE, body, len);
    s->body_len = len;
    s->body_sent = 0;
    free(body);

    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)status, "application/json", len, &p, end))
        return 1;
    if (retry[0] != '\0' &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RETRY_AFTER, (unsigned char *)retry,
                                     (int)strlen(retry), &p, end))
        return 1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-mbx-used-weight-1m:",
                                    (const unsigned char *)used, (int)strlen(used), &p, end))
        return 1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

int fb_http_writable(struct lws *wsi, fb_session *s)
{
    if (s->body == NULL)
        return 0;
    size_t n = s->body_len - s->body_sent;
    if (n > 16384)
        n = 16384;
    int last = s->body_sent + n == s->body_len;
    if (lws_write(wsi, s->body + LWS_PRE + s->body_sent, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return 1;
    s->body_sent += n;
    if (!last) {
        /* lws_write needs LWS_PRE writable bytes before what it sends: move the rest. */
        memmove(s->body + LWS_PRE, s->body + LWS_PRE + s->body_sent, s->body_len - s->body_sent);
        s->body_len -= s->body_sent;
        s->body_sent = 0;
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(s->body);
    s->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}
