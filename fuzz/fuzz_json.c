#include "fuzz_json.h"

#include "fuzz_check.h"

#include <string.h>

#define MAX_DEPTH 2000 /* deeper than anything cJSON accepts (1000) */

typedef struct fj {
    const unsigned char *p;
    const unsigned char *end;
} fj;

FUZZ_UNTRACED static void skip_ws(fj *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

FUZZ_UNTRACED static int is_digit(const fj *j)
{
    return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

FUZZ_UNTRACED static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

FUZZ_UNTRACED static int literal(fj *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

FUZZ_UNTRACED static int string(fj *j)
{
    if (j->p >= j->end || *j->p != '"')
        return 0;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return 0;
            c = *j->p++;
            if (c == 'u') {
                if (j->end - j->p < 4)
                    return 0;
                for (int i = 0; i < 4; i++)
                    if (!is_hex(j->p[i]))
                        return 0;
                j->p += 4;
            } else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
                return 0;
            }
            continue;
        }
        j->p++;
    }
    return 0;
}

FUZZ_UNTRACED static int number(fj *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (!is_digit(j))
        return 0;
    if (*j->p == '0')
        j->p++;
    else
        while (is_digit(j))
            j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!is_digit(j))
            return 0;
        while (is_digit(j))
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!is_digit(j))
            return 0;
        while (is_digit(j))
            j->p++;
    }
    return 1;
}

FUZZ_UNTRACED static int value(fj *j, int depth);

/* An object or an array: `close` ends it, members are `key: value` when `keyed`. */
FUZZ_UNTRACED static int container(fj *j, int depth, unsigned char close, int keyed)
{
    if (depth > MAX_DEPTH)
        return 0;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 1;
    }
    for (;;) {
        skip_ws(j);
        if (keyed) {
            if (!string(j))
                return 0;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return 0;
            j->p++;
        }
        if (!value(j, depth + 1))
            return 0;
        skip_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == close) {
            j->p++;
            return 1;
        }
        if (*j->p != ',')
            return 0;
        j->p++;
    }
}

FUZZ_UNTRACED static int value(fj *j, int depth)
{
    skip_ws(j);
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{':
        return container(j, depth, '}', 1);
    case '[':
        return container(j, depth, ']', 0);
    case '"':
        return string(j);
    case 't':
        return literal(j, "true");
    case 'f':
        return literal(j, "false");
    case 'n':
        return literal(j, "null");
    default:
        return number(j);
    }
}

FUZZ_UNTRACED int fj_is_object(const char *s, size_t len)
{
    fj j = {(const unsigned char *)s, (const unsigned char *)s + len};
    skip_ws(&j);
    if (j.p >= j.end || *j.p != '{' || !value(&j, 0))
        return 0;
    skip_ws(&j);
    return j.p == j.end;
}
