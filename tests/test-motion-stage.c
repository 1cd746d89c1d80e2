/* SPDX-License-Identifier: MIT */
/*
 * test-motion-stage.c - the motion path of the low-latency thread: samples
 * in, reps and holds out, in order, with the set they belong to.
 *
 * The detectors have their own tests; here what matters is the stage
 * around them: a set's reps carry that set's number and count from 1, a
 * mode change splits the samples exactly where it was queued, nothing is
 * counted while off, a full ring drops and counts instead of blocking.
 * The thread is played by calling motion_stage_run() directly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "motion-stage.h"

#define RATE 50

/* A squat-like movement: @reps cycles of @period_s along a tilted axis,
 * gravity on z, with a still second before and after. */
static size_t make_reps(struct motion_sample *s, size_t max, int64_t t0_us,
			int reps, double period_s)
{
	size_t n = 0, i, total = (size_t)((reps * period_s + 2.0) * RATE);

	for (i = 0; i < total && n < max; i++, n++) {
		double t = (double)i / RATE - 1.0;
		double a = 0.0;

		if (t >= 0 && t < reps * period_s)
			a = 0.35 * sin(2 * M_PI * t / period_s);
		s[n].t_us = t0_us + (int64_t)i * 1000000 / RATE;
		s[n].x = (float)(0.6 * a);
		s[n].y = (float)(0.3 * a);
		s[n].z = (float)(1.0 + 0.74 * a);
	}
	return n;
}

static size_t feed(struct motion_stage *ms, const struct motion_sample *s,
		   size_t n, struct motion_event *ev, size_t max)
{
	size_t i, got = 0;

	/* a notification's worth at a time, as the main loop pushes */
	for (i = 0; i < n; i += 10) {
		assert_int_equal(
			motion_stage_push(ms, s + i, n - i < 10 ? n - i : 10),
			0);
		motion_stage_run(ms);
		got += motion_stage_drain(ms, ev + got, max - got);
	}
	return got;
}

static void test_reps_counted_per_set(void **state)
{
	static struct motion_sample s[4096];
	static struct motion_event ev[64];
	struct motion_stage *ms = NULL;
	int64_t seq1, seq2;
	size_t n, got, i;

	assert_int_equal(motion_stage_new(RATE, &ms), 0);
	/* off: nothing counted */
	n = make_reps(s, 4096, 0, 5, 2.0);
	assert_int_equal(feed(ms, s, n, ev, 64), 0);

	seq1 = motion_stage_set_mode(ms, MOTION_REPS);
	assert_true(seq1 > 0);
	n = make_reps(s, 4096, 20000000, 10, 2.0);
	got = feed(ms, s, n, ev, 64);
	assert_int_equal(got, 10);
	for (i = 0; i < got; i++) {
		assert_int_equal(ev[i].type, MOTION_REP);
		assert_int_equal(ev[i].mode_seq, seq1);
		assert_int_equal(ev[i].count, i + 1);
	}

	/* the next set counts from 1 again, under its own number */
	seq2 = motion_stage_set_mode(ms, MOTION_REPS);
	assert_true(seq2 > seq1);
	n = make_reps(s, 4096, 60000000, 3, 2.5);
	got = feed(ms, s, n, ev, 64);
	assert_int_equal(got, 3);
	assert_int_equal(ev[0].mode_seq, seq2);
	assert_int_equal(ev[2].count, 3);
	assert_int_equal(motion_stage_dropped(ms), 0);
	motion_stage_free(ms);
}

static void test_mode_change_splits_exactly(void **state)
{
	static struct motion_sample s[4096];
	static struct motion_event ev[64];
	struct motion_stage *ms = NULL;
	size_t n, got;

	assert_int_equal(motion_stage_new(RATE, &ms), 0);
	motion_stage_set_mode(ms, MOTION_REPS);
	n = make_reps(s, 4096, 0, 6, 2.0);
	/* all queued, then off, before the thread runs once */
	assert_int_equal(motion_stage_push(ms, s, n), 0);
	motion_stage_set_mode(ms, MOTION_OFF);
	n = make_reps(s, 4096, 20000000, 6, 2.0);
	assert_int_equal(motion_stage_push(ms, s, 300), 0);
	motion_stage_run(ms);
	got = motion_stage_drain(ms, ev, 64);
	/* the reps before the change are counted, none after it */
	assert_int_equal(got, 6);
	motion_stage_free(ms);
}

static void test_hold_started(void **state)
{
	static struct motion_sample s[4096];
	static struct motion_event ev[64];
	struct motion_stage *ms = NULL;
	size_t n, got, i;

	assert_int_equal(motion_stage_new(RATE, &ms), 0);
	motion_stage_set_mode(ms, MOTION_HOLD);
	/* two reps to get into position, then still for 3 s */
	n = make_reps(s, 4096, 0, 2, 2.0);
	for (i = 0; i < 3 * RATE; i++, n++) {
		s[n] = s[n - 1];
		s[n].t_us += 1000000 / RATE;
	}
	got = feed(ms, s, n, ev, 64);
	assert_true(got >= 1);
	assert_int_equal(ev[got - 1].type, MOTION_HOLD_STARTED);
	motion_stage_free(ms);
}

static void test_full_ring_drops_and_counts(void **state)
{
	static struct motion_sample s[2048];
	struct motion_stage *ms = NULL;
	size_t lost;

	assert_int_equal(motion_stage_new(RATE, &ms), 0);
	make_reps(s, 2048, 0, 30, 2.0);
	/* the thread is "stuck": the ring holds 1024 */
	lost = motion_stage_push(ms, s, 2048);
	assert_int_equal(lost, 1024);
	assert_int_equal(motion_stage_dropped(ms), 1024);
	motion_stage_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reps_counted_per_set),
		cmocka_unit_test(test_mode_change_splits_exactly),
		cmocka_unit_test(test_hold_started),
		cmocka_unit_test(test_full_ring_drops_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
