#include "depth.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "depth_plain.h"
#include "json_arena.h"
#include "json_id.h"

void depth_parser_init(depth_parser *p)
{
    memset(p, 0, sizeof *p);
    json_arena_init();
}

void depth_parser_free(depth_parser *p)
{
    free(p->bids.v);
    free(p->asks.v);
    free(p->text);
    depth_parser_init(p);
}

/* Every element an array of exactly two decimal strings; collected into `out`. The lists
 * are walked through cJSON's public child/next links: cJSON_GetArrayItem and
 * cJSON_GetArraySize walk them again for every level. */
static int get_levels(const cJSON *arr, depth_levels *out)
{
    if (!cJSON_IsArray(arr))
        return -1;
    size_t n = 0;
    for (const cJSON *lv = arr->child; lv != NULL; lv = lv->next)
        n++;
    if (n > out->cap) {
        depth_level *v = realloc(out->v, n * sizeof *v);
        if (v == NULL)
            return -1;
        out->v = v;
        out->cap = n;
    }
    size_t i = 0;
    for (const cJSON *lv = arr->child; lv != NULL; lv = lv->next) {
        const cJSON *px = cJSON_IsArray(lv) ? lv->child : NULL;
        const cJSON *qty = px != NULL ? px->next : NULL;
        if (qty == NULL || qty->next != NULL || !cJSON_IsString(px) || !cJSON_IsString(qty))
            return -1;
        depth_level *d = &out->v[i++];
        d->px = px->valuestring;
        d->px_len = strlen(px->valuestring);
        d->qty = qty->valuestring;
        d->qty_len = strlen(qty->valuestring);
        int64_t q;
        if (dec_parse(d->px, d->px_len, &d->price) != 0 || dec_parse(d->qty, d->qty_len, &q) != 0)
            return -1;
        d->qty_is_zero = q == 0;
    }
    out->n = i;
    return 0;
}

/* The members of an event by name: "e", "E", "s", "U", "u", "b", "a", and futures' "pu". */
typedef struct event_fields {
    const cJSON *e, *E, *s, *U, *u, *b, *a, *pu;
} event_fields;

/*
 * Find them in one walk of the object, keeping the first of each name like
 * cJSON_GetObjectItemCaseSensitive (which also stops at a member without a name): looking
 * each up would walk the members seven times, with a strcmp call per member.
 */
static void find_fields(const cJSON *obj, event_fields *f)
{
    memset(f, 0, sizeof *f);
    for (const cJSON *m = obj->child; m != NULL && m->string != NULL; m = m->next) {
        const char *k = m->string;
        if (k[0] == 'p' && k[1] == 'u' && k[2] == '\0') {
            if (f->pu == NULL)
                f->pu = m;
            continue;
        }
        if (k[0] == '\0' || k[1] != '\0')
            continue;
        const cJSON **slot;
        switch (k[0]) {
        case 'e':
            slot = &f->e;
            break;
        case 'E':
            slot = &f->E;
            break;
        case 's':
            slot = &f->s;
            break;
        case 'U':
            slot = &f->U;
            break;
        case 'u':
            slot = &f->u;
            break;
        case 'b':
            slot = &f->b;
            break;
        case 'a':
            slot = &f->a;
            break;
        default:
            continue;
        }
        if (*slot == NULL)
            *slot = m;
    }
}

static const char *parse_update(depth_parser *p, const event_fields *f, depth_event *ev)
{
    uint64_t event_ms;
    if (!cJSON_IsString(f->s) || !sym_valid(f->s->valuestring, strlen(f->s->valuestring)))
        return "\"s\" is not a symbol";
    if (json_id(f->E, &event_ms) != 0)
        return "\"E\" is not a time in ms";
    if (json_id(f->U, &ev->first_id) != 0 || json_id(f->u, &ev->last_id) != 0)
        return "\"U\"/\"u\" are not update ids";
    if (ev->first_id > ev->last_id)
        return "\"U\" is after \"u\"";
    ev->has_prev = f->pu != NULL;
    ev->prev_id = 0;
    if (f->pu != NULL && json_id(f->pu, &ev->prev_id) != 0)
        return "\"pu\" is not an update id";
    if (get_levels(f->b, &p->bids) != 0)
        return "\"b\" is not a list of [price, quantity] strings";
    if (get_levels(f->a, &p->asks) != 0)
        return "\"a\" is not a list of [price, quantity] strings";
    strcpy(ev->symbol, f->s->valuestring);
    ev->event_ms = (int64_t)event_ms;
    ev->bids = p->bids.v;
    ev->n_bids = p->bids.n;
    ev->asks = p->asks.v;
    ev->n_asks = p->asks.n;
    return NULL;
}

static depth_kind classify(depth_parser *p, depth_msg *out)
{
    const cJSON *root = out->root;
    if (!cJSON_IsObject(root)) {
        out->error = root == NULL ? "not JSON" : "not a JSON object";
        return DEPTH_MALFORMED;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "id") != NULL &&
        cJSON_GetObjectItemCaseSensitive(root, "result") != NULL)
        return DEPTH_METHOD_RESPONSE;
    const cJSON *data = root;
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(root, "stream");
    if (stream != NULL) {
        data = cJSON_GetObjectItemCaseSensitive(root, "data");
        if (!cJSON_IsString(stream) || !cJSON_IsObject(data)) {
            out->error = "\"stream\"/\"data\" of the wrong type";
            return DEPTH_MALFORMED;
        }
        out->stream = stream->valuestring;
    }
    event_fields f;
    find_fields(data, &f);
    const char *type = cJSON_IsString(f.e) ? f.e->valuestring : NULL;
    if (type != NULL && strcmp(type, "serverShutdown") == 0)
        return DEPTH_SERVER_SHUTDOWN;
    int depth_stream = out->stream != NULL && strstr(out->stream, "@depth") != NULL;
    if (type != NULL && !depth_stream && trade_is_trade(type)) {
        out->error = trade_parse(data, &out->tr);
        return out->error == NULL ? DEPTH_TRADE : DEPTH_MALFORMED;
    }
    if (type == NULL || strcmp(type, "depthUpdate") != 0) {
        if (depth_stream) {
            out->error = "a depth stream's event is not a depthUpdate";
            return DEPTH_MALFORMED;
        }
        return DEPTH_OTHER;
    }
    out->error = parse_update(p, &f, &out->ev);
    return out->error == NULL ? DEPTH_UPDATE : DEPTH_MALFORMED;
}

/* A tree parsed by parse_whole is gone: its spilled parts freed, its arena scope released. */
static void tree_free(cJSON *root, int in_arena)
{
    if (!in_arena)
        cJSON_Delete(root);
    json_arena_release();
}

/* Does the text hold the escape \u0000? cJSON turns it into a NUL inside the string, which
 * every C string reading of it would stop at (a price "1\u0000.5" read as "1"). Binance sends
 * no backslashes at all, so the common case is one memchr. */
static int has_escaped_nul(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
            return 1;
        p += p + 1 < end && p[1] == '\\' ? 2 : 1; /* an escaped backslash: skip both */
    }
    return 0;
}

/*
 * JSON with nothing but white space after it (cJSON alone stops at the value's end) and no
 * \u0000 in a string, parsed into this thread's arena. Returns NULL, with the arena scope
 * released, or a tree to free with tree_free(root, *in_arena).
 */
static cJSON *parse_whole(const char *text, size_t len, int *in_arena)
{
    *in_arena = 0;
    if (has_escaped_nul(text, len))
        return NULL;
    const char *end = NULL;
    json_arena_begin();
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    *in_arena = json_arena_end();
    if (root == NULL) {
        json_arena_release(); /* cJSON freed what it had built */
        return NULL;
    }
    /* A raw NUL inside the value is not JSON, and cJSON's C strings would cut it short (a
     * key "s\0" read as "s"), so the replay of the recorded frame would read it otherwise. */
    if (memchr(text, '\0', (size_t)(end - text)) != NULL) {
        tree_free(root, *in_arena);
        return NULL;
    }
    for (; end < text + len; end++) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n' && *end != '\0') {
            tree_free(root, *in_arena);
            return NULL;
        }
    }
    return root;
}

depth_kind depth_parse_message(depth_parser *p, const char *msg, size_t len, depth_msg *out)
{
    memset(out, 0, sizeof *out);
    if (depth_plain_read(p, msg, len, out))
        return out->kind;
    out->root = parse_whole(msg, len, &out->in_arena);
    out->json = out->root != NULL;
    out->kind = classify(p, out);
    return out->kind;
}

void depth_msg_free(depth_msg *m)
{
    if (m->root != NULL)
        tree_free(m->root, m->in_arena);
    m->root = NULL;
}

int depth_parse_snapshot(depth_parser *p, const char *body, size_t len, depth_snapshot *out,
                         const char **error)
{
    memset(out, 0, sizeof *out);
    int in_arena = 0;
    cJSON *root = parse_whole(body, len, &in_arena);
    const char *why = NULL;
    if (!cJSON_IsObject(root))
        why = "not a JSON object";
    else if (json_id(cJSON_GetObjectItemCaseSensitive(root, "lastUpdateId"), &out->last_id) != 0)
        why = "\"lastUpdateId\" is not an update id";
    else if (get_levels(cJSON_GetObjectItemCaseSensitive(root, "bids"), &p->bids) != 0)
        why = "\"bids\" is not a list of [price, quantity] strings";
    else if (get_levels(cJSON_GetObjectItemCaseSensitive(root, "asks"), &p->asks) != 0)
        why = "\"asks\" is not a list of [price, quantity] strings";
    if (why != NULL) {
        if (root != NULL)
            tree_free(root, in_arena);
        *error = why;
        return -1;
    }
    out->root = root;
    out->in_arena = in_arena;
    out->bids = p->bids.v;
    out->n_bids = p->bids.n;
    out->asks = p->asks.v;
    out->n_asks = p->asks.n;
    return 0;
}

void depth_snapshot_free(depth_snapshot *s)
{
    if (s->root != NULL)
        tree_free(s->root, s->in_arena);
    s->root = NULL;
}

int depth_event_dup(const depth_event *src, depth_event *ev, depth_level **levels, char **strings)
{
    size_t n = src->n_bids + src->n_asks;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const depth_level *l = i < src->n_bids ? &src->bids[i] : &src->asks[i - src->n_bids];
        bytes += l->px_len + l->qty_len + 2;
    }
    depth_level *lv = malloc((n ? n : 1) * sizeof *lv);
    char *str = malloc(bytes ? bytes : 1);
    if (lv == NULL || str == NULL) {
        free(lv);
        free(str);
        return -1;
    }
    char *p = str;
    for (size_t i = 0; i < n; i++) {
        const depth_level *l = i < src->n_bids ? &src->bids[i] : &src->asks[i - src->n_bids];
        lv[i] = *l;
        memcpy(p, l->px, l->px_len);
        p[l->px_len] = '\0';
        lv[i].px = p;
        p += l->px_len + 1;
        memcpy(p, l->qty, l->qty_len);
        p[l->qty_len] = '\0';
        lv[i].qty = p;
        p += l->qty_len + 1;
    }
    *ev = *src;
    ev->bids = lv;
    ev->asks = lv + src->n_bids;
    *levels = lv;
    *strings = str;
    return 0;
}
