#include "serve_files.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int serve_is_capture_file(const char *name)
{
    size_t digits = strspn(name, "0123456789");
    if (digits != 8 && digits != 13 && digits != 14)
        return 0;
    const char *rest = name + digits;
    return strcmp(rest, ".txt") == 0 || strcmp(rest, ".txt.zst") == 0;
}

/* The period a name stands for, as a number that grows with time: YYYYMMDDHHMM * 100 + i
 * for 5sec names (i unpadded, 0..11, so "...HHMM10" comes after "...HHMM9"), and the
 * day's first instant for daily names, which so come before that day's 5sec files. */
static uint64_t period_key(const char *name)
{
    size_t digits = strspn(name, "0123456789");
    uint64_t ymd = 0, rest = 0;
    for (size_t i = 0; i < 8; i++)
        ymd = ymd * 10 + (uint64_t)(name[i] - '0');
    for (size_t i = 8; i < digits; i++)
        rest = rest * 10 + (uint64_t)(name[i] - '0');
    if (digits == 8)
        return ymd * 1000000;
    /* rest is HHMM followed by i: HHMM * 10 + i (13 digits) or HHMM * 100 + i (14) */
    uint64_t hhmm = digits == 13 ? rest / 10 : rest / 100;
    uint64_t i = digits == 13 ? rest % 10 : rest % 100;
    return ymd * 1000000 + hhmm * 100 + i;
}

static int newer(const char *a, const char *b)
{
    uint64_t ka = period_key(a), kb = period_key(b);
    return ka != kb ? ka > kb : strcmp(a, b) > 0;
}

/* Keep the SERVE_FILES newest names, newest first (insertion into a short sorted list). */
static void keep(serve_files *out, const char *name)
{
    size_t at = out->n;
    while (at > 0 && newer(name, out->f[at - 1].name))
        at--;
    if (at >= SERVE_FILES)
        return;
    size_t last = out->n < SERVE_FILES ? out->n : SERVE_FILES - 1;
    memmove(&out->f[at + 1], &out->f[at], (last - at) * sizeof out->f[0]);
    snprintf(out->f[at].name, sizeof out->f[at].name, "%s", name);
    out->f[at].bytes = 0;
    if (out->n < SERVE_FILES)
        out->n++;
}

size_t serve_files_scan(const char *dir, serve_files *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strlen(e->d_name) <= SERVE_FILE_NAME_MAX && serve_is_capture_file(e->d_name))
            keep(out, e->d_name);
    }
    int fd = dirfd(d);
    for (size_t i = 0; i < out->n; i++) {
        struct stat st;
        if (fstatat(fd, out->f[i].name, &st, 0) == 0)
            out->f[i].bytes = (uint64_t)st.st_size;
    }
    closedir(d);
    return out->n;
}
