/* The fake Binance's subscriptions (server.h): the streams named in a connection's URL, and the
 * client's SUBSCRIBE messages, reassembled, answered and rate-limited as Binance does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "server.h"

/* The symbol index of a stream name and what it carries: "btcusdt@depth@100ms" (SUB_DEPTH),
 * "btcusdt@trade" on spot or "btcusdt@aggTrade" on futures (SUB_TRADE); -1 for others. */
static int stream_symbol(const char *name, int *kind)
{
    size_t name_len = strcspn(name, "@");
    const char *rest = name + name_len;
    const char *trade = fb.sc.market == SC_SPOT ? "@trade" : "@aggTrade";
    if (strncmp(rest, "@depth", 6) == 0)
        *kind = SUB_DEPTH;
    else if (strcmp(rest, trade) == 0)
        *kind = SUB_TRADE;
    else
        return -1;
    for (int i = 0; i < fb.sc.n_symbols; i++) {
        const char *sym = fb.sc.symbols[i];
        if (strlen(sym) == name_len && strncasecmp(sym, name, name_len) == 0)
            return i;
    }
    return -1;
}

/* Mark the symbols named in "streams=a@depth@100ms/b@depth": exact names only. */
void fb_subscribe_url(fb_session *s, const char *args)
{
    const char *p = strstr(args, "streams=");
    if (p == NULL)
        return;
    p += strlen("streams=");
    while (*p != '\0') {
        size_t len = strcspn(p, "/&");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), p);
        int kind = 0;
        int sym = stream_symbol(name, &kind);
        if (sym >= 0) {
            s->subscribed[sym] |= kind;
            s->trades |= kind == SUB_TRADE;
        }
        p += len;
        if (*p != '/')
            break;
        p++;
    }
}

/* ---- SUBSCRIBE ---- */

/* A control message: more than 5 in a second (10 on futures) closes the connection, as
 * Binance does. */
static int over_rate(fb_session *s)
{
    long now = fb_ms_since_start();
    int most = fb.sc.market == SC_SPOT ? 5 : 10;
    if (s->ctl_n == most && now - s->ctl_ms[0] < 1000) {
        fb_log_line("ratelimit %ld %d\n", now, s->conn_no);
        return 1;
    }
    if (s->ctl_n == most) {
        memmove(s->ctl_ms, s->ctl_ms + 1, (size_t)(most - 1) * sizeof s->ctl_ms[0]);
        s->ctl_n--;
    }
    s->ctl_ms[s->ctl_n++] = now;
    return 0;
}

/* {"result":null,"id":N}, or {"error":{...},"id":N} when `refusal` is not NULL. */
static void answer(fb_session *s, long id, const char *refusal)
{
    char text[512];
    int n;
    if (refusal == NULL)
        n = snprintf(text, sizeof text, "{\"result\":null,\"id\":%ld}", id);
    else
        n = snprintf(text, sizeof text,
                     "{\"error\":{\"code\":2,\"msg\":\"Invalid request: %s\"},\"id\":%ld}", refusal,
                     id);
    fb_enqueue_frame(s, text, (size_t)n, 0, 0, 1);
}

/* {"method":"SUBSCRIBE","params":[...],"id":N}: mark the streams, answer. -1: close. */
static int control_message(fb_session *s, const char *text, size_t len)
{
    if (over_rate(s))
        return -1;
    cJSON *j = cJSON_ParseWithLength(text, len);
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    long n_id = cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
    const char *verdict = "ok";
    int added = 0, refused = 0, total = 0;
    if (!cJSON_IsString(method) || strcmp(method->valuestring, "SUBSCRIBE") != 0 ||
        !cJSON_IsArray(params) || n_id < 0) {
        answer(s, n_id, "not a SUBSCRIBE");
        cJSON_Delete(j);
        return 0;
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        int kind = 0;
        int sym = cJSON_IsString(p) ? stream_symbol(p->valuestring, &kind) : -1;
        refused |= sym >= 0 && sym == fb.sc.refuse_symbol;
    }
    for (int i = 0; i < fb.sc.n_symbols; i++)
        total += (s->subscribed[i] & SUB_DEPTH) + (s->subscribed[i] >> 1);
    if (refused) {
        verdict = "refused";
        answer(s, n_id, "refused stream");
    } else if (total + cJSON_GetArraySize(params) > 1024) {
        verdict = "over";
        answer(s, n_id, "over 1024 streams on this connection");
    } else {
        cJSON_ArrayForEach(p, params)
        {
            int kind = 0;
            int sym = cJSON_IsString(p) ? stream_symbol(p->valuestring, &kind) : -1;
            if (sym >= 0 && !(s->subscribed[sym] & kind)) {
                s->subscribed[sym] |= kind;
                s->trades |= kind == SUB_TRADE;
                added++;
            }
        }
        answer(s, n_id, NULL);
    }
    fb_log_line("sub %ld %d %d %ld %s\n", fb_ms_since_start(), s->conn_no, added, n_id, verdict);
    cJSON_Delete(j);
    if (added > 0)
        fb_start_market();
    return 0;
}

/* A piece of a message from the client; whole ones go to control_message. */
int fb_ws_receive(struct lws *wsi, fb_session *s, const char *in, size_t len)
{
    if (s->rx_len + len + 1 > s->rx_cap) {
        size_t cap = s->rx_cap ? s->rx_cap * 2 : 65536;
        while (cap < s->rx_len + len + 1)
            cap *= 2;
        s->rx = realloc(s->rx, cap);
        s->rx_cap = cap;
    }
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    s->rx[s->rx_len] = '\0';
    size_t n = s->rx_len;
    s->rx_len = 0;
    return control_message(s, s->rx, n);
}
