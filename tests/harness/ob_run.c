#include "ob_run.h"

#include <setjmp.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

char ob_certs[PATH_MAX];

int ob_certs_setup(void **state)
{
    (void)state;
    tu_mkdtemp(ob_certs, sizeof ob_certs);
    return proc_make_certs(ob_certs);
}

int ob_certs_teardown(void **state)
{
    (void)state;
    tu_rm_rf(ob_certs);
    return 0;
}

int ob_run_setup(void **state)
{
    ob_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    tu_mkdtemp(r->dir, sizeof r->dir);
    snprintf(r->logs, sizeof r->logs, "%s/logs", r->dir);
    snprintf(r->conf, sizeof r->conf, "%s/ob.conf", r->dir);
    snprintf(r->err, sizeof r->err, "%s/orderbook.err", r->dir);
    *state = r;
    return 0;
}

int ob_run_teardown(void **state)
{
    ob_run *r = *state;
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        proc_wait(r->pid, 5);
    }
    fake_server_stop(&r->fs);
    tu_rm_rf(r->dir);
    free(r);
    return 0;
}

void ob_start_server(ob_run *r, const char *cert, const char *scenario)
{
    assert_int_equal(fake_server_start(&r->fs, r->dir, ob_certs, cert, scenario), 0);
}

void ob_spawn(ob_run *r, char *const args[], char *const env[])
{
    size_t n_args = 0;
    while (args[n_args] != NULL)
        n_args++;
    char **argv = calloc(n_args + 34, sizeof *argv);
    assert_non_null(argv);
    size_t n = 0;
    const char *wrapper = getenv("DEPTHLOG_ORDERBOOK_WRAPPER");
    char *words = wrapper != NULL ? strdup(wrapper) : NULL;
    char *save = NULL;
    for (char *w = words ? strtok_r(words, " ", &save) : NULL; w != NULL && n < 32;
         w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n++] = DEPTHLOG_ORDERBOOK;
    for (size_t i = 0; i < n_args; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    r->pid = proc_spawn(argv, r->err, env);
    free(words);
    free(argv);
    assert_true(r->pid > 0);
}

void ob_start(ob_run *r, char *const env[], int n, char *const symbols[])
{
    char **args = calloc((size_t)n + 4, sizeof *args);
    assert_non_null(args);
    args[0] = "-q";
    args[1] = "-c";
    args[2] = r->conf;
    for (int i = 0; i < n; i++)
        args[3 + i] = symbols[i];
    ob_spawn(r, args, env);
    free(args);
}

int ob_stop(ob_run *r, int seconds)
{
    kill(r->pid, SIGTERM);
    return ob_wait_exit(r, seconds);
}

int ob_wait_exit(ob_run *r, int seconds)
{
    int rc = proc_wait(r->pid, seconds);
    r->pid = 0;
    return rc;
}

int ob_exited(ob_run *r)
{
    int rc = proc_try_wait(r->pid);
    if (rc >= 0)
        r->pid = 0;
    return rc;
}

int ob_file_contains(const char *path, const char *needle)
{
    char *text = tu_read_file(path, NULL);
    int found = text != NULL && strstr(text, needle) != NULL;
    free(text);
    return found;
}

int ob_file_contains_nocase(const char *path, const char *needle)
{
    char *text = tu_read_file(path, NULL);
    int found = text != NULL && strcasestr(text, needle) != NULL;
    free(text);
    return found;
}

int ob_file_count(const char *path, const char *needle)
{
    char *text = tu_read_file(path, NULL);
    int n = 0;
    for (const char *p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++)
        n++;
    free(text);
    return n;
}

char *ob_log_text(const ob_run *r)
{
    DIR *d = opendir(r->logs);
    assert_non_null(d);
    size_t len = 0;
    char *all = calloc(1, 1);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", r->logs, e->d_name);
        size_t n;
        char *text = tu_read_file(path, &n);
        if (text == NULL)
            continue;
        all = realloc(all, len + n + 1);
        memcpy(all + len, text, n + 1);
        len += n;
        free(text);
    }
    closedir(d);
    return all;
}

size_t ob_log_count(const ob_run *r, const char *needle)
{
    char *text = ob_log_text(r);
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    free(text);
    return n;
}

static char *read_or_none(const char *path)
{
    char *text = tu_read_file(path, NULL);
    return text ? text : strdup("(none)");
}

void ob_fail_with_logs(ob_run *r, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* A terminal (ob_pty_open) is not read: that would wait for input. */
    int tty = strncmp(r->err, "/dev/", 5) == 0;
    char *log = read_or_none(r->fs.log), *err = tty ? strdup("(a terminal)") : read_or_none(r->err);
    /* The end of each log: what happened last is what explains a failure. */
    size_t nl = strlen(log), ne = strlen(err);
    fail_msg("%s\nserver log:\n%s%s\norderbook stderr:\n%s%s", what, nl > 4000 ? "..." : "",
             log + (nl > 4000 ? nl - 4000 : 0), ne > 4000 ? "..." : "",
             err + (ne > 4000 ? ne - 4000 : 0));
}
