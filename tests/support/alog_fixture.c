#include "alog_fixture.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

int af_setup(void **state)
{
    af_fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    tu_mkdtemp(f->dir, sizeof f->dir);
    snprintf(f->path, sizeof f->path, "%s/20261125.txt", f->dir);
    atomic_store(&f->clock.now, tu_utc_ns(2026, 11, 25, 12, 0, 0));
    f->opt.dir = f->dir;
    f->opt.rollover = ALOG_ROLL_DAILY;
    f->opt.utc = 1;
    f->opt.clock = tu_clock_read;
    f->opt.clock_ctx = &f->clock;
    f->opt.on_error = af_on_error;
    f->opt.error_ctx = f;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    *state = f;
    return 0;
}

int af_teardown(void **state)
{
    af_fixture *f = *state;
    af_release(f);
    tu_rm_rf(f->dir);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
    unsetenv("TZ");
    tzset();
    return 0;
}

void af_on_error(void *ctx, int errnum, const char *what)
{
    (void)what;
    af_fixture *f = ctx;
    atomic_store(&f->last_errno, errnum);
    atomic_fetch_add(&f->errors, 1);
    pthread_mutex_lock(&f->mu);
    if (f->hold) {
        f->held++;
        pthread_cond_broadcast(&f->cv);
        while (!f->release)
            pthread_cond_wait(&f->cv, &f->mu);
    }
    pthread_mutex_unlock(&f->mu);
}

void af_hold_writer(af_fixture *f)
{
    pthread_mutex_lock(&f->mu);
    f->hold = 1;
    pthread_mutex_unlock(&f->mu);
}

void af_wait_held(af_fixture *f)
{
    pthread_mutex_lock(&f->mu);
    while (f->held == 0)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
}

void af_release(af_fixture *f)
{
    pthread_mutex_lock(&f->mu);
    f->hold = 0;
    f->release = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

void af_block_dir(af_fixture *f)
{
    snprintf(f->blocker, sizeof f->blocker, "%s/file", f->dir);
    snprintf(f->blocked, sizeof f->blocked, "%s/logs", f->blocker);
    int fd = open(f->blocker, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    f->opt.dir = f->blocked;
}

char *af_read(const af_fixture *f, const char *name, size_t *len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return tu_read_file(path, len);
}

/* Decode src[0..n) frame by frame into a growing buffer. */
static char *decode(const unsigned char *src, size_t n, size_t *len, int *frames, int *whole)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    size_t cap = 1 << 16, out_len = 0, good_len = 0, r = 0;
    char *out = malloc(cap + 1);
    ZSTD_inBuffer in = {src, n, 0};
    *frames = 0;
    while (in.pos < in.size) {
        if (cap - out_len < ZSTD_DStreamOutSize()) {
            cap *= 2;
            out = realloc(out, cap + 1);
        }
        ZSTD_outBuffer o = {out + out_len, cap - out_len, 0};
        r = ZSTD_decompressStream(d, &o, &in);
        if (ZSTD_isError(r))
            break;
        out_len += o.pos;
        if (r == 0) {
            good_len = out_len;
            ++*frames;
        } else if (in.pos == in.size && o.pos < o.size) {
            break; /* the input ends inside a frame */
        }
    }
    *whole = in.pos == in.size && !ZSTD_isError(r) && r == 0;
    ZSTD_freeDCtx(d);
    out[good_len] = '\0';
    *len = good_len;
    return out;
}

char *af_read_zst(const af_fixture *f, const char *name, size_t *len, int *frames, int *whole)
{
    size_t n;
    char *src = af_read(f, name, &n);
    if (src == NULL)
        return NULL;
    char *text = decode((const unsigned char *)src, n, len, frames, whole);
    free(src);
    return text;
}

void af_assert_zst(const af_fixture *f, const char *name, const char *want)
{
    size_t len;
    int frames, whole;
    char *text = af_read_zst(f, name, &len, &frames, &whole);
    if (text == NULL)
        fail_msg("%s is missing", name);
    assert_true(whole);
    assert_int_equal(len, strlen(want));
    assert_string_equal(text, want);
    free(text);
}

void af_assert_file(const af_fixture *f, const char *name, const char *want)
{
    char *text = af_read(f, name, NULL);
    if (text == NULL)
        fail_msg("%s is missing", name);
    assert_string_equal(text, want);
    free(text);
}

alog_stats af_stats(alog *lg)
{
    alog_stats st;
    alog_get_stats(lg, &st);
    return st;
}

void af_assert_identity(const alog_stats *st)
{
    assert_true(st->accepted == st->written + st->discarded + st->lost_io);
}
