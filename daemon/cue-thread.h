/* SPDX-License-Identifier: MIT */
/*
 * cue-thread.h - the low-latency thread that fires cues at their absolute
 * deadlines and drives the buzzer.
 *
 * It sleeps on a CLOCK_MONOTONIC timerfd armed with TFD_TIMER_ABSTIME for
 * the next edge (a cue's first tone is its onset; later tones follow the
 * cue's pattern), and on an eventfd that the main thread signals when it
 * schedules or cancels. On its hot path it never allocates, locks, logs or
 * touches D-Bus, SQLite or files: commands come in through one SPSC ring,
 * reports of fired cues go out through another plus an eventfd that the
 * main loop watches.
 *
 * Everything here except the thread itself is called from the main thread.
 */
#ifndef GYMHUB_CUE_THREAD_H
#define GYMHUB_CUE_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buzzer.h"
#include "cue.h"
#include "motion-stage.h"

struct cue_thread_opts {
	bool realtime;	    /* ask for SCHED_FIFO */
	int priority;	    /* SCHED_FIFO priority, 1..99 */
	bool lock_memory;   /* mlockall(MCL_CURRENT | MCL_FUTURE) */
	size_t max_pending; /* cues held at once; 0 = default 256 */
	/*
	 * Rep and hold detection runs on this thread too (motion-stage.h
	 * says why); borrowed, outlives the thread; NULL for none.
	 */
	struct motion_stage *motion;
	bool rep_tick; /* a short tick per rep counted, when no cue sounds */
};

struct cue_thread;

/*
 * Starts the thread (with all signals blocked, named "gymhub-cues").
 * The buzzer stays owned by the caller and must outlive the thread.
 * Refusal of SCHED_FIFO or mlockall is not an error: see
 * cue_thread_rt_error().
 */
int cue_thread_new(struct buzzer *bz, const struct cue_thread_opts *opts,
		   struct cue_thread **ret);
/* Stops and joins the thread, silencing the buzzer; accepts NULL. */
void cue_thread_free(struct cue_thread *ct);

/*
 * Queues cues (any order), all or none: -ENOBUFS when the command ring
 * is full, -EINVAL for an unknown kind.
 */
int cue_thread_schedule(struct cue_thread *ct, const struct cue *cues,
			size_t n);
/* Drops every pending cue and silences the buzzer (pause, skip, stop). */
int cue_thread_cancel(struct cue_thread *ct);

/* Readable when fired reports wait; for a GLib unix fd source. */
int cue_thread_fd(const struct cue_thread *ct);
/* Clears the fd and copies out up to @max reports, oldest first. */
size_t cue_thread_drain(struct cue_thread *ct, struct cue_fired *out,
			size_t max);

/*
 * 0 when SCHED_FIFO (and mlockall, if asked) were granted or not asked
 * for, else the -errno of the first refusal. Valid once cue_thread_new()
 * returned.
 */
int cue_thread_rt_error(const struct cue_thread *ct);
/* Cues or reports dropped because a ring or the pending set was full. */
uint64_t cue_thread_dropped(const struct cue_thread *ct);

#endif
