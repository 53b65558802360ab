/* The [nats] url list, checked before anything connects (pure). */
#ifndef SERVERS_H
#define SERVERS_H

#include <stddef.h>

#define SERVERS_MAX 16

typedef struct servers {
    const char *url[SERVERS_MAX]; /* pointers into buf */
    size_t n;
    char buf[2048];
} servers;

/*
 * Split "nats://h:p[,nats://h2:p2...]" into URLs, each `nats://` or `tls://`, an optional
 * user[:password]@, a host name or address ([v6] in brackets) and an optional port 1..65535
 * (spaces around commas allowed). Returns 0, or -1 with what is wrong in err.
 */
int servers_parse(const char *list, servers *out, char *err, size_t errlen);

#endif
