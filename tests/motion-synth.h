/* SPDX-License-Identifier: MIT */
/*
 * motion-synth.h - synthetic accelerometer recordings with a known truth,
 * for the rep and hold detector tests and bench-reps.
 *
 * The sensor sits on a limb or a weight in a random orientation. A rep is
 * a minimum-jerk move of @travel_m along a random direction together with
 * a rotation of @swing_deg about a random axis (so gravity swings across
 * the sensor's axes as it does on a wrist), out and back, with optional
 * pauses at both ends. The sensor reads R^T (a / g0 + up) in g, plus white
 * noise, a tremor sine, and timestamps that may jitter. Deterministic for
 * a given seed. Single-threaded test code.
 */
#ifndef GYMHUB_MOTION_SYNTH_H
#define GYMHUB_MOTION_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "motion.h"

struct synth_reps {
	double rate_hz; /* nominal sample rate */
	double jitter;	/* each step is dt * (1 +- jitter), uniform */
	double rest_before_s, rest_after_s;
	unsigned n_reps;
	double out_s, back_s; /* durations of the two halves of a rep */
	double pause_out_s;   /* held at the far end */
	double pause_back_s;  /* held at the start position between reps */
	double travel_m;
	double swing_deg;
	double last_scale; /* travel and swing of the last rep, relative to
			    * the first (linear in between); 0 = 1 */
	double last_slow;  /* duration of the last rep relative to the
			    * first (linear in between); 0 = 1 */
	double skip_s;	   /* drop this much from the start (joined late) */
	double noise_g;	   /* white noise per axis, standard deviation */
	double tremor_g, tremor_hz;
	uint64_t seed;
};

/*
 * Writes at most @max samples to @out and the turnaround times (arrivals
 * at either end of every move, microseconds, after @skip_s is taken out)
 * to @turn (at most @max_turn; may be NULL). Returns the sample count;
 * *ret_n_turn gets the turnaround count.
 */
size_t synth_reps(const struct synth_reps *p, struct motion_sample *out,
		  size_t max, int64_t *turn, size_t max_turn,
		  size_t *ret_n_turn);

/* A random rotation matrix (row-major) from @seed, for callers' own use. */
void synth_random_rotation(uint64_t *seed, double r[9]);
/* Uniform in [0, 1) and standard normal, from a xorshift state. */
double synth_uniform(uint64_t *seed);
double synth_normal(uint64_t *seed);

#endif
