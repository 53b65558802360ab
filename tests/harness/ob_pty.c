#include "ob_pty.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ob_wait.h"

int ob_pty_open(ob_run *r)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *name = ptsname(master);
    assert_non_null(name);
    snprintf(r->err, sizeof r->err, "%s", name);
    return master;
}

void ob_pty_drain(int master, char *acc, size_t cap, size_t *len)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(master, buf, sizeof buf)) > 0) {
        size_t take = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(acc + *len, buf, take);
        *len += take;
        acc[*len] = '\0';
    }
}

int ob_pty_wait_exit(ob_run *r, int master, char *acc, size_t cap, size_t *len, int seconds)
{
    ob_poll p = ob_poll_start(seconds);
    for (;;) {
        ob_pty_drain(master, acc, cap, len);
        int rc = ob_exited(r);
        if (rc >= 0) {
            ob_pty_drain(master, acc, cap, len);
            return rc;
        }
        ob_poll_next(r, &p, "orderbook did not exit within %d s; its terminal:\n%.4000s", seconds,
                     acc);
    }
}
