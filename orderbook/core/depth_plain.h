/*
 * Binance's depth frames, {"stream":"...","data":{"e":"depthUpdate",...}}, read in one pass
 * over the text, without a cJSON tree: building the tree (~160 nodes for a 1 KB frame, each
 * value tried as null, false and true first) was most of a frame's cost (perf,
 * orderbook-replay and bench/book_replay). Only text whose meaning is plain is read: no white
 * space, no backslash or NUL in a string, numbers of 1 to 15 digits without a leading zero
 * (exact as doubles, so json_id would take them), member values that are strings or such
 * numbers (and, for "b" and "a", lists of two strings), no member of the event twice.
 * Anything else, and anything that would not be a valid depth update, is left to cJSON
 * (depth.c), which then decides and words the error: so what is read here is exactly what
 * the cJSON path would make of the message. Pure; part of depth.c's parser.
 */
#ifndef DEPTH_PLAIN_H
#define DEPTH_PLAIN_H

#include <stddef.h>

#include "depth.h"

/* 1 with *out a DEPTH_UPDATE whose strings live in p's scratch until p's next parse; or 0:
 * the message is for cJSON (out untouched). */
int depth_plain_read(depth_parser *p, const char *msg, size_t len, depth_msg *out);

#endif
