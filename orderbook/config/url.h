/* The endpoints of the configuration: scheme://host[:port][/path]. Pure. */
#ifndef URL_H
#define URL_H

#include <stddef.h>

#define URL_HOST_MAX 253
#define URL_PATH_MAX 256

typedef struct url_parts {
    char host[URL_HOST_MAX + 1]; /* a name, an IPv4 address, or an IPv6 one without [] */
    int port;                    /* 1..65535; 443 when not given */
    char path[URL_PATH_MAX + 1]; /* "" or "/prefix", never ending in '/' */
} url_parts;

/*
 * Parse `s` as `scheme`://host[:port][/path], e.g. url_parse("wss://h:9443", "wss", &u).
 * No user info, query or fragment. Returns 0, or -1 with a message in err ("expected
 * wss://host[:port][/path]" and what was wrong).
 */
int url_parse(const char *s, const char *scheme, url_parts *out, char *err, size_t errlen);

#endif
