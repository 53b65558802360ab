#include "servers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* One URL, NUL-terminated in place. 0, or -1 with err. */
static int check_one(const char *u, char *err, size_t errlen)
{
    const char *p;
    if (strncmp(u, "nats://", 7) == 0)
        p = u + 7;
    else if (strncmp(u, "tls://", 6) == 0)
        p = u + 6;
    else {
        snprintf(err, errlen, "\"%s\" is not a NATS URL (nats://host:port or tls://host:port)", u);
        return -1;
    }
    const char *at = strrchr(p, '@');
    if (at != NULL)
        p = at + 1;
    const char *host = p;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (close == NULL || close == p + 1) {
            snprintf(err, errlen, "\"%s\": an IPv6 address needs [ and ]", u);
            return -1;
        }
        p = close + 1;
    } else {
        while (host_char(*p))
            p++;
        if (p == host) {
            snprintf(err, errlen, "\"%s\": no host", u);
            return -1;
        }
    }
    if (*p == ':') {
        p++;
        char *end;
        long port = strtol(p, &end, 10);
        if (end == p || *end != '\0' || port < 1 || port > 65535 || !isdigit((unsigned char)*p)) {
            snprintf(err, errlen, "\"%s\": the port must be a number 1..65535", u);
            return -1;
        }
        return 0;
    }
    if (*p != '\0') {
        snprintf(err, errlen, "\"%s\": unexpected \"%s\" after the host", u, p);
        return -1;
    }
    return 0;
}

int servers_parse(const char *list, servers *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (list == NULL || strlen(list) >= sizeof out->buf) {
        snprintf(err, errlen, "the URL list is empty or too long");
        return -1;
    }
    strcpy(out->buf, list);
    char *tok = out->buf;
    for (;;) {
        char *comma = strchr(tok, ',');
        if (comma != NULL)
            *comma = '\0';
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            tok[--n] = '\0';
        if (n == 0) {
            snprintf(err, errlen, "an empty URL in \"%s\"", list);
            return -1;
        }
        if (out->n == SERVERS_MAX) {
            snprintf(err, errlen, "more than %d URLs", SERVERS_MAX);
            return -1;
        }
        if (check_one(tok, err, errlen) != 0)
            return -1;
        out->url[out->n++] = tok;
        if (comma == NULL)
            break;
        tok = comma + 1;
    }
    if (out->n == 0) {
        snprintf(err, errlen, "no URL in \"%s\"", list);
        return -1;
    }
    return 0;
}
