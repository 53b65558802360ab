/* The cJSON arena: parses inside a scope use the thread's block, everything else plain malloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "depth.h"
#include "json_arena.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define FRAME                                                                                      \
    "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1633942800123,"     \
    "\"s\":\"BTCUSDT\",\"U\":157,\"u\":160,\"b\":[[\"0.0024\",\"10\"],[\"0.0023\",\"0.00000000\"]" \
    "],\"a\":[[\"0.0026\",\"100\"]]}}"

/* The same frame with a space in front: valid JSON that depth_parse_message reads through
 * cJSON (into the arena), where FRAME itself, in Binance's plain layout, is read straight from
 * the text without a tree. */
#define TREE_FRAME " " FRAME

static depth_parser parser;

/* Parse inside a scope, as depth.c does. *in_arena: json_arena_end()'s answer. */
static cJSON *scoped_parse(const char *text, int *in_arena)
{
    json_arena_begin();
    cJSON *root = cJSON_ParseWithLength(text, strlen(text));
    *in_arena = json_arena_end();
    return root;
}

static void scoped_free(cJSON *root, int in_arena)
{
    if (!in_arena)
        cJSON_Delete(root);
    json_arena_release();
}

/* Every node and string of a tree is (1) or is not (0) in this thread's block; -1: mixed. */
static int where(const cJSON *n)
{
    int in = -2;
    for (; n != NULL; n = n->next) {
        int here = json_arena_owns(n);
        if (n->string != NULL && json_arena_owns(n->string) != here)
            return -1;
        if (n->valuestring != NULL && json_arena_owns(n->valuestring) != here)
            return -1;
        if (n->child != NULL) {
            int c = where(n->child);
            if (c != here)
                return -1;
        }
        if (in != -2 && in != here)
            return -1;
        in = here;
    }
    return in;
}

/* A snapshot body of `levels` levels per side: ~80 bytes of JSON and ~220 of tree a level. */
static char *big_snapshot(size_t levels)
{
    size_t cap = 64 + levels * 2 * 48;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, "{\"lastUpdateId\":1000,\"bids\":[");
    for (size_t i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s[\"%zu.00000000\",\"1.50000000\"]", i ? "," : "",
                              90000 - i);
    n += (size_t)snprintf(s + n, cap - n, "],\"asks\":[");
    for (size_t i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s[\"%zu.00000000\",\"2.50000000\"]", i ? "," : "",
                              90001 + i);
    snprintf(s + n, cap - n, "]}");
    return s;
}

static void test_arena_parse_allocates_from_block(void **state)
{
    (void)state;
    json_arena_stats before, during, after;
    json_arena_get_stats(&before);
    int in_arena;
    cJSON *root = scoped_parse(FRAME, &in_arena);
    assert_non_null(root);
    assert_true(in_arena);
    assert_int_equal(where(root), 1);
    json_arena_get_stats(&during);
    assert_int_equal(during.live, 1);
    assert_true(during.from_block > before.from_block);
    assert_true(during.spilled == before.spilled);
    assert_true(during.block_bytes == JSON_ARENA_FIRST_BLOCK);
    assert_true(during.used_bytes > 0);
    scoped_free(root, in_arena);
    json_arena_get_stats(&after);
    assert_int_equal(after.live, 0);
    assert_int_equal(after.used_bytes, 0);
    assert_true(after.resets == before.resets + 1);
}

static void test_arena_depth_message_uses_arena_and_resets(void **state)
{
    (void)state;
    depth_msg m;
    assert_int_equal(depth_parse_message(&parser, TREE_FRAME, strlen(TREE_FRAME), &m),
                     DEPTH_UPDATE);
    assert_true(m.in_arena);
    assert_true(json_arena_owns(m.root));
    assert_true(json_arena_owns(m.ev.bids[0].px) && json_arena_owns(m.stream));
    assert_string_equal(m.ev.asks[0].qty, "100");
    const void *old = m.root;
    depth_msg_free(&m);
    assert_null(m.root);
    depth_msg_free(&m); /* a second free is harmless */
    json_arena_stats st;
    json_arena_get_stats(&st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.used_bytes, 0);
#ifdef TEST_ASAN
    /* A use of the tree after its reset would be reported. */
    assert_true(__asan_address_is_poisoned(old));
#else
    (void)old;
#endif
    /* Refused messages leave nothing live either. */
    const char *bad[] = {"", "not json", FRAME "x", "[1,2]", "{\"stream\":7,\"data\":{}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(depth_parse_message(&parser, bad[i], strlen(bad[i]), &m), DEPTH_MALFORMED);
        depth_msg_free(&m);
        json_arena_get_stats(&st);
        assert_int_equal(st.live, 0);
    }
}

static void test_arena_plain_depth_update_needs_no_tree(void **state)
{
    (void)state;
    json_arena_stats before, after;
    json_arena_get_stats(&before);
    depth_msg m;
    assert_int_equal(depth_parse_message(&parser, FRAME, strlen(FRAME), &m), DEPTH_UPDATE);
    assert_null(m.root);
    assert_true(m.json && !m.in_arena);
    assert_false(json_arena_owns(m.ev.bids[0].px));
    assert_string_equal(m.ev.bids[0].px, "0.0024");
    assert_string_equal(m.ev.asks[0].qty, "100");
    assert_string_equal(m.stream, "btcusdt@depth@100ms");
    json_arena_get_stats(&after);
    assert_int_equal(after.live, 0);
    assert_true(after.from_block == before.from_block && after.spilled == before.spilled);
    depth_msg_free(&m);
    json_arena_get_stats(&after);
    assert_int_equal(after.live, 0);
    assert_true(after.resets == before.resets);
}

static void test_arena_tree_outside_scope_is_plain_malloc(void **state)
{
    (void)state;
    json_arena_stats before, after;
    json_arena_get_stats(&before);
    cJSON *plain = cJSON_Parse(FRAME);
    assert_non_null(plain);
    assert_int_equal(where(plain), 0);
    /* Built and printed by hand, while an arena tree is live. */
    int in_arena;
    cJSON *scoped = scoped_parse(FRAME, &in_arena);
    cJSON *made = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(made, "s", "BTCUSDT"));
    assert_non_null(cJSON_AddItemToObject(made, "copy", cJSON_Duplicate(scoped, 1)));
    assert_int_equal(where(made), 0);
    char *text = cJSON_PrintUnformatted(made);
    assert_false(json_arena_owns(text));
    assert_string_equal(text, "{\"s\":\"BTCUSDT\",\"copy\":" FRAME "}");
    free(text);
    cJSON_Delete(made);
    scoped_free(scoped, in_arena);
    cJSON_Delete(plain);
    json_arena_get_stats(&after);
    assert_true(after.from_block > before.from_block); /* only the scoped tree's */
    assert_true(after.spilled == before.spilled);
}

static void test_arena_reset_reuses_block(void **state)
{
    (void)state;
    int in_arena;
    cJSON *a = scoped_parse(FRAME, &in_arena);
    json_arena_stats st1, st2;
    json_arena_get_stats(&st1);
    const void *first = a;
    scoped_free(a, in_arena);
    cJSON *b = scoped_parse(FRAME, &in_arena);
    json_arena_get_stats(&st2);
    assert_ptr_equal(b, first);
    assert_true(st2.used_bytes == st1.used_bytes && st2.block_bytes == st1.block_bytes);
    scoped_free(b, in_arena);
}

static void test_arena_live_trees_overlap(void **state)
{
    (void)state;
    depth_msg m1, m2;
    assert_int_equal(depth_parse_message(&parser, TREE_FRAME, strlen(TREE_FRAME), &m1),
                     DEPTH_UPDATE);
    assert_int_equal(depth_parse_message(&parser, TREE_FRAME, strlen(TREE_FRAME), &m2),
                     DEPTH_UPDATE);
    assert_ptr_not_equal(m1.root, m2.root);
    /* The first one's release must not reset the block under the second. */
    depth_msg_free(&m1);
    json_arena_stats st;
    json_arena_get_stats(&st);
    assert_int_equal(st.live, 1);
    assert_true(st.used_bytes > 0);
    char *again = cJSON_PrintUnformatted(m2.root);
    assert_string_equal(again, FRAME);
    free(again);
    depth_msg_free(&m2);
    json_arena_get_stats(&st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.used_bytes, 0);
}

static void test_arena_large_message_spills_then_block_grows(void **state)
{
    (void)state;
    char *body = big_snapshot(5000); /* ~2.2 MB of tree: more than the block can ever be */
    for (int pass = 0; pass < 3; pass++) {
        json_arena_stats before, after;
        json_arena_get_stats(&before);
        depth_snapshot snap;
        const char *why = NULL;
        assert_int_equal(depth_parse_snapshot(&parser, body, strlen(body), &snap, &why), 0);
        assert_false(snap.in_arena);
        assert_true(snap.last_id == 1000 && snap.n_bids == 5000 && snap.n_asks == 5000);
        assert_string_equal(snap.bids[4999].px, "85001.00000000");
        assert_string_equal(snap.asks[4999].px, "95000.00000000");
        assert_string_equal(snap.asks[4999].qty, "2.50000000");
        json_arena_get_stats(&after);
        assert_true(after.spilled > before.spilled);
        assert_true(after.from_block > before.from_block);
        depth_snapshot_free(&snap);
        json_arena_get_stats(&after);
        /* Grown to the bound, never past it. */
        assert_true(after.block_bytes == JSON_ARENA_MAX_BLOCK);
        assert_int_equal(after.live, 0);
    }
    free(body);
    /* A single request over a quarter of the block is malloc'd without using the block. */
    size_t n = JSON_ARENA_MAX_BLOCK / 2;
    char *s = malloc(n + 3);
    assert_non_null(s);
    s[0] = '"';
    memset(s + 1, 'x', n);
    s[n + 1] = '"';
    s[n + 2] = '\0';
    int in_arena;
    cJSON *str = scoped_parse(s, &in_arena);
    assert_true(cJSON_IsString(str));
    assert_false(in_arena);
    assert_true(json_arena_owns(str) && !json_arena_owns(str->valuestring));
    assert_int_equal(strlen(str->valuestring), n);
    scoped_free(str, in_arena);
    free(s);
    /* A small one after it is in the (bigger) block again. */
    cJSON *small = scoped_parse(FRAME, &in_arena);
    assert_true(in_arena);
    scoped_free(small, in_arena);
}

#define THREAD_PARSES 20000

typedef struct worker {
    pthread_barrier_t *barrier;
    struct worker *partner;
    const void *held; /* the root of the tree this thread holds across the barriers */
    int owns_mine, owns_partners;
    int failures;
    json_arena_stats stats;
} worker;

/* Parse at the same time as the partner, then hold a tree while the partner looks at it. */
static void *work(void *arg)
{
    worker *w = arg;
    depth_parser p;
    depth_parser_init(&p);
    for (int i = 0; i < THREAD_PARSES; i++) {
        depth_msg m;
        if (depth_parse_message(&p, TREE_FRAME, strlen(TREE_FRAME), &m) != DEPTH_UPDATE ||
            !m.in_arena || strcmp(m.ev.bids[0].px, "0.0024") != 0 || m.ev.last_id != 160)
            w->failures++;
        depth_msg_free(&m);
    }
    depth_msg m;
    if (depth_parse_message(&p, TREE_FRAME, strlen(TREE_FRAME), &m) != DEPTH_UPDATE)
        w->failures++;
    w->held = m.root;
    pthread_barrier_wait(w->barrier);
    w->owns_mine = json_arena_owns(w->held);
    w->owns_partners = json_arena_owns(w->partner->held);
    json_arena_get_stats(&w->stats);
    pthread_barrier_wait(w->barrier);
    depth_msg_free(&m);
    depth_parser_free(&p);
    return NULL;
}

static void test_arena_threads_have_their_own(void **state)
{
    (void)state;
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    worker w[2] = {{.barrier = &barrier}, {.barrier = &barrier}};
    w[0].partner = &w[1];
    w[1].partner = &w[0];
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w[i].failures, 0);
        assert_true(w[i].owns_mine);
        assert_false(w[i].owns_partners);
        assert_true(w[i].stats.from_block >= THREAD_PARSES);
        assert_true(w[i].stats.spilled == 0);
        assert_int_equal(w[i].stats.live, 1);
    }
    /* This thread's arena saw none of it. */
    assert_false(json_arena_owns(w[0].held) || json_arena_owns(w[1].held));
}

int main(void)
{
    depth_parser_init(&parser);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_parse_allocates_from_block),
        cmocka_unit_test(test_arena_depth_message_uses_arena_and_resets),
        cmocka_unit_test(test_arena_plain_depth_update_needs_no_tree),
        cmocka_unit_test(test_arena_tree_outside_scope_is_plain_malloc),
        cmocka_unit_test(test_arena_reset_reuses_block),
        cmocka_unit_test(test_arena_live_trees_overlap),
        cmocka_unit_test(test_arena_large_message_spills_then_block_grows),
        cmocka_unit_test(test_arena_threads_have_their_own),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    depth_parser_free(&parser);
    return rc;
}
