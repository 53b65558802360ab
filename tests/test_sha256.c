/* alog's SHA-256 against FIPS 180-4's vectors, split at every offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alog_sha256.h"

static void hex_of(const void *data, size_t len, size_t split, char hex[65])
{
    alog__sha256 s;
    alog__sha256_init(&s);
    alog__sha256_update(&s, data, split);
    alog__sha256_update(&s, (const char *)data + split, len - split);
    alog__sha256_hex(&s, hex);
}

static void test_sha256_known_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = strlen(v[i].msg);
        for (size_t split = 0; split <= len; split++) {
            char hex[65];
            hex_of(v[i].msg, len, split, hex);
            assert_string_equal(hex, v[i].hex);
        }
    }
}

static void test_sha256_a_million_a(void **state)
{
    (void)state;
    size_t len = 1000000;
    char *a = malloc(len);
    memset(a, 'a', len);
    char hex[65];
    hex_of(a, len, 333333, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_vectors),
        cmocka_unit_test(test_sha256_a_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
