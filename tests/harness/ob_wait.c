#include "ob_wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "fake_log.h"
#include "ob_check.h"
#include "records.h"
#include "test_util.h"
#include "truth.h"

#define SEC_NS 1000000000LL

ob_poll ob_poll_start(int seconds)
{
    int64_t now = tu_mono_ns();
    ob_poll p = {now + seconds * SEC_NS, 1000000LL, now, seconds};
    return p;
}

int ob_poll_over(const ob_poll *p)
{
    return tu_mono_ns() > p->deadline;
}

void ob_poll_next(ob_run *r, ob_poll *p, const char *fmt, ...)
{
    int64_t now = tu_mono_ns();
    if (now > p->deadline) {
        char what[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        ob_fail_with_logs(r, "%s", what);
    }
    int64_t look_ns = now - p->resumed;
    int64_t pause_ns = look_ns > p->pause_ns ? look_ns : p->pause_ns;
    struct timespec ts = {(time_t)(pause_ns / SEC_NS), (long)(pause_ns % SEC_NS)};
    nanosleep(&ts, NULL);
    p->pause_ns = p->pause_ns * 2 < OB_POLL_MAX_PAUSE_NS ? p->pause_ns * 2 : OB_POLL_MAX_PAUSE_NS;
    p->resumed = tu_mono_ns();
}

void ob_wait_for_text(ob_run *r, const char *path, const char *needle, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (!ob_file_contains_nocase(path, needle))
        ob_poll_next(r, &p, "no \"%s\" in %s within %d s", needle, path, seconds);
}

void ob_wait_for_log(ob_run *r, const char *word, int n, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (fake_log_count(&r->fs, word) < n)
        ob_poll_next(r, &p, "fewer than %d \"%s\" lines in the server log within %d s", n, word,
                     seconds);
}

void ob_wait_captured(ob_run *r, char *const symbols[], int n, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (!ob_file_contains(r->fs.log, "done"))
        ob_poll_next(r, &p, "the server did not finish its script within %d s", seconds);
    tr_truth t;
    ob_read_truth(r, &t);
    double *last = calloc((size_t)n, sizeof *last);
    assert_non_null(last);
    for (int i = 0; i < n; i++)
        last[i] = tr_truth_last_u(&t, symbols[i]);
    tr_truth_free(&t);
    for (int i = 0; i < n;) {
        if (tr_files_have_u(r->logs, symbols[i], last[i]))
            i++; /* found once, found for good: the files only grow */
        else
            ob_poll_next(r, &p, "the last event of %s (u=%.0f) was not recorded within %d s",
                         symbols[i], last[i], seconds);
    }
    free(last);
}

void ob_capture(ob_run *r, int n, char *const symbols[])
{
    ob_start(r, NULL, n, symbols);
    ob_wait_captured(r, symbols, n, 60);
    assert_int_equal(ob_stop(r, 30), 0);
}

void ob_wait_for_records(ob_run *r, const char *event, const char *symbol, size_t n, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    while (ob_count_now(r, event, symbol) < n)
        ob_poll_next(r, &p, "fewer than %zu %s records within %d s", n, event, seconds);
}
