/* SPDX-License-Identifier: MIT */
/*
 * engine.h - the interval engine: turns a workout into segments, keeps the
 * workout's state under start/pause/resume/skip/done/stop, and says which
 * cues are due when.
 *
 * Pure logic: no GLib, no clock reads. Every call takes "now" as a
 * CLOCK_MONOTONIC time in nanoseconds, so tests drive time by hand.
 * Main thread only; engine_new() allocates, nothing else does.
 *
 * Timing model. A segment that starts on schedule starts at the planned
 * end of the previous one (never at "whenever the main loop woke up"), so
 * deadlines do not drift. Pausing freezes the current segment; resuming
 * shifts its end, and so every later deadline, by the time spent paused.
 * Skip and done end the current segment at "now".
 *
 * Cues. A cue at a boundary between segments (start, end, switch, done)
 * belongs to the boundary: when a segment with a fixed length begins, the
 * engine hands out its interior cues (countdown, halfway, last 10 s) and
 * the boundary cue at its end, so the cue thread holds them early and
 * fires them on time. When a segment begins off schedule (start, skip,
 * done, or after an open-ended rep step) its start cue is handed out with
 * deadline "now". After pause the caller must cancel what it scheduled;
 * after resume engine_take_cues() hands out what is still ahead.
 *
 * Holds that wait. A hold segment with wait_still, begun while the caller
 * said a motion sensor is there (engine_set_hold_wait()), is open like a
 * rep step: no start cue, no deadline, the whole hold time remaining,
 * until engine_hold_go() (the runner is still in position, or said
 * "done") starts its countdown with a start cue. Countdown beeps before
 * it still lead into it: they say "get into position".
 */
#ifndef GYMHUB_ENGINE_H
#define GYMHUB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cue.h"
#include "workout.h"

enum segment_kind {
	SEGMENT_PREP,	/* get ready */
	SEGMENT_WARMUP, /* timed warm-up */
	SEGMENT_WORK,	/* interval work */
	SEGMENT_REST,	/* rest between rounds, sets or blocks */
	SEGMENT_HOLD,	/* isometric hold */
	SEGMENT_SWITCH, /* change sides in a per-side hold */
	SEGMENT_REPS,	/* rep step: open until done (or skip) */
	SEGMENT_KIND_MAX,
};

enum side {
	SIDE_NONE,
	SIDE_LEFT,
	SIDE_RIGHT,
};

struct segment {
	enum segment_kind kind;
	uint32_t duration_ms; /* 0 for SEGMENT_REPS: open until done */
	char exercise[WORKOUT_EXERCISE_MAX]; /* "" for prep and rest */
	enum side side;
	uint16_t block;	 /* index into workout.blocks */
	uint16_t round;	 /* 1-based; 0 when not in an interval block */
	uint16_t rounds; /* rounds per set of this block */
	uint16_t set;	 /* 1-based */
	uint16_t sets;
	uint32_t reps; /* rep target for SEGMENT_REPS */
	/* SEGMENT_HOLD: its countdown may wait for the runner to be still */
	bool wait_still;
	/* ms from workout start if nothing is paused, skipped or open */
	uint64_t planned_start_ms;
};

enum engine_state {
	ENGINE_IDLE, /* created, not started */
	ENGINE_RUNNING,
	ENGINE_PAUSED,
	ENGINE_FINISHED, /* ran to the end (skips included) */
	ENGINE_STOPPED,	 /* stopped by the user */
};

struct engine;

/*
 * Flattens @w into segments (a copy: @w may be freed afterwards).
 * -EINVAL for a workout with no blocks, a block with 0 sets or rounds, a
 * timed segment of 0 ms or countdown_s above 10; -E2BIG past
 * ENGINE_MAX_SEGMENTS, -ENOMEM.
 */
#define ENGINE_MAX_SEGMENTS 1024
int engine_new(const struct workout *w, struct engine **ret);
void engine_free(struct engine *e); /* accepts NULL */

size_t engine_n_segments(const struct engine *e);
const struct segment *engine_segment(const struct engine *e, size_t i);
/* Planned total length, open rep steps counted as 0. */
uint64_t engine_planned_ms(const struct engine *e);

/*
 * 0 or -EALREADY (started before). Begins segment 0 at @now. Pause,
 * skip, done and stop first apply the transitions due by @now, as
 * engine_advance() would.
 */
int engine_start(struct engine *e, uint64_t now);
/* 0, or -EINVAL when not running / not paused. */
int engine_pause(struct engine *e, uint64_t now);
int engine_resume(struct engine *e, uint64_t now);
/* Ends the current segment at @now; the last one finishes the workout. */
int engine_skip(struct engine *e, uint64_t now);
/*
 * Like skip, for a rep step; in a waiting hold it is engine_hold_go().
 * -EINVAL for any other segment.
 */
int engine_done(struct engine *e, uint64_t now);
/*
 * Whether hold segments with wait_still that begin from now on wait for
 * stillness (true while a motion sensor is connected). A boundary cue
 * already scheduled keeps the choice made with it. Default false.
 */
void engine_set_hold_wait(struct engine *e, bool wait);
/* True while the current hold waits for the runner (paused included). */
bool engine_waiting(const struct engine *e);
/*
 * The waiting hold's countdown starts at @now: 0, or -EINVAL when the
 * current segment is no waiting hold (or the engine is not running).
 * Its start cue is due at @now, its other cues follow.
 */
int engine_hold_go(struct engine *e, uint64_t now);
/* 0, or -EINVAL when idle or already over. */
int engine_stop(struct engine *e, uint64_t now);
/*
 * Applies every scheduled transition whose deadline is <= @now (several,
 * if the caller woke late). Returns how many segments ended.
 */
int engine_advance(struct engine *e, uint64_t now);

/* End of the current segment; UINT64_MAX when none is ahead. */
uint64_t engine_next_deadline(const struct engine *e);

enum engine_state engine_state(const struct engine *e);
/* Index of the current segment; engine_n_segments() once over. */
size_t engine_current(const struct engine *e);
/* Time left in the current segment (0 when open or over). */
uint32_t engine_remaining_ms(const struct engine *e, uint64_t now);
/*
 * Actual times of segment @i (CLOCK_MONOTONIC ns); 0 where it has not
 * started or ended yet. A skipped-over segment never started.
 */
void engine_segment_times(const struct engine *e, size_t i, uint64_t *ret_start,
			  uint64_t *ret_end);

/*
 * Cues to hand to the cue thread now, earliest first, each with a seq
 * number that is unique in this engine. Returns how many were written;
 * call again while it returns @max. Cues are handed out once.
 */
size_t engine_take_cues(struct engine *e, struct cue *out, size_t max);

const char *segment_kind_to_string(enum segment_kind kind);
const char *side_to_string(enum side side); /* "", "left", "right" */
const char *engine_state_to_string(enum engine_state state);

#endif
