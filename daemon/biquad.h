/* SPDX-License-Identifier: MIT */
/*
 * biquad.h - second-order IIR sections (Butterworth low- and high-pass)
 * at a fixed sample rate, for the motion detectors.
 *
 * Designed with the bilinear transform and the Q of a Butterworth pair
 * (RBJ "Audio EQ Cookbook" formulas); run as transposed direct form II,
 * which keeps float round-off small at cut-offs far below the rate.
 *
 * Plain state in caller-owned memory: no allocation, no global state. One
 * section belongs to one thread at a time (the detectors use them in the
 * low-latency thread); biquad_design_*() may run in any thread.
 */
#ifndef GYMHUB_BIQUAD_H
#define GYMHUB_BIQUAD_H

struct biquad {
	float b0, b1, b2, a1, a2; /* a0 normalised to 1 */
	float z1, z2;
};

/*
 * Butterworth (Q = 1/sqrt(2)) sections; the state starts at zero.
 * -EINVAL unless 0 < @cutoff_hz < @rate_hz / 2; @ret is untouched then.
 */
int biquad_design_lowpass(float rate_hz, float cutoff_hz, struct biquad *ret);
int biquad_design_highpass(float rate_hz, float cutoff_hz, struct biquad *ret);

/* Sets the state as if @x had been the input forever (no start-up step). */
void biquad_settle(struct biquad *bq, float x);

static inline float biquad_step(struct biquad *bq, float x)
{
	float y = bq->b0 * x + bq->z1;

	bq->z1 = bq->b1 * x - bq->a1 * y + bq->z2;
	bq->z2 = bq->b2 * x - bq->a2 * y;
	return y;
}

#endif
