/* SPDX-License-Identifier: MIT */
/*
 * buzzer-sim.c - a buzzer that records each edge with its CLOCK_MONOTONIC
 * time, for tests, benchmarks and running without hardware.
 *
 * One writer (whoever calls buzzer_set(), normally the cue thread) fills
 * a preallocated array and publishes the count with a release store, so
 * a reader that loads the count with acquire may read every edge below
 * it while the writer goes on.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "buzzer-backend.h"

struct buzzer_sim {
	struct buzzer_edge *edges;
	size_t capacity;
	atomic_size_t count;	    /* edges kept and complete */
	atomic_uint_fast64_t extra; /* edges past capacity, not kept */
};

static int sim_set(void *ctx, bool on, unsigned int hz)
{
	struct buzzer_sim *s = ctx;
	size_t n = atomic_load_explicit(&s->count, memory_order_relaxed);
	struct timespec ts;

	if (n >= s->capacity) {
		atomic_fetch_add_explicit(&s->extra, 1, memory_order_relaxed);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->edges[n] = (struct buzzer_edge){
		.t_ns = (uint64_t)ts.tv_sec * 1000000000u +
			(uint64_t)ts.tv_nsec,
		.on = on,
		.hz = hz > UINT16_MAX ? UINT16_MAX : (uint16_t)hz,
	};
	atomic_store_explicit(&s->count, n + 1, memory_order_release);
	return 0;
}

static void sim_free(void *ctx)
{
	struct buzzer_sim *s = ctx;

	if (!s)
		return;
	free(s->edges);
	free(s);
}

static const struct buzzer_ops sim_ops = {
	.name = "sim",
	.set = sim_set,
	.free = sim_free,
};

int buzzer_new_sim(size_t capacity, struct buzzer **ret)
{
	struct buzzer_sim *s = calloc(1, sizeof(*s));
	volatile unsigned char *page;
	size_t bytes, i;

	if (!s)
		return -ENOMEM;
	s->edges = calloc(capacity ? capacity : 1, sizeof(*s->edges));
	if (!s->edges) {
		free(s);
		return -ENOMEM;
	}
	/*
	 * A large calloc() maps zero pages lazily; touch them now so the
	 * cue thread does not take page faults while it records.
	 */
	page = (volatile unsigned char *)s->edges;
	bytes = (capacity ? capacity : 1) * sizeof(*s->edges);
	for (i = 0; i < bytes; i += 4096)
		page[i] = 0;
	s->capacity = capacity;
	atomic_init(&s->count, 0);
	atomic_init(&s->extra, 0);
	return buzzer_wrap(&sim_ops, s, ret);
}

size_t buzzer_sim_count(const struct buzzer *b)
{
	struct buzzer_sim *s = buzzer_ctx(b, &sim_ops);

	return s ? atomic_load_explicit(&s->count, memory_order_acquire) : 0;
}

const struct buzzer_edge *buzzer_sim_edges(const struct buzzer *b)
{
	struct buzzer_sim *s = buzzer_ctx(b, &sim_ops);

	return s ? s->edges : NULL;
}

uint64_t buzzer_sim_dropped(const struct buzzer *b)
{
	struct buzzer_sim *s = buzzer_ctx(b, &sim_ops);

	return s ? atomic_load_explicit(&s->extra, memory_order_relaxed) : 0;
}
