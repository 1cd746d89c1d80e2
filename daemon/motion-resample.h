/* SPDX-License-Identifier: MIT */
/*
 * motion-resample.h - puts accelerometer samples that arrive at any rate
 * and with irregular timing onto a uniform time grid, so the detectors can
 * run fixed-coefficient filters.
 *
 * Each input first goes through a one-pole low-pass discretised exactly
 * for its own time step (alpha = 1 - exp(-dt / tau)): the anti-alias filter
 * when several samples fall in one grid step, close to a pass-through when
 * they are sparse. Grid points are then linearly interpolated between the
 * last two filtered inputs, so a grid point comes out as soon as the first
 * sample at or after its time is in: the delay is at most one input step.
 *
 * Plain state in caller-owned memory, no allocation: one thread at a time
 * (the low-latency thread, inside the rep and hold detectors).
 */
#ifndef GYMHUB_MOTION_RESAMPLE_H
#define GYMHUB_MOTION_RESAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "motion.h"

/* Fields are private to motion-resample.c. */
struct motion_resample {
	int64_t step_us;    /* grid step */
	int64_t max_gap_us; /* longer silences restart the grid */
	float tau_s;	    /* anti-alias time constant */
	bool started;
	int64_t next_us;	 /* next grid point to produce */
	int64_t prev_us, cur_us; /* the last two inputs, after filtering */
	float prev[3], cur[3];
};

enum motion_resample_result {
	MOTION_RESAMPLE_OK,	  /* taken */
	MOTION_RESAMPLE_RESTART,  /* first sample, or after a gap: the grid
				   * starts again at this sample's time */
	MOTION_RESAMPLE_REJECTED, /* not finite, or older than the last */
};

/*
 * @grid_hz in [1, 1000], @aa_hz (anti-alias corner) above 0, @max_gap_us
 * above one grid step. -EINVAL otherwise, @ret untouched.
 */
int motion_resample_init(struct motion_resample *ret, float grid_hz,
			 float aa_hz, int64_t max_gap_us);
/* Forgets all samples; the next one restarts the grid. */
void motion_resample_reset(struct motion_resample *rs);
/* Takes one sample; then drain the grid points with motion_resample_next. */
enum motion_resample_result motion_resample_feed(struct motion_resample *rs,
						 const struct motion_sample *s);
/* The next grid point the samples fed so far cover; false when none. */
bool motion_resample_next(struct motion_resample *rs,
			  struct motion_sample *ret);
/* The grid step, in seconds. */
float motion_resample_step_s(const struct motion_resample *rs);

#endif
