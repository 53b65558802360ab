/* orderbook-replay's integration tests' harness (replay_run.h). */
#include "replay_run.h"

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "records.h"
#include "test_util.h"

char *const rr_two[] = {"BTCUSDT", "ETHUSDT"};

/* `book`: lines of [book]; `binance`: more lines of [binance]. One connection (legs = 1): the
 * records and resyncs counted here are one connection's (two legs: test_legs.c). */
static void write_config_with(ob_run *r, const char *book, const char *binance)
{
    FILE *f = fopen(r->conf, "w");
    assert_non_null(f);
    fprintf(f,
            "[log]\ndir = %s\nrollover = 5sec\nclock = utc\n[binance]\nlegs = 1\n"
            "ws_url = wss://localhost:%d\n"
            "rest_url = https://localhost:%d\nsnapshot_limit = 100\nca_file = %s/ca.pem\n%s\n"
            "[book]\n%s\n",
            r->logs, r->fs.port, r->fs.port, ob_certs, binance, book);
    fclose(f);
}

/* Run orderbook on the scenario until the server is done and every symbol's last event is in
 * the files, then stop it. */
void rr_capture_with(ob_run *r, const char *scenario, const char *book, const char *binance,
                     char *const *symbols, int n)
{
    ob_start_server(r, "localhost", scenario);
    write_config_with(r, book, binance);
    char *args[8] = {"-q", "-c", r->conf};
    for (int i = 0; i < n; i++)
        args[3 + i] = symbols[i];
    args[3 + n] = NULL;
    ob_spawn(r, args, NULL);
    int64_t deadline = tu_mono_ns() + 90LL * 1000000000LL;
    for (;;) {
        if (tu_mono_ns() > deadline)
            ob_fail_with_logs(r, "not captured in 90 s");
        if (ob_file_contains(r->fs.log, "done")) {
            tr_truth t = {NULL, 0};
            char err[512];
            if (tr_read_truth(&t, r->fs.truth, err, sizeof err) != 0)
                fail_msg("%s", err);
            int all = 1;
            for (int i = 0; i < n && all; i++)
                all = tr_files_have_u(r->logs, symbols[i], tr_truth_last_u(&t, symbols[i]));
            tr_truth_free(&t);
            if (all)
                break;
        }
        tu_pause();
    }
    assert_int_equal(ob_stop(r, 30), 0);
}

void rr_capture(ob_run *r, const char *scenario, const char *book, char *const *symbols, int n)
{
    rr_capture_with(r, scenario, book, "", symbols, n);
}

/* The files of a directory, sorted by name (malloc'ed paths, NULL-terminated). */
char **rr_files_of(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **v = calloc(4096, sizeof *v);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < 4095) {
        if (e->d_name[0] == '.')
            continue;
        v[*n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(v[*n], "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

void rr_free_files(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Run orderbook-replay with `opts` (NULL-terminated) and the files; its stdout and stderr go to
 * `out`. Returns its exit status. */
int rr_replay(const char *out, char *const opts[], char **files, size_t n_files)
{
    char *argv[4200];
    size_t n = 0;
    argv[n++] = DEPTHLOG_REPLAY;
    for (size_t i = 0; opts[i] != NULL; i++)
        argv[n++] = opts[i];
    for (size_t i = 0; i < n_files && n < 4198; i++)
        argv[n++] = files[i];
    argv[n] = NULL;
    pid_t pid = proc_spawn(argv, out, NULL);
    assert_true(pid > 0);
    return proc_wait(pid, 120);
}

void rr_fail_with(const char *out, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *text = tu_read_file(out, NULL);
    fail_msg("%s\norderbook-replay said:\n%s", msg, text ? text : "(nothing)");
}

void rr_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

/* The first line after line `after` of the file holding `a` (and `b`, unless NULL); its number
 * (from 1), or 0. */
static size_t find_line(const char *path, size_t after, const char *a, const char *b, char **line)
{
    char *text = tu_read_file(path, NULL);
    size_t no = 0;
    for (char *p = text, *nl; p != NULL && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        no++;
        if (no > after && strstr(p, a) && (b == NULL || strstr(p, b))) {
            *line = strdup(p);
            free(text);
            return no;
        }
    }
    free(text);
    return 0;
}

/* A depth record of BTCUSDT after the 20th line of the longest file: its file and line. */
size_t rr_a_depth_record(ob_run *r, char *file, size_t cap, char **line)
{
    size_t n;
    char **files = rr_files_of(r->logs, &n);
    size_t best = 0;
    long most = -1;
    for (size_t i = 0; i < n; i++) {
        long lines = tu_count_lines(files[i]);
        if (lines > most) {
            most = lines;
            best = i;
        }
    }
    size_t no = find_line(files[best], 20, "\"event\":\"depth\",\"s\":\"BTCUSDT\"", NULL, line);
    if (no > 0) {
        snprintf(file, cap, "%s", files[best]);
        rr_free_files(files, n);
        return no;
    }
    rr_free_files(files, n);
    fail_msg("no depth record of BTCUSDT");
    return 0;
}

int rr_replay_logs(ob_run *r, char *const opts[], char *out, size_t cap)
{
    size_t n;
    char **files = rr_files_of(r->logs, &n);
    snprintf(out, cap, "%s/replay.out", r->dir);
    int rc = rr_replay(out, opts, files, n);
    rr_free_files(files, n);
    return rc;
}

char *rr_replace_line(const char *path, size_t no, const char *with)
{
    char *text = tu_read_file(path, NULL);
    assert_non_null(text);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char *was = NULL;
    size_t k = 0;
    for (char *p = text, *nl; *p != '\0'; p = nl + 1) {
        nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        if (++k == no)
            was = strdup(p);
        const char *keep = k == no ? with : p;
        if (keep != NULL)
            fprintf(f, "%s\n", keep);
    }
    fclose(f);
    free(text);
    assert_non_null(was);
    return was;
}
