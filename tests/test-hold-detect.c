/* SPDX-License-Identifier: MIT */
/*
 * test-hold-detect.c - isometric holds on synthetic recordings: a sensor
 * in a random orientation, moving into a position, held with tremor and
 * noise, twitching, creeping, and leaving the position, at 25-200 Hz with
 * irregular timing. Times are checked in sample time.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hold-detect.h"
#include "motion-synth.h"

#define MAX_SAMPLES 200000
#define MAX_EVENTS  16
#define SEC	    INT64_C(1000000)

enum seg_kind {
	SEG_END,
	SEG_MOVE,   /* swinging +-deg at hz around the posture */
	SEG_STILL,  /* held */
	SEG_TWITCH, /* out by deg and back within dur */
	SEG_CREEP,  /* the posture turns by deg at an even pace */
	SEG_TILT,   /* the posture turns by deg, smoothly, and stays */
};

struct seg {
	enum seg_kind kind;
	double dur_s, deg, hz;
};

struct scene {
	double rate_hz, jitter;
	double tremor_g, tremor_hz, noise_g;
	uint64_t seed;
	struct seg segs[12];
};

struct result {
	struct hold_event ev[MAX_EVENTS];
	size_t n;
	bool holding;
	int64_t held_us;
};

static struct motion_sample samples[MAX_SAMPLES];

/* Start time of segment @k, seconds. */
static double seg_start(const struct scene *sc, int k)
{
	double t = 0;
	int i;

	for (i = 0; i < k; i++)
		t += sc->segs[i].dur_s;
	return t;
}

/* Angle (degrees) of the posture about the scene's axis at time @t. */
static double angle(const struct scene *sc, double t)
{
	double base = 0, t0 = 0, u;
	const struct seg *s;

	for (s = sc->segs; s->kind != SEG_END; t0 += s->dur_s, s++) {
		u = (t - t0) / s->dur_s;
		if (t >= t0 + s->dur_s) {
			if (s->kind == SEG_CREEP || s->kind == SEG_TILT)
				base += s->deg;
			continue;
		}
		switch (s->kind) {
		case SEG_MOVE:
			return base + s->deg * sin(2 * M_PI * s->hz * (t - t0));
		case SEG_STILL:
		case SEG_END:
			return base;
		case SEG_TWITCH:
			return base + s->deg * sin(M_PI * u);
		case SEG_CREEP:
			return base + s->deg * u;
		case SEG_TILT:
			return base + s->deg * u * u * (3 - 2 * u);
		}
	}
	return base;
}

static size_t render(const struct scene *sc)
{
	uint64_t seed = sc->seed;
	double r0[9], axis[3], trem[3], g[3], c, sn, a, t, end, kv;
	double dt = 1.0 / sc->rate_hz;
	size_t n = 0;
	int i;

	synth_random_rotation(&seed, r0);
	/*
	 * Tilts about a level axis: turning about the vertical moves no
	 * gravity, so no accelerometer can see it.
	 */
	for (i = 0; i < 3; i++) {
		axis[i] = i < 2 ? synth_normal(&seed) : 0.0;
		trem[i] = synth_normal(&seed);
	}
	a = sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
	c = sqrt(trem[0] * trem[0] + trem[1] * trem[1] + trem[2] * trem[2]);
	for (i = 0; i < 3; i++) {
		axis[i] /= a;
		trem[i] /= c;
	}
	for (i = 0; sc->segs[i].kind != SEG_END; i++)
		;
	end = seg_start(sc, i);
	for (t = 0; t < end && n < MAX_SAMPLES;) {
		/* Gravity (world +z) seen from the turned limb: Rodrigues. */
		a = -angle(sc, t) * M_PI / 180.0;
		c = cos(a);
		sn = sin(a);
		kv = axis[2];
		g[0] = -axis[1] * sn + axis[0] * kv * (1 - c);
		g[1] = axis[0] * sn + axis[1] * kv * (1 - c);
		g[2] = c + axis[2] * kv * (1 - c);
		samples[n].t_us = llround(t * 1e6);
		for (i = 0; i < 3; i++) {
			double v = r0[i] * g[0] + r0[3 + i] * g[1] +
				   r0[6 + i] * g[2];

			v += sc->tremor_g * trem[i] *
				     sin(2 * M_PI * sc->tremor_hz * t) +
			     sc->noise_g * synth_normal(&seed);
			(&samples[n].x)[i] = (float)v;
		}
		n++;
		t += dt * (1 + sc->jitter * (2 * synth_uniform(&seed) - 1));
	}
	return n;
}

static void run(const struct scene *sc, const struct hold_detect_config *cfg,
		struct result *res)
{
	struct hold_detect *hd;
	size_t n = render(sc), i, k, chunk;

	assert_int_equal(hold_detect_new(cfg, &hd), 0);
	memset(res, 0, sizeof(*res));
	/* Notifications carry a few samples each. */
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 3 ? n - i : 3;
		k = hold_detect_push(hd, &samples[i], chunk, res->ev + res->n,
				     MAX_EVENTS - res->n);
		res->n += k;
	}
	res->holding = hold_detect_holding(hd);
	res->held_us = hold_detect_held_us(hd);
	hold_detect_free(hd);
}

static void assert_near_us(int64_t got, double want_s, double tol_s)
{
	int64_t want = llround(want_s * 1e6), tol = llround(tol_s * 1e6);

	if (llabs(got - want) > tol)
		fail_msg("at %.3f s, expected %.3f +- %.3f s",
			 (double)got / 1e6, want_s, tol_s);
}

/* A plank: get down (moving), hold 30 s with tremor, drop the hips. */
static struct scene plank(double rate, uint64_t seed)
{
	return (struct scene){
		.rate_hz = rate,
		.jitter = 0.3,
		.tremor_g = 0.05,
		.tremor_hz = 10,
		.noise_g = 0.01,
		.seed = seed,
		.segs = {{SEG_MOVE, 4, 30, 0.5},
			 {SEG_STILL, 30, 0, 0},
			 {SEG_TILT, 0.8, 40, 0},
			 {SEG_MOVE, 3, 20, 0.7}},
	};
}

static void test_plank_every_rate(void **state)
{
	static const double rates[] = {25, 50, 100, 200};
	struct result r;
	unsigned i, seed;

	for (i = 0; i < 4; i++)
		for (seed = 1; seed <= 4; seed++) {
			struct scene sc = plank(rates[i], seed * 101 + i);

			run(&sc, NULL, &r);
			assert_int_equal(r.n, 2);
			assert_int_equal(r.ev[0].type, HOLD_STARTED);
			assert_near_us(r.ev[0].t_us, 4.2, 0.4);
			/* Seen one still second later, plus filtering. */
			assert_true(r.ev[0].detected_us - r.ev[0].t_us <
				    (int64_t)(1.5 * SEC));
			assert_int_equal(r.ev[1].type, HOLD_BROKEN);
			assert_near_us(r.ev[1].t_us, 34.2, 0.4);
			/* HOLD_DETECT_BREAK_S out of place, plus filtering. */
			assert_true(r.ev[1].detected_us - r.ev[1].t_us <
				    (int64_t)(1.5 * SEC));
			assert_int_equal(r.ev[1].held_us,
					 r.ev[1].t_us - r.ev[0].t_us);
			assert_false(r.holding);
			assert_int_equal(r.held_us, r.ev[1].held_us);
		}
}

/* Legs shaking hard in a wall sit are no movement, at any frequency. */
static void test_wall_sit_tremor_holds(void **state)
{
	static const struct {
		double g, hz;
	} tremor[] = {{0.1, 10}, {0.3, 8}, {0.4, 6}, {0.3, 5}};
	struct result r;
	unsigned i;

	for (i = 0; i < 4; i++) {
		struct scene sc = {
			.rate_hz = 50,
			.jitter = 0.2,
			.tremor_g = tremor[i].g,
			.tremor_hz = tremor[i].hz,
			.noise_g = 0.01,
			.seed = 7 + i,
			.segs = {{SEG_MOVE, 3, 40, 0.5},
				 {SEG_STILL, 60, 0, 0},
				 {SEG_TILT, 1.0, 80, 0},
				 {SEG_MOVE, 3, 20, 0.5}},
		};

		run(&sc, NULL, &r);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.ev[0].type, HOLD_STARTED);
		assert_near_us(r.ev[0].t_us, 3.2, 0.5);
		assert_int_equal(r.ev[1].type, HOLD_BROKEN);
		assert_near_us(r.ev[1].t_us, 63.2, 0.5);
	}
}

/* Single twitches, even sharp ones, and a slow sag do not break it. */
static void test_twitch_and_creep_forgiven(void **state)
{
	struct scene sc = {
		.rate_hz = 100,
		.jitter = 0.3,
		.tremor_g = 0.05,
		.tremor_hz = 9,
		.noise_g = 0.01,
		.seed = 42,
		.segs = {{SEG_MOVE, 4, 30, 0.5},
			 {SEG_STILL, 8, 0, 0},
			 {SEG_TWITCH, 0.3, 25, 0},
			 {SEG_STILL, 8, 0, 0},
			 {SEG_TWITCH, 0.4, -15, 0},
			 {SEG_STILL, 5, 0, 0},
			 {SEG_CREEP, 10, 12, 0},
			 {SEG_STILL, 5, 0, 0}},
	};
	struct result r;

	run(&sc, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].type, HOLD_STARTED);
	assert_true(r.holding);
	assert_near_us(r.held_us, seg_start(&sc, 8) - 4.2, 0.5);
}

/* Twitches in quick succession add up to a break, dated at the first. */
static void test_twitches_add_up(void **state)
{
	struct scene sc = {
		.rate_hz = 50,
		.jitter = 0.3,
		.tremor_g = 0.05,
		.tremor_hz = 9,
		.noise_g = 0.01,
		.seed = 5,
		.segs = {{SEG_MOVE, 4, 30, 0.5},
			 {SEG_STILL, 10, 0, 0},
			 {SEG_TWITCH, 0.4, 30, 0},
			 {SEG_STILL, 0.3, 0, 0},
			 {SEG_TWITCH, 0.4, 30, 0},
			 {SEG_STILL, 0.3, 0, 0},
			 {SEG_TWITCH, 0.4, 30, 0},
			 {SEG_STILL, 5, 0, 0}},
	};
	struct result r;

	run(&sc, NULL, &r);
	assert_true(r.n >= 2);
	assert_int_equal(r.ev[1].type, HOLD_BROKEN);
	assert_near_us(r.ev[1].t_us, 14.1, 0.3);
}

/* Out of position for longer than a twitch: broken, dated at its start. */
static void test_long_excursion_breaks(void **state)
{
	struct scene sc = {
		.rate_hz = 100,
		.jitter = 0.3,
		.tremor_g = 0.05,
		.tremor_hz = 9,
		.noise_g = 0.01,
		.seed = 43,
		.segs = {{SEG_MOVE, 4, 30, 0.5},
			 {SEG_STILL, 10, 0, 0},
			 {SEG_TWITCH, 1.2, 30, 0},
			 {SEG_STILL, 5, 0, 0}},
	};
	struct result r;

	run(&sc, NULL, &r);
	assert_true(r.n >= 2);
	assert_int_equal(r.ev[1].type, HOLD_BROKEN);
	assert_near_us(r.ev[1].t_us, 14.3, 0.4);
}

/* Reps are movement: they end a hold and none starts during them. */
static void test_reps_break_and_no_hold_while_moving(void **state)
{
	struct scene sc = {
		.rate_hz = 25,
		.jitter = 0.4,
		.noise_g = 0.02,
		.seed = 9,
		.segs = {{SEG_MOVE, 2, 30, 0.5},
			 {SEG_STILL, 12, 0, 0},
			 {SEG_MOVE, 20, 25, 0.4}},
	};
	struct result r;

	run(&sc, NULL, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0].type, HOLD_STARTED);
	assert_int_equal(r.ev[1].type, HOLD_BROKEN);
	assert_near_us(r.ev[1].t_us, 14.2, 0.4);
	assert_false(r.holding);
}

/* Back in position after a break: a second hold. */
static void test_hold_again(void **state)
{
	struct scene sc = {
		.rate_hz = 50,
		.jitter = 0.2,
		.tremor_g = 0.05,
		.tremor_hz = 10,
		.noise_g = 0.01,
		.seed = 11,
		.segs = {{SEG_MOVE, 3, 30, 0.5},
			 {SEG_STILL, 10, 0, 0},
			 {SEG_TILT, 0.8, 60, 0},
			 {SEG_STILL, 4, 0, 0},
			 {SEG_TILT, 0.8, -60, 0},
			 {SEG_STILL, 10, 0, 0}},
	};
	struct result r;

	run(&sc, NULL, &r);
	/* A still pause out of position is a hold too: 3 or 4 events. */
	assert_true(r.n >= 3);
	assert_int_equal(r.ev[0].type, HOLD_STARTED);
	assert_int_equal(r.ev[1].type, HOLD_BROKEN);
	assert_near_us(r.ev[1].t_us, 13.2, 0.4);
	assert_int_equal(r.ev[r.n - 1].type, HOLD_STARTED);
	assert_near_us(r.ev[r.n - 1].t_us, 18.9, 0.5);
	assert_true(r.holding);
}

/* Still from the reset on: a hold only when the config says so. */
static void test_still_from_start(void **state)
{
	struct scene sc = {
		.rate_hz = 50,
		.jitter = 0.2,
		.tremor_g = 0.05,
		.tremor_hz = 10,
		.noise_g = 0.01,
		.seed = 3,
		.segs = {{SEG_STILL, 20, 0, 0}},
	};
	struct hold_detect_config cfg = {.rate_hz = 50, .start_if_still = true};
	struct result r;

	run(&sc, NULL, &r);
	assert_int_equal(r.n, 0);
	assert_false(r.holding);
	assert_int_equal(r.held_us, 0);
	run(&sc, &cfg, &r);
	assert_int_equal(r.n, 1);
	assert_near_us(r.ev[0].t_us, 0.0, 0.5);
	assert_true(r.holding);
	assert_near_us(r.held_us, 20.0, 0.6);
}

/* Reset forgets the hold; events wait when the caller's array is full. */
static void test_reset_and_queue(void **state)
{
	struct scene sc = plank(50, 77);
	struct hold_event ev[4];
	struct hold_detect *hd;
	size_t n = render(&sc), i, got = 0;

	assert_int_equal(hold_detect_new(NULL, &hd), 0);
	for (i = 0; i < n; i++)
		got += hold_detect_push(hd, &samples[i], 1, ev, 0);
	assert_int_equal(got, 0);
	assert_int_equal(hold_detect_push(hd, NULL, 0, ev, 1), 1);
	assert_int_equal(ev[0].type, HOLD_STARTED);
	assert_int_equal(hold_detect_push(hd, NULL, 0, ev, 4), 1);
	assert_int_equal(ev[0].type, HOLD_BROKEN);
	hold_detect_reset(hd);
	assert_false(hold_detect_holding(hd));
	assert_int_equal(hold_detect_held_us(hd), 0);
	assert_int_equal(hold_detect_push(hd, NULL, 0, ev, 4), 0);
	hold_detect_free(hd);
}

static void test_new_rejects_nonsense(void **state)
{
	struct hold_detect_config bad[] = {
		{.rate_hz = -1}, {.rate_hz = NAN}, {.rate_hz = 5000}};
	struct hold_detect *hd = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hold_detect_new(&bad[i], &hd), -EINVAL);
	assert_null(hd);
	hold_detect_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plank_every_rate),
		cmocka_unit_test(test_wall_sit_tremor_holds),
		cmocka_unit_test(test_twitch_and_creep_forgiven),
		cmocka_unit_test(test_twitches_add_up),
		cmocka_unit_test(test_long_excursion_breaks),
		cmocka_unit_test(test_reps_break_and_no_hold_while_moving),
		cmocka_unit_test(test_hold_again),
		cmocka_unit_test(test_still_from_start),
		cmocka_unit_test(test_reset_and_queue),
		cmocka_unit_test(test_new_rejects_nonsense),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
