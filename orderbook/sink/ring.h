/*
 * A bounded queue of records (byte strings) from one producing thread to one consuming
 * thread. The producer never blocks, takes no lock and allocates nothing: a record that does
 * not fit is refused. The consumer may sleep until there is something to take.
 */
#ifndef RING_H
#define RING_H

#include <stddef.h>

typedef struct ring ring;

/* A ring of at least `bytes` bytes (rounded up to a power of two, at least 4 KiB), its
 * memory touched now. NULL with errno when memory runs out. */
ring *ring_create(size_t bytes);

/* Frees the ring. NULL is a harmless no-op. */
void ring_destroy(ring *r);

/* Producer: copy the record in. 0, or -1 when it does not fit now (full) or ever (too big,
 * or empty). One thread at a time. */
int ring_put(ring *r, const char *data, size_t len);

/* Consumer: the oldest record (valid until ring_pop), its length; 0 when empty. */
size_t ring_peek(ring *r, const char **data);

/* Consumer: drop the record ring_peek returned. */
void ring_pop(ring *r);

/* Consumer: wait until there is a record, ring_wake is called, or `ms` pass. */
void ring_wait(ring *r, int ms);

/* Any thread: end a ring_wait now. */
void ring_wake(ring *r);

/* Records held now (any thread; a moment's value). */
size_t ring_count(const ring *r);

/* Capacity in bytes. */
size_t ring_capacity(const ring *r);

#endif
