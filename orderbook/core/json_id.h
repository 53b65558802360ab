/* Binance's ids and millisecond times as JSON numbers: exact only below 2^53. Pure. */
#ifndef JSON_ID_H
#define JSON_ID_H

#include <stdint.h>

#include <cjson/cJSON.h>

/*
 * An integral JSON number in [0, 2^53) into *out: cJSON keeps numbers as doubles, which are
 * no longer exact above that. Returns 0, or -1 when n is NULL, not a number, negative,
 * fractional or too large (then *out is untouched).
 */
int json_id(const cJSON *n, uint64_t *out);

#endif
