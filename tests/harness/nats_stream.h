/* Reading a JetStream stream back in the integration tests: every message, with its
 * subject, Nats-Msg-Id and data. */
#ifndef NATS_STREAM_H
#define NATS_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct ns_msg {
    char *subject;
    char *msg_id; /* "" when the message has none */
    char *data;   /* NUL-terminated */
    uint64_t seq;
} ns_msg;

typedef struct ns_msgs {
    ns_msg *m;
    size_t n;
} ns_msgs;

/* Every message of `stream` through `url`, in stream order. 0, or -1 (message on stderr). */
int ns_read_all(const char *url, const char *stream, ns_msgs *out);
void ns_msgs_free(ns_msgs *ms);

/* The messages in the stream now (its state), or -1 when it can't be asked. */
long ns_count(const char *url, const char *stream);

/* Create `stream` with these subjects (comma-separated), replicas 1. 0, or -1. */
int ns_create_stream(const char *url, const char *stream, const char *subjects);

/* Delete `stream`. 0, or -1. */
int ns_delete_stream(const char *url, const char *stream);

/* The name of the stream's leader ("n1"...) into out; 0, or -1. */
int ns_leader(const char *url, const char *stream, char *out, size_t len);

#endif
