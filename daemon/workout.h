/* SPDX-License-Identifier: MIT */
/*
 * workout.h - what a workout is: an ordered list of blocks (warm-up,
 * interval circuit, isometric hold, rep step), as read from
 * config/workouts/NAME.conf by workout-file.c.
 *
 * Pure data: no GLib, no allocation. Any thread may read a struct workout
 * it owns. Durations are milliseconds; 0 means "not used".
 */
#ifndef GYMHUB_WORKOUT_H
#define GYMHUB_WORKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKOUT_NAME_MAX	48 /* bytes with the NUL: file stem */
#define WORKOUT_TITLE_MAX	64
#define WORKOUT_DESCRIPTION_MAX 256
#define WORKOUT_EXERCISE_MAX	48
#define WORKOUT_MAX_BLOCKS	32
#define WORKOUT_MAX_EXERCISES	16 /* per interval block, one per round */

enum block_kind {
	BLOCK_WARMUP,	/* one timed segment, e.g. 5 min easy cardio */
	BLOCK_INTERVAL, /* sets x rounds of work/rest (tabata) */
	BLOCK_HOLD,	/* sets of an isometric hold, optionally per side */
	BLOCK_REPS,	/* sets of N reps, each ended by "done" */
};

struct block {
	enum block_kind kind;
	/*
	 * Interval blocks name one exercise per round and cycle through
	 * them; the other kinds use exercises[0].
	 */
	char exercises[WORKOUT_MAX_EXERCISES][WORKOUT_EXERCISE_MAX];
	size_t n_exercises;
	uint32_t work_ms;     /* interval work, hold time, warm-up length */
	uint32_t rest_ms;     /* between rounds (interval), between sets */
	uint32_t rounds;      /* interval rounds per set; 1 otherwise */
	uint32_t sets;	      /* >= 1 */
	uint32_t set_rest_ms; /* interval: rest between sets */
	uint32_t reps;	      /* rep blocks: target per set */
	bool per_side;	      /* hold: left then right, SWITCH between */
	uint32_t switch_ms;   /* per-side hold: pause to change sides */
	/* hold: the countdown starts once a motion sensor sees stillness */
	bool wait_still;
	uint32_t rest_after_ms; /* rest before the next block, if any */
};

struct workout {
	char name[WORKOUT_NAME_MAX];
	char title[WORKOUT_TITLE_MAX];
	char description[WORKOUT_DESCRIPTION_MAX];
	uint32_t prep_ms; /* get-ready time before the first block */
	struct block blocks[WORKOUT_MAX_BLOCKS];
	size_t n_blocks;
	/*
	 * Cue choices; workout-file.c fills them from the hub config and
	 * lets a workout file override them.
	 */
	uint32_t countdown_s; /* beeps in the last N s before a start */
	bool halfway;	      /* beep halfway through work and holds */
	bool last10;	      /* beep 10 s before the end of long efforts */
};

#endif
