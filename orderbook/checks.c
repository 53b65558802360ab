#include "checks.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p: 0, or -1 with errno and the part that failed in `failed`. */
static int make_dirs(const char *dir, char *failed, size_t len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        snprintf(failed, len, "%s", dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char was = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(failed, len, "%s", path);
            return -1;
        }
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            if (errno == EEXIST)
                errno = ENOTDIR; /* stat worked: it is there but not a directory */
            snprintf(failed, len, "%s", path);
            return -1;
        }
        *p = was;
        if (was == '\0')
            return 0;
    }
}

/* The pid written in a lock file held by someone else, or 0. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

int checks_log_dir(const char *dir, char *err, size_t errlen)
{
    char failed[PATH_MAX];
    if (make_dirs(dir, failed, sizeof failed) != 0) {
        snprintf(err, errlen, "cannot create the log directory %s: %s: %s", dir, failed,
                 strerror(errno));
        return -1;
    }
    char lock[PATH_MAX + 32];
    snprintf(lock, sizeof lock, "%s/%s", dir, CHECKS_LOCK_NAME);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write into the log directory %s: %s", lock, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;
        if (e == EWOULDBLOCK && pid > 0)
            snprintf(err, errlen,
                     "%s is being written by another orderbook (pid %ld): two would write "
                     "duplicate records into one directory; stop it or choose another [log] dir",
                     dir, pid);
        else if (e == EWOULDBLOCK)
            snprintf(err, errlen, "%s is being written by another orderbook (%s is locked)", dir,
                     lock);
        else
            snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(e));
        close(fd);
        return -1;
    }
    /* Writing the pid proves the directory takes writes (a read-only file system, a full
     * disk or a quota say so here, not later as lines lost). */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write into the log directory %s: %s", lock,
                 strerror(errno != 0 ? errno : EIO));
        close(fd);
        return -1;
    }
    return fd;
}

/* Is there a zone file for `name`? */
static int zone_file(const char *name)
{
    if (name[0] == '/')
        return access(name, R_OK) == 0;
    const char *tzdir = getenv("TZDIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tzdir && tzdir[0] ? tzdir : "/usr/share/zoneinfo", name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A POSIX TZ rule begins with a name (3 letters or more, or <...>) and an offset. */
static int posix_rule(const char *tz)
{
    const char *p = tz;
    if (*p == '<') {
        p = strchr(p, '>');
        if (p == NULL || p - tz < 4)
            return 0;
        p++;
    } else {
        while (isalpha((unsigned char)*p))
            p++;
        if (p - tz < 3)
            return 0;
    }
    if (*p == '+' || *p == '-')
        p++;
    return isdigit((unsigned char)*p);
}

int checks_tz(const char *tz, char *why, size_t whylen)
{
    if (tz == NULL || tz[0] == '\0')
        return 0;
    const char *name = tz[0] == ':' ? tz + 1 : tz;
    if (zone_file(name) || (tz[0] != ':' && posix_rule(tz)))
        return 0;
    snprintf(why, whylen,
             "TZ=%s is neither a time zone (e.g. Europe/Paris) nor a POSIX rule: local time "
             "is UTC",
             tz);
    return -1;
}
