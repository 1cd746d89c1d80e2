/* SPDX-License-Identifier: MIT */
/*
 * biquad.c - Butterworth sections from the RBJ cookbook: with
 * w0 = 2 pi fc / fs and alpha = sin(w0) / (2 Q),
 *   low-pass:  b = (1 - cos w0) / 2 * {1, 2, 1}
 *   high-pass: b = (1 + cos w0) / 2 * {1, -2, 1}
 *   both:      a = {1 + alpha, -2 cos w0, 1 - alpha}
 * all divided by a0 = 1 + alpha.
 */
#include <errno.h>
#include <math.h>

#include "biquad.h"

static int design(float rate_hz, float cutoff_hz, int high, struct biquad *ret)
{
	double w0, c, alpha, a0, k;

	/* Written as !(a < b) so that NaN is refused as well. */
	if (!(rate_hz > 0.0f) || !(cutoff_hz > 0.0f) ||
	    !(cutoff_hz < rate_hz / 2.0f))
		return -EINVAL;
	w0 = 2.0 * M_PI * (double)cutoff_hz / (double)rate_hz;
	c = cos(w0);
	alpha = sin(w0) / (2.0 * M_SQRT1_2);
	a0 = 1.0 + alpha;
	k = (high ? 1.0 + c : 1.0 - c) / 2.0 / a0;
	*ret = (struct biquad){
		.b0 = (float)k,
		.b1 = (float)(high ? -2.0 * k : 2.0 * k),
		.b2 = (float)k,
		.a1 = (float)(-2.0 * c / a0),
		.a2 = (float)((1.0 - alpha) / a0),
	};
	return 0;
}

int biquad_design_lowpass(float rate_hz, float cutoff_hz, struct biquad *ret)
{
	return design(rate_hz, cutoff_hz, 0, ret);
}

int biquad_design_highpass(float rate_hz, float cutoff_hz, struct biquad *ret)
{
	return design(rate_hz, cutoff_hz, 1, ret);
}

void biquad_settle(struct biquad *bq, float x)
{
	/* The steady output is the DC gain times x; solve the two states. */
	float den = 1.0f + bq->a1 + bq->a2;
	float y = den != 0.0f ? (bq->b0 + bq->b1 + bq->b2) / den * x : 0.0f;

	bq->z1 = y - bq->b0 * x;
	bq->z2 = bq->b2 * x - bq->a2 * y;
}
