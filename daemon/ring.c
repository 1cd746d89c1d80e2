/* SPDX-License-Identifier: MIT */
/*
 * ring.c - bounded SPSC ring over C11 atomics.
 *
 * head and tail are free-running counters (they wrap at SIZE_MAX + 1,
 * which a power-of-two capacity divides, so "head - tail" stays the fill
 * level). The producer owns head, the consumer owns tail; each publishes
 * its counter with a release store and reads the other's with an acquire
 * load, so the bytes of a slot are complete before the slot is seen.
 *
 * Each side keeps a private copy of the other side's counter and only
 * reloads it when the copy says full (producer) or empty (consumer): the
 * common case then touches no cache line the other thread writes.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define RING_CACHE_LINE 64

struct ring {
	/* Written by the producer only. */
	alignas(RING_CACHE_LINE) atomic_size_t head;
	size_t tail_cache;
	atomic_uint_fast64_t dropped;

	/* Written by the consumer only. */
	alignas(RING_CACHE_LINE) atomic_size_t tail;
	size_t head_cache;

	/* Read-only after ring_new(). */
	alignas(RING_CACHE_LINE) size_t mask;
	size_t elem_size;
	alignas(RING_CACHE_LINE) unsigned char data[];
};

int ring_new(size_t elem_size, size_t capacity, struct ring **ret)
{
	struct ring *r;
	size_t cap = 1, bytes;

	if (elem_size == 0 || capacity == 0 || capacity > SIZE_MAX / 4)
		return -EINVAL;
	while (cap < capacity)
		cap <<= 1;
	if (cap > (SIZE_MAX - sizeof(*r)) / elem_size)
		return -ENOMEM;
	bytes = sizeof(*r) + cap * elem_size;
	/* aligned_alloc() wants a multiple of the alignment. */
	bytes = (bytes + RING_CACHE_LINE - 1) & ~(size_t)(RING_CACHE_LINE - 1);
	r = aligned_alloc(RING_CACHE_LINE, bytes);
	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->dropped, 0);
	r->mask = cap - 1;
	r->elem_size = elem_size;
	*ret = r;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r);
}

bool ring_push(struct ring *r, const void *elem)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (head - r->tail_cache > r->mask) {
		/* Pairs with the consumer's release: its slot is free. */
		r->tail_cache =
			atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - r->tail_cache > r->mask) {
			atomic_fetch_add_explicit(&r->dropped, 1,
						  memory_order_relaxed);
			return false;
		}
	}
	memcpy(r->data + (head & r->mask) * r->elem_size, elem, r->elem_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

size_t ring_space(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return r->mask + 1 - (head - tail);
}

bool ring_pop(struct ring *r, void *ret_elem)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (tail == r->head_cache) {
		/* Pairs with the producer's release: the slot is written. */
		r->head_cache =
			atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail == r->head_cache)
			return false;
	}
	memcpy(ret_elem, r->data + (tail & r->mask) * r->elem_size,
	       r->elem_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

size_t ring_capacity(const struct ring *r)
{
	return r->mask + 1;
}

uint64_t ring_dropped(const struct ring *r)
{
	return atomic_load_explicit(&r->dropped, memory_order_relaxed);
}
