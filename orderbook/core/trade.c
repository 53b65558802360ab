#include "trade.h"

#include <string.h>

#include "decimal.h"
#include "json_id.h"

int trade_is_trade(const char *type)
{
    return strcmp(type, "trade") == 0 || strcmp(type, "aggTrade") == 0;
}

/* A decimal string; its text and length into *s, *len. */
static int get_decimal(const cJSON *n, const char **s, size_t *len)
{
    int64_t v;
    if (!cJSON_IsString(n))
        return -1;
    *s = n->valuestring;
    *len = strlen(n->valuestring);
    return dec_parse(*s, *len, &v);
}

const char *trade_parse(const cJSON *data, trade_event *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(data, "e");
    int agg = cJSON_IsString(e) && strcmp(e->valuestring, "aggTrade") == 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(data, "s");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(data, "m");
    uint64_t event_ms, trade_ms;
    if (!cJSON_IsString(s) || !sym_valid(s->valuestring, strlen(s->valuestring)))
        return "\"s\" is not a symbol";
    if (json_id(cJSON_GetObjectItemCaseSensitive(data, "E"), &event_ms) != 0 ||
        json_id(cJSON_GetObjectItemCaseSensitive(data, "T"), &trade_ms) != 0)
        return "\"E\"/\"T\" are not times in ms";
    if (json_id(cJSON_GetObjectItemCaseSensitive(data, agg ? "a" : "t"), &out->id) != 0)
        return agg ? "\"a\" is not a trade id" : "\"t\" is not a trade id";
    if (get_decimal(cJSON_GetObjectItemCaseSensitive(data, "p"), &out->px, &out->px_len) != 0 ||
        get_decimal(cJSON_GetObjectItemCaseSensitive(data, "q"), &out->qty, &out->qty_len) != 0)
        return "\"p\"/\"q\" are not decimal strings";
    if (!cJSON_IsBool(m))
        return "\"m\" is not a boolean";
    strcpy(out->symbol, s->valuestring);
    out->event_ms = (int64_t)event_ms;
    out->trade_ms = (int64_t)trade_ms;
    out->buyer_maker = cJSON_IsTrue(m);
    return NULL;
}
