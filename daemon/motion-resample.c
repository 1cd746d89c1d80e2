/* SPDX-License-Identifier: MIT */
/*
 * motion-resample.c - irregular samples onto a uniform grid.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "motion-resample.h"

int motion_resample_init(struct motion_resample *ret, float grid_hz,
			 float aa_hz, int64_t max_gap_us)
{
	int64_t step;

	if (!(grid_hz >= 1.0f && grid_hz <= 1000.0f) || !(aa_hz > 0.0f))
		return -EINVAL;
	step = (int64_t)lroundf(1e6f / grid_hz);
	if (max_gap_us <= step)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->step_us = step;
	ret->max_gap_us = max_gap_us;
	ret->tau_s = 1.0f / (2.0f * (float)M_PI * aa_hz);
	return 0;
}

void motion_resample_reset(struct motion_resample *rs)
{
	rs->started = false;
}

static void start(struct motion_resample *rs, const struct motion_sample *s)
{
	rs->started = true;
	rs->next_us = rs->prev_us = rs->cur_us = s->t_us;
	rs->cur[0] = rs->prev[0] = s->x;
	rs->cur[1] = rs->prev[1] = s->y;
	rs->cur[2] = rs->prev[2] = s->z;
}

enum motion_resample_result motion_resample_feed(struct motion_resample *rs,
						 const struct motion_sample *s)
{
	const float in[3] = {s->x, s->y, s->z};
	int64_t dt;
	float alpha;
	int i;

	if (!isfinite(s->x) || !isfinite(s->y) || !isfinite(s->z))
		return MOTION_RESAMPLE_REJECTED;
	if (!rs->started) {
		start(rs, s);
		return MOTION_RESAMPLE_RESTART;
	}
	if (s->t_us < rs->cur_us)
		return MOTION_RESAMPLE_REJECTED;
	dt = s->t_us - rs->cur_us;
	if (dt > rs->max_gap_us) {
		/* Nothing honest can be drawn across a dropout. */
		start(rs, s);
		return MOTION_RESAMPLE_RESTART;
	}
	/*
	 * Exact for an input held over dt; a sample with the same time as the
	 * last one (dt = 0) has no weight, as it covers no time.
	 */
	alpha = 1.0f - expf(-(float)dt * 1e-6f / rs->tau_s);
	rs->prev_us = rs->cur_us;
	rs->cur_us = s->t_us;
	for (i = 0; i < 3; i++) {
		rs->prev[i] = rs->cur[i];
		rs->cur[i] += alpha * (in[i] - rs->cur[i]);
	}
	return MOTION_RESAMPLE_OK;
}

bool motion_resample_next(struct motion_resample *rs, struct motion_sample *ret)
{
	float w = 1.0f, v[3];
	int i;

	if (!rs->started || rs->next_us > rs->cur_us)
		return false;
	if (rs->cur_us > rs->prev_us && rs->next_us > rs->prev_us)
		w = (float)(rs->next_us - rs->prev_us) /
		    (float)(rs->cur_us - rs->prev_us);
	else if (rs->cur_us > rs->prev_us)
		w = 0.0f;
	for (i = 0; i < 3; i++)
		v[i] = rs->prev[i] + w * (rs->cur[i] - rs->prev[i]);
	*ret = (struct motion_sample){
		.t_us = rs->next_us, .x = v[0], .y = v[1], .z = v[2]};
	rs->next_us += rs->step_us;
	return true;
}

float motion_resample_step_s(const struct motion_resample *rs)
{
	return (float)rs->step_us * 1e-6f;
}
