/* SPDX-License-Identifier: MIT */
/*
 * test-ring.c - the SPSC ring: sizes, full and empty, wraparound, drop
 * counting, and a producer and a consumer thread passing a million
 * sequence numbers.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

static void test_new_rejects_nonsense(void **state)
{
	struct ring *r = NULL;

	assert_int_equal(ring_new(0, 8, &r), -EINVAL);
	assert_int_equal(ring_new(8, 0, &r), -EINVAL);
	assert_int_equal(ring_new(8, SIZE_MAX, &r), -EINVAL);
	assert_int_equal(ring_new(SIZE_MAX / 2, 4, &r), -ENOMEM);
	assert_null(r);
	ring_free(NULL);
}

static void test_capacity_rounds_up(void **state)
{
	static const struct {
		size_t asked, got;
	} cases[] = {
		{1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {1000, 1024},
	};
	struct ring *r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ring_new(4, cases[i].asked, &r), 0);
		assert_int_equal(ring_capacity(r), cases[i].got);
		assert_int_equal(ring_space(r), cases[i].got);
		ring_free(r);
	}
}

static void test_fill_and_empty(void **state)
{
	struct ring *r;
	uint32_t v, i;

	assert_int_equal(ring_new(sizeof(v), 8, &r), 0);
	assert_false(ring_pop(r, &v));
	for (i = 0; i < 8; i++) {
		assert_int_equal(ring_space(r), 8 - i);
		assert_true(ring_push(r, &i));
	}
	assert_int_equal(ring_space(r), 0);
	v = 99;
	assert_false(ring_push(r, &v));
	assert_false(ring_push(r, &v));
	assert_int_equal(ring_dropped(r), 2);
	for (i = 0; i < 8; i++) {
		assert_true(ring_pop(r, &v));
		assert_int_equal(v, i);
	}
	assert_false(ring_pop(r, &v));
	assert_int_equal(ring_space(r), 8);
	/* Emptying does not forget what was dropped. */
	assert_int_equal(ring_dropped(r), 2);
	ring_free(r);
}

/* An odd element size, many times round a small ring. */
struct odd {
	uint8_t b[7];
};

static void test_wraparound(void **state)
{
	struct ring *r;
	struct odd in, out;
	uint32_t next_in = 0, next_out = 0;
	int round, k;

	assert_int_equal(ring_new(sizeof(struct odd), 4, &r), 0);
	for (round = 0; round < 1000; round++) {
		/* 3 in, 3 out: the indices go round the 4 slots unaligned. */
		for (k = 0; k < 3; k++) {
			memset(&in, (int)(next_in & 0xff), sizeof(in));
			in.b[0] = (uint8_t)round;
			assert_true(ring_push(r, &in));
			next_in++;
		}
		for (k = 0; k < 3; k++) {
			assert_true(ring_pop(r, &out));
			assert_int_equal(out.b[0], (uint8_t)round);
			assert_int_equal(out.b[6], next_out & 0xff);
			next_out++;
		}
		assert_false(ring_pop(r, &out));
	}
	assert_int_equal(ring_dropped(r), 0);
	ring_free(r);
}

#define SEQ_COUNT 1000000u

struct pc {
	struct ring *r;
	bool retry;	       /* producer spins on full instead of dropping */
	uint64_t refused;      /* failed pushes, as the producer saw them */
	uint64_t got;	       /* consumer: values received */
	uint64_t out_of_order; /* consumer: values not equal to the previous + 1
				*/
};

static void *producer(void *data)
{
	struct pc *pc = data;
	uint64_t v;

	for (v = 0; v < SEQ_COUNT; v++) {
		while (!ring_push(pc->r, &v)) {
			pc->refused++;
			if (!pc->retry)
				break;
			sched_yield();
		}
	}
	return NULL;
}

static void *consumer(void *data)
{
	struct pc *pc = data;
	uint64_t v, expect = 0;

	while (expect < SEQ_COUNT) {
		if (!ring_pop(pc->r, &v)) {
			sched_yield();
			continue;
		}
		if (v != expect)
			pc->out_of_order++;
		expect = v + 1;
		pc->got++;
	}
	return NULL;
}

static void run_threads(struct pc *pc)
{
	pthread_t p, c;

	assert_int_equal(pthread_create(&c, NULL, consumer, pc), 0);
	assert_int_equal(pthread_create(&p, NULL, producer, pc), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
}

/* Capacity for everything: nothing may be refused, lost or reordered. */
static void test_threads_big_ring(void **state)
{
	struct pc pc = {.retry = false};

	assert_int_equal(ring_new(sizeof(uint64_t), SEQ_COUNT, &pc.r), 0);
	run_threads(&pc);
	assert_int_equal(pc.refused, 0);
	assert_int_equal(ring_dropped(pc.r), 0);
	assert_int_equal(pc.got, SEQ_COUNT);
	assert_int_equal(pc.out_of_order, 0);
	ring_free(pc.r);
}

/*
 * A small ring the producer keeps filling: every value still arrives in
 * order, and the ring counted exactly the pushes it refused.
 */
static void test_threads_small_ring(void **state)
{
	struct pc pc = {.retry = true};

	assert_int_equal(ring_new(sizeof(uint64_t), 64, &pc.r), 0);
	run_threads(&pc);
	assert_int_equal(pc.got, SEQ_COUNT);
	assert_int_equal(pc.out_of_order, 0);
	assert_int_equal(ring_dropped(pc.r), pc.refused);
	ring_free(pc.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_nonsense),
		cmocka_unit_test(test_capacity_rounds_up),
		cmocka_unit_test(test_fill_and_empty),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_threads_big_ring),
		cmocka_unit_test(test_threads_small_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
