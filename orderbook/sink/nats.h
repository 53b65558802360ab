/*
 * The JetStream publisher: every record handed to it also goes to NATS, by asynchronous
 * publish on its own thread, with a bounded number in flight.
 *
 * The caller's thread (the network's) only copies the record into a bounded buffer
 * (npub_put: no lock, no allocation, no I/O). While NATS is unreachable or slow the records
 * wait there, and are published when it is back; a record that finds the buffer full is not
 * kept: it is counted as failed (the files still have it). Every record carries its
 * Nats-Msg-Id (route.h), so a resend after a lost acknowledgment, or the same event from
 * another host, is stored once within the stream's duplicate window.
 */
#ifndef NPUB_NATS_H
#define NPUB_NATS_H

#include <stddef.h>
#include <stdint.h>

#define NPUB_BUFFER_BYTES (64u << 20) /* default bound of waiting records */
#define NPUB_MAX_INFLIGHT 1024        /* default bound of unacknowledged publishes */
#define NPUB_DUPLICATE_S  120         /* duplicate window of a stream we create */

typedef struct npub_options {
    const char *url;     /* nats://h:p[,nats://h2:p2...] (servers.h) */
    const char *stream;  /* created if missing with subjects "<prefix>.>" */
    const char *prefix;  /* subject prefix */
    const char *market;  /* spot | usdm | coinm: the subject's second token */
    int replicas;        /* when creating the stream, 1..5 */
    size_t buffer_bytes; /* 0: NPUB_BUFFER_BYTES */
    int max_inflight;    /* 0: NPUB_MAX_INFLIGHT */
    void (*on_problem)(void *ctx, const char *what); /* NATS's threads; may be NULL */
    void *ctx;
} npub_options;

typedef struct npub_counts {
    uint64_t published;  /* acknowledged by JetStream (duplicates included) */
    uint64_t duplicates; /* of those, already in the stream (another host, an earlier try) */
    uint64_t pending;    /* in the buffer or in flight */
    uint64_t failed;     /* never published: the buffer was full, or JetStream refused it */
    uint64_t retried;    /* sends repeated after a timeout or an error */
} npub_counts;

typedef struct npub npub;

/*
 * Start publishing: checks the URL list, starts the thread, which connects (and keeps
 * retrying) and makes sure of the stream. NATS being unreachable is not an error here: the
 * thread says so through on_problem and keeps trying. NULL with a message in err when the
 * options are wrong (a malformed URL) or memory or threads run out.
 */
npub *npub_start(const npub_options *o, char *err, size_t errlen);

/* Hand one record over (copied). Never blocks. 0, or -1 when the buffer is full (counted
 * as failed). One thread at a time; NULL p is a no-op returning 0. */
int npub_put(npub *p, const char *line, size_t len);

/* The counters now. Any thread. */
void npub_get_counts(npub *p, npub_counts *out);

/* Stop taking records and publish what is left, waiting at most `drain_ms` for NATS.
 * Returns 0 when everything was published, else -1 (what is left stays counted as pending).
 * Idempotent. */
int npub_stop(npub *p, int drain_ms);

/* Stop without draining if still running, then free; also releases libnats's global state
 * (nats_CloseAndWait): call it when the process is done with NATS. NULL is a harmless no-op. */
void npub_destroy(npub *p);

#endif
