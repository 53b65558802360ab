/*
 * The records and truth of a run, read and compared; any problem fails the test with what
 * the server and orderbook said.
 */
#ifndef OB_CHECK_H
#define OB_CHECK_H

#include <stddef.h>

#include "ob_run.h"
#include "records.h"
#include "truth.h"

/* Every record orderbook wrote (once it has stopped: every file must end in a whole line). */
void ob_read_records(ob_run *r, tr_records *rs);

/* Records of the event (and symbol, NULL: any) in the files now, while orderbook may still be
 * writing: only complete lines count. */
size_t ob_count_now(ob_run *r, const char *event, const char *symbol);

/* The fake server's truth as it is now (complete once its log says "done"). */
void ob_read_truth(ob_run *r, tr_truth *t);

/* Every depth record equals the truth at its (s, u); returns how many were checked. */
size_t ob_check_depth(ob_run *r, const tr_records *rs);

/* Every event of the symbol is recorded (equal to the truth) or folded into a snapshot that
 * started its book; nothing lost, nothing different, nothing missing at the end. */
tr_account ob_check_symbol(ob_run *r, const tr_records *rs, const tr_truth *t, const char *symbol);

#endif
