/*
 * orderbook-archive's side of JetStream: a durable pull consumer on the stream. Batches are
 * fetched, and acknowledged only when the caller says their records are durable, so a crash
 * between the two makes JetStream deliver that batch again (and nothing is lost).
 */
#ifndef NPULL_H
#define NPULL_H

#include <stddef.h>
#include <stdint.h>

typedef struct npull_options {
    const char *url;     /* nats://h:p[,nats://h2:p2...] */
    const char *stream;  /* the stream orderbook publishes to */
    const char *prefix;  /* its subjects are "<prefix>.>" */
    const char *durable; /* the consumer's name: it keeps its place across restarts */
    int batch;           /* most records a fetch returns (0: 1000) */
    int ack_wait_s;      /* unacknowledged this long: delivered again (0: 10) */
    void (*on_problem)(void *ctx, const char *what); /* any thread; may be NULL */
    void *ctx;
} npull_options;

typedef struct npull npull;

/* Check the URL list and connect; an unreachable server is retried in the background
 * (on_problem tells). NULL with a message in err for a malformed URL or no memory. */
npull *npull_open(const npull_options *o, char *err, size_t errlen);

/*
 * Wait at most timeout_ms for records and take up to `batch` of them. Returns how many (0:
 * none yet, or NATS unreachable: on_problem tells); record i is npull_data(p, i, &len),
 * valid until npull_ack or npull_drop. Must not be called while a batch is held.
 */
int npull_fetch(npull *p, int timeout_ms);
const char *npull_data(npull *p, int i, size_t *len);

/* The batch is durable: acknowledge every record of it (and release it). 0, or -1 when the
 * acknowledgments could not be sent (the batch will be delivered again). */
int npull_ack(npull *p);

/* Release the batch without acknowledging it (it will be delivered again). */
void npull_drop(npull *p);

/* Records in the stream not yet delivered to the consumer (as of the last fetch), and the
 * records acknowledged so far. */
uint64_t npull_lag(const npull *p);
uint64_t npull_acked(const npull *p);

/* Close the connection and free; also releases libnats's global state (nats_CloseAndWait). NULL is
 * a harmless no-op. */
void npull_close(npull *p);

#endif
