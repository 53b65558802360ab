#include "serve_api.h"

#include <inttypes.h>
#include <string.h>

const serve_symbol *serve_find_symbol(const serve_view *v, const char *symbol)
{
    for (size_t i = 0; v != NULL && i < v->n; i++) {
        if (strcmp(v->sym[i].symbol, symbol) == 0)
            return &v->sym[i];
    }
    return NULL;
}

static const char *state_name(serve_state s)
{
    switch (s) {
    case SERVE_LIVE:
        return "live";
    case SERVE_SYNCING:
        return "syncing";
    case SERVE_REJECTED:
        return "rejected";
    case SERVE_DOWN:
        break;
    }
    return "down";
}

static void levels(sbuf *o, const serve_symbol *s, int side, size_t depth)
{
    SBUF_LIT(o, "[");
    size_t n = s->state == SERVE_LIVE ? s->n[side] : 0;
    for (size_t i = 0; i < n && i < depth; i++) {
        if (i)
            SBUF_LIT(o, ",");
        SBUF_LIT(o, "[");
        sbuf_json_str(o, s->lv[side][i].px);
        SBUF_LIT(o, ",");
        sbuf_json_str(o, s->lv[side][i].qty);
        SBUF_LIT(o, "]");
    }
    SBUF_LIT(o, "]");
}

static void figure(sbuf *o, const char *name, int64_t value)
{
    if (value == SERVE_UNKNOWN)
        sbuf_printf(o, "\"%s\":null", name);
    else
        sbuf_printf(o, "\"%s\":%" PRId64, name, value);
}

void serve_api_book(sbuf *o, const serve_view *v, const serve_symbol *s, size_t depth)
{
    SBUF_LIT(o, "{\"symbol\":");
    sbuf_json_str(o, s->symbol);
    if (s->state == SERVE_LIVE)
        sbuf_printf(o, ",\"synced\":true,\"lastUpdateId\":%" PRIu64, s->id);
    else
        sbuf_printf(o, ",\"synced\":false,\"lastUpdateId\":null");
    sbuf_printf(o, ",\"time\":%" PRId64 ",\"bids\":", v->at_ns / 1000000);
    levels(o, s, 0, depth);
    SBUF_LIT(o, ",\"asks\":");
    levels(o, s, 1, depth);
    sbuf_printf(o, ",\"levels\":{\"bids\":%zu,\"asks\":%zu}}\n",
                s->state == SERVE_LIVE ? s->book_levels[0] : 0,
                s->state == SERVE_LIVE ? s->book_levels[1] : 0);
}

void serve_api_live(sbuf *o, const serve_view *v, const char *dir, const serve_files *files)
{
    sbuf_printf(o, "{\"time\":%" PRId64 ",\"symbols\":[", v->at_ns / 1000000);
    uint64_t events = 0, resyncs = 0;
    size_t synced = 0;
    for (size_t i = 0; i < v->n; i++) {
        events += v->sym[i].events;
        resyncs += v->sym[i].resyncs;
        synced += v->sym[i].state == SERVE_LIVE;
    }
    for (size_t i = 0; i < v->n && i < SERVE_LIVE_SYMBOLS; i++) {
        const serve_symbol *s = &v->sym[i];
        if (i)
            SBUF_LIT(o, ",");
        SBUF_LIT(o, "{\"symbol\":");
        sbuf_json_str(o, s->symbol);
        sbuf_printf(o,
                    ",\"state\":\"%s\",\"lastUpdateId\":%" PRIu64 ",\"events\":%" PRIu64
                    ",\"resyncs\":%" PRIu64 ",\"snapshots\":%" PRIu64
                    ",\"levels\":{\"bids\":%zu,\"asks\":%zu},\"bids\":",
                    state_name(s->state), s->id, s->events, s->resyncs, s->snapshots,
                    s->book_levels[0], s->book_levels[1]);
        levels(o, s, 0, SERVE_LIVE_LEVELS);
        SBUF_LIT(o, ",\"asks\":");
        levels(o, s, 1, SERVE_LIVE_LEVELS);
        SBUF_LIT(o, "}");
    }
    sbuf_printf(o,
                "],\"health\":{\"messages\":%" PRIu64 ",\"malformed\":%" PRIu64
                ",\"records\":%" PRIu64 ",\"linesWritten\":%" PRIu64 ",\"drops\":%" PRIu64
                ",\"lostIO\":%" PRIu64 ",\"filesOpened\":%" PRIu64 ",",
                v->messages, v->malformed, v->records, v->lines_written, v->dropped_full,
                v->lost_io, v->files_opened);
    sbuf_printf(o, "\"symbols\":%zu,\"synced\":%zu,\"events\":%" PRIu64 ",\"resyncs\":%" PRIu64 ",",
                v->n, synced, events, resyncs);
    figure(o, "legsUp", v->legs_up);
    SBUF_LIT(o, ",");
    figure(o, "legsWanted", v->legs_wanted);
    SBUF_LIT(o, ",");
    figure(o, "restWeight", v->rest_weight);
    SBUF_LIT(o, ",");
    figure(o, "bytesWritten", v->bytes_written);
    SBUF_LIT(o, "},\"files\":{\"dir\":");
    sbuf_json_str(o, dir);
    SBUF_LIT(o, ",\"list\":[");
    for (size_t i = 0; i < files->n; i++) {
        if (i)
            SBUF_LIT(o, ",");
        SBUF_LIT(o, "{\"name\":");
        sbuf_json_str(o, files->f[i].name);
        sbuf_printf(o, ",\"bytes\":%" PRIu64 "}", files->f[i].bytes);
    }
    SBUF_LIT(o, "]}}");
}
