/* ALOG_COMPRESS_ZSTD when things go wrong: a process killed mid-writing leaves files that
 * decode to whole lines, the next logger appending to such a file repairs its tail first
 * (reading its headers and last frame, not all of it), and a full disk or a file size limit
 * loses whole frames only, counted exactly. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "alog.h"
#include "alog_fixture.h"

#define LINE_BYTES 1000
#define ZST_NAME   "20261125.txt.zst"

/* A line of exactly LINE_BYTES bytes that names its number, the rest letters that hardly
 * compress (so a small disk fills with few lines and frames are large). */
static int write_numbered(alog *lg, long n)
{
    char line[LINE_BYTES];
    uint64_t x = (uint64_t)n * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < sizeof line; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        line[i] = (char)('a' + x % 26);
    }
    int k = snprintf(line, sizeof line, "L%08ld", n);
    line[k] = ' ';
    return alog_write(lg, line, sizeof line);
}

/* Check that text[0..len) is whole numbered lines, numbers rising (consecutive from `first`
 * when `consecutive`); returns how many. */
static long numbered_lines(const char *text, size_t len, long first, int consecutive)
{
    assert_int_equal(len % (LINE_BYTES + 1), 0);
    long prev = first - 1;
    for (size_t off = 0; off < len; off += LINE_BYTES + 1) {
        char digits[9];
        memcpy(digits, text + off + 1, 8);
        digits[8] = '\0';
        char *end;
        long n = strtol(digits, &end, 10);
        assert_int_equal(text[off], 'L');
        assert_true(end == digits + 8);
        assert_true(consecutive ? n == prev + 1 : n > prev);
        assert_int_equal(text[off + LINE_BYTES], '\n');
        prev = n;
    }
    return (long)(len / (LINE_BYTES + 1));
}

static void zst_path(const af_fixture *f, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", f->opt.dir, ZST_NAME);
    assert_true(n > 0 && (size_t)n < cap);
}

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Decode the file: assert it is whole when `whole`; the count of its numbered lines. */
static long decode_lines(const af_fixture *f, int want_whole, long first, int consecutive)
{
    size_t len;
    int frames, whole;
    /* The file in opt.dir, which may be a directory under the fixture's. */
    char name[PATH_MAX + 32];
    size_t base = strlen(f->dir);
    snprintf(name, sizeof name, "%s%s%s", f->opt.dir + base, f->opt.dir[base] ? "/" : "", ZST_NAME);
    char *text = af_read_zst(f, name[0] == '/' ? name + 1 : name, &len, &frames, &whole);
    assert_non_null(text);
    if (want_whole)
        assert_true(whole);
    long n = numbered_lines(text, len, first, consecutive);
    free(text);
    return n;
}

static void test_zstd_sigkill_mid_writing_leaves_whole_lines_and_restart_repairs(void **state)
{
    af_fixture *f = *state;
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    f->opt.block_when_full = 1;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alog *lg = alog_open(&f->opt);
        for (long i = 0; lg != NULL; i++)
            write_numbered(lg, i);
        _exit(3);
    }
    /* Killed while it writes: after a few frames, at whatever point it has reached. */
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (size_of(path) < 2000000 && tu_mono_ns() < deadline)
        tu_pause();
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(size_of(path) >= 2000000);
    long k = decode_lines(f, 0, 0, 1); /* up to its last whole frame: whole lines 0..k-1 */
    assert_true(k > 0);

    /* A second logger continues the file: the tail is repaired, then all of it decodes. */
    alog *lg = alog_open(&f->opt);
    for (long i = k; i < k + 10; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    assert_int_equal(decode_lines(f, 1, 0, 1), k + 10);
}

/* Logger one writes two frames, lines 0..9 and 10..19; `damage` then hurts the second one
 * as a crash could; logger two appends lines 10..14. Afterwards the file is a valid stream
 * of lines 0..14: the damaged frame went, the first stayed. */
static void damaged_then_appended(af_fixture *f, void (*damage)(const char *path, long at))
{
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    for (long i = 0; i < 10; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    assert_int_equal(alog_flush(lg), 0);
    long second = size_of(path);
    for (long i = 10; i < 20; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    assert_int_equal(decode_lines(f, 1, 0, 1), 20);
    damage(path, second);
    assert_true(decode_lines(f, 0, 0, 1) == 10); /* damaged: only the first frame decodes */

    lg = alog_open(&f->opt);
    for (long i = 10; i < 15; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    assert_int_equal(st.written, 5);
    assert_int_equal(decode_lines(f, 1, 0, 1), 15);
}

static void cut_inside_last_frame(const char *path, long at)
{
    assert_int_equal(truncate(path, (at + size_of(path)) / 2), 0);
}

static void cut_inside_frame_header(const char *path, long at)
{
    assert_int_equal(truncate(path, at + 3), 0);
}

static void zeros_over_last_frame_payload(const char *path, long at)
{
    /* Power loss: the length made it to disk, some of the data did not. */
    static const char zeros[64];
    int fd = open(path, O_WRONLY);
    long mid = (at + size_of(path)) / 2;
    assert_int_equal(pwrite(fd, zeros, sizeof zeros, mid), (ssize_t)sizeof zeros);
    close(fd);
}

static void zeros_after_last_frame(const char *path, long at)
{
    (void)at;
    static const char zeros[4096];
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, zeros, sizeof zeros), (ssize_t)sizeof zeros);
    close(fd);
}

static void test_zstd_reopen_cuts_a_frame_torn_in_its_payload(void **state)
{
    damaged_then_appended(*state, cut_inside_last_frame);
}

static void test_zstd_reopen_cuts_a_frame_torn_in_its_header(void **state)
{
    damaged_then_appended(*state, cut_inside_frame_header);
}

static void test_zstd_reopen_cuts_a_whole_length_frame_with_zeroed_data(void **state)
{
    damaged_then_appended(*state, zeros_over_last_frame_payload);
}

static void test_zstd_reopen_cuts_zeros_after_the_last_frame(void **state)
{
    /* The second frame is whole here: it stays, the zeros go, lines 10..14 come twice. */
    af_fixture *f = *state;
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    for (long i = 0; i < 10; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    zeros_after_last_frame(path, 0);
    lg = alog_open(&f->opt);
    for (long i = 10; i < 15; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    assert_int_equal(decode_lines(f, 1, 0, 1), 15);
}

static void test_zstd_reopen_cuts_a_last_frame_that_ends_inside_a_line(void **state)
{
    /* A whole frame, its checksum right, but its text stops in the middle of a line: the
     * next line appended would be glued to that half line. */
    af_fixture *f = *state;
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    for (long i = 0; i < 10; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    static const char half[] = "L00000010 and no end";
    unsigned char frame[256];
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
    size_t n = ZSTD_compress2(c, frame, sizeof frame, half, sizeof half - 1);
    ZSTD_freeCCtx(c);
    assert_false(ZSTD_isError(n));
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, frame, n), (ssize_t)n);
    close(fd);

    lg = alog_open(&f->opt);
    for (long i = 10; i < 15; i++)
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    assert_int_equal(decode_lines(f, 1, 0, 1), 15);
}

/* Bytes this process has read so far (all its threads, pread included), or -1 when the
 * kernel does not count them. */
static long long bytes_read_so_far(void)
{
    FILE *fp = fopen("/proc/self/io", "r");
    long long n = -1;
    if (fp != NULL) {
        if (fscanf(fp, "rchar: %lld", &n) != 1)
            n = -1;
        fclose(fp);
    }
    return n;
}

static void test_zstd_reopen_reads_the_headers_and_the_last_frame_not_the_whole_file(void **state)
{
    af_fixture *f = *state;
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    f->opt.block_when_full = 1;
    alog *lg = alog_open(&f->opt);
    for (long i = 0; i < 8000; i++) /* about 5 MB of frames of 256 KiB of lines */
        assert_int_equal(write_numbered(lg, i), ALOG_OK);
    alog_close(lg);
    size_t before_len;
    char *before = tu_read_file(path, &before_len);
    if (bytes_read_so_far() < 0) {
        free(before);
        fprintf(stderr, "skipped: no /proc/self/io here\n");
        skip();
    }

    long long read0 = bytes_read_so_far();
    lg = alog_open(&f->opt);
    assert_int_equal(write_numbered(lg, 8000), ALOG_OK);
    assert_int_equal(alog_flush(lg), 0);
    long long reopen_read = bytes_read_so_far() - read0;
    alog_close(lg);
    /* A few KiB a block, and the last frame decoded: far less than the file. */
    assert_true(reopen_read < (long long)before_len / 4);
    size_t after_len;
    char *after = tu_read_file(path, &after_len);
    assert_true(after_len > before_len && memcmp(after, before, before_len) == 0);
    free(after);
    free(before);
    assert_int_equal(decode_lines(f, 1, 0, 1), 8001);
}

static void test_zstd_file_that_is_not_zstd_is_left_alone(void **state)
{
    af_fixture *f = *state;
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    FILE *fp = fopen(path, "w");
    fputs("someone else's text\n", fp);
    fclose(fp);
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    alog *lg = alog_open(&f->opt);
    assert_int_equal(write_numbered(lg, 0), ALOG_OK);
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.lost_io, 1);
    assert_int_equal(atomic_load(&f->last_errno), EILSEQ);
    char *text = tu_read_file(path, NULL);
    assert_string_equal(text, "someone else's text\n");
    free(text);
}

static void test_zstd_enospc_loses_whole_frames_counted_exactly(void **state)
{
    af_fixture *f = *state;
    char mnt[PATH_MAX + 16], path[PATH_MAX + 32];
    snprintf(mnt, sizeof mnt, "%s/small", f->dir);
    mkdir(mnt, 0755);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
        fprintf(stderr, "skipped: cannot mount a small tmpfs here (%s)\n", strerror(errno));
        skip();
    }
    f->opt.dir = mnt;
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    zst_path(f, path, sizeof path);
    alog *lg = alog_open(&f->opt);
    long n = 0;
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (af_stats(lg).lost_io == 0 || atomic_load(&f->errors) == 0) {
        assert_true(tu_mono_ns() < deadline);
        if (af_stats(lg).lost_io == 0) {
            assert_int_equal(write_numbered(lg, n++), ALOG_OK);
            if (n % 4 == 0)
                alog_flush(lg); /* a frame of 4 lines: -1 once lines are lost */
        }
        tu_pause();
    }
    assert_int_equal(atomic_load(&f->last_errno), ENOSPC);
    assert_int_equal(alog_flush(lg), 0); /* nothing in flight, nothing lost since */
    alog_stats full = af_stats(lg);
    assert_true(full.written > 0);
    assert_int_equal(decode_lines(f, 1, 0, 0), (long)full.written);
    assert_int_equal(full.bytes_out, (uint64_t)size_of(path));

    assert_int_equal(truncate(path, 0), 0); /* space comes back */
    while (af_stats(lg).written <= full.written) {
        assert_true(tu_mono_ns() < deadline + TU_DEADLINE_NS);
        assert_int_equal(write_numbered(lg, n++), ALOG_OK);
        alog_flush(lg);
    }
    assert_int_equal(alog_stop(lg, ALOG_STOP_FLUSH), 0);
    alog_stats st = af_stats(lg);
    alog_close(lg);
    af_assert_identity(&st);
    assert_int_equal(decode_lines(f, 1, 0, 0), (long)(st.written - full.written));
    assert_int_equal(st.bytes_out - full.bytes_out, (uint64_t)size_of(path));
    umount(mnt);
}

static void test_zstd_efbig_loses_whole_frames_counted_exactly(void **state)
{
    af_fixture *f = *state;
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/big", f->dir);
    f->opt.dir = dir;
    f->opt.compress = ALOG_COMPRESS_ZSTD;
    f->opt.block_when_full = 1;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {20000, 20000}; /* a few frames of 5 lines fit, then none */
        setrlimit(RLIMIT_FSIZE, &rl);
        alog *lg = alog_open(&f->opt);
        for (long i = 0; i < 200; i++) {
            write_numbered(lg, i);
            if (i % 5 == 4)
                alog_flush(lg);
        }
        alog_stop(lg, ALOG_STOP_FLUSH);
        alog_stats st = af_stats(lg);
        alog_close(lg);
        int ok = st.accepted == 200 && st.lost_io > 0 && st.written > 0 &&
                 st.accepted == st.written + st.discarded + st.lost_io &&
                 atomic_load(&f->last_errno) == EFBIG;
        ssize_t w = write(fds[1], &st, sizeof st);
        _exit(ok && w == (ssize_t)sizeof st ? 0 : 3);
    }
    close(fds[1]);
    alog_stats st;
    assert_int_equal(read(fds[0], &st, sizeof st), (ssize_t)sizeof st);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status)); /* not killed by SIGXFSZ */
    assert_int_equal(WEXITSTATUS(status), 0);
    char path[PATH_MAX + 32];
    zst_path(f, path, sizeof path);
    assert_int_equal(decode_lines(f, 1, 0, 0), (long)st.written);
    assert_int_equal(st.bytes_out, (uint64_t)size_of(path));
    assert_true(size_of(path) <= 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AF_TEST(test_zstd_sigkill_mid_writing_leaves_whole_lines_and_restart_repairs),
        AF_TEST(test_zstd_reopen_cuts_a_frame_torn_in_its_payload),
        AF_TEST(test_zstd_reopen_cuts_a_frame_torn_in_its_header),
        AF_TEST(test_zstd_reopen_cuts_a_whole_length_frame_with_zeroed_data),
        AF_TEST(test_zstd_reopen_cuts_zeros_after_the_last_frame),
        AF_TEST(test_zstd_reopen_cuts_a_last_frame_that_ends_inside_a_line),
        AF_TEST(test_zstd_reopen_reads_the_headers_and_the_last_frame_not_the_whole_file),
        AF_TEST(test_zstd_file_that_is_not_zstd_is_left_alone),
        AF_TEST(test_zstd_enospc_loses_whole_frames_counted_exactly),
        AF_TEST(test_zstd_efbig_loses_whole_frames_counted_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
