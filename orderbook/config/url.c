#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *scheme, const char *why)
{
    snprintf(err, errlen, "expected %s://host[:port][/path] (%s)", scheme, why);
    return -1;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

int url_parse(const char *s, const char *scheme, url_parts *out, char *err, size_t errlen)
{
    size_t sl = strlen(scheme);
    if (strncmp(s, scheme, sl) != 0 || strncmp(s + sl, "://", 3) != 0)
        return fail(err, errlen, scheme, "wrong scheme");
    const char *p = s + sl + 3;
    const char *h = p, *h_end;
    if (*p == '[') {
        h = ++p;
        while (*p != '\0' && *p != ']')
            p++;
        if (*p != ']' || p == h)
            return fail(err, errlen, scheme, "unclosed [ in the host");
        h_end = p++;
    } else {
        while (host_char(*p))
            p++;
        h_end = p;
    }
    size_t hl = (size_t)(h_end - h);
    if (hl == 0 || hl > URL_HOST_MAX)
        return fail(err, errlen, scheme, "no host, or a host longer than 253 characters");
    memcpy(out->host, h, hl);
    out->host[hl] = '\0';
    out->port = 443;
    if (*p == ':') {
        char *end;
        long port = strtol(++p, &end, 10);
        if (end == p || port < 1 || port > 65535)
            return fail(err, errlen, scheme, "the port must be 1..65535");
        out->port = (int)port;
        p = end;
    }
    if (*p != '\0' && *p != '/')
        return fail(err, errlen, scheme, "unexpected character after the host");
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    if (pl > URL_PATH_MAX)
        return fail(err, errlen, scheme, "path too long");
    for (size_t i = 0; i < pl; i++)
        if (p[i] == '?' || p[i] == '#' || p[i] == ' ' || p[i] == '@')
            return fail(err, errlen, scheme, "no query, fragment, user or space allowed");
    memcpy(out->path, p, pl);
    out->path[pl] = '\0';
    return 0;
}
