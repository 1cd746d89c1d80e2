/* SPDX-License-Identifier: MIT */
/*
 * hold-detect.h - isometric holds (plank, wall sit, bridge, a dumbbell
 * held still) from one accelerometer in any place and orientation.
 *
 * Still after moving starts a hold; leaving the held position breaks it.
 * Both look only at voluntary movement (below 1.5 Hz), so the tremor of
 * a hard wall sit or plank, however strong, is neither movement nor a
 * break, and the thresholds rise with the tremor and noise the sensor
 * shows. The rules:
 *  - still: for HOLD_DETECT_STILL_S the posture varies by less than about
 *    1.5 degrees of tilt (0.025 g); the hold starts where that began;
 *  - broken: the posture leaves the held one by more than about 9 degrees
 *    (0.15 g) for HOLD_DETECT_BREAK_S in total, counted by a bucket that
 *    drains at a quarter of real time while back in place. A twitch out
 *    and back within about 0.7 s is forgiven; a longer one, twitches in
 *    quick succession, or reps add up and break it. The break is dated where
 * that movement began. A posture creeping slowly (under about 2 degrees a
 * second) is followed and is no break.
 *
 * Threads: hold_detect_new() and hold_detect_free() allocate and free and
 * belong to the main thread; everything else may be called from one
 * thread at a time - the low-latency thread - and never allocates, locks,
 * logs or makes a system call; each sample costs O(1) work.
 */
#ifndef GYMHUB_HOLD_DETECT_H
#define GYMHUB_HOLD_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "motion.h"

#define HOLD_DETECT_STILL_S 1.0
#define HOLD_DETECT_BREAK_S 0.8

struct hold_detect_config {
	/* The sensor's nominal rate, 1-1000 Hz; 0 means 50. */
	float rate_hz;
	/*
	 * Also start a hold when the sensor is still from the reset on, as
	 * when the runner is already in position at the hold's cue; by
	 * default some movement must come first.
	 */
	bool start_if_still;
};

enum hold_event_type {
	HOLD_STARTED,
	HOLD_BROKEN,
};

struct hold_event {
	enum hold_event_type type;
	int64_t t_us;	     /* when it happened, on the samples' clock */
	int64_t detected_us; /* the sample that made it certain */
	int64_t held_us;     /* HOLD_BROKEN: how long the hold lasted */
};

struct hold_detect;

/* @cfg may be NULL for the defaults. -EINVAL, -ENOMEM. */
int hold_detect_new(const struct hold_detect_config *cfg,
		    struct hold_detect **ret);
void hold_detect_free(struct hold_detect *hd); /* accepts NULL */

/* At a hold step's start: no hold, nothing seen. */
void hold_detect_reset(struct hold_detect *hd);

/*
 * As rep_detect_push(): @n samples in time order, up to @max_out events
 * out, oldest first; the rest wait (up to HOLD_DETECT_QUEUE) for the next
 * call.
 */
#define HOLD_DETECT_QUEUE 8
size_t hold_detect_push(struct hold_detect *hd, const struct motion_sample *s,
			size_t n, struct hold_event *out, size_t max_out);

/* Whether a hold is on (as of the events handed out or waiting). */
bool hold_detect_holding(const struct hold_detect *hd);
/*
 * The current hold's length up to the last sample; with no hold on, the
 * last hold's length; 0 when there was none since the reset.
 */
int64_t hold_detect_held_us(const struct hold_detect *hd);

#endif
