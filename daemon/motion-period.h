/* SPDX-License-Identifier: MIT */
/*
 * motion-period.h - the repetition period of a 3-D movement signal, from
 * its autocorrelation over the last several seconds.
 *
 * The signal is averaged down to at most 12.5 Hz (ample for periods of
 * 0.6 s and more); per decimated sample every lag's product sum is
 * updated with exponential forgetting, R(k) += y(n) . y(n-k), where "."
 * is the 3-D dot product: the sum over the axes, so the estimate does not
 * depend on the orientation or on any axis estimate. The period is the
 * first lag whose R is a local maximum within 80% of the largest one
 * (which keeps a strong 2T or 3T peak from being taken for the period),
 * refined by a parabola through its neighbours.
 *
 * Plain state in caller-owned memory, no allocation, O(lags) per
 * decimated sample: one thread at a time (the low-latency thread).
 */
#ifndef GYMHUB_MOTION_PERIOD_H
#define GYMHUB_MOTION_PERIOD_H

#include <stdbool.h>

#define MOTION_PERIOD_MAX_LAGS 128

/* Fields are private to motion-period.c. */
struct motion_period {
	unsigned decim, phase;
	float rate_hz; /* after decimation */
	unsigned min_lag, max_lag;
	float lambda;
	float acc[3];
	float hist[MOTION_PERIOD_MAX_LAGS][3];
	unsigned head, filled;
	float r[MOTION_PERIOD_MAX_LAGS];
	float period_s, confidence;
};

/*
 * @grid_hz: rate of the samples pushed; periods from @min_s to @max_s
 * (at most 10 s); @window_s: memory of the autocorrelation. -EINVAL.
 */
int motion_period_init(struct motion_period *ret, float grid_hz, float min_s,
		       float max_s, float window_s);
void motion_period_reset(struct motion_period *mp);
/* One sample at the grid rate; true when the estimate was updated. */
bool motion_period_push(struct motion_period *mp, const float y[3]);
/*
 * The latest period in seconds, 0 before there is one; @ret_confidence
 * (may be NULL) gets R(period) / R(0): near 1 for a steady rhythm, near 0
 * for noise.
 */
float motion_period_get(const struct motion_period *mp, float *ret_confidence);

#endif
