#include "serve_metrics.h"

#include <inttypes.h>

static void family(sbuf *o, const char *name, const char *type, const char *help)
{
    sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(sbuf *o, const char *name, const char *type, const char *help, uint64_t value)
{
    family(o, name, type, help);
    sbuf_printf(o, "%s %" PRIu64 "\n", name, value);
}

/* Symbols are [A-Z0-9-_.] (validated on the command line): nothing to escape in a label. */
typedef uint64_t (*sym_figure)(const serve_symbol *s);

static uint64_t f_events(const serve_symbol *s)
{
    return s->events;
}
static uint64_t f_resyncs(const serve_symbol *s)
{
    return s->resyncs;
}
static uint64_t f_snapshots(const serve_symbol *s)
{
    return s->snapshots;
}
static uint64_t f_refetches(const serve_symbol *s)
{
    return s->refetches;
}
static uint64_t f_overflowed(const serve_symbol *s)
{
    return s->overflowed;
}
static uint64_t f_synced(const serve_symbol *s)
{
    return s->state == SERVE_LIVE;
}
static uint64_t f_id(const serve_symbol *s)
{
    return s->id;
}

static void per_symbol(sbuf *o, const serve_view *v, const char *name, const char *type,
                       const char *help, sym_figure f)
{
    family(o, name, type, help);
    for (size_t i = 0; i < v->n; i++)
        sbuf_printf(o, "%s{symbol=\"%s\"} %" PRIu64 "\n", name, v->sym[i].symbol, f(&v->sym[i]));
}

void serve_metrics(sbuf *o, const serve_view *v)
{
    per_symbol(o, v, "orderbook_events_total", "counter",
               "Depth events applied to the synced book.", f_events);
    per_symbol(o, v, "orderbook_resyncs_total", "counter",
               "Books dropped and fetched again (gap, disconnect, ...).", f_resyncs);
    per_symbol(o, v, "orderbook_snapshots_total", "counter", "REST snapshots loaded into the book.",
               f_snapshots);
    per_symbol(o, v, "orderbook_snapshot_refetches_total", "counter",
               "Snapshots fetched again because they were older than the stream.", f_refetches);
    per_symbol(o, v, "orderbook_buffer_overflows_total", "counter",
               "Events dropped from the buffer while a snapshot loaded.", f_overflowed);
    per_symbol(o, v, "orderbook_book_synced", "gauge",
               "1 when the book is synced with the stream, else 0.", f_synced);
    per_symbol(o, v, "orderbook_book_update_id", "gauge",
               "The last update id applied to the book (0 when not synced).", f_id);
    family(o, "orderbook_book_levels", "gauge", "Price levels in the book, per side.");
    for (size_t i = 0; i < v->n; i++) {
        const serve_symbol *s = &v->sym[i];
        sbuf_printf(o, "orderbook_book_levels{symbol=\"%s\",side=\"bid\"} %zu\n", s->symbol,
                    s->book_levels[0]);
        sbuf_printf(o, "orderbook_book_levels{symbol=\"%s\",side=\"ask\"} %zu\n", s->symbol,
                    s->book_levels[1]);
    }
    one(o, "orderbook_messages_total", "counter", "Websocket messages received.", v->messages);
    one(o, "orderbook_malformed_messages_total", "counter",
        "Messages skipped whole: not JSON, or a field of the wrong type.", v->malformed);
    one(o, "orderbook_records_total", "counter", "Records handed to the logger.", v->records);
    if (v->legs_up != SERVE_UNKNOWN)
        one(o, "orderbook_legs_up", "gauge",
            "Depth connections up (more than wanted while one is being replaced).",
            (uint64_t)v->legs_up);
    if (v->legs_wanted != SERVE_UNKNOWN)
        one(o, "orderbook_legs_wanted", "gauge",
            "Depth connections wanted: legs times connection groups.", (uint64_t)v->legs_wanted);
    if (v->rest_weight != SERVE_UNKNOWN)
        one(o, "orderbook_rest_weight_used", "gauge",
            "REST weight used in the current minute (X-MBX-USED-WEIGHT-1M).",
            (uint64_t)v->rest_weight);
    one(o, "orderbook_lines_written_total", "counter", "Record lines complete in a file.",
        v->lines_written);
    one(o, "orderbook_lines_dropped_total", "counter",
        "Record lines refused because the logger's queue was full.", v->dropped_full);
    one(o, "orderbook_lines_lost_io_total", "counter",
        "Record lines accepted, then lost to an I/O error.", v->lost_io);
    one(o, "orderbook_files_opened_total", "counter", "Files the logger opened.", v->files_opened);
    one(o, "orderbook_io_errors_total", "counter", "I/O errors the logger met.", v->io_errors);
    if (v->bytes_written != SERVE_UNKNOWN)
        one(o, "orderbook_bytes_written_total", "counter", "Bytes the logger wrote to files.",
            (uint64_t)v->bytes_written);
}
