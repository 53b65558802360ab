/* The publisher's hand-off buffer: bounded, order kept, wraps, refuses instead of blocking;
 * and the [nats] url list check. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"
#include "servers.h"

static void test_ring_keeps_order_and_refuses_when_full(void **state)
{
    (void)state;
    ring *r = ring_create(4096);
    assert_non_null(r);
    char rec[100];
    int n = 0;
    for (;; n++) {
        snprintf(rec, sizeof rec, "record %04d %-80s", n, "x");
        if (ring_put(r, rec, strlen(rec)) != 0)
            break;
    }
    assert_true(n >= 4096 / 104 - 1 && n <= 4096 / 96);
    assert_int_equal(ring_count(r), (size_t)n);
    for (int i = 0; i < n; i++) {
        const char *d;
        size_t len = ring_peek(r, &d);
        snprintf(rec, sizeof rec, "record %04d %-80s", i, "x");
        assert_int_equal(len, strlen(rec));
        assert_memory_equal(d, rec, len);
        ring_pop(r);
    }
    const char *d;
    assert_int_equal(ring_peek(r, &d), 0);
    assert_int_equal(ring_put(r, "", 0), -1);
    char big[3000] = {0};
    assert_int_equal(ring_put(r, big, sizeof big), -1); /* more than half: can never fit */
    ring_destroy(r);
    ring_destroy(NULL);
}

static void test_ring_wraps_with_sizes_that_do_not_divide(void **state)
{
    (void)state;
    ring *r = ring_create(4096);
    char rec[1500];
    uint32_t seed = 7;
    int put = 0, got = 0;
    for (int round = 0; round < 20000; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = 1 + (seed >> 8) % 1400;
        memset(rec, 'a' + put % 26, len);
        if (ring_put(r, rec, len) == 0) {
            put++;
            continue;
        }
        const char *d;
        size_t n = ring_peek(r, &d);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(d[i], 'a' + got % 26);
        ring_pop(r);
        got++;
    }
    assert_int_equal(ring_count(r), (size_t)(put - got));
    ring_destroy(r);
}

typedef struct two {
    ring *r;
    int n;
} two;

static void *producer(void *arg)
{
    two *t = arg;
    char rec[64];
    for (int i = 0; i < t->n;) {
        int len = snprintf(rec, sizeof rec, "%d", i);
        if (ring_put(t->r, rec, (size_t)len) == 0)
            i++;
    }
    return NULL;
}

static void test_ring_one_producer_one_consumer(void **state)
{
    (void)state;
    two t = {ring_create(8192), 200000};
    pthread_t th;
    pthread_create(&th, NULL, producer, &t);
    for (int i = 0; i < t.n;) {
        const char *d;
        size_t len = ring_peek(t.r, &d);
        if (len == 0) {
            ring_wait(t.r, 10);
            continue;
        }
        char want[64];
        snprintf(want, sizeof want, "%d", i);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(d, want, len);
        ring_pop(t.r);
        i++;
    }
    pthread_join(th, NULL);
    ring_destroy(t.r);
}

static void test_servers_accepts_lists(void **state)
{
    (void)state;
    servers s;
    char err[256];
    assert_int_equal(servers_parse("nats://127.0.0.1:4222", &s, err, sizeof err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(servers_parse("nats://a:1, nats://user:pw@b.example:65535 ,tls://[::1]:4222",
                                   &s, err, sizeof err),
                     0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.url[1], "nats://user:pw@b.example:65535");
    assert_string_equal(s.url[2], "tls://[::1]:4222");
    assert_int_equal(servers_parse("nats://localhost", &s, err, sizeof err), 0);
}

static void test_servers_rejects_malformed(void **state)
{
    (void)state;
    servers s;
    char err[256];
    const char *bad[] = {"",
                         "localhost:4222",
                         "http://h:1",
                         "nats://",
                         "nats://h:0",
                         "nats://h:65536",
                         "nats://h:x",
                         "nats://h:1,",
                         "nats://h:1,,nats://g:2",
                         "nats://h h:1",
                         "nats://[::1:4222"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(servers_parse(bad[i], &s, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_keeps_order_and_refuses_when_full),
        cmocka_unit_test(test_ring_wraps_with_sizes_that_do_not_divide),
        cmocka_unit_test(test_ring_one_producer_one_consumer),
        cmocka_unit_test(test_servers_accepts_lists),
        cmocka_unit_test(test_servers_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
