/*
 * What verify cannot confirm in a capture the pipeline recorded with record = both (the replay
 * through rp_replay over rp_merge, in memory): the first divergence of doctored copies is named
 * by file, line and what differs; files without book records, and a replay at a smaller depth,
 * fail saying why; records before a first snapshot are counted as uncheckable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "replay_fixture.h"

/* Replace the first occurrence of `from` in line `lineno` (from 1) by `to`. */
static void doctor(rf_lines *l, size_t lineno, const char *from, const char *to)
{
    char *line = l->v[lineno - 1];
    char *at = strstr(line, from);
    assert_non_null(at);
    size_t n = strlen(line) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
    free(line);
    l->v[lineno - 1] = out;
}

static void test_replay_verify_names_a_changed_quantity(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 60, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    size_t at = rf_nth(&l, "\"event\":\"depth\",\"s\":\"ETHUSDT\"", 20);
    doctor(&l, at, "\"bids\":[[\"99.99\",\"1\"]", "\"bids\":[[\"99.99\",\"1.5\"]");
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    char where[64];
    snprintf(where, sizeof where, "f0.txt:%zu: ETHUSDT u=", at);
    if (strstr(res.sum.divergence, where) == NULL ||
        strstr(res.sum.divergence, "bids[0] quantity at 99.99: recorded \"1.5\", rebuilt \"1\"") ==
            NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_names_a_removed_frame(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 60, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    size_t frame_line = rf_nth(&l, "\"s\":\"BTCUSDT\",\"U\":1031", 0);
    assert_string_equal(strstr(l.v[frame_line], "\"event\""),
                        strstr(l.v[frame_line], "\"event\":\"depth\""));
    free(l.v[frame_line - 1]);
    l.v[frame_line - 1] = strdup("{\"ts\":\"2025-11-24T16:00:07.000000Z\",\"event\":\"other\"}");
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    /* The depth record right after the removed frame is the first that was not rebuilt. */
    char where[96];
    snprintf(where, sizeof where,
             "f0.txt:%zu: BTCUSDT u=1032: recorded depth record was not rebuilt", frame_line + 1);
    if (strstr(res.sum.divergence, where) == NULL)
        fail_msg("divergence: %s (expected %s)", res.sum.divergence, where);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_fails_on_files_without_book_records(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 20, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_RAW);
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay(&f, 1, -1);
    assert_true(res.sum.diverged);
    assert_non_null(strstr(res.sum.divergence, "record = both"));
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_counts_records_before_a_first_snapshot_as_uncheckable(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 60, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    /* Files that start in the middle of the capture: no snapshot, no rest. */
    size_t cut = rf_nth(&l, "\"event\":\"depth\"", 30);
    rf_lines tail = {0};
    for (size_t i = cut - 1; i < l.n; i++)
        rf_push(&tail, l.v[i], strlen(l.v[i]));
    rf_files f = rf_one_file(&tail);
    rf_result res = rf_replay(&f, 1, -1);
    if (res.sum.diverged)
        fail_msg("diverged: %s", res.sum.divergence);
    assert_int_equal(res.sum.checked_depth, 0);
    assert_int_equal(res.sum.uncheckable, rf_count(&tail, "\"event\":\"depth\""));
    rf_files_free(&f);
    rf_lines_free(&tail);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

static void test_replay_verify_at_a_smaller_depth_says_so(void **state)
{
    (void)state;
    static rf_inputs in;
    rf_market(&in, RF_T0, 20, 0, 0);
    rf_lines l = rf_capture(&in, CAP_RECORD_BOTH);
    rf_files f = rf_one_file(&l);
    rf_result res = rf_replay_at_depth(&f, 3);
    assert_true(res.sum.diverged);
    if (strstr(res.sum.divergence, "bids: recorded 5 levels, rebuilt 3") == NULL ||
        strstr(res.sum.divergence, "the capture's depth is larger than 3") == NULL)
        fail_msg("divergence: %s", res.sum.divergence);
    rf_files_free(&f);
    rf_lines_free(&l);
    rf_inputs_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_verify_names_a_changed_quantity),
        cmocka_unit_test(test_replay_verify_names_a_removed_frame),
        cmocka_unit_test(test_replay_verify_fails_on_files_without_book_records),
        cmocka_unit_test(test_replay_verify_counts_records_before_a_first_snapshot_as_uncheckable),
        cmocka_unit_test(test_replay_verify_at_a_smaller_depth_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
