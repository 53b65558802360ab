/*
 * The integration tests' harness in one include: a run of the real orderbook against the
 * fake Binance (ob_run.h), its configuration (ob_config.h), waiting (ob_wait.h), its records
 * and the server's truth (ob_check.h, records.h, truth.h), its exit summary (ob_summary.h),
 * the server's log (fake_log.h), processes (proc.h).
 *
 * A test: cmocka group setup ob_certs_setup/teardown, per test ob_run_setup/teardown; then
 *
 *   ob_run *r = *state;
 *   ob_start_server(r, "localhost", "symbols BTCUSDT\nrate 50\nevents 100\n");
 *   ob_write_config(r, "log.rollover = daily", NULL);
 *   ob_capture(r, 1, (char *[]){"BTCUSDT"});
 *   tr_records rs;
 *   ob_read_records(r, &rs);
 *   ob_check_depth(r, &rs);
 *   tr_records_free(&rs);
 */
#ifndef HARNESS_H
#define HARNESS_H

#include "fake_log.h"
#include "ob_check.h"
#include "ob_config.h"
#include "ob_pty.h"
#include "ob_run.h"
#include "ob_summary.h"
#include "ob_wait.h"
#include "proc.h"
#include "records.h"
#include "truth.h"

#endif
