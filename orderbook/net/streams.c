#include "streams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define SYMBOL_MAX 20 /* Binance symbols: at most 20 characters */

size_t streams_conn_path(const streams_spec *sp, const char *base, char *out, size_t cap)
{
    const char *route = sp->market != BREST_USDM ? "" : sp->trades ? "/market" : "/public";
    int n = snprintf(out, cap, "%s%s/stream", base, route);
    return n < 0 ? 0 : (size_t)n;
}

size_t streams_for_conn(size_t n)
{
    return n < STREAMS_PER_CONN ? n : STREAMS_PER_CONN;
}

static const char *suffix(const streams_spec *sp)
{
    if (sp->trades)
        return sp->market == BREST_SPOT ? "@trade" : "@aggTrade";
    if (sp->market == BREST_SPOT)
        return sp->speed_ms == 1000 ? "@depth" : "@depth@100ms";
    if (sp->speed_ms == 100)
        return "@depth@100ms";
    return sp->speed_ms == 500 ? "@depth@500ms" : "@depth";
}

size_t streams_name(const streams_spec *sp, const char *symbol, char *out, size_t cap)
{
    /* Stream names are lower case; symbols were validated to [A-Z0-9-_.]{1,20}. */
    char lower[SYMBOL_MAX + 1];
    size_t k = 0;
    for (; symbol[k] != '\0' && k < SYMBOL_MAX; k++) {
        char ch = symbol[k];
        lower[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    lower[k] = '\0';
    int n = snprintf(out, cap, "%s%s", lower, suffix(sp));
    return n < 0 ? 0 : (size_t)n;
}

char *streams_subscribe(const streams_spec *sp, const char *const *symbols, size_t n, unsigned id,
                        size_t pre, size_t *len)
{
    /* Each stream: a name of at most 32 bytes, two quotes and a comma. */
    size_t cap = pre + 64 + n * 40;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    char *p = buf + pre;
    size_t room = cap - pre, used = 0;
    used += (size_t)snprintf(p, room, "{\"method\":\"SUBSCRIBE\",\"params\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            p[used++] = ',';
        p[used++] = '"';
        used += streams_name(sp, symbols[i], p + used, room - used);
        p[used++] = '"';
    }
    used += (size_t)snprintf(p + used, room - used, "],\"id\":%u}", id);
    *len = used;
    return buf;
}

streams_answer_kind streams_answer(const char *msg, size_t len, unsigned *id, char *why, size_t cap)
{
    /* Market messages are {"stream":...} or {"e":...}: only short objects with an id can be
     * answers, so most messages are turned away before any parsing. */
    if (len > 4096 || len < 8 || msg[0] != '{' ||
        (strncmp(msg, "{\"result\"", 9) != 0 && strncmp(msg, "{\"error\"", 8) != 0 &&
         strncmp(msg, "{\"id\"", 5) != 0))
        return STREAMS_NOT_AN_ANSWER;
    cJSON *j = cJSON_ParseWithLength(msg, len);
    streams_answer_kind kind = STREAMS_NOT_AN_ANSWER;
    const cJSON *jid = cJSON_GetObjectItemCaseSensitive(j, "id");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (cJSON_IsNumber(jid) && jid->valuedouble >= 0 && jid->valuedouble <= 4294967295.0) {
        *id = (unsigned)jid->valuedouble;
        if (err == NULL && cJSON_HasObjectItem(j, "result")) {
            kind = STREAMS_ACCEPTED;
        } else if (cJSON_IsObject(err)) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
            const cJSON *text = cJSON_GetObjectItemCaseSensitive(err, "msg");
            snprintf(why, cap, "code %d: %s", cJSON_IsNumber(code) ? code->valueint : 0,
                     cJSON_IsString(text) ? text->valuestring : "(no message)");
            kind = STREAMS_REFUSED;
        }
    }
    cJSON_Delete(j);
    return kind;
}
