/* SPDX-License-Identifier: MIT */
/*
 * ring.h - a bounded single-producer/single-consumer ring of fixed-size
 * elements, lock-free (C11 atomics), for passing cues and reports between
 * the main loop and the low-latency thread.
 *
 * Exactly one thread may push and exactly one thread may pop. ring_new()
 * and ring_free() allocate; push and pop never allocate, lock or make a
 * system call. A push into a full ring fails and is counted.
 */
#ifndef GYMHUB_RING_H
#define GYMHUB_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring;

/* @capacity is rounded up to a power of two. -EINVAL, -ENOMEM. */
int ring_new(size_t elem_size, size_t capacity, struct ring **ret);
void ring_free(struct ring *r); /* accepts NULL */

/* Producer: copies @elem in. false (and counts a drop) when full. */
bool ring_push(struct ring *r, const void *elem);
/*
 * Producer: free slots; at least this many pushes in a row will succeed
 * (the consumer can only make room). Lets a producer queue a batch
 * all-or-nothing.
 */
size_t ring_space(const struct ring *r);
/* Consumer: copies the oldest element out. false when empty. */
bool ring_pop(struct ring *r, void *ret_elem);

size_t ring_capacity(const struct ring *r);
/* Pushes refused because the ring was full; any thread. */
uint64_t ring_dropped(const struct ring *r);

#endif
