#include "app_sinks.h"

#include <errno.h>
#include <string.h>

#include "app_feed_events.h"
#include "console.h"

void app_emit(void *ctx, int64_t stamp_ns, const char *line, size_t len)
{
    app *a = ctx;
    /* The record's own ts picks its file, so a file holds exactly the records whose ts lies
     * in its period, even one that waited in a buffer. A refusal (queue full) is counted by
     * alog and shown as "drops". */
    (void)alog_write_at(a->lg, stamp_ns, line, len);
    /* Never blocks: a full buffer is counted as failed (the files have the record). */
    (void)npub_put(a->pub, line, len);
}

static void on_alog_error(void *ctx, int errnum, const char *what)
{
    (void)ctx;
    con_say("writing records: %s: %s (records are being lost; retrying)", what, strerror(errnum));
}

int app_sinks_open(app *a)
{
    char why[256];
    alog_options lo = {.dir = a->conf.dir,
                       .rollover = a->conf.rollover_5sec ? ALOG_ROLL_5SEC : ALOG_ROLL_DAILY,
                       .utc = a->conf.utc,
                       .queue_bytes = (size_t)a->conf.queue_mb << 20,
                       .compress = a->conf.compress == CFG_COMPRESS_ZSTD ? ALOG_COMPRESS_ZSTD : 0,
                       .checksum = a->conf.checksum,
                       .on_error = on_alog_error};
    a->lg = alog_open(&lo);
    if (a->lg == NULL) {
        con_say("cannot start the logger: %s", lack(errno, why, sizeof why));
        return 1;
    }
    if (a->conf.nats_url[0] == '\0')
        return 0;
    npub_options no = {.url = a->conf.nats_url,
                       .stream = a->conf.nats_stream,
                       .prefix = a->conf.nats_subject_prefix,
                       .market = cfg_market_name(a->conf.market),
                       .replicas = (int)a->conf.nats_replicas,
                       .on_problem = app_on_problem};
    char err[512];
    a->pub = npub_start(&no, err, sizeof err);
    if (a->pub == NULL) {
        con_say("[nats] url = %s: %s", a->conf.nats_url, err);
        alog_close(a->lg);
        a->lg = NULL;
        return 1;
    }
    return 0;
}
