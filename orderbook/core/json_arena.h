/*
 * A per-thread bump arena for the cJSON trees of parsed messages. Pure (no I/O).
 *
 * cJSON mallocs every node and every string: ~160 allocations for a 1 KB depth frame, and
 * glibc's malloc is at its slowest in a multi-threaded process. Between json_arena_begin()
 * and json_arena_end() the calling thread's cJSON allocations are carved instead from one
 * block of its own; freeing them is a no-op, and the block is reused from the start once
 * every tree parsed into it has been released.
 *
 * cJSON's allocation hooks are process-global: json_arena_init() installs them once
 * (pthread_once). Outside a begin/end scope, and in every thread not inside one, they are
 * plain malloc and free, so cJSON objects created anywhere else (tests, printing, other
 * code) behave exactly as before. A request that does not fit what is left of the block, or
 * is larger than a quarter of it, comes from malloc too ("spilled") and is freed by free.
 *
 * Memory: each thread that parses keeps one block, first JSON_ARENA_FIRST_BLOCK bytes; when
 * a parse spilled, the block grows at the next reset to what the live trees needed (by
 * doubling) but never past JSON_ARENA_MAX_BLOCK, so a thread holds at most that much between
 * parses whatever the messages; more than that (a 5000-level snapshot needs ~2.3 MB) is
 * malloc'd while the tree lives and freed when it is released. The block is freed when its
 * thread exits.
 *
 * Rules for a tree parsed inside a scope (one begin/end pair around one cJSON_Parse*):
 * - it is read-only: nothing may be added to it, detached from it or kept past its release;
 * - it is released on the thread that parsed it, by cJSON_Delete (needed only when
 *   json_arena_end() returned 0: otherwise every byte of it is in the block) followed by
 *   exactly one json_arena_release(). A scope whose parse failed is released the same way.
 * Scopes do not nest (no cJSON work inside one except the parse), but trees may outlive
 * their scope and overlap: the block is reset only when the last live one is released.
 * Built with AddressSanitizer, the block is poisoned except for what is allocated, so a use
 * of a tree after its reset, or past the end of one of its nodes, is reported.
 */
#ifndef JSON_ARENA_H
#define JSON_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define JSON_ARENA_FIRST_BLOCK ((size_t)64 << 10) /* a 1 KB depth frame needs ~8 KB */
#define JSON_ARENA_MAX_BLOCK   ((size_t)1 << 20)  /* bound per thread between parses */

/* Install cJSON's hooks, once per process; any thread, any number of times. Call it before
 * other threads use cJSON (the hooks are a plain global inside cJSON). */
void json_arena_init(void);

/* The calling thread's cJSON allocations come from its arena until json_arena_end(), and a
 * tree is counted live until json_arena_release(). Calls json_arena_init() if needed. */
void json_arena_begin(void);

/* Back to plain malloc. Returns 1 if every allocation since json_arena_begin() came from the
 * block (the tree may be dropped without cJSON_Delete), 0 if any came from malloc or the
 * hooks were not in use (then cJSON_Delete the tree before releasing it). */
int json_arena_end(void);

/* One tree of a scope is gone. When no tree is live any more, the block is reset (grown if
 * the trees spilled, poisoned under ASan). Must pair with json_arena_begin() on this thread. */
void json_arena_release(void);

/* The calling thread's arena, for tests and benchmarks. */
typedef struct json_arena_stats {
    size_t block_bytes;  /* size of the block, 0 before the first parse */
    size_t used_bytes;   /* carved since the last reset */
    unsigned live;       /* trees begun and not released */
    uint64_t from_block; /* allocations served from the block, ever */
    uint64_t spilled;    /* allocations made while active that went to malloc, ever */
    uint64_t resets;     /* times the block was reset */
} json_arena_stats;

void json_arena_get_stats(json_arena_stats *out);

/* Whether p points into the calling thread's block. */
int json_arena_owns(const void *p);

#endif
