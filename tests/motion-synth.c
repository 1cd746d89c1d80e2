/* SPDX-License-Identifier: MIT */
/*
 * motion-synth.c - synthetic rep recordings (see motion-synth.h).
 */
#include <math.h>

#include "motion-synth.h"

#define G0 9.80665

double synth_uniform(uint64_t *seed)
{
	/* xorshift64*, top 53 bits. */
	*seed ^= *seed >> 12;
	*seed ^= *seed << 25;
	*seed ^= *seed >> 27;
	return (double)((*seed * UINT64_C(2685821657736338717)) >> 11) /
	       9007199254740992.0;
}

double synth_normal(uint64_t *seed)
{
	double u = synth_uniform(seed), v = synth_uniform(seed);

	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

static void random_unit(uint64_t *seed, double v[3])
{
	double n;

	do {
		v[0] = synth_normal(seed);
		v[1] = synth_normal(seed);
		v[2] = synth_normal(seed);
		n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	} while (n < 1e-6);
	v[0] /= n;
	v[1] /= n;
	v[2] /= n;
}

/* Rodrigues: @v rotated by @ang about unit @k, into @out. */
static void rotate(const double k[3], double ang, const double v[3],
		   double out[3])
{
	double c = cos(ang), s = sin(ang);
	double kv = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
	double x[3] = {k[1] * v[2] - k[2] * v[1], k[2] * v[0] - k[0] * v[2],
		       k[0] * v[1] - k[1] * v[0]};
	int i;

	for (i = 0; i < 3; i++)
		out[i] = v[i] * c + x[i] * s + k[i] * kv * (1.0 - c);
}

void synth_random_rotation(uint64_t *seed, double r[9])
{
	double q[4], n;

	/* A normalised 4-D Gaussian is a uniform random quaternion. */
	do {
		q[0] = synth_normal(seed);
		q[1] = synth_normal(seed);
		q[2] = synth_normal(seed);
		q[3] = synth_normal(seed);
		n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	} while (n < 1e-6);
	q[0] /= n;
	q[1] /= n;
	q[2] /= n;
	q[3] /= n;
	r[0] = 1 - 2 * (q[2] * q[2] + q[3] * q[3]);
	r[1] = 2 * (q[1] * q[2] - q[0] * q[3]);
	r[2] = 2 * (q[1] * q[3] + q[0] * q[2]);
	r[3] = 2 * (q[1] * q[2] + q[0] * q[3]);
	r[4] = 1 - 2 * (q[1] * q[1] + q[3] * q[3]);
	r[5] = 2 * (q[2] * q[3] - q[0] * q[1]);
	r[6] = 2 * (q[1] * q[3] - q[0] * q[2]);
	r[7] = 2 * (q[2] * q[3] + q[0] * q[1]);
	r[8] = 1 - 2 * (q[1] * q[1] + q[2] * q[2]);
}

static double lerp_rep(double last, unsigned i, unsigned n)
{
	if (last == 0.0 || n < 2)
		return 1.0;
	return 1.0 + (last - 1.0) * (double)i / (double)(n - 1);
}

/*
 * Position along the move (fraction of the rep's travel) and its second
 * derivative (1/s^2) at time @t: minimum-jerk halves, held between.
 */
static void profile(const struct synth_reps *p, double t, double *pos,
		    double *acc)
{
	double t0 = p->rest_before_s, T, u, sc;
	unsigned i;

	*pos = 0.0;
	*acc = 0.0;
	for (i = 0; i < p->n_reps && t >= t0; i++) {
		sc = lerp_rep(p->last_scale, i, p->n_reps);
		T = p->out_s * lerp_rep(p->last_slow, i, p->n_reps);
		if (t < t0 + T) {
			u = (t - t0) / T;
			*pos = sc * u * u * u * (10.0 - 15.0 * u + 6.0 * u * u);
			*acc = sc *
			       (60.0 * u - 180.0 * u * u + 120.0 * u * u * u) /
			       (T * T);
			return;
		}
		t0 += T;
		*pos = sc;
		if (t < t0 + p->pause_out_s)
			return;
		t0 += p->pause_out_s;
		T = p->back_s * lerp_rep(p->last_slow, i, p->n_reps);
		if (t < t0 + T) {
			u = (t - t0) / T;
			*pos = sc *
			       (1.0 -
				u * u * u * (10.0 - 15.0 * u + 6.0 * u * u));
			*acc = -sc *
			       (60.0 * u - 180.0 * u * u + 120.0 * u * u * u) /
			       (T * T);
			return;
		}
		t0 += T + p->pause_back_s;
		*pos = 0.0;
	}
}

static size_t turnarounds(const struct synth_reps *p, int64_t *turn,
			  size_t max_turn)
{
	double t = p->rest_before_s, slow;
	size_t n = 0;
	unsigned i;
	int k;

	for (i = 0; i < p->n_reps; i++) {
		slow = lerp_rep(p->last_slow, i, p->n_reps);
		for (k = 0; k < 2; k++) {
			t += (k == 0 ? p->out_s : p->back_s) * slow;
			if (t >= p->skip_s) {
				if (turn && n < max_turn)
					turn[n] = (int64_t)llround(
						(t - p->skip_s) * 1e6);
				n++;
			}
			t += k == 0 ? p->pause_out_s : p->pause_back_s;
		}
	}
	return n;
}

size_t synth_reps(const struct synth_reps *p, struct motion_sample *out,
		  size_t max, int64_t *turn, size_t max_turn,
		  size_t *ret_n_turn)
{
	uint64_t seed = p->seed ? p->seed : 1;
	double r0[9], dir[3], axis[3], trem[3], up[3] = {0, 0, 1}, v[3], w[3];
	double t, end, dt = 1.0 / p->rate_hz, pos, acc, ph;
	size_t n = 0;
	int i;

	synth_random_rotation(&seed, r0);
	random_unit(&seed, dir);
	random_unit(&seed, axis);
	random_unit(&seed, trem);
	ph = 2.0 * M_PI * synth_uniform(&seed);
	end = p->rest_before_s + p->rest_after_s;
	for (i = 0; i < (int)p->n_reps; i++) {
		double slow = lerp_rep(p->last_slow, (unsigned)i, p->n_reps);

		end += (p->out_s + p->back_s) * slow + p->pause_out_s;
		if (i + 1 < (int)p->n_reps)
			end += p->pause_back_s;
	}
	for (t = p->skip_s; t < end && n < max;) {
		profile(p, t, &pos, &acc);
		/* World: gravity reading plus the linear acceleration. */
		for (i = 0; i < 3; i++)
			v[i] = up[i] + dir[i] * acc * p->travel_m / G0;
		/* Into the limb's frame, then the sensor's mounting. */
		rotate(axis, -pos * p->swing_deg * M_PI / 180.0, v, w);
		for (i = 0; i < 3; i++) {
			v[i] = r0[i] * w[0] + r0[3 + i] * w[1] +
			       r0[6 + i] * w[2];
			v[i] += p->noise_g * synth_normal(&seed) +
				p->tremor_g * trem[i] *
					sin(2.0 * M_PI * p->tremor_hz * t + ph);
		}
		out[n++] = (struct motion_sample){
			.t_us = (int64_t)llround((t - p->skip_s) * 1e6),
			.x = (float)v[0],
			.y = (float)v[1],
			.z = (float)v[2],
		};
		t += dt *
		     (1.0 + p->jitter * (2.0 * synth_uniform(&seed) - 1.0));
	}
	*ret_n_turn = turnarounds(p, turn, max_turn);
	return n;
}
