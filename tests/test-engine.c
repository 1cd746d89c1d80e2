/* SPDX-License-Identifier: MIT */
/*
 * test-engine.c - the interval engine as a runner meets it: which segments
 * a workout becomes, which beeps sound when, and what pause, resume, skip,
 * done and stop do to them. Time is driven by hand (the engine takes "now"
 * as an argument), so every deadline is checked to the nanosecond.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MS	      1000000ULL
/* An arbitrary CLOCK_MONOTONIC time at which the workouts start. */
#define T0     (5000ULL * 1000 * MS)
#define AT(ms) (T0 + (uint64_t)(ms)*MS)

/* --- workouts */

static void set_exercises(struct block *b, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strcpy(b->exercises[i], names[i]);
	b->n_exercises = n;
}

/* 10 s prep, 8 rounds of 20 s work / 10 s rest, 3 countdown beeps. */
static void make_tabata(struct workout *w)
{
	static const char *const ex[] = {"squat"};
	struct block *b = &w->blocks[0];

	memset(w, 0, sizeof(*w));
	strcpy(w->name, "tabata");
	w->prep_ms = 10000;
	w->countdown_s = 3;
	w->n_blocks = 1;
	b->kind = BLOCK_INTERVAL;
	set_exercises(b, ex, 1);
	b->work_ms = 20000;
	b->rest_ms = 10000;
	b->rounds = 8;
	b->sets = 1;
}

static struct engine *new_engine(const struct workout *w)
{
	struct engine *e = NULL;

	assert_int_equal(engine_new(w, &e), 0);
	assert_non_null(e);
	return e;
}

static struct engine *new_tabata(void)
{
	struct workout w;

	make_tabata(&w);
	return new_engine(&w);
}

/* --- a fake caller: takes cues like the hub, cancels like the cue thread */

#define MAX_GOT 256

struct run {
	struct engine *e;
	struct cue got[MAX_GOT]; /* cues that sound (or will) */
	size_t n;
	uint32_t last_seq;
};

/* Small chunks, to exercise "call again while it returns max". */
static void take_all(struct run *r)
{
	struct cue buf[3];
	size_t n, i;

	do {
		n = engine_take_cues(r->e, buf, ARRAY_SIZE(buf));
		for (i = 0; i < n; i++) {
			if (r->n)
				assert_true(buf[i].seq > r->last_seq);
			if (i)
				assert_true(buf[i].deadline_ns >=
					    buf[i - 1].deadline_ns);
			r->last_seq = buf[i].seq;
			assert_true(r->n < MAX_GOT);
			r->got[r->n++] = buf[i];
		}
	} while (n == ARRAY_SIZE(buf));
}

/* What cue_thread_cancel() does at @t: pending cues never sound. */
static void cancel_after(struct run *r, uint64_t t)
{
	size_t i, j = 0;

	for (i = 0; i < r->n; i++)
		if (r->got[i].deadline_ns <= t)
			r->got[j++] = r->got[i];
	r->n = j;
}

static void run_start(struct run *r, struct engine *e, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	r->e = e;
	assert_int_equal(engine_start(e, now), 0);
	take_all(r);
}

/*
 * Wakes at each segment's end (@late ns after it, as a busy main loop
 * would) up to @until, taking the cues after each wake-up.
 */
static void run_until(struct run *r, uint64_t until, uint64_t late)
{
	uint64_t d;

	for (;;) {
		d = engine_next_deadline(r->e);
		if (d == UINT64_MAX || d > until)
			return;
		assert_true(engine_advance(r->e, d + late) >= 1);
		take_all(r);
	}
}

struct want_cue {
	uint64_t at_ms; /* from T0 */
	enum cue_kind kind;
	uint16_t segment;
};

static void check_cues(const struct run *r, const struct want_cue *want,
		       size_t n)
{
	size_t i;

	for (i = 0; i < n && i < r->n; i++) {
		const struct cue *c = &r->got[i];

		if (c->deadline_ns != AT(want[i].at_ms) ||
		    c->kind != want[i].kind || c->segment != want[i].segment) {
			print_error("cue %zu: got %s at %llu ns (segment %u), "
				    "want %s at %llu ms (segment %u)\n",
				    i, cue_kind_to_string(c->kind),
				    (unsigned long long)(c->deadline_ns - T0),
				    c->segment,
				    cue_kind_to_string(want[i].kind),
				    (unsigned long long)want[i].at_ms,
				    want[i].segment);
			fail();
		}
	}
	assert_int_equal(r->n, n);
}

/* --- tabata */

/* Segment 2k-1 is work round k, segment 2k the rest after it. */
static const struct want_cue tabata_cues[] = {
	{7000, CUE_COUNTDOWN, 0},
	{8000, CUE_COUNTDOWN, 0},
	{9000, CUE_COUNTDOWN, 0},
	{10000, CUE_START, 1},
	{30000, CUE_END, 2},
	{37000, CUE_COUNTDOWN, 2},
	{38000, CUE_COUNTDOWN, 2},
	{39000, CUE_COUNTDOWN, 2},
	{40000, CUE_START, 3},
	{60000, CUE_END, 4},
	{67000, CUE_COUNTDOWN, 4},
	{68000, CUE_COUNTDOWN, 4},
	{69000, CUE_COUNTDOWN, 4},
	{70000, CUE_START, 5},
	{90000, CUE_END, 6},
	{97000, CUE_COUNTDOWN, 6},
	{98000, CUE_COUNTDOWN, 6},
	{99000, CUE_COUNTDOWN, 6},
	{100000, CUE_START, 7},
	{120000, CUE_END, 8},
	{127000, CUE_COUNTDOWN, 8},
	{128000, CUE_COUNTDOWN, 8},
	{129000, CUE_COUNTDOWN, 8},
	{130000, CUE_START, 9},
	{150000, CUE_END, 10},
	{157000, CUE_COUNTDOWN, 10},
	{158000, CUE_COUNTDOWN, 10},
	{159000, CUE_COUNTDOWN, 10},
	{160000, CUE_START, 11},
	{180000, CUE_END, 12},
	{187000, CUE_COUNTDOWN, 12},
	{188000, CUE_COUNTDOWN, 12},
	{189000, CUE_COUNTDOWN, 12},
	{190000, CUE_START, 13},
	{210000, CUE_END, 14},
	{217000, CUE_COUNTDOWN, 14},
	{218000, CUE_COUNTDOWN, 14},
	{219000, CUE_COUNTDOWN, 14},
	{220000, CUE_START, 15},
	/* 10 + 8 x 20 + 7 x 10 s: the last work ends the workout. */
	{240000, CUE_DONE, 15},
};

static void test_tabata_segments(void **state)
{
	struct engine *e = new_tabata();
	const struct segment *s;
	size_t i;

	assert_int_equal(engine_n_segments(e), 16);
	assert_int_equal(engine_planned_ms(e), 240000);
	s = engine_segment(e, 0);
	assert_int_equal(s->kind, SEGMENT_PREP);
	assert_int_equal(s->duration_ms, 10000);
	assert_string_equal(s->exercise, "");
	for (i = 1; i < 16; i++) {
		s = engine_segment(e, i);
		assert_int_equal(s->kind, i % 2 ? SEGMENT_WORK : SEGMENT_REST);
		assert_int_equal(s->duration_ms, i % 2 ? 20000 : 10000);
		assert_string_equal(s->exercise, i % 2 ? "squat" : "");
		/* A rest says which round was just done. */
		assert_int_equal(s->round, (i + 1) / 2);
		assert_int_equal(s->rounds, 8);
		assert_int_equal(s->set, 1);
		assert_int_equal(s->sets, 1);
		assert_int_equal(s->side, SIDE_NONE);
		assert_int_equal(s->planned_start_ms,
				 10000 + (i - 1) / 2 * 30000 +
					 (i % 2 ? 0 : 20000));
	}
	assert_null(engine_segment(e, 16));
	engine_free(e);
}

static void test_tabata_cues(void **state)
{
	struct run r;
	uint64_t start, end;
	size_t i;

	run_start(&r, new_tabata(), T0);
	assert_int_equal(engine_state(r.e), ENGINE_RUNNING);
	run_until(&r, UINT64_MAX, 0);
	check_cues(&r, tabata_cues, ARRAY_SIZE(tabata_cues));
	assert_int_equal(engine_state(r.e), ENGINE_FINISHED);
	assert_int_equal(engine_current(r.e), 16);
	assert_int_equal(engine_next_deadline(r.e), UINT64_MAX);
	assert_int_equal(engine_remaining_ms(r.e, AT(240000)), 0);
	for (i = 0; i < 16; i++) {
		engine_segment_times(r.e, i, &start, &end);
		assert_int_equal(start,
				 AT(engine_segment(r.e, i)->planned_start_ms));
		assert_int_equal(
			end, start + engine_segment(r.e, i)->duration_ms * MS);
	}
	engine_free(r.e);
}

/* A main loop that always wakes late does not make the workout drift. */
static void test_late_wakeups_do_not_drift(void **state)
{
	static const uint64_t lates[] = {1, 37 * MS, 999 * MS, 4999 * MS};
	struct run r;
	uint64_t start, end;
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(lates); j++) {
		run_start(&r, new_tabata(), T0);
		run_until(&r, UINT64_MAX, lates[j]);
		check_cues(&r, tabata_cues, ARRAY_SIZE(tabata_cues));
		for (i = 0; i < 16; i++) {
			engine_segment_times(r.e, i, &start, &end);
			assert_int_equal(
				start,
				AT(engine_segment(r.e, i)->planned_start_ms));
		}
		assert_int_equal(end, AT(240000));
		engine_free(r.e);
	}
}

/* One wake-up long after several ends: each segment still gets its slot. */
static void test_one_very_late_wakeup(void **state)
{
	struct run r;
	uint64_t start, end;
	size_t i;

	run_start(&r, new_tabata(), T0);
	/* prep, work 1, rest 1, work 2 and rest 2 are over at 70 s */
	assert_int_equal(engine_advance(r.e, AT(75500)), 5);
	assert_int_equal(engine_current(r.e), 5);
	for (i = 0; i < 5; i++) {
		engine_segment_times(r.e, i, &start, &end);
		assert_int_equal(start,
				 AT(engine_segment(r.e, i)->planned_start_ms));
		engine_segment_times(r.e, i + 1, &end, NULL);
		assert_int_equal(
			end, start + engine_segment(r.e, i)->duration_ms * MS);
	}
	assert_int_equal(engine_remaining_ms(r.e, AT(75500)), 14500);
	assert_int_equal(engine_next_deadline(r.e), AT(90000));
	/*
	 * The beeps of the passed segments are not handed out late; only
	 * the start of the current one (so it still sounds) and its end.
	 */
	r.n = 0;
	take_all(&r);
	{
		static const struct want_cue want[] = {
			{70000, CUE_START, 5},
			{90000, CUE_END, 6},
		};

		check_cues(&r, want, ARRAY_SIZE(want));
	}
	engine_free(r.e);
}

/* --- pause and resume */

static void test_pause_resume(void **state)
{
	static const struct {
		uint64_t at_ms, for_ms;
	} cases[] = {
		{15000, 5000}, /* in work round 1 */
		{5000, 60000}, /* in the prep, before its countdown */
		{37000, 1000}, /* on a countdown beep: it has sounded */
		{38500, 2000}, /* between two countdown beeps */
		{40000, 3000}, /* on a boundary: the next segment's start */
		{239999, 1},   /* a ms before the end */
	};
	struct want_cue want[ARRAY_SIZE(tabata_cues)];
	struct run r;
	uint64_t p, start, end;
	size_t i, k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		p = AT(cases[k].at_ms);
		run_start(&r, new_tabata(), T0);
		run_until(&r, p, 0);
		assert_int_equal(engine_pause(r.e, p), 0);
		assert_int_equal(engine_state(r.e), ENGINE_PAUSED);
		cancel_after(&r, p);
		take_all(&r);

		/* The countdown stands still, time does not move it on. */
		i = engine_current(r.e);
		assert_int_equal(engine_remaining_ms(r.e, p + 1000 * MS),
				 engine_remaining_ms(r.e, p));
		assert_int_equal(engine_advance(r.e, p + 3600000 * MS), 0);
		assert_int_equal(engine_next_deadline(r.e), UINT64_MAX);
		assert_int_equal(engine_current(r.e), i);

		assert_int_equal(engine_resume(r.e, p + cases[k].for_ms * MS),
				 0);
		take_all(&r);
		run_until(&r, UINT64_MAX, 0);

		/* Every beep after the pause moves by the time paused. */
		for (i = 0; i < ARRAY_SIZE(tabata_cues); i++) {
			want[i] = tabata_cues[i];
			if (want[i].at_ms > cases[k].at_ms)
				want[i].at_ms += cases[k].for_ms;
		}
		check_cues(&r, want, ARRAY_SIZE(want));
		engine_segment_times(r.e, 15, &start, &end);
		assert_int_equal(end, AT(240000 + cases[k].for_ms));
		engine_free(r.e);
	}
}

static void test_remaining_ms(void **state)
{
	struct engine *e = new_tabata();

	assert_int_equal(engine_remaining_ms(e, T0), 0); /* idle */
	assert_int_equal(engine_start(e, T0), 0);
	assert_int_equal(engine_remaining_ms(e, T0), 10000);
	assert_int_equal(engine_remaining_ms(e, AT(2500)), 7500);
	/* The caller has not woken yet: 0, never negative. */
	assert_int_equal(engine_remaining_ms(e, AT(10500)), 0);
	assert_int_equal(engine_advance(e, AT(10500)), 1);
	assert_int_equal(engine_remaining_ms(e, AT(10500)), 19500);
	assert_int_equal(engine_pause(e, AT(12000)), 0);
	assert_int_equal(engine_remaining_ms(e, AT(50000)), 18000);
	assert_int_equal(engine_resume(e, AT(50000)), 0);
	assert_int_equal(engine_remaining_ms(e, AT(50000)), 18000);
	assert_int_equal(engine_next_deadline(e), AT(68000));
	engine_free(e);
}

/* --- skip */

static void test_skip(void **state)
{
	static const struct {
		uint64_t at_ms;	 /* skip here */
		uint64_t end_ms; /* planned end of the skipped segment */
		size_t segment;
	} cases[] = {
		{20000, 30000, 1},    /* mid-work: END now */
		{5000, 10000, 0},     /* in the prep: START now */
		{35000, 40000, 2},    /* in a rest before its countdown */
		{38500, 40000, 2},    /* in a rest's countdown */
		{230000, 240000, 15}, /* the last work: DONE now */
	};
	struct want_cue want[ARRAY_SIZE(tabata_cues)];
	struct run r;
	uint64_t s, start, end;
	size_t i, n, k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		s = AT(cases[k].at_ms);
		run_start(&r, new_tabata(), T0);
		run_until(&r, s, 0);
		assert_int_equal(engine_current(r.e), cases[k].segment);
		assert_int_equal(engine_skip(r.e, s), 0);
		cancel_after(&r, s);
		take_all(&r);
		run_until(&r, UINT64_MAX, 0);

		/*
		 * What was due before the skip sounded; what the skipped
		 * segment still had to say is gone; its end boundary sounds
		 * now, and everything later comes that much earlier.
		 */
		n = 0;
		for (i = 0; i < ARRAY_SIZE(tabata_cues); i++) {
			if (tabata_cues[i].at_ms < cases[k].at_ms) {
				want[n++] = tabata_cues[i];
			} else if (tabata_cues[i].at_ms >= cases[k].end_ms) {
				want[n] = tabata_cues[i];
				want[n++].at_ms -=
					cases[k].end_ms - cases[k].at_ms;
			}
		}
		check_cues(&r, want, n);

		engine_segment_times(r.e, cases[k].segment, &start, &end);
		assert_int_equal(end, s);
		if (cases[k].segment + 1 < 16) {
			engine_segment_times(r.e, cases[k].segment + 1, &start,
					     &end);
			assert_int_equal(start, s);
		}
		assert_int_equal(engine_state(r.e), ENGINE_FINISHED);
		engine_free(r.e);
	}
}

/* --- holds and rep steps */

static void test_per_side_hold(void **state)
{
	static const struct {
		enum segment_kind kind;
		enum side side;
		uint32_t duration_ms;
	} segs[] = {
		{SEGMENT_PREP, SIDE_NONE, 5000},
		{SEGMENT_HOLD, SIDE_LEFT, 30000},
		{SEGMENT_SWITCH, SIDE_NONE, 5000},
		{SEGMENT_HOLD, SIDE_RIGHT, 30000},
	};
	static const struct want_cue want[] = {
		{2000, CUE_COUNTDOWN, 0},  {3000, CUE_COUNTDOWN, 0},
		{4000, CUE_COUNTDOWN, 0},  {5000, CUE_START, 1},
		{35000, CUE_SWITCH, 2},	   {37000, CUE_COUNTDOWN, 2},
		{38000, CUE_COUNTDOWN, 2}, {39000, CUE_COUNTDOWN, 2},
		{40000, CUE_START, 3},	   {70000, CUE_DONE, 3},
	};
	static const char *const ex[] = {"side plank"};
	struct workout w = {
		.prep_ms = 5000,
		.countdown_s = 3,
		.n_blocks = 1,
		.blocks[0] =
			{
				.kind = BLOCK_HOLD,
				.work_ms = 30000,
				.rounds = 1,
				.sets = 1,
				.per_side = true,
				.switch_ms = 5000,
			},
	};
	struct run r;
	const struct segment *s;
	size_t i;

	set_exercises(&w.blocks[0], ex, 1);
	run_start(&r, new_engine(&w), T0);
	assert_int_equal(engine_n_segments(r.e), ARRAY_SIZE(segs));
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		s = engine_segment(r.e, i);
		assert_int_equal(s->kind, segs[i].kind);
		assert_int_equal(s->side, segs[i].side);
		assert_int_equal(s->duration_ms, segs[i].duration_ms);
		assert_string_equal(s->exercise, i ? "side plank" : "");
		assert_int_equal(s->round, 0);
		assert_int_equal(s->rounds, 0);
	}
	run_until(&r, UINT64_MAX, 0);
	check_cues(&r, want, ARRAY_SIZE(want));
	engine_free(r.e);
}

/*
 * With a motion sensor, a hold's countdown starts when the runner is
 * still in position (engine_hold_go), or when they say "done"; until
 * then no start cue sounds, no time runs out, and the whole hold is
 * shown as remaining. The countdown into each side still sounds.
 */
static void test_hold_waits_for_stillness(void **state)
{
	static const struct want_cue want[] = {
		{2000, CUE_COUNTDOWN, 0},  {3000, CUE_COUNTDOWN, 0},
		{4000, CUE_COUNTDOWN, 0},  {8000, CUE_START, 1},
		{38000, CUE_SWITCH, 2},	   {40000, CUE_COUNTDOWN, 2},
		{41000, CUE_COUNTDOWN, 2}, {42000, CUE_COUNTDOWN, 2},
		{50000, CUE_START, 3},	   {80000, CUE_DONE, 3},
	};
	static const char *const ex[] = {"side plank"};
	struct workout w = {
		.prep_ms = 5000,
		.countdown_s = 3,
		.n_blocks = 1,
		.blocks[0] =
			{
				.kind = BLOCK_HOLD,
				.work_ms = 30000,
				.rounds = 1,
				.sets = 1,
				.per_side = true,
				.switch_ms = 5000,
				.wait_still = true,
			},
	};
	struct run r;
	uint64_t start, end;

	set_exercises(&w.blocks[0], ex, 1);
	memset(&r, 0, sizeof(r));
	r.e = new_engine(&w);
	assert_false(engine_segment(r.e, 2)->wait_still); /* the switch */
	engine_set_hold_wait(r.e, true);
	assert_int_equal(engine_start(r.e, T0), 0);
	take_all(&r);
	run_until(&r, UINT64_MAX, 0);
	/* in position for the left side, not yet still */
	assert_int_equal(engine_current(r.e), 1);
	assert_true(engine_waiting(r.e));
	assert_int_equal(engine_next_deadline(r.e), UINT64_MAX);
	assert_int_equal(engine_remaining_ms(r.e, AT(7000)), 30000);
	assert_int_equal(engine_advance(r.e, AT(7900)), 0);
	/* still: the countdown starts */
	assert_int_equal(engine_hold_go(r.e, AT(8000)), 0);
	assert_false(engine_waiting(r.e));
	assert_int_equal(engine_hold_go(r.e, AT(8100)), -EINVAL);
	assert_int_equal(engine_remaining_ms(r.e, AT(18000)), 20000);
	take_all(&r);
	run_until(&r, UINT64_MAX, 0);
	/* right side: waits again; a pause while waiting changes nothing */
	assert_int_equal(engine_current(r.e), 3);
	assert_true(engine_waiting(r.e));
	assert_int_equal(engine_pause(r.e, AT(44000)), 0);
	assert_true(engine_waiting(r.e));
	assert_int_equal(engine_resume(r.e, AT(46000)), 0);
	take_all(&r);
	assert_int_equal(engine_remaining_ms(r.e, AT(47000)), 30000);
	/* no sensor verdict: "done" starts the clock by hand */
	assert_int_equal(engine_done(r.e, AT(50000)), 0);
	assert_int_equal(engine_current(r.e), 3);
	take_all(&r);
	run_until(&r, UINT64_MAX, 0);
	assert_int_equal(engine_state(r.e), ENGINE_FINISHED);
	check_cues(&r, want, ARRAY_SIZE(want));
	/* the segment covers the wait; its timed part came after */
	engine_segment_times(r.e, 1, &start, &end);
	assert_int_equal(start, AT(5000));
	assert_int_equal(end, AT(38000));
	engine_free(r.e);
}

/* Without a motion sensor (or with hold-start=timer) holds run at once. */
static void test_hold_without_sensor_runs_on_time(void **state)
{
	struct workout w = {
		.prep_ms = 5000,
		.n_blocks = 1,
		.blocks[0] = {.kind = BLOCK_HOLD,
			      .work_ms = 30000,
			      .rounds = 1,
			      .sets = 1,
			      .wait_still = true},
	};
	struct run r;

	run_start(&r, new_engine(&w), T0);
	run_until(&r, AT(5000), 0);
	assert_int_equal(engine_current(r.e), 1);
	assert_false(engine_waiting(r.e));
	assert_int_equal(engine_next_deadline(r.e), AT(35000));
	assert_int_equal(engine_hold_go(r.e, AT(6000)), -EINVAL);
	/* done is for rep steps and waiting holds only */
	assert_int_equal(engine_done(r.e, AT(6000)), -EINVAL);
	engine_free(r.e);

	/* the sensor arrives during prep: the hold waits */
	w.blocks[0].wait_still = true;
	run_start(&r, new_engine(&w), T0);
	engine_set_hold_wait(r.e, true);
	assert_int_equal(engine_skip(r.e, AT(1000)), 0);
	assert_true(engine_waiting(r.e));
	engine_free(r.e);

	/* a hold whose file says hold-start=timer never waits */
	w.blocks[0].wait_still = false;
	run_start(&r, new_engine(&w), T0);
	engine_set_hold_wait(r.e, true);
	assert_int_equal(engine_skip(r.e, AT(1000)), 0);
	assert_false(engine_waiting(r.e));
	engine_free(r.e);
}

static void test_rep_steps(void **state)
{
	static const char *const ex[] = {"goblet squat"};
	struct workout w = {
		.prep_ms = 5000,
		.countdown_s = 3,
		.n_blocks = 1,
		.blocks[0] =
			{
				.kind = BLOCK_REPS,
				.rounds = 1,
				.sets = 2,
				.reps = 10,
				.rest_ms = 60000,
			},
	};
	static const struct want_cue want[] = {
		{2000, CUE_COUNTDOWN, 0},
		{3000, CUE_COUNTDOWN, 0},
		{4000, CUE_COUNTDOWN, 0},
		{5000, CUE_START, 1},
		/* "done" at 100 s: no END (the runner said so), a rest */
		{157000, CUE_COUNTDOWN, 2},
		{158000, CUE_COUNTDOWN, 2},
		{159000, CUE_COUNTDOWN, 2},
		{160000, CUE_START, 3},
		/* "done" on the last step ends the workout at once */
		{200000, CUE_DONE, 3},
	};
	struct run r;
	uint64_t start, end;

	set_exercises(&w.blocks[0], ex, 1);
	run_start(&r, new_engine(&w), T0);
	assert_int_equal(engine_n_segments(r.e), 4);
	assert_int_equal(engine_planned_ms(r.e), 65000);
	assert_int_equal(engine_segment(r.e, 1)->kind, SEGMENT_REPS);
	assert_int_equal(engine_segment(r.e, 1)->duration_ms, 0);
	assert_int_equal(engine_segment(r.e, 1)->reps, 10);
	assert_int_equal(engine_segment(r.e, 3)->planned_start_ms, 65000);

	/* "done" is only for rep steps */
	assert_int_equal(engine_done(r.e, AT(1000)), -EINVAL);
	assert_int_equal(engine_current(r.e), 0);
	run_until(&r, UINT64_MAX, 0);
	assert_int_equal(engine_current(r.e), 1);

	/* An open step never ends by time. */
	assert_int_equal(engine_advance(r.e, AT(3600000)), 0);
	assert_int_equal(engine_current(r.e), 1);
	assert_int_equal(engine_next_deadline(r.e), UINT64_MAX);
	assert_int_equal(engine_remaining_ms(r.e, AT(6000)), 0);

	assert_int_equal(engine_done(r.e, AT(100000)), 0);
	assert_int_equal(engine_current(r.e), 2);
	assert_int_equal(engine_next_deadline(r.e), AT(160000));
	take_all(&r);
	assert_int_equal(engine_done(r.e, AT(130000)), -EINVAL);
	assert_int_equal(engine_current(r.e), 2);
	run_until(&r, UINT64_MAX, 0);
	assert_int_equal(engine_current(r.e), 3);
	assert_int_equal(engine_done(r.e, AT(200000)), 0);
	take_all(&r);
	check_cues(&r, want, ARRAY_SIZE(want));
	assert_int_equal(engine_state(r.e), ENGINE_FINISHED);
	assert_int_equal(engine_current(r.e), 4);

	engine_segment_times(r.e, 1, &start, &end);
	assert_int_equal(start, AT(5000));
	assert_int_equal(end, AT(100000));
	engine_segment_times(r.e, 2, &start, &end);
	assert_int_equal(start, AT(100000));
	assert_int_equal(end, AT(160000));
	engine_segment_times(r.e, 3, &start, &end);
	assert_int_equal(start, AT(160000));
	assert_int_equal(end, AT(200000));
	engine_free(r.e);
}

/* --- interior cues */

/*
 * One segment under test (no prep), then an open rep step, so countdown
 * beeps lead into an effort and nothing follows. Each row lists every
 * cue of the workout: it ends with the rep step's start.
 */
static void test_interior_cues(void **state)
{
	static const struct {
		const char *what;
		enum block_kind kind;
		uint32_t ms;
		bool halfway, last10;
		uint32_t countdown_s;
		struct want_cue want[14];
	} cases[] = {
		{"halfway and last 10 s of a work interval",
		 BLOCK_INTERVAL,
		 30000,
		 true,
		 true,
		 0,
		 {{0, CUE_START, 0},
		  {15000, CUE_HALFWAY, 0},
		  {20000, CUE_LAST10, 0},
		  {30000, CUE_START, 1}}},
		{"options off",
		 BLOCK_INTERVAL,
		 30000,
		 false,
		 false,
		 0,
		 {{0, CUE_START, 0}, {30000, CUE_START, 1}}},
		{"a 20 s effort is too short for last 10 s",
		 BLOCK_INTERVAL,
		 20000,
		 true,
		 true,
		 0,
		 {{0, CUE_START, 0},
		  {10000, CUE_HALFWAY, 0},
		  {20000, CUE_START, 1}}},
		{"halfway from 10 s",
		 BLOCK_HOLD,
		 10000,
		 true,
		 false,
		 0,
		 {{0, CUE_START, 0},
		  {5000, CUE_HALFWAY, 0},
		  {10000, CUE_START, 1}}},
		{"no halfway below 10 s",
		 BLOCK_HOLD,
		 9999,
		 true,
		 false,
		 0,
		 {{0, CUE_START, 0}, {9999, CUE_START, 1}}},
		{"last 10 s beats halfway 250 ms before it",
		 BLOCK_HOLD,
		 20500,
		 true,
		 true,
		 0,
		 {{0, CUE_START, 0},
		  {10500, CUE_LAST10, 0},
		  {20500, CUE_START, 1}}},
		{"500 ms apart is apart enough",
		 BLOCK_HOLD,
		 21000,
		 true,
		 true,
		 0,
		 {{0, CUE_START, 0},
		  {10500, CUE_HALFWAY, 0},
		  {11000, CUE_LAST10, 0},
		  {21000, CUE_START, 1}}},
		{"countdown beats halfway",
		 BLOCK_INTERVAL,
		 10000,
		 true,
		 false,
		 5,
		 {{0, CUE_START, 0},
		  {5000, CUE_COUNTDOWN, 0},
		  {6000, CUE_COUNTDOWN, 0},
		  {7000, CUE_COUNTDOWN, 0},
		  {8000, CUE_COUNTDOWN, 0},
		  {9000, CUE_COUNTDOWN, 0},
		  {10000, CUE_START, 1}}},
		{"countdown 200 ms after halfway beats it",
		 BLOCK_HOLD,
		 12400,
		 true,
		 false,
		 6,
		 {{0, CUE_START, 0},
		  {6400, CUE_COUNTDOWN, 0},
		  {7400, CUE_COUNTDOWN, 0},
		  {8400, CUE_COUNTDOWN, 0},
		  {9400, CUE_COUNTDOWN, 0},
		  {10400, CUE_COUNTDOWN, 0},
		  {11400, CUE_COUNTDOWN, 0},
		  {12400, CUE_START, 1}}},
		{"countdown beats last 10 s",
		 BLOCK_HOLD,
		 30000,
		 false,
		 true,
		 10,
		 {{0, CUE_START, 0},
		  {20000, CUE_COUNTDOWN, 0},
		  {21000, CUE_COUNTDOWN, 0},
		  {22000, CUE_COUNTDOWN, 0},
		  {23000, CUE_COUNTDOWN, 0},
		  {24000, CUE_COUNTDOWN, 0},
		  {25000, CUE_COUNTDOWN, 0},
		  {26000, CUE_COUNTDOWN, 0},
		  {27000, CUE_COUNTDOWN, 0},
		  {28000, CUE_COUNTDOWN, 0},
		  {29000, CUE_COUNTDOWN, 0},
		  {30000, CUE_START, 1}}},
		{"countdown only inside the segment",
		 BLOCK_INTERVAL,
		 3000,
		 false,
		 false,
		 5,
		 {{0, CUE_START, 0},
		  {1000, CUE_COUNTDOWN, 0},
		  {2000, CUE_COUNTDOWN, 0},
		  {3000, CUE_START, 1}}},
		/* gymhub.conf: "long work intervals, holds and warm-ups" */
		{"last 10 s of a warm-up, no halfway",
		 BLOCK_WARMUP,
		 60000,
		 true,
		 true,
		 1,
		 {{50000, CUE_LAST10, 0},
		  {59000, CUE_COUNTDOWN, 0},
		  {60000, CUE_START, 1}}},
	};
	struct workout w;
	struct run r;
	size_t k, n;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		print_message("%s\n", cases[k].what);
		memset(&w, 0, sizeof(w));
		w.countdown_s = cases[k].countdown_s;
		w.halfway = cases[k].halfway;
		w.last10 = cases[k].last10;
		w.n_blocks = 2;
		w.blocks[0].kind = cases[k].kind;
		w.blocks[0].work_ms = cases[k].ms;
		w.blocks[0].rounds = 1;
		w.blocks[0].sets = 1;
		w.blocks[1].kind = BLOCK_REPS;
		w.blocks[1].rounds = 1;
		w.blocks[1].sets = 1;

		for (n = 0; cases[k].want[n].segment == 0; n++)
			;
		run_start(&r, new_engine(&w), T0);
		run_until(&r, UINT64_MAX, 0);
		assert_int_equal(engine_current(r.e), 1);
		check_cues(&r, cases[k].want, n + 1);
		engine_free(r.e);
	}
}

/* --- structure */

static void test_mixed_workout_structure(void **state)
{
	static const char *const intervals[] = {"squat", "push-up", "lunge"};
	static const char *const warm[] = {"easy cardio"};
	static const char *const plank[] = {"side plank"};
	static const char *const squat[] = {"goblet squat"};
	static const struct {
		enum segment_kind kind;
		const char *exercise;
		enum side side;
		uint16_t block, round, rounds, set, sets;
		uint32_t duration_ms;
		uint64_t start_ms;
	} want[] = {
		{SEGMENT_PREP, "", SIDE_NONE, 0, 0, 0, 0, 0, 10000, 0},
		{SEGMENT_WARMUP, "easy cardio", SIDE_NONE, 0, 0, 0, 1, 1, 60000,
		 10000},
		/* rest_after of the warm-up */
		{SEGMENT_REST, "", SIDE_NONE, 0, 0, 0, 0, 0, 20000, 70000},
		/* exercises cycle per round; the set rest separates sets */
		{SEGMENT_WORK, "squat", SIDE_NONE, 1, 1, 4, 1, 2, 20000, 90000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 1, 4, 1, 2, 10000, 110000},
		{SEGMENT_WORK, "push-up", SIDE_NONE, 1, 2, 4, 1, 2, 20000,
		 120000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 2, 4, 1, 2, 10000, 140000},
		{SEGMENT_WORK, "lunge", SIDE_NONE, 1, 3, 4, 1, 2, 20000,
		 150000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 3, 4, 1, 2, 10000, 170000},
		{SEGMENT_WORK, "squat", SIDE_NONE, 1, 4, 4, 1, 2, 20000,
		 180000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 4, 4, 1, 2, 60000, 200000},
		{SEGMENT_WORK, "squat", SIDE_NONE, 1, 1, 4, 2, 2, 20000,
		 260000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 1, 4, 2, 2, 10000, 280000},
		{SEGMENT_WORK, "push-up", SIDE_NONE, 1, 2, 4, 2, 2, 20000,
		 290000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 2, 4, 2, 2, 10000, 310000},
		{SEGMENT_WORK, "lunge", SIDE_NONE, 1, 3, 4, 2, 2, 20000,
		 320000},
		{SEGMENT_REST, "", SIDE_NONE, 1, 3, 4, 2, 2, 10000, 340000},
		{SEGMENT_WORK, "squat", SIDE_NONE, 1, 4, 4, 2, 2, 20000,
		 350000},
		/* no rest_after: straight into the holds */
		{SEGMENT_HOLD, "side plank", SIDE_LEFT, 2, 0, 0, 1, 2, 30000,
		 370000},
		{SEGMENT_SWITCH, "side plank", SIDE_NONE, 2, 0, 0, 1, 2, 5000,
		 400000},
		{SEGMENT_HOLD, "side plank", SIDE_RIGHT, 2, 0, 0, 1, 2, 30000,
		 405000},
		{SEGMENT_REST, "", SIDE_NONE, 2, 0, 0, 1, 2, 15000, 435000},
		{SEGMENT_HOLD, "side plank", SIDE_LEFT, 2, 0, 0, 2, 2, 30000,
		 450000},
		{SEGMENT_SWITCH, "side plank", SIDE_NONE, 2, 0, 0, 2, 2, 5000,
		 480000},
		{SEGMENT_HOLD, "side plank", SIDE_RIGHT, 2, 0, 0, 2, 2, 30000,
		 485000},
		{SEGMENT_REST, "", SIDE_NONE, 2, 0, 0, 0, 0, 20000, 515000},
		/* open rep steps count 0 in the plan */
		{SEGMENT_REPS, "goblet squat", SIDE_NONE, 3, 0, 0, 1, 2, 0,
		 535000},
		{SEGMENT_REST, "", SIDE_NONE, 3, 0, 0, 1, 2, 60000, 535000},
		{SEGMENT_REPS, "goblet squat", SIDE_NONE, 3, 0, 0, 2, 2, 0,
		 595000},
		/* the last block's rest_after leads nowhere: left out */
	};
	struct workout w = {
		.prep_ms = 10000,
		.countdown_s = 3,
		.n_blocks = 4,
		.blocks =
			{
				{.kind = BLOCK_WARMUP,
				 .work_ms = 60000,
				 .rounds = 1,
				 .sets = 1,
				 .rest_after_ms = 20000},
				{.kind = BLOCK_INTERVAL,
				 .work_ms = 20000,
				 .rest_ms = 10000,
				 .rounds = 4,
				 .sets = 2,
				 .set_rest_ms = 60000},
				{.kind = BLOCK_HOLD,
				 .work_ms = 30000,
				 .rest_ms = 15000,
				 .rounds = 1,
				 .sets = 2,
				 .per_side = true,
				 .switch_ms = 5000,
				 .rest_after_ms = 20000},
				{.kind = BLOCK_REPS,
				 .reps = 10,
				 .rest_ms = 60000,
				 .rounds = 1,
				 .sets = 2,
				 .rest_after_ms = 30000},
			},
	};
	struct engine *e;
	const struct segment *s;
	size_t i;

	set_exercises(&w.blocks[0], warm, 1);
	set_exercises(&w.blocks[1], intervals, 3);
	set_exercises(&w.blocks[2], plank, 1);
	set_exercises(&w.blocks[3], squat, 1);
	e = new_engine(&w);
	/* A copy: the workout may go away. */
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(engine_n_segments(e), ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		s = engine_segment(e, i);
		assert_int_equal(s->kind, want[i].kind);
		assert_string_equal(s->exercise, want[i].exercise);
		assert_int_equal(s->side, want[i].side);
		assert_int_equal(s->block, want[i].block);
		assert_int_equal(s->round, want[i].round);
		assert_int_equal(s->rounds, want[i].rounds);
		assert_int_equal(s->set, want[i].set);
		assert_int_equal(s->sets, want[i].sets);
		assert_int_equal(s->duration_ms, want[i].duration_ms);
		assert_int_equal(s->planned_start_ms, want[i].start_ms);
		assert_int_equal(s->reps, s->kind == SEGMENT_REPS ? 10 : 0);
	}
	assert_int_equal(engine_planned_ms(e), 595000);
	engine_free(e);
}

/* Rests of 0 s and switches of 0 s are left out, not run as blips. */
static void test_zero_rests_left_out(void **state)
{
	struct workout w = {
		.n_blocks = 2,
		.blocks =
			{
				{.kind = BLOCK_INTERVAL,
				 .work_ms = 20000,
				 .rounds = 2,
				 .sets = 2},
				{.kind = BLOCK_HOLD,
				 .work_ms = 20000,
				 .rounds = 1,
				 .sets = 1,
				 .per_side = true},
			},
	};
	static const enum segment_kind want[] = {
		SEGMENT_WORK, SEGMENT_WORK, SEGMENT_WORK,
		SEGMENT_WORK, SEGMENT_HOLD, SEGMENT_HOLD,
	};
	struct engine *e = new_engine(&w);
	size_t i;

	assert_int_equal(engine_n_segments(e), ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(engine_segment(e, i)->kind, want[i]);
	assert_int_equal(engine_segment(e, 4)->side, SIDE_LEFT);
	assert_int_equal(engine_segment(e, 5)->side, SIDE_RIGHT);
	engine_free(e);
}

/* --- errors */

static void test_new_rejects(void **state)
{
	static const struct {
		const char *what;
		int err;
	} cases[] = {
		{"no blocks", -EINVAL},	       {"prep only", -EINVAL},
		{"0 sets", -EINVAL},	       {"0 rounds", -EINVAL},
		{"0 s work", -EINVAL},	       {"0 s hold", -EINVAL},
		{"0 s warm-up", -EINVAL},      {"11 countdown beeps", -EINVAL},
		{"too many segments", -E2BIG},
	};
	struct workout w;
	struct engine *e;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		print_message("%s\n", cases[k].what);
		make_tabata(&w);
		switch (k) {
		case 0:
			w.prep_ms = 0;
			w.n_blocks = 0;
			break;
		case 1:
			w.n_blocks = 0;
			break;
		case 2:
			w.blocks[0].sets = 0;
			break;
		case 3:
			w.blocks[0].rounds = 0;
			break;
		case 4:
			w.blocks[0].work_ms = 0;
			break;
		case 5:
			w.blocks[0].kind = BLOCK_HOLD;
			w.blocks[0].work_ms = 0;
			break;
		case 6:
			w.blocks[0].kind = BLOCK_WARMUP;
			w.blocks[0].work_ms = 0;
			break;
		case 7:
			w.countdown_s = 11;
			break;
		case 8:
			/* prep + 513 work + 512 rest = 1026 */
			w.blocks[0].rounds = 513;
			break;
		}
		e = (struct engine *)&w; /* must stay untouched */
		assert_int_equal(engine_new(&w, &e), cases[k].err);
		assert_ptr_equal(e, &w);
	}
	/* prep + 512 work + 511 rest = 1024: just fits */
	make_tabata(&w);
	w.blocks[0].rounds = 512;
	e = new_engine(&w);
	assert_int_equal(engine_n_segments(e), ENGINE_MAX_SEGMENTS);
	engine_free(e);
	engine_free(NULL);
}

static void test_state_errors(void **state)
{
	struct engine *e = new_tabata();
	struct cue c[4];
	uint64_t start = 1, end = 1;

	assert_int_equal(engine_state(e), ENGINE_IDLE);
	assert_int_equal(engine_pause(e, T0), -EINVAL);
	assert_int_equal(engine_resume(e, T0), -EINVAL);
	assert_int_equal(engine_skip(e, T0), -EINVAL);
	assert_int_equal(engine_done(e, T0), -EINVAL);
	assert_int_equal(engine_stop(e, T0), -EINVAL);
	assert_int_equal(engine_advance(e, AT(100000)), 0);
	assert_int_equal(engine_take_cues(e, c, ARRAY_SIZE(c)), 0);
	assert_int_equal(engine_next_deadline(e), UINT64_MAX);
	assert_int_equal(engine_current(e), 0);
	engine_segment_times(e, 0, &start, &end);
	assert_int_equal(start, 0);
	assert_int_equal(end, 0);

	assert_int_equal(engine_start(e, T0), 0);
	assert_int_equal(engine_start(e, T0), -EALREADY);
	assert_int_equal(engine_resume(e, AT(1000)), -EINVAL);
	assert_int_equal(engine_pause(e, AT(1000)), 0);
	assert_int_equal(engine_pause(e, AT(1000)), -EINVAL);
	assert_int_equal(engine_skip(e, AT(1000)), -EINVAL);
	assert_int_equal(engine_done(e, AT(1000)), -EINVAL);
	assert_int_equal(engine_take_cues(e, c, ARRAY_SIZE(c)), 0);
	assert_int_equal(engine_resume(e, AT(2000)), 0);
	/* The rest of the prep's countdown, and the start. */
	assert_int_equal(engine_take_cues(e, c, ARRAY_SIZE(c)), 4);
	assert_int_equal(c[0].deadline_ns, AT(8000));
	assert_int_equal(c[3].deadline_ns, AT(11000));
	assert_int_equal(engine_advance(e, AT(16000)), 1);

	/* Stop: the current segment ends now, nothing sounds, no later. */
	assert_int_equal(engine_stop(e, AT(16000)), 0);
	assert_int_equal(engine_state(e), ENGINE_STOPPED);
	assert_int_equal(engine_current(e), 16);
	assert_int_equal(engine_take_cues(e, c, ARRAY_SIZE(c)), 0);
	assert_int_equal(engine_next_deadline(e), UINT64_MAX);
	assert_int_equal(engine_remaining_ms(e, AT(16000)), 0);
	engine_segment_times(e, 1, &start, &end);
	assert_int_equal(start, AT(11000));
	assert_int_equal(end, AT(16000));
	engine_segment_times(e, 2, &start, &end);
	assert_int_equal(start, 0);
	assert_int_equal(end, 0);
	engine_segment_times(e, 99, &start, &end);
	assert_int_equal(start, 0);
	assert_int_equal(end, 0);
	assert_int_equal(engine_stop(e, AT(17000)), -EINVAL);
	assert_int_equal(engine_start(e, AT(17000)), -EALREADY);
	assert_int_equal(engine_resume(e, AT(17000)), -EINVAL);
	assert_int_equal(engine_advance(e, AT(999000)), 0);
	engine_free(e);
}

/* Stopping while paused ends the segment at the stop. */
static void test_stop_while_paused(void **state)
{
	struct engine *e = new_tabata();
	uint64_t start, end;

	assert_int_equal(engine_start(e, T0), 0);
	assert_int_equal(engine_pause(e, AT(3000)), 0);
	assert_int_equal(engine_stop(e, AT(9000)), 0);
	assert_int_equal(engine_state(e), ENGINE_STOPPED);
	engine_segment_times(e, 0, &start, &end);
	assert_int_equal(start, T0);
	assert_int_equal(end, AT(9000));
	engine_free(e);
}

/* A control arriving just after an end the caller did not act on yet. */
static void test_control_after_unhandled_end(void **state)
{
	struct engine *e = new_tabata();
	uint64_t start, end;

	assert_int_equal(engine_start(e, T0), 0);
	/* The prep ended at 10 s: the skip is of work round 1. */
	assert_int_equal(engine_skip(e, AT(10200)), 0);
	assert_int_equal(engine_current(e), 2);
	engine_segment_times(e, 0, &start, &end);
	assert_int_equal(end, AT(10000));
	engine_segment_times(e, 1, &start, &end);
	assert_int_equal(start, AT(10000));
	assert_int_equal(end, AT(10200));
	engine_free(e);
}

static void test_names(void **state)
{
	static const struct {
		enum segment_kind kind;
		const char *name;
	} kinds[] = {
		{SEGMENT_PREP, "prep"}, {SEGMENT_WARMUP, "warmup"},
		{SEGMENT_WORK, "work"}, {SEGMENT_REST, "rest"},
		{SEGMENT_HOLD, "hold"}, {SEGMENT_SWITCH, "switch"},
		{SEGMENT_REPS, "reps"},
	};
	static const struct {
		enum engine_state state;
		const char *name;
	} states[] = {
		{ENGINE_IDLE, "idle"},	     {ENGINE_RUNNING, "running"},
		{ENGINE_PAUSED, "paused"},   {ENGINE_FINISHED, "finished"},
		{ENGINE_STOPPED, "stopped"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		assert_string_equal(segment_kind_to_string(kinds[i].kind),
				    kinds[i].name);
	assert_null(segment_kind_to_string(SEGMENT_KIND_MAX));
	for (i = 0; i < ARRAY_SIZE(states); i++)
		assert_string_equal(engine_state_to_string(states[i].state),
				    states[i].name);
	assert_string_equal(side_to_string(SIDE_NONE), "");
	assert_string_equal(side_to_string(SIDE_LEFT), "left");
	assert_string_equal(side_to_string(SIDE_RIGHT), "right");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tabata_segments),
		cmocka_unit_test(test_tabata_cues),
		cmocka_unit_test(test_late_wakeups_do_not_drift),
		cmocka_unit_test(test_one_very_late_wakeup),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_remaining_ms),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_per_side_hold),
		cmocka_unit_test(test_hold_waits_for_stillness),
		cmocka_unit_test(test_hold_without_sensor_runs_on_time),
		cmocka_unit_test(test_rep_steps),
		cmocka_unit_test(test_interior_cues),
		cmocka_unit_test(test_mixed_workout_structure),
		cmocka_unit_test(test_zero_rests_left_out),
		cmocka_unit_test(test_new_rejects),
		cmocka_unit_test(test_state_errors),
		cmocka_unit_test(test_stop_while_paused),
		cmocka_unit_test(test_control_after_unhandled_end),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
