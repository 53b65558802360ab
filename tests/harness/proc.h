/* Processes for the integration tests: the fake Binance and the real orderbook binary. */
#ifndef PROC_H
#define PROC_H

#include <limits.h>
#include <sys/types.h>

typedef struct fake_server {
    pid_t pid;
    int port;
    int stall_port;            /* `tlsstall`: the port that never answers; else 0 */
    int port_b;                /* `legs`: leg b's port; else 0 */
    char dir[PATH_MAX];        /* the test's directory */
    char truth[PATH_MAX + 16]; /* the book after every event */
    char log[PATH_MAX + 16];   /* rest/ws/done lines */
} fake_server;

/* Start fake_binance in `dir` with the scenario text, serving the certificate `cert_name`
 * ("localhost" or "wrong.example") from certs_dir. Waits (bounded) for its port.
 * Returns 0 or -1. */
int fake_server_start(fake_server *fs, const char *dir, const char *certs_dir,
                      const char *cert_name, const char *scenario);

/* SIGTERM and reap. */
void fake_server_stop(fake_server *fs);

/* Spawn argv (argv[0] a path) with stderr and stdout to `err_path`, adding `env` entries
 * (NULL-terminated, may be NULL) to the environment. The child is killed if the test
 * process dies. Returns the pid, or -1 if fork failed; a child that cannot run argv[0]
 * exits 127. */
pid_t proc_spawn(char *const argv[], const char *err_path, char *const env[]);

/* Wait for the process to exit within `seconds`; returns its exit status, 128+signal if
 * killed, or -1 on timeout (then it is killed). */
int proc_wait(pid_t pid, int seconds);

/* Has the process exited? Its exit status (128+signal if killed), or -1 while it runs (or
 * when it is no child of ours). Does not block. */
int proc_try_wait(pid_t pid);

/* Make the test certificates into dir (via make_certs.sh). Returns 0 or -1. */
int proc_make_certs(const char *dir);

/* A "kB" field of /proc/<pid>/status ("VmRSS", "VmHWM", ...): its value, or -1 when the
 * process or the field is not there. */
long proc_status_kb(pid_t pid, const char *field);

/* Open descriptors of a process (entries of /proc/<pid>/fd), or -1. */
int proc_open_fds(pid_t pid);

#endif
