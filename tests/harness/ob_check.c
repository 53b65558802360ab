#include "ob_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

void ob_read_records(ob_run *r, tr_records *rs)
{
    char err[512];
    if (tr_read_records(rs, r->logs, err, sizeof err) != 0) {
        tr_records_free(rs);
        ob_fail_with_logs(r, "%s", err);
    }
}

size_t ob_count_now(ob_run *r, const char *event, const char *symbol)
{
    tr_records rs;
    char err[512];
    if (tr_read_records_now(&rs, r->logs, err, sizeof err) != 0) {
        tr_records_free(&rs);
        ob_fail_with_logs(r, "%s", err);
    }
    size_t n = tr_count(&rs, event, symbol, NULL);
    tr_records_free(&rs);
    return n;
}

void ob_read_truth(ob_run *r, tr_truth *t)
{
    char err[512];
    if (tr_read_truth(t, r->fs.truth, err, sizeof err) != 0) {
        tr_truth_free(t);
        ob_fail_with_logs(r, "%s", err);
    }
}

size_t ob_check_depth(ob_run *r, const tr_records *rs)
{
    tr_truth t;
    ob_read_truth(r, &t);
    char msg[1500];
    long checked = tr_check_depth(rs, &t, msg, sizeof msg);
    tr_truth_free(&t);
    if (checked < 0)
        ob_fail_with_logs(r, "%s", msg);
    return (size_t)checked;
}

tr_account ob_check_symbol(ob_run *r, const tr_records *rs, const tr_truth *t, const char *symbol)
{
    tr_account a;
    char msg[512];
    tr_account_symbol(rs, t, symbol, &a, msg, sizeof msg);
    if (a.lost != 0 || a.mismatched != 0 || a.tail != 0 || a.recorded + a.covered != a.truth)
        ob_fail_with_logs(r,
                          "%s: %zu events: %zu recorded, %zu in snapshots, %zu lost, %zu differ, "
                          "%zu missing at the end: %s",
                          symbol, a.truth, a.recorded, a.covered, a.lost, a.mismatched, a.tail,
                          msg);
    return a;
}
