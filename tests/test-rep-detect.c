/* SPDX-License-Identifier: MIT */
/*
 * test-rep-detect.c - rep counting on synthetic sets (tests/motion-synth.c)
 * a person would count without hesitation: the sensor on a dumbbell, a
 * thigh, a wrist, a chest strap, a belt or a barbell, mounted in a random
 * orientation, at 25-200 Hz with irregular timing, noise and tremor, rest
 * before and after. Counts must be exact, and each rep must be counted at
 * most 250 ms (sample time) after the limb arrives at its turnaround.
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

#include "motion-synth.h"
#include "rep-detect.h"

#define MAX_SAMPLES 400000
#define MAX_TURNS   512
#define MAX_EVENTS  256
#define LATENCY_US  250000

struct result {
	struct rep_event ev[MAX_EVENTS];
	size_t n;
	uint32_t count;
	int64_t turn[MAX_TURNS];
	size_t n_turn;
};

static struct motion_sample samples[MAX_SAMPLES];

/* Feeds the set in notifications of @chunk samples, as BLE delivers. */
static void run(const struct synth_reps *p, size_t chunk, struct result *res)
{
	struct rep_detect_config cfg = {.rate_hz = (float)p->rate_hz};
	struct rep_detect *rd;
	size_t n, i, k;

	memset(res, 0, sizeof(*res));
	n = synth_reps(p, samples, MAX_SAMPLES, res->turn, MAX_TURNS,
		       &res->n_turn);
	assert_int_equal(rep_detect_new(&cfg, &rd), 0);
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		res->n += rep_detect_push(rd, &samples[i], k, res->ev + res->n,
					  MAX_EVENTS - res->n);
	}
	res->count = rep_detect_count(rd);
	rep_detect_free(rd);
}

/* The turnaround nearest to the rep's own estimate of it. */
static int64_t nearest_turn(const struct result *res, int64_t t)
{
	int64_t best = res->turn[0];
	size_t i;

	for (i = 1; i < res->n_turn; i++)
		if (llabs(res->turn[i] - t) < llabs(best - t))
			best = res->turn[i];
	return best;
}

static void assert_reps(const struct result *res, unsigned want)
{
	size_t i;

	assert_int_equal(res->count, want);
	assert_int_equal(res->n, want);
	for (i = 0; i < res->n; i++) {
		const struct rep_event *e = &res->ev[i];
		int64_t turn = nearest_turn(res, e->t_us);

		assert_int_equal(e->count, i + 1);
		if (e->detected_us - turn > LATENCY_US)
			fail_msg("rep %zu counted %lld ms after its turnaround",
				 i + 1,
				 (long long)(e->detected_us - turn) / 1000);
		assert_true(e->detected_us >= e->t_us);
		assert_true(e->amplitude_g > 0.0f);
		if (i > 0)
			assert_int_equal(e->duration_us,
					 e->t_us - res->ev[i - 1].t_us);
	}
}

/*
 * Mountings and exercises: travel of the sensor, how far it turns, and
 * the timing of a rep (up, pause, down, pause) in seconds.
 */
static const struct {
	const char *what;
	double travel_m, swing_deg, out_s, pause_out_s, back_s, pause_back_s;
} kinds[] = {
	{"dumbbell curl, on the dumbbell", 0.35, 120, 1.0, 0.2, 1.3, 0.4},
	{"squat, on the thigh", 0.45, 80, 1.3, 0.1, 1.1, 0.5},
	{"lateral raise, on the wrist", 0.5, 80, 1.0, 0.3, 1.5, 0.3},
	{"push-up, chest strap", 0.3, 15, 0.8, 0.1, 0.7, 0.3},
	{"squat, belt", 0.45, 30, 1.4, 0.2, 1.2, 0.6},
	{"bench press, on the bar", 0.45, 0, 1.0, 0.3, 1.0, 0.3},
};

static struct synth_reps set_of(unsigned k, double rate, uint64_t seed)
{
	return (struct synth_reps){
		.rate_hz = rate,
		.jitter = 0.3,
		.rest_before_s = 3,
		.rest_after_s = 3,
		.n_reps = 10,
		.out_s = kinds[k].out_s,
		.back_s = kinds[k].back_s,
		.pause_out_s = kinds[k].pause_out_s,
		.pause_back_s = kinds[k].pause_back_s,
		.travel_m = kinds[k].travel_m,
		.swing_deg = kinds[k].swing_deg,
		.noise_g = 0.01,
		.tremor_g = 0.02,
		.tremor_hz = 9,
		.seed = seed,
	};
}

static void test_mountings_and_rates(void **state)
{
	static const double rates[] = {25, 50, 100, 200};
	struct result res;
	unsigned k, r, seed;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (r = 0; r < 4; r++)
			for (seed = 1; seed <= 3; seed++) {
				struct synth_reps p = set_of(
					k, rates[r], seed * 1000 + k * 10 + r);

				run(&p, 1, &res);
				if (res.count != 10)
					fail_msg("%s at %.0f Hz, seed %u: %u",
						 kinds[k].what, rates[r], seed,
						 res.count);
				assert_reps(&res, 10);
			}
}

/* Fast (0.8 s) and slow (6 s) reps, continuous and with pauses. */
static void test_fast_and_slow(void **state)
{
	static const struct {
		double out_s, pause_s;
	} pace[] = {{0.4, 0}, {0.35, 0.05}, {2.5, 0.5}, {3.0, 0}};
	struct result res;
	unsigned i, seed;

	for (i = 0; i < 4; i++)
		for (seed = 1; seed <= 4; seed++) {
			struct synth_reps p = {
				.rate_hz = 50,
				.jitter = 0.2,
				.rest_before_s = 2,
				.rest_after_s = 3,
				.n_reps = 12,
				.out_s = pace[i].out_s,
				.back_s = pace[i].out_s,
				.pause_out_s = pace[i].pause_s,
				.pause_back_s = pace[i].pause_s,
				.travel_m = 0.4,
				.swing_deg = 70,
				.noise_g = 0.01,
				.seed = seed * 77 + i,
			};

			run(&p, 4, &res);
			assert_reps(&res, 12);
		}
}

/* Fatigue: reps slow down by half and shrink to half their height. */
static void test_fatigue(void **state)
{
	struct synth_reps p = set_of(0, 50, 31);
	struct result res;

	p.n_reps = 14;
	p.last_scale = 0.5;
	p.last_slow = 1.6;
	run(&p, 2, &res);
	assert_reps(&res, 14);
}

/* A set that was already going when the detector was reset. */
static void test_joined_mid_set(void **state)
{
	struct synth_reps p = set_of(1, 100, 5);
	struct result res;

	/* 3 s rest + 2 reps (6 s) + most of the third: 7 complete after. */
	p.skip_s = 3 + 2 * 3.0 + 2.0;
	run(&p, 5, &res);
	/*
	 * A person joining then counts the reps seen end to end. The count
	 * may start again once the first full rep shows the part seen of the
	 * third was small: the last event has the final count.
	 */
	assert_in_range(res.count, 7, 8);
	assert_true(res.n >= res.count);
	assert_int_equal(res.ev[res.n - 1].count, res.count);
}

/* Sensor jitter and dropped notifications (gaps up to 0.3 s). */
static void test_irregular_timing(void **state)
{
	struct synth_reps p = set_of(2, 50, 8);
	struct result res;
	size_t n, i, m = 0;
	struct rep_detect *rd;
	struct rep_event ev[REP_DETECT_QUEUE];
	uint64_t seed = 99;

	p.jitter = 0.9;
	run(&p, 1, &res);
	assert_reps(&res, 10);

	/* Lose notifications: bursts of up to 15 samples (0.3 s). */
	n = synth_reps(&p, samples, MAX_SAMPLES, NULL, 0, &i);
	for (i = 0; i < n; i++) {
		if (synth_uniform(&seed) < 0.02) {
			i += 1 + (size_t)(14 * synth_uniform(&seed));
			continue;
		}
		samples[m++] = samples[i];
	}
	assert_int_equal(rep_detect_new(NULL, &rd), 0);
	rep_detect_push(rd, samples, m, ev, REP_DETECT_QUEUE);
	assert_int_equal(rep_detect_count(rd), 10);
	rep_detect_free(rd);
}

/* Rest alone, fidgeting in place and sensor noise are no reps. */
static void test_no_reps(void **state)
{
	struct synth_reps p = set_of(0, 50, 3);
	struct result res;

	p.n_reps = 0;
	p.rest_before_s = 30;
	p.noise_g = 0.02;
	p.tremor_g = 0.1;
	run(&p, 3, &res);
	assert_int_equal(res.count, 0);
	/* Small shifting of weight: 3 cm moves, 3 degrees. */
	p.n_reps = 8;
	p.travel_m = 0.03;
	p.swing_deg = 3;
	run(&p, 3, &res);
	assert_int_equal(res.count, 0);
}

/*
 * Getting into position first (two small adjustments of the grip and
 * stance) is not counted once the set proper starts.
 */
static void test_setup_movement_not_counted(void **state)
{
	static const double travel[] = {0.05, 0.1};
	struct synth_reps p = set_of(0, 50, 12);
	struct rep_detect *rd;
	struct rep_event ev[MAX_EVENTS];
	size_t n1, n2, i, nt;
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct synth_reps prep = p;

		prep.n_reps = 2;
		prep.travel_m = travel[k];
		prep.swing_deg = 10;
		prep.out_s = prep.back_s = 0.9;
		prep.rest_after_s = 1;
		n1 = synth_reps(&prep, samples, MAX_SAMPLES, NULL, 0, &nt);
		n2 = synth_reps(&p, samples + n1, MAX_SAMPLES - n1, NULL, 0,
				&nt);
		for (i = n1; i < n1 + n2; i++)
			samples[i].t_us += samples[n1 - 1].t_us + 20000;
		assert_int_equal(rep_detect_new(NULL, &rd), 0);
		for (i = 0; i < n1 + n2; i++)
			rep_detect_push(rd, &samples[i], 1, ev, MAX_EVENTS);
		assert_int_equal(rep_detect_count(rd), 10);
		rep_detect_free(rd);
	}
}

/* Reset starts a new set; events wait while the caller has no room. */
static void test_reset_and_queue(void **state)
{
	struct synth_reps p = set_of(1, 50, 21);
	struct rep_event ev[REP_DETECT_QUEUE];
	struct rep_detect *rd;
	size_t n, nt, i, got = 0;

	n = synth_reps(&p, samples, MAX_SAMPLES, NULL, 0, &nt);
	assert_int_equal(rep_detect_new(NULL, &rd), 0);
	/* No room: the first REP_DETECT_QUEUE events wait, newest kept. */
	for (i = 0; i < n; i++)
		assert_int_equal(rep_detect_push(rd, &samples[i], 1, ev, 0), 0);
	assert_int_equal(rep_detect_count(rd), 10);
	got = rep_detect_push(rd, NULL, 0, ev, REP_DETECT_QUEUE);
	assert_int_equal(got, REP_DETECT_QUEUE);
	assert_int_equal(ev[0].count, 10 - REP_DETECT_QUEUE + 1);
	assert_int_equal(ev[got - 1].count, 10);
	assert_int_equal(rep_detect_push(rd, NULL, 0, ev, 1), 0);

	rep_detect_reset(rd);
	assert_int_equal(rep_detect_count(rd), 0);
	for (i = 0; i < n; i++)
		rep_detect_push(rd, &samples[i], 1, ev, 1);
	assert_int_equal(rep_detect_count(rd), 10);
	rep_detect_free(rd);
}

/* Garbage in the stream is skipped, not counted or propagated. */
static void test_bad_samples(void **state)
{
	struct synth_reps p = set_of(3, 50, 17);
	struct rep_event ev[REP_DETECT_QUEUE];
	struct rep_detect *rd;
	size_t n, nt, i;

	n = synth_reps(&p, samples, MAX_SAMPLES, NULL, 0, &nt);
	for (i = 100; i < n; i += 97)
		samples[i].x = NAN;
	for (i = 150; i < n; i += 211)
		samples[i].t_us -= 500000; /* from the past */
	assert_int_equal(rep_detect_new(NULL, &rd), 0);
	for (i = 0; i < n; i++)
		rep_detect_push(rd, &samples[i], 1, ev, REP_DETECT_QUEUE);
	assert_int_equal(rep_detect_count(rd), 10);
	rep_detect_free(rd);
}

static void test_new_rejects_nonsense(void **state)
{
	struct rep_detect_config bad[] = {
		{.rate_hz = -1}, {.rate_hz = NAN}, {.rate_hz = 1e6f}};
	struct rep_detect *rd = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rep_detect_new(&bad[i], &rd), -EINVAL);
	assert_null(rd);
	rep_detect_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountings_and_rates),
		cmocka_unit_test(test_fast_and_slow),
		cmocka_unit_test(test_fatigue),
		cmocka_unit_test(test_joined_mid_set),
		cmocka_unit_test(test_irregular_timing),
		cmocka_unit_test(test_no_reps),
		cmocka_unit_test(test_setup_movement_not_counted),
		cmocka_unit_test(test_reset_and_queue),
		cmocka_unit_test(test_bad_samples),
		cmocka_unit_test(test_new_rejects_nonsense),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
