/*
 * Fuzz target: the configuration file (cfg_load, libinih).
 *
 * The input is the file. cfg_load reads a path, so the input goes into a memory file
 * (memfd) named by its /proc/self/fd path: no file on disk, nothing to clean up. Checked:
 * the result is 0 or -1; the message is terminated, and on -1 it starts with the path and,
 * when it names a line, that line exists; on 0 every value is in its allowed range; loading
 * again gives the same result, values and message. Any violation aborts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static void put_file(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("fuzz_config", MFD_CLOEXEC);
        FUZZ_CHECK(memfd >= 0, "memfd_create: %s", strerror(errno));
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    FUZZ_CHECK(ftruncate(memfd, 0) == 0, "ftruncate: %s", strerror(errno));
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
        FUZZ_CHECK(n > 0, "pwrite: %s", strerror(errno));
        done += (size_t)n;
    }
}

static size_t lines_in(const uint8_t *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n + (size > 0 && data[size - 1] != '\n');
}

static void check_string(const char *s, size_t cap, const char *what)
{
    FUZZ_CHECK(memchr(s, '\0', cap) != NULL, "%s not terminated", what);
}

static void check_url(const url_parts *u, const char *what)
{
    check_string(u->host, sizeof u->host, what);
    check_string(u->path, sizeof u->path, what);
    FUZZ_CHECK(u->host[0] != '\0', "%s: empty host", what);
    FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "%s: port %d", what, u->port);
    size_t n = strlen(u->path);
    FUZZ_CHECK(n == 0 || (u->path[0] == '/' && u->path[n - 1] != '/'), "%s: path \"%s\"", what,
               u->path);
}

static void check_values(const cfg *c)
{
    check_string(c->dir, sizeof c->dir, "dir");
    check_string(c->ca_file, sizeof c->ca_file, "ca_file");
    FUZZ_CHECK(c->dir[0] != '\0', "empty dir");
    FUZZ_CHECK(c->rollover_5sec == 0 || c->rollover_5sec == 1, "rollover %d", c->rollover_5sec);
    FUZZ_CHECK(c->utc == 0 || c->utc == 1, "utc %d", c->utc);
    FUZZ_CHECK(c->queue_mb >= 1 && c->queue_mb <= 2048, "queue_mb %u", c->queue_mb);
    FUZZ_CHECK(c->compress == CFG_COMPRESS_NONE || c->compress == CFG_COMPRESS_ZSTD, "compress %d",
               (int)c->compress);
    FUZZ_CHECK(c->market == CFG_MARKET_SPOT || c->market == CFG_MARKET_USDM ||
                   c->market == CFG_MARKET_COINM,
               "market %d", (int)c->market);
    check_url(&c->ws, "ws_url");
    check_url(&c->rest, "rest_url");
    check_url(&c->ws_b, "ws_url_b");
    if (c->market == CFG_MARKET_SPOT) {
        FUZZ_CHECK(c->speed_ms == 100 || c->speed_ms == 1000, "speed_ms %d", c->speed_ms);
        FUZZ_CHECK(c->snapshot_limit >= 1 && c->snapshot_limit <= 5000, "snapshot_limit %d",
                   c->snapshot_limit);
    } else {
        FUZZ_CHECK(c->speed_ms == 100 || c->speed_ms == 250 || c->speed_ms == 500,
                   "futures speed_ms %d", c->speed_ms);
        FUZZ_CHECK(c->snapshot_limit >= 5 && c->snapshot_limit <= 1000, "futures snapshot_limit %d",
                   c->snapshot_limit);
    }
    FUZZ_CHECK(c->legs == 1 || c->legs == 2, "legs %u", c->legs);
    FUZZ_CHECK(c->max_connection_age_s >= 1 && c->max_connection_age_s < 86400,
               "max_connection_age_s %u", c->max_connection_age_s);
    FUZZ_CHECK(c->ping_s >= 1 && c->ping_s < c->hangup_s && c->hangup_s <= 3600,
               "ping_s %u hangup_s %u", c->ping_s, c->hangup_s);
    FUZZ_CHECK(c->trades == 0 || c->trades == 1, "trades %d", c->trades);
    FUZZ_CHECK(c->depth >= 1 && c->depth <= 1000, "depth %u", c->depth);
    FUZZ_CHECK(c->record == CAP_RECORD_BOOK || c->record == CAP_RECORD_RAW ||
                   c->record == CAP_RECORD_BOTH,
               "record %d", (int)c->record);
    check_string(c->nats_url, sizeof c->nats_url, "nats url");
    check_string(c->nats_stream, sizeof c->nats_stream, "nats stream");
    check_string(c->nats_subject_prefix, sizeof c->nats_subject_prefix, "subject_prefix");
    check_string(c->nats_durable, sizeof c->nats_durable, "durable");
    FUZZ_CHECK(c->nats_stream[0] != '\0' && c->nats_durable[0] != '\0' &&
                   c->nats_subject_prefix[0] != '\0',
               "empty nats name");
    FUZZ_CHECK(c->nats_replicas >= 1 && c->nats_replicas <= 5, "replicas %u", c->nats_replicas);
    check_string(c->listen.host, sizeof c->listen.host, "listen");
    FUZZ_CHECK(c->listen.host[0] == '\0' || (c->listen.port >= 1 && c->listen.port <= 65535),
               "listen port %d", c->listen.port);
}

static void check_error(const char *err, size_t lines)
{
    size_t plen = strlen(path);
    FUZZ_CHECK(strncmp(err, path, plen) == 0 && err[plen] == ':', "message \"%s\" without path",
               err);
    const char *rest = err + plen + 1;
    FUZZ_CHECK(rest[0] != '\0', "message \"%s\" says nothing", err);
    if (rest[0] >= '0' && rest[0] <= '9') {
        char *end;
        unsigned long line = strtoul(rest, &end, 10);
        FUZZ_CHECK(*end == ':' && end[1] == ' ' && end[2] != '\0', "message \"%s\" malformed", err);
        FUZZ_CHECK(line >= 1 && line <= lines, "message \"%s\" names line %lu of %zu", err, line,
                   lines);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    put_file(data, size);
    static cfg c, again; /* large (two PATH_MAX buffers): not on the stack */
    char err[512], err_again[512];
    memset(err, 'Z', sizeof err);
    memset(err_again, 'Z', sizeof err_again);

    int rc = cfg_load(&c, path, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "result %d", rc);
    if (rc == 0)
        check_values(&c);
    else {
        check_string(err, sizeof err, "message");
        check_error(err, lines_in(data, size));
    }

    int rc_again = cfg_load(&again, path, err_again, sizeof err_again);
    FUZZ_CHECK(rc == rc_again, "loaded twice: %d then %d", rc, rc_again);
    if (rc == 0)
        FUZZ_CHECK(memcmp(&c, &again, sizeof c) == 0, "loaded twice: different values");
    else
        FUZZ_CHECK(strcmp(err, err_again) == 0, "loaded twice: \"%s\" then \"%s\"", err, err_again);
    return 0;
}
