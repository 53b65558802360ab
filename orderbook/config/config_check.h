/* Checking one value of the configuration against its key in the table. Internal. */
#ifndef CONFIG_CHECK_H
#define CONFIG_CHECK_H

#include <stddef.h>

#include "config.h"

/*
 * Check `value` against `k` (on `market`, for keys whose allowed values depend on it) and
 * store it into `field`, the key's field. Returns 0, or -1 with what is allowed in why
 * ("expected 5sec or daily", ...) and the field unchanged, or CFG__ENOMEM when memory ran
 * out while checking it (why "out of memory").
 */
#define CFG__ENOMEM (-2)
int cfg__set(const cfg_key *k, const char *value, cfg_market market, void *field, char *why,
             size_t whylen);

#endif
