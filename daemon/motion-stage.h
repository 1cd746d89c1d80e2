/* SPDX-License-Identifier: MIT */
/*
 * motion-stage.h - rep counting and hold detection as the low-latency
 * thread runs them: samples in through an SPSC ring, rep and hold events
 * out through another, plus an eventfd each way.
 *
 * Why in the cue thread and not a sibling: a rep's tick is a sound, and
 * the buzzer has one owner, the cue thread, which keeps a tick from
 * cutting a cue. The detectors cost O(1) per sample (microseconds for a
 * notification's worth), far less than the jitter a second real-time
 * thread would add by competing for the same core on a Pi Zero 2 W.
 *
 * Threads: motion_stage_new()/_free(), _push(), _set_mode(), _fd(),
 * _drain() and _dropped() are the main thread's; _wake_fd() and _run()
 * the low-latency thread's (never allocating, locking, logging; the only
 * system calls are one eventfd read and at most one write per run).
 */
#ifndef GYMHUB_MOTION_STAGE_H
#define GYMHUB_MOTION_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "motion.h"

enum motion_mode {
	MOTION_OFF,  /* samples are dropped unread */
	MOTION_REPS, /* count reps (a rep step) */
	MOTION_HOLD, /* detect a hold and its break */
};

enum motion_event_type {
	MOTION_REP,
	MOTION_HOLD_STARTED,
	MOTION_HOLD_BROKEN,
};

struct motion_event {
	enum motion_event_type type;
	uint32_t mode_seq; /* the set_mode() call it belongs to */
	int64_t t_us;	   /* turnaround / start / break, sensor clock */
	int64_t detected_us;
	uint32_t count;	     /* MOTION_REP: reps since the mode was set */
	float amplitude_g;   /* MOTION_REP */
	int64_t duration_us; /* MOTION_REP: rep length; HOLD_BROKEN: held */
};

struct motion_stage;

/* @rate_hz: the sensors' nominal rate (0: 50). -ENOMEM, -EINVAL. */
int motion_stage_new(float rate_hz, struct motion_stage **ret);
void motion_stage_free(struct motion_stage *ms); /* accepts NULL */

/*
 * Main thread. Queues samples; returns how many did not fit (counted in
 * motion_stage_dropped()) and wakes the thread once per call.
 */
size_t motion_stage_push(struct motion_stage *ms, const struct motion_sample *s,
			 size_t n);
/* Main thread: starts a set or hold afresh in @mode; its sequence number
 * (echoed in events, so late events of an earlier set can be told), or
 * -ENOBUFS. */
int64_t motion_stage_set_mode(struct motion_stage *ms, enum motion_mode mode);
/* Main thread: readable when events wait; drain clears it. */
int motion_stage_fd(const struct motion_stage *ms);
size_t motion_stage_drain(struct motion_stage *ms, struct motion_event *out,
			  size_t max);
/* Samples and events dropped for a full ring since the start. */
uint64_t motion_stage_dropped(const struct motion_stage *ms);

/* Low-latency thread: poll this fd for POLLIN... */
int motion_stage_wake_fd(const struct motion_stage *ms);
/*
 * ...and call this when it is readable (or at any time): runs what waits
 * through the detectors. True when a rep was counted in this run (the
 * caller may sound a tick).
 */
bool motion_stage_run(struct motion_stage *ms);

#endif
