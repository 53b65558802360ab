/*
 * The fixture of the configuration tests (test_config_*.c): one temporary directory for the
 * whole group, a configuration file in it to write, and the check of a load's error.
 */
#ifndef CONFIG_FIXTURE_H
#define CONFIG_FIXTURE_H

#include <limits.h>

extern char cf_dir[PATH_MAX];       /* made by cf_setup, removed by cf_teardown */
extern char cf_path[PATH_MAX + 32]; /* cf_dir/test.conf */

/* cmocka group setup and teardown (state unused). */
int cf_setup(void **state);
int cf_teardown(void **state);

/* Write text into cf_path (replacing what was there). */
void cf_write_conf(const char *text);

/* Load text; expect an error "<cf_path>:<suffix>". */
void cf_assert_error(const char *text, const char *suffix);

#endif
