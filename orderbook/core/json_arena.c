#include "json_arena.h"

#include <pthread.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

/* AddressSanitizer, from clang (__has_feature) or gcc (__SANITIZE_ADDRESS__). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define JSON_ARENA_ASAN 1
#endif

#ifdef JSON_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN _Alignof(max_align_t) /* a size_t */

typedef struct arena {
    unsigned char *block; /* malloc'd, `size` bytes; NULL before the first parse */
    size_t size;
    size_t used;          /* carved since the last reset */
    size_t need;          /* what the live trees asked for, spilled requests included */
    unsigned live;        /* trees begun and not released */
    int active;           /* inside a begin/end scope */
    int hooked;           /* this thread has made sure the hooks are installed */
    uint64_t scope_block; /* from_block and spilled at the scope's begin */
    uint64_t scope_spilled;
    uint64_t from_block;
    uint64_t spilled;
    uint64_t resets;
} arena;

static _Thread_local arena me;

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;
static pthread_key_t block_key; /* its destructor frees a thread's block when it exits */
static int have_key;

static void block_free(arena *a)
{
    if (a->block != NULL) {
        UNPOISON(a->block, a->size);
        free(a->block);
    }
    a->block = NULL;
    a->size = 0;
}

static void thread_gone(void *block)
{
    (void)block; /* it is me.block: this thread's state is still reachable here */
    block_free(&me);
}

/* A new block of `size` bytes in place of the old one; keeps the old one if out of memory.
 * Only when no tree is in the old one (live == 0, or no block yet). */
static void block_replace(arena *a, size_t size)
{
    unsigned char *b = malloc(size);
    if (b == NULL)
        return;
    block_free(a);
    a->block = b;
    a->size = size;
    POISON(b, size);
    if (have_key)
        pthread_setspecific(block_key, b);
}

static void *arena_malloc(size_t n)
{
    arena *a = &me;
    if (!a->active)
        return malloc(n);
    if (a->block == NULL)
        block_replace(a, JSON_ARENA_FIRST_BLOCK);
    if (n <= a->size / 4) {
        size_t r = (n + ALIGN - 1) & ~(ALIGN - 1);
        if (r == 0)
            r = ALIGN;
        a->need += r;
        if (r <= a->size - a->used) {
            void *p = a->block + a->used;
            a->used += r;
            a->from_block++;
            UNPOISON(p, n);
            return p;
        }
    } else {
        a->need += n < JSON_ARENA_MAX_BLOCK ? n : JSON_ARENA_MAX_BLOCK;
    }
    a->spilled++;
    return malloc(n);
}

int json_arena_owns(const void *p)
{
    return (uintptr_t)p - (uintptr_t)me.block < me.size;
}

static void arena_free(void *p)
{
    if (!json_arena_owns(p))
        free(p);
}

static void install(void)
{
    have_key = pthread_key_create(&block_key, thread_gone) == 0;
    cJSON_InitHooks(&(cJSON_Hooks){arena_malloc, arena_free});
}

void json_arena_init(void)
{
    pthread_once(&hooks_once, install);
}

void json_arena_begin(void)
{
    arena *a = &me;
    if (!a->hooked) {
        json_arena_init();
        a->hooked = 1;
    }
    a->active = 1;
    a->live++;
    a->scope_block = a->from_block;
    a->scope_spilled = a->spilled;
}

int json_arena_end(void)
{
    arena *a = &me;
    a->active = 0;
    return a->spilled == a->scope_spilled && a->from_block != a->scope_block;
}

void json_arena_release(void)
{
    arena *a = &me;
    if (a->live == 0 || --a->live > 0)
        return;
    if (a->need > a->size && a->size < JSON_ARENA_MAX_BLOCK) {
        /* The trees spilled: a block big enough for them next time, within the bound. */
        size_t size = a->size != 0 ? a->size : JSON_ARENA_FIRST_BLOCK;
        while (size < a->need && size < JSON_ARENA_MAX_BLOCK)
            size *= 2;
        if (size > JSON_ARENA_MAX_BLOCK)
            size = JSON_ARENA_MAX_BLOCK;
        block_replace(a, size);
    }
    if (a->block != NULL)
        POISON(a->block, a->used);
    a->used = 0;
    a->need = 0;
    a->resets++;
}

void json_arena_get_stats(json_arena_stats *out)
{
    const arena *a = &me;
    *out = (json_arena_stats){
        .block_bytes = a->size,
        .used_bytes = a->used,
        .live = a->live,
        .from_block = a->from_block,
        .spilled = a->spilled,
        .resets = a->resets,
    };
}
