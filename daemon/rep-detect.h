/* SPDX-License-Identifier: MIT */
/*
 * rep-detect.h - live repetition counting from one accelerometer worn or
 * clipped anywhere (wrist, dumbbell, thigh, chest strap, belt), in any
 * orientation, for any exercise, without per-exercise training.
 *
 * A rep is counted at a turnaround of the movement (where it reverses),
 * one per cycle, as soon as the movement has all but stopped there: in
 * sample time, 0.14 s before the limb arrives (median) to 0.18 s after
 * (99th percentile), as bench-reps measures on synthetic sets at 25-200
 * Hz. Reps of 0.7 s to 8 s are counted. Until 3 reps have set a rhythm,
 * a movement 2.5 times larger than all before it is taken for the real
 * start of the set (the earlier ones were getting ready): the next event
 * has count 1 again, and events still queued are dropped. How it works is
 * told in rep-detect.c.
 *
 * Threads: rep_detect_new() and rep_detect_free() allocate and free, so
 * they belong to the main thread (before the low-latency thread uses the
 * detector and after it is done). Everything else may be called from one
 * thread at a time - the low-latency thread - and never allocates, locks,
 * logs or makes a system call; each sample costs O(1) work.
 */
#ifndef GYMHUB_REP_DETECT_H
#define GYMHUB_REP_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "motion.h"

struct rep_detect_config {
	/*
	 * The sensor's nominal rate, 1-1000 Hz; 0 means 50. Sizes the
	 * internal grid (25-50 Hz); the actual timing may be irregular.
	 */
	float rate_hz;
};

struct rep_event {
	int64_t t_us;	     /* the turnaround, on the samples' clock */
	int64_t detected_us; /* the sample that made it certain */
	int64_t duration_us; /* since the previous rep's turnaround */
	uint32_t count;	     /* reps since the reset, this one included */
	float amplitude_g;   /* peak-to-peak along the axis of motion */
};

struct rep_detect;

/* @cfg may be NULL for the defaults. -EINVAL, -ENOMEM. */
int rep_detect_new(const struct rep_detect_config *cfg,
		   struct rep_detect **ret);
void rep_detect_free(struct rep_detect *rd); /* accepts NULL */

/* At a set's start: count from 0, forget the signal and its axis. */
void rep_detect_reset(struct rep_detect *rd);

/*
 * Feeds @n samples in time order (a sample older than the one before, or
 * not finite, is skipped) and copies up to @max_out new rep events into
 * @out, oldest first; returns how many. Events that do not fit wait (up
 * to REP_DETECT_QUEUE of them; beyond that the oldest waiting is lost,
 * not its count) and come out on the next call: n = 0 just collects.
 * Gaps of more than 1 s between samples restart the filters.
 */
#define REP_DETECT_QUEUE 8
size_t rep_detect_push(struct rep_detect *rd, const struct motion_sample *s,
		       size_t n, struct rep_event *out, size_t max_out);

/* Reps counted since the reset (events still waiting included). */
uint32_t rep_detect_count(const struct rep_detect *rd);

#endif
