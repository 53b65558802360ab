#include "rp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#define BUF_START ((size_t)1 << 20)

struct rp_file {
    char *name;
    int fd;                   /* -1 when reading memory */
    const unsigned char *mem; /* the bytes of a memory reader */
    size_t mem_len, mem_pos;
    int zstd;               /* the bytes are a zstd stream */
    ZSTD_DStream *zs;       /* its decoder */
    unsigned char *in;      /* compressed input read from fd */
    size_t in_cap;          /* allocated */
    ZSTD_inBuffer zin;      /* the compressed bytes not yet decoded */
    size_t last_ret;        /* the decoder's last answer: 0 when it ended a frame */
    int src_eof;            /* every byte of the file is read */
    char *buf;              /* decoded text: [start, end) not yet returned */
    size_t cap, start, end; /* allocated, first unreturned byte, end of the text */
    size_t scan;            /* no '\n' in [start, scan) */
    uint64_t line;          /* lines returned */
    uint64_t consumed;      /* bytes of the file read */
    uint64_t size;          /* its size */
    int state;              /* 0 reading, 1 ended, 2 failed (the error was returned) */
    char err[512];
};

static rp_file *alloc_file(const char *name, int zstd)
{
    rp_file *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->fd = -1;
    f->zstd = zstd;
    f->name = strdup(name);
    f->cap = BUF_START;
    f->buf = malloc(f->cap);
    if (zstd) {
        f->zs = ZSTD_createDStream();
        f->in_cap = ZSTD_DStreamInSize();
        f->in = malloc(f->in_cap);
    }
    if (f->name == NULL || f->buf == NULL || (zstd && (f->zs == NULL || f->in == NULL))) {
        rp_file_close(f);
        return NULL;
    }
    return f;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

rp_file *rp_file_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        close(fd);
        return NULL;
    }
    rp_file *f = alloc_file(path, ends_with(path, ".zst"));
    if (f == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->size = (uint64_t)st.st_size;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return f;
}

rp_file *rp_file_open_mem(const char *name, const void *data, size_t len, int zstd)
{
    rp_file *f = alloc_file(name, zstd);
    if (f == NULL)
        return NULL;
    f->mem = data;
    f->mem_len = len;
    f->size = len;
    return f;
}

void rp_file_close(rp_file *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    ZSTD_freeDStream(f->zs);
    free(f->in);
    free(f->buf);
    free(f->name);
    free(f);
}

/* Up to `cap` raw bytes of the file into dst: their number, 0 at the end, -1 on an error. */
static long read_raw(rp_file *f, void *dst, size_t cap)
{
    if (f->fd < 0) {
        size_t n = f->mem_len - f->mem_pos < cap ? f->mem_len - f->mem_pos : cap;
        if (n > 0) /* an empty file in memory may have no bytes at all (NULL) */
            memcpy(dst, f->mem + f->mem_pos, n);
        f->mem_pos += n;
        f->consumed += n;
        return (long)n;
    }
    for (;;) {
        ssize_t n = read(f->fd, dst, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(f->err, sizeof f->err, "%s:%llu: %s", f->name, (unsigned long long)f->line + 1,
                     strerror(errno));
            return -1;
        }
        f->consumed += (uint64_t)n;
        return (long)n;
    }
}

/* More text at buf[end..cap): bytes added, 0 at the end of the file, -1 on an error. */
static long fill(rp_file *f)
{
    if (!f->zstd)
        return read_raw(f, f->buf + f->end, f->cap - f->end);
    for (;;) {
        if (f->zin.pos == f->zin.size && !f->src_eof) {
            long n = read_raw(f, f->in, f->in_cap);
            if (n < 0)
                return -1;
            f->src_eof = n == 0;
            f->zin = (ZSTD_inBuffer){f->in, (size_t)n, 0};
        }
        if (f->zin.pos == f->zin.size && f->src_eof) {
            if (f->last_ret != 0) {
                snprintf(f->err, sizeof f->err,
                         "%s:%llu: truncated: the zstd stream ends inside a frame", f->name,
                         (unsigned long long)f->line + 1);
                return -1;
            }
            return 0;
        }
        ZSTD_outBuffer out = {f->buf + f->end, f->cap - f->end, 0};
        size_t ret = ZSTD_decompressStream(f->zs, &out, &f->zin);
        if (ZSTD_isError(ret)) {
            if (ZSTD_getErrorCode(ret) == ZSTD_error_prefix_unknown)
                snprintf(f->err, sizeof f->err, "%s:%llu: not a zstd file%s", f->name,
                         (unsigned long long)f->line + 1, f->line == 0 ? "" : " beyond this point");
            else
                snprintf(f->err, sizeof f->err, "%s:%llu: zstd: %s", f->name,
                         (unsigned long long)f->line + 1, ZSTD_getErrorName(ret));
            return -1;
        }
        f->last_ret = ret;
        if (out.pos > 0)
            return (long)out.pos;
    }
}

static int fail(rp_file *f)
{
    f->state = 2;
    return -1;
}

int rp_file_next(rp_file *f, const char **line, size_t *len)
{
    if (f->state != 0)
        return 0;
    for (;;) {
        char *nl = memchr(f->buf + f->scan, '\n', f->end - f->scan);
        if (nl != NULL) {
            *line = f->buf + f->start;
            *len = (size_t)(nl - *line);
            f->start = f->scan = (size_t)(nl - f->buf) + 1;
            f->line++;
            return 1;
        }
        f->scan = f->end;
        if (f->start > 0 && (f->start == f->end || f->cap - f->end < f->cap / 4)) {
            memmove(f->buf, f->buf + f->start, f->end - f->start);
            f->end -= f->start;
            f->scan -= f->start;
            f->start = 0;
        }
        if (f->end == f->cap) {
            if (f->cap >= RP_LINE_MAX) {
                snprintf(f->err, sizeof f->err, "%s:%llu: a line longer than %zu MiB", f->name,
                         (unsigned long long)f->line + 1, RP_LINE_MAX >> 20);
                return fail(f);
            }
            char *b = realloc(f->buf, f->cap * 2);
            if (b == NULL) {
                snprintf(f->err, sizeof f->err, "%s:%llu: out of memory", f->name,
                         (unsigned long long)f->line + 1);
                return fail(f);
            }
            f->buf = b;
            f->cap *= 2;
        }
        long n = fill(f);
        if (n < 0)
            return fail(f);
        if (n == 0) {
            if (f->end > f->start) {
                snprintf(f->err, sizeof f->err,
                         "%s:%llu: truncated: the last line has no end (%zu bytes ignored)",
                         f->name, (unsigned long long)f->line + 1, f->end - f->start);
                return fail(f);
            }
            f->state = 1;
            return 0;
        }
        f->end += (size_t)n;
    }
}

const char *rp_file_name(const rp_file *f)
{
    return f->name;
}

uint64_t rp_file_line(const rp_file *f)
{
    return f->line;
}

const char *rp_file_error(const rp_file *f)
{
    return f->err;
}

uint64_t rp_file_consumed(const rp_file *f)
{
    return f->consumed;
}

uint64_t rp_file_size(const rp_file *f)
{
    return f->size;
}
