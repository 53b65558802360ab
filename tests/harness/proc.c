#include "proc.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "test_util.h"

extern char **environ;

pid_t proc_spawn(char *const argv[], const char *err_path, char *const env[])
{
    char *envp[256];
    size_t n = 0;
    for (char **e = environ; *e && n < 200; e++)
        envp[n++] = *e;
    for (size_t i = 0; env && env[i] && n < 255; i++)
        envp[n++] = env[i];
    envp[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid; /* the child's pid, or -1 */
    /* The child dies with the test: a test binary killed by its timeout leaves no server or
     * orderbook behind to hold ports and CPU. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
        _exit(127);
    if (fd > 2)
        close(fd);
    execve(argv[0], argv, envp);
    _exit(127);
}

int proc_try_wait(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, WNOHANG) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int proc_wait(pid_t pid, int seconds)
{
    int64_t deadline = tu_mono_ns() + (int64_t)seconds * 1000000000LL;
    for (;;) {
        int rc = proc_try_wait(pid);
        if (rc >= 0)
            return rc;
        if (tu_mono_ns() > deadline) {
            int status;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        tu_pause();
    }
}

int proc_make_certs(const char *dir)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "sh '%s/fake_binance/make_certs.sh' '%s'", DEPTHLOG_TESTS_DIR, dir);
    return system(cmd) == 0 ? 0 : -1;
}

int fake_server_start(fake_server *fs, const char *dir, const char *certs_dir,
                      const char *cert_name, const char *scenario)
{
    memset(fs, 0, sizeof *fs);
    snprintf(fs->dir, sizeof fs->dir, "%s", dir);
    snprintf(fs->truth, sizeof fs->truth, "%s/truth.jsonl", dir);
    snprintf(fs->log, sizeof fs->log, "%s/server.log", dir);
    char sc[PATH_MAX + 16], port_file[PATH_MAX + 16], err[PATH_MAX + 16];
    char cert[PATH_MAX + 64], key[PATH_MAX + 64];
    snprintf(sc, sizeof sc, "%s/scenario.txt", dir);
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    snprintf(err, sizeof err, "%s/server.err", dir);
    snprintf(cert, sizeof cert, "%s/%s.pem", certs_dir, cert_name);
    snprintf(key, sizeof key, "%s/%s.key", certs_dir, cert_name);
    FILE *f = fopen(sc, "w");
    if (f == NULL)
        return -1;
    fputs(scenario, f);
    fclose(f);
    char *argv[] = {DEPTHLOG_FAKE_BINANCE,
                    "--scenario",
                    sc,
                    "--cert",
                    cert,
                    "--key",
                    key,
                    "--truth",
                    fs->truth,
                    "--port-file",
                    port_file,
                    "--log",
                    fs->log,
                    NULL};
    fs->pid = proc_spawn(argv, err, NULL);
    if (fs->pid < 0)
        return -1;
    int64_t deadline = tu_mono_ns() + TU_DEADLINE_NS;
    while (tu_mono_ns() < deadline) {
        FILE *p = fopen(port_file, "r");
        if (p != NULL) {
            /* "PORT" or, with tlsstall, "PORT STALL_PORT", and with legs a second line
             * "b PORT_B": written whole (renamed). */
            int ok = fscanf(p, "%d", &fs->port) == 1;
            if (ok && fscanf(p, " %d", &fs->stall_port) != 1)
                fs->stall_port = 0;
            if (ok && fscanf(p, " b %d", &fs->port_b) != 1)
                fs->port_b = 0;
            fclose(p);
            if (ok && fs->port > 0)
                return 0;
        }
        tu_pause();
    }
    fake_server_stop(fs);
    return -1;
}

void fake_server_stop(fake_server *fs)
{
    if (fs->pid > 0) {
        kill(fs->pid, SIGTERM);
        proc_wait(fs->pid, 10);
    }
    fs->pid = 0;
}

long proc_status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

int proc_open_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}
