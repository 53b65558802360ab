#include "app_status.h"

#include <stdio.h>
#include <string.h>

#include "console.h"
#include "streams.h"

/* The file being written now: the one alog gives a record stamped now. */
static void current_file(const app *a, char *out, size_t len)
{
    char name[64];
    alog_file_name(realtime_ns(), a->conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                   a->conf.utc, a->conf.compress == CFG_COMPRESS_ZSTD, name, sizeof name);
    snprintf(out, len, "%s/%s", a->conf.dir, name);
}

/* The symbols' views and the logger's counters, as they are now. */
static void look(app *a, status_io *io, char *file, size_t file_len)
{
    size_t n = cap_symbols(a->pipeline);
    for (size_t i = 0; i < n; i++)
        cap_symbol_view_get(a->pipeline, i, &a->views[i]);
    alog_stats st;
    alog_get_stats(a->lg, &st);
    if (file != NULL)
        current_file(a, file, file_len);
    *io = (status_io){.dir = a->conf.dir,
                      .file = file,
                      .written = st.written,
                      .refused = st.dropped_full,
                      .lost_io = st.lost_io,
                      .discarded = st.discarded,
                      .files = st.files_opened,
                      .snapshot_us = a->snapshot_us,
                      .legs_up = a->legs_up,
                      .legs_total = app_legs_wanted(a)};
}

void app_status_draw(app *a)
{
    char file[4200];
    status_io io;
    look(a, &io, file, sizeof file);
    size_t n = cap_symbols(a->pipeline);
    io.losing = status_lost(&io) > a->lost_shown;
    a->lost_shown = status_lost(&io);
    status_meter_update(&a->meter, a->views, n, realtime_ns(), a->rates);
    char line[4096], nats[128] = "";
    if (a->pub != NULL) {
        npub_counts k;
        npub_get_counts(a->pub, &k);
        snprintf(nats, sizeof nats, " | nats published %llu pending %llu failed %llu",
                 (unsigned long long)k.published, (unsigned long long)k.pending,
                 (unsigned long long)k.failed);
    }
    size_t width = con_width(), extra = strlen(nats);
    size_t used = status_line(line, sizeof line, a->views, a->rates, n, &io,
                              width > extra + 40 ? width - extra : width);
    if (used + extra < sizeof line && (width == 0 || used + extra <= width))
        memcpy(line + used, nats, extra + 1);
    con_status(line);
}

uint64_t app_summary(app *a)
{
    con_status_end();
    status_io io;
    look(a, &io, NULL, 0);
    const cap_counters *k = cap_counts(a->pipeline);
    size_t n = cap_symbols(a->pipeline);
    status_summary(stderr, k, a->views, n, &io);
    status_summary_json(stderr, k, a->views, n, &io);
    if (a->pub != NULL) {
        npub_counts c;
        npub_get_counts(a->pub, &c);
        con_say("nats: %llu published (%llu already stored by another host or try), %llu "
                "pending (not published), %llu failed",
                (unsigned long long)c.published, (unsigned long long)c.duplicates,
                (unsigned long long)c.pending, (unsigned long long)c.failed);
    }
    return status_lost(&io);
}
