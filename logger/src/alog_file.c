/* Files of one logger. Runs on the writer thread only. */
#include "alog_file.h"
#include "alog_compress.h"
#include "alog_sha256.h"
#include "alog_zstd_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RETRY_OPEN_NS 100000000LL /* a failed open is tried again after 100 ms */

int alog__files_init(alog__files *fs, const char *dir, alog_rollover r, int utc, alog__zc *zc)
{
    memset(fs, 0, sizeof *fs);
    fs->dir = strdup(dir);
    if (fs->dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    fs->zc = zc;
    fs->rollover = r;
    fs->utc = utc;
    for (int i = 0; i < ALOG__OPEN_FILES; i++)
        fs->slot[i].fd = -1;
    fs->failed.end_ns = -1;
    return 0;
}

static int close_slot(alog__file *f, int sync)
{
    int err = 0;
    if (f->fd < 0)
        return 0;
    if (sync && fsync(f->fd) != 0)
        err = errno;
    if (close(f->fd) != 0 && err == 0)
        err = errno;
    f->fd = -1;
    return err;
}

/* Write all of buf[0..len) to fd. Returns the bytes written: len, or fewer with errno. */
static size_t write_all(int fd, const unsigned char *buf, size_t len);

/* The SHA-256 of the file at `path` as it is on disk, into hex. Returns 0 or an errno. */
static int hash_file(const char *path, char hex[65])
{
    unsigned char buf[64 * 1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    alog__sha256 s;
    alog__sha256_init(&s);
    int err = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = errno;
        if (r <= 0)
            break;
        alog__sha256_update(&s, buf, (size_t)r);
    }
    close(fd);
    alog__sha256_hex(&s, hex);
    return err;
}

/* dir/NAME.sha256 for the file NAME as it is now, in sha256sum's format ("<hex>  NAME\n"),
 * read back from the disk (so it covers what an earlier process wrote, too), written to a
 * temporary file, synced and renamed: a reader finds the old checksum or the new one. */
static int write_checksum(alog__files *fs, const char *name)
{
    char path[PATH_MAX], tmp[PATH_MAX], sum[PATH_MAX], line[128];
    if (snprintf(path, sizeof path, "%s/%s", fs->dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s.sha256.tmp", path) >= (int)sizeof tmp ||
        snprintf(sum, sizeof sum, "%s.sha256", path) >= (int)sizeof sum)
        return ENAMETOOLONG;
    char hex[65];
    int err = hash_file(path, hex);
    if (err != 0)
        return err;
    int n = snprintf(line, sizeof line, "%s  %s\n", hex, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    if (write_all(fd, (const unsigned char *)line, (size_t)n) != (size_t)n || fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(tmp, sum) != 0)
        err = errno;
    if (err != 0)
        unlink(tmp);
    return err;
}

/* Close slot i for good: its checksum when they are on (not for a removed file). */
static int close_file(alog__files *fs, int i, int sync)
{
    alog__file *f = &fs->slot[i];
    if (f->fd < 0)
        return 0;
    int err = close_slot(f, sync);
    int cerr = fs->checksum ? write_checksum(fs, f->period.name) : 0;
    if (cerr != 0) {
        fs->checksum_err = cerr;
        memcpy(fs->checksum_name, f->period.name, sizeof fs->checksum_name);
    }
    return err;
}

int alog__files_close_all(alog__files *fs, int sync)
{
    int first = 0;
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        int err = close_file(fs, i, sync);
        if (err != 0 && first == 0)
            first = err;
    }
    return first;
}

void alog__files_close_ended(alog__files *fs, int64_t newest)
{
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        alog__file *f = &fs->slot[i];
        if (f->fd >= 0 && f->period.end_ns <= newest - ALOG__CLOSE_AFTER_NS) {
            close_file(fs, i, 0);
            fs->closed_unsynced = 1;
        }
    }
}

int alog__files_sync(alog__files *fs)
{
    int first = 0;
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        if (fs->slot[i].fd >= 0 && fsync(fs->slot[i].fd) != 0 && first == 0)
            first = errno;
    }
    if (fs->closed_unsynced) {
        /* Its descriptor is gone: only syncing its whole file system reaches it. */
        int dfd = open(fs->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || syncfs(dfd) != 0) {
            if (first == 0)
                first = errno;
        } else {
            fs->closed_unsynced = 0;
        }
        if (dfd >= 0)
            close(dfd);
    }
    return first;
}

void alog__files_destroy(alog__files *fs)
{
    free(fs->dir);
    fs->dir = NULL;
}

int alog__mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n == 0 ? ENOENT : ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    /* Each parent in turn; EEXIST is fine as long as the last one is a directory. */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int open_period(alog__files *fs, const alog_period *p)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", fs->dir, p->name);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A zstd file's tail is read once when opened, to repair it. */
    int flags = (fs->zc ? O_RDWR : O_WRONLY) | O_APPEND | O_CREAT | O_CLOEXEC;
    int fd = open(path, flags, 0644);
    if (fd < 0 && errno == ENOENT) {
        /* The directory is missing: never created yet, or removed while running. */
        if (alog__mkdir_p(fs->dir) != 0)
            return -1;
        fd = open(path, flags, 0644);
    }
    uint64_t kept, cut;
    if (fd >= 0 && fs->zc != NULL && alog__zc_repair(fd, &kept, &cut) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int in_period(const alog_period *p, int64_t stamp)
{
    return stamp >= p->start_ns && stamp < p->end_ns;
}

int alog__files_get(alog__files *fs, int64_t stamp, int64_t now_mono_ns)
{
    fs->tick++;
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        if (fs->slot[i].fd >= 0 && in_period(&fs->slot[i].period, stamp)) {
            fs->slot[i].last_use = fs->tick;
            return i;
        }
    }
    if (in_period(&fs->failed, stamp) && now_mono_ns < fs->failed_retry_ns) {
        errno = fs->failed_errno;
        return ALOG__FILES_LATER;
    }
    alog_period p;
    if (alog__period_of(stamp, fs->rollover, fs->utc, &p) != 0) {
        errno = EOVERFLOW;
        return -1;
    }
    if (fs->zc != NULL)
        strcat(p.name, ".zst"); /* the longest name, 18 characters, leaves room for it */
    int victim = 0;
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        if (fs->slot[i].fd < 0) {
            victim = i;
            break;
        }
        if (fs->slot[i].last_use < fs->slot[victim].last_use)
            victim = i;
    }
    if (fs->slot[victim].fd >= 0) {
        close_file(fs, victim, 0);
        fs->closed_unsynced = 1;
    }
    int fd = open_period(fs, &p);
    if (fd < 0) {
        fs->failed = p;
        fs->failed_errno = errno;
        fs->failed_retry_ns = now_mono_ns + RETRY_OPEN_NS;
        return -1;
    }
    fs->failed.end_ns = -1;
    fs->opened++;
    fs->slot[victim].fd = fd;
    fs->slot[victim].period = p;
    fs->slot[victim].last_use = fs->tick;
    return victim;
}

/* Complete lines among the first `done` bytes, given the lines' end offsets. */
static size_t complete_lines(const uint32_t *ends, size_t n, size_t done)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ends[mid] <= done)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t write_all(int fd, const unsigned char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO;
        break;
    }
    return done;
}

/* Cut the last `bytes` off the file (what a failed append left), keeping errno. */
static void cut_tail(int fd, uint64_t bytes)
{
    int err = errno;
    if (bytes != 0) {
        /* O_APPEND put them at the end. */
        off_t end = lseek(fd, 0, SEEK_END);
        int rc = end >= 0 ? ftruncate(fd, end - (off_t)bytes) : -1;
        (void)rc; /* nothing more can be done; the write's error is the one reported */
    }
    errno = err;
}

/* The lines as one zstd frame, written piece by piece: all of it, or none of it. */
static size_t append_frame(alog__files *fs, int fd, const unsigned char *buf, size_t len, size_t n,
                           uint64_t *bytes_out)
{
    uint64_t done = 0;
    const unsigned char *piece;
    ssize_t k;
    alog__zc_begin(fs->zc, buf, len);
    while ((k = alog__zc_next(fs->zc, &piece)) > 0) {
        size_t w = write_all(fd, piece, (size_t)k);
        done += w;
        if (w < (size_t)k) {
            k = -1;
            break;
        }
    }
    if (k < 0) {
        cut_tail(fd, done);
        return 0;
    }
    *bytes_out += done;
    return n;
}

size_t alog__files_append(alog__files *fs, int i, const unsigned char *buf, size_t len,
                          const uint32_t *ends, size_t n, uint64_t *bytes_out)
{
    int fd = fs->slot[i].fd;
    if (fs->zc != NULL)
        return append_frame(fs, fd, buf, len, n, bytes_out);
    size_t done = write_all(fd, buf, len);
    if (done == len) {
        *bytes_out += len;
        return n;
    }
    size_t whole = complete_lines(ends, n, done);
    size_t keep_in_batch = whole == 0 ? 0 : ends[whole - 1];
    /* A half line that reached the file is cut off again. */
    cut_tail(fd, done - keep_in_batch);
    *bytes_out += keep_in_batch;
    return whole;
}

void alog__files_check(alog__files *fs, uint64_t idle_before)
{
    for (int i = 0; i < ALOG__OPEN_FILES; i++) {
        alog__file *f = &fs->slot[i];
        if (f->fd < 0)
            continue;
        struct stat st;
        if (fstat(f->fd, &st) != 0 || st.st_nlink == 0) {
            close_slot(f, 0);
        } else if (f->last_use < idle_before) {
            close_file(fs, i, 0);
            fs->closed_unsynced = 1;
        }
    }
}
