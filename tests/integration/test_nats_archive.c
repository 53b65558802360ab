/*
 * orderbook-archive against a real nats-server on 127.0.0.1, fed by the real orderbook from
 * the fake Binance: a bad configuration exits 2 with the reason; killed and restarted, and
 * with NATS down under it, its files hold every record, each in the file of its ts,
 * duplicates at most one unacknowledged batch.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>

#include "alog.h"
#include "nats_fixture.h"
#include "ob_run.h"
#include "ob_wait.h"
#include "stamp.h"
#include "test_util.h"

static pid_t spawn_archive(char *conf, const char *err)
{
    char *argv[] = {DEPTHLOG_ARCHIVE, "-c", conf, NULL};
    pid_t pid = proc_spawn(argv, err, NULL);
    assert_true(pid > 0);
    return pid;
}

/* Lines of every file in dir (sorted), and whether each is in the file of its ts. */
typedef struct lines {
    char **l;
    size_t n;
} lines;

static int by_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static lines read_lines(const char *dir, int check_files)
{
    lines ls = {NULL, 0};
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = tu_read_file(path, NULL);
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            if (check_files) {
                int64_t ns;
                char want[64];
                assert_int_equal(stamp_of(line, strlen(line), &ns), 0);
                alog_file_name(ns, ALOG_ROLL_5SEC, 1, ALOG_COMPRESS_NONE, want, sizeof want);
                if (strcmp(want, e->d_name) != 0)
                    fail_msg("a record stamped for %s is in %s: %.120s", want, e->d_name, line);
            }
            ls.l = realloc(ls.l, (ls.n + 1) * sizeof *ls.l);
            ls.l[ls.n++] = strdup(line);
        }
        free(text);
    }
    closedir(d);
    if (ls.n > 1)
        qsort(ls.l, ls.n, sizeof *ls.l, by_str);
    return ls;
}

static void lines_free(lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->l[i]);
    free(ls->l);
}

/* Poll until the archive has written at least n lines (its directory appears with them). */
static void wait_archived(const char *dir, size_t n, int seconds, ob_run *r)
{
    ob_poll p = ob_poll_start(seconds);
    for (;;) {
        DIR *d = opendir(dir);
        if (d != NULL) {
            closedir(d);
            lines ls = read_lines(dir, 0);
            size_t have = ls.n;
            lines_free(&ls);
            if (have >= n)
                return;
        }
        ob_poll_next(r, &p, "the archive wrote fewer than %zu lines within %d s", n, seconds);
    }
}

/* orderbook-archive without a [nats] url, or with a malformed one: exit 2 with the reason. */
static void test_nats_archive_bad_configuration_exit_2(void **state)
{
    nf_fixture *f = *state;
    char conf[PATH_MAX + 16], err[PATH_MAX + 16];
    snprintf(conf, sizeof conf, "%s/archive.conf", f->dir);
    snprintf(err, sizeof err, "%s/archive.err", f->dir);
    const char *cases[][2] = {{"url =", "[nats] url is empty"},
                              {"url = nats//127.0.0.1:4222", "[nats] url"}};
    for (int i = 0; i < 2; i++) {
        FILE *c = fopen(conf, "w");
        fprintf(c, "[log]\ndir = %s/archive\n[nats]\n%s\n", f->dir, cases[i][0]);
        fclose(c);
        pid_t pid = spawn_archive(conf, err);
        int rc = proc_wait(pid, 20);
        char *text = tu_read_file(err, NULL);
        if (rc != 2 || text == NULL || strstr(text, cases[i][1]) == NULL)
            fail_msg("\"%s\": exit %d, expected 2 and \"%s\": %s", cases[i][0], rc, cases[i][1],
                     text ? text : "(nothing)");
        free(text);
    }
}

/* orderbook-archive killed mid-run and restarted, then NATS down for 2 s under it: its files
 * hold every record orderbook wrote (and published), each in the file of its ts, and no more
 * duplicates than one unacknowledged batch. */
static void test_nats_archive_killed_and_restarted_keeps_everything(void **state)
{
    nf_fixture *f = *state;
    assert_int_equal(ncl_start(&f->c, f->dir, 1), 0);
    ob_start_server(f->a, "localhost", "symbols BTCUSDT ETHUSDT\nrate 100\nevents 1000\n");
    char nats[512], arch_logs[PATH_MAX + 16], arch_conf[PATH_MAX + 16], arch_err[PATH_MAX + 16];
    snprintf(nats, sizeof nats, "url = %s", f->c.url);
    nf_write_conf(f, f->a->conf, f->a->logs, nats);
    snprintf(arch_logs, sizeof arch_logs, "%s/archive", f->dir);
    snprintf(arch_conf, sizeof arch_conf, "%s/archive.conf", f->dir);
    nf_write_conf(f, arch_conf, arch_logs, nats);
    nf_spawn_orderbook(f->a);
    snprintf(arch_err, sizeof arch_err, "%s/archive1.err", f->dir);
    f->archive = spawn_archive(arch_conf, arch_err);
    wait_archived(arch_logs, 300, 30, f->a);
    kill(f->archive, SIGKILL);
    proc_wait(f->archive, 10);
    sleep(2);
    snprintf(arch_err, sizeof arch_err, "%s/archive2.err", f->dir);
    f->archive = spawn_archive(arch_conf, arch_err);
    /* And NATS itself goes away for 2 s under both of them. */
    sleep(2);
    ncl_kill(&f->c, 0);
    sleep(2);
    assert_int_equal(ncl_restart(&f->c, 0), 0);
    nf_wait_captured(f->a, f->a->logs, 60);
    if (ob_stop(f->a, 30) != 0 || !ob_file_contains(f->a->err, "0 pending"))
        ob_fail_with_logs(f->a, "orderbook did not stop with everything published");
    nf_wait_captured(f->a, arch_logs, 30);
    /* The archive has the last events; the batch its first run took and never acknowledged
     * comes back after the consumer's ack wait (10 s). */
    int64_t deadline = tu_mono_ns() + 40LL * 1000000000LL;
    lines mine = read_lines(f->a->logs, 1), arch = {NULL, 0};
    for (;;) {
        arch = read_lines(arch_logs, 1);
        size_t have = 0;
        for (size_t i = 0, j = 0; i < mine.n && j < arch.n;) {
            int c = strcmp(mine.l[i], arch.l[j]);
            if (c == 0) {
                have++;
                i++;
                while (j < arch.n && strcmp(arch.l[j], mine.l[i - 1]) == 0)
                    j++;
            } else if (c < 0) {
                i++;
            } else {
                j++;
            }
        }
        if (have == mine.n)
            break;
        if (tu_mono_ns() > deadline)
            fail_msg("the archive holds %zu of orderbook's %zu records", have, mine.n);
        lines_free(&arch);
        usleep(200000);
    }
    kill(f->archive, SIGTERM);
    assert_int_equal(proc_wait(f->archive, 30), 0);
    f->archive = 0;
    lines_free(&arch);
    arch = read_lines(arch_logs, 1);
    size_t dups = 0;
    for (size_t j = 1; j < arch.n; j++)
        if (strcmp(arch.l[j], arch.l[j - 1]) == 0)
            dups++;
    print_message("archive: %zu lines for orderbook's %zu records, %zu written twice\n", arch.n,
                  mine.n, dups);
    assert_int_equal(arch.n - dups, mine.n);
    /* A batch (1000) for each interruption: the archive's kill (its batch never acknowledged)
     * and NATS's (the acknowledgments the killed node had not stored, or one refused while it
     * was down, bring theirs again): 1083 in one CI run, where 1000 was assumed. */
    assert_true(dups <= 2000);
    if (!ob_file_contains(arch_err, "lag"))
        fail_msg("the archive's status line shows no lag");
    lines_free(&arch);
    lines_free(&mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        NF_TEST(test_nats_archive_bad_configuration_exit_2),
        NF_TEST(test_nats_archive_killed_and_restarted_keeps_everything),
    };
    if (getenv("DEPTHLOG_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("DEPTHLOG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, ob_certs_setup, ob_certs_teardown);
}
