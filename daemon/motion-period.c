/* SPDX-License-Identifier: MIT */
/*
 * motion-period.c - autocorrelation period tracker.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "motion-period.h"

/* Fastest decimated rate: 12.5 Hz resolves 0.6 s periods to 7%. */
#define DECIM_MAX_HZ 12.5f
/* Octave guard: a shorter lag wins if it has this share of the best. */
#define FIRST_PEAK_SHARE 0.8f

int motion_period_init(struct motion_period *ret, float grid_hz, float min_s,
		       float max_s, float window_s)
{
	unsigned decim;
	float rate;

	if (!(grid_hz > 0.0f) || !(min_s > 0.0f) || !(max_s > min_s) ||
	    !(max_s <= 10.0f) || !(window_s > 0.0f))
		return -EINVAL;
	decim = (unsigned)ceilf(grid_hz / DECIM_MAX_HZ);
	if (decim < 1)
		decim = 1;
	rate = grid_hz / (float)decim;
	/* +1: the parabola needs the lag after the longest period. */
	if (ceilf(max_s * rate) + 1.0f >= (float)MOTION_PERIOD_MAX_LAGS ||
	    floorf(min_s * rate) < 1.0f)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->decim = decim;
	ret->rate_hz = rate;
	ret->min_lag = (unsigned)floorf(min_s * rate);
	ret->max_lag = (unsigned)ceilf(max_s * rate) + 1;
	ret->lambda = expf(-1.0f / (rate * window_s));
	return 0;
}

void motion_period_reset(struct motion_period *mp)
{
	mp->phase = 0;
	mp->head = mp->filled = 0;
	memset(mp->acc, 0, sizeof(mp->acc));
	memset(mp->r, 0, sizeof(mp->r));
	mp->period_s = mp->confidence = 0.0f;
}

static void estimate(struct motion_period *mp)
{
	unsigned top = mp->max_lag, k, best = 0;
	const float *r = mp->r;
	float gm = 0.0f, d, den;

	if (mp->filled <= top)
		top = mp->filled - 1;
	if (top < mp->min_lag + 2 || !(r[0] > 0.0f))
		return;
	/* Lags min_lag..top-1 have both neighbours. */
	for (k = mp->min_lag; k < top; k++)
		if (r[k] > gm)
			gm = r[k];
	if (gm <= 0.0f) {
		mp->confidence = 0.0f;
		return;
	}
	for (k = mp->min_lag > 1 ? mp->min_lag : 1; k < top; k++)
		if (r[k] >= FIRST_PEAK_SHARE * gm && r[k] >= r[k - 1] &&
		    r[k] >= r[k + 1]) {
			best = k;
			break;
		}
	if (best == 0)
		return;
	den = r[best - 1] - 2.0f * r[best] + r[best + 1];
	d = den < 0.0f ? 0.5f * (r[best - 1] - r[best + 1]) / den : 0.0f;
	mp->period_s = ((float)best + d) / mp->rate_hz;
	mp->confidence = r[best] / r[0];
}

bool motion_period_push(struct motion_period *mp, const float y[3])
{
	float v[3], *h;
	unsigned k, n, j;

	mp->acc[0] += y[0];
	mp->acc[1] += y[1];
	mp->acc[2] += y[2];
	if (++mp->phase < mp->decim)
		return false;
	mp->phase = 0;
	for (k = 0; k < 3; k++) {
		v[k] = mp->acc[k] / (float)mp->decim;
		mp->acc[k] = 0.0f;
	}
	memcpy(mp->hist[mp->head], v, sizeof(v));
	if (mp->filled < MOTION_PERIOD_MAX_LAGS)
		mp->filled++;
	n = mp->filled <= mp->max_lag ? mp->filled : mp->max_lag + 1;
	for (k = 0; k < n; k++) {
		j = (mp->head + MOTION_PERIOD_MAX_LAGS - k) %
		    MOTION_PERIOD_MAX_LAGS;
		h = mp->hist[j];
		mp->r[k] = mp->lambda * mp->r[k] + v[0] * h[0] + v[1] * h[1] +
			   v[2] * h[2];
	}
	mp->head = (mp->head + 1) % MOTION_PERIOD_MAX_LAGS;
	estimate(mp);
	return true;
}

float motion_period_get(const struct motion_period *mp, float *ret_confidence)
{
	if (ret_confidence)
		*ret_confidence = mp->confidence;
	return mp->period_s;
}
