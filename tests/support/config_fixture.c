/* The fixture of the configuration tests: see config_fixture.h. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"
#include "test_util.h"

char cf_dir[PATH_MAX];
char cf_path[PATH_MAX + 32];

int cf_setup(void **state)
{
    (void)state;
    tu_mkdtemp(cf_dir, sizeof cf_dir);
    snprintf(cf_path, sizeof cf_path, "%s/test.conf", cf_dir);
    return 0;
}

int cf_teardown(void **state)
{
    (void)state;
    tu_rm_rf(cf_dir);
    return 0;
}

void cf_write_conf(const char *text)
{
    FILE *f = fopen(cf_path, "w");
    fputs(text, f);
    fclose(f);
}

void cf_assert_error(const char *text, const char *suffix)
{
    cf_write_conf(text);
    cfg c;
    cfg_defaults(&c);
    char err[1024], want[PATH_MAX + 512];
    assert_int_equal(cfg_load(&c, cf_path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:%s", cf_path, suffix);
    assert_string_equal(err, want);
}
