/* SPDX-License-Identifier: MIT */
/*
 * display-state.h - everything one screen of gymhub-display shows, as a
 * plain struct: the renderer (render.h) turns it into pixels and knows
 * nothing else, so a screen is a pure function of this struct, its size
 * and whether the panel is mono. The clock time is in here too, so a
 * rendering is the same on every run.
 *
 * gymhub-display fills it from org.gymhub.Hub1; tests fill it by hand.
 * Strings are copied in (fixed arrays, truncated), so a state can be
 * kept, copied by assignment and compared with display_state_equal().
 *
 * Pure: no GLib, no D-Bus; any thread, one state per thread.
 */
#ifndef GYMHUB_DISPLAY_STATE_H
#define GYMHUB_DISPLAY_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which screen. */
enum display_mode {
	DISPLAY_NO_DAEMON = 0, /* gymhubd is not on the bus */
	DISPLAY_IDLE,
	DISPLAY_RUNNING,
	DISPLAY_PAUSED,
	DISPLAY_ENDED, /* the summary of the session that just ended */
};

/* Hub1 Phase. */
enum display_phase {
	DISPLAY_PHASE_NONE = 0,
	DISPLAY_PHASE_PREP,
	DISPLAY_PHASE_WARMUP,
	DISPLAY_PHASE_WORK,
	DISPLAY_PHASE_REST,
	DISPLAY_PHASE_HOLD,
	DISPLAY_PHASE_SWITCH,
	DISPLAY_PHASE_REPS,
};

enum display_side {
	DISPLAY_SIDE_NONE = 0,
	DISPLAY_SIDE_LEFT,
	DISPLAY_SIDE_RIGHT,
};

enum display_sensor_kind {
	DISPLAY_SENSOR_OTHER = 0,
	DISPLAY_SENSOR_HR,
	DISPLAY_SENSOR_MOTION,
};

#define DISPLAY_TEXT_MAX    48
#define DISPLAY_MAX_SENSORS 4

struct display_sensor {
	char name[DISPLAY_TEXT_MAX];
	enum display_sensor_kind kind;
	bool connected;
	int battery; /* percent, -1 unknown */
};

/* Local wall-clock time, broken down; valid false: not known. */
struct display_clock {
	bool valid;
	int hour, min;
	int wday; /* 0 = Sunday */
	int mday; /* 1..31 */
	int mon;  /* 0 = January */
};

/* What the session that just ended amounted to (DISPLAY_ENDED). */
struct display_summary {
	bool completed; /* false: stopped early */
	char workout[DISPLAY_TEXT_MAX];
	uint32_t elapsed_s;
	uint32_t rounds_done, rounds; /* 0 rounds: not a round workout */
	uint32_t reps;		      /* total counted; 0 none */
	uint32_t hr_avg, hr_max;      /* bpm, 0: no heart rate */
};

struct display_state {
	enum display_mode mode;
	char workout[DISPLAY_TEXT_MAX];
	enum display_phase phase;
	char exercise[DISPLAY_TEXT_MAX];
	enum display_side side;
	uint32_t round, rounds; /* 0 rounds: none */
	uint32_t set, sets;	/* 0 sets: none */
	uint32_t remaining_ms;	/* of the segment; 0 in an open rep step */
	uint32_t duration_ms;	/* of the segment; 0 when open */
	uint32_t target_reps;	/* of a rep step, else 0 */
	bool has_reps;		/* a rep count is known (motion sensor) */
	uint32_t reps;
	bool has_holding;    /* a hold watched by a motion sensor */
	bool holding;	     /* still in position */
	bool waiting;	     /* the hold's clock waits for stillness */
	uint32_t heart_rate; /* bpm, 0 none */
	uint32_t hr_zone;    /* 1..5, 0 none */
	size_t n_sensors;
	struct display_sensor sensors[DISPLAY_MAX_SENSORS];
	struct display_clock clock;
	char today[DISPLAY_TEXT_MAX]; /* today's planned workout, "" unknown */
	struct display_summary summary;
};

/* A zeroed state: the "hub not running" screen with no clock. */
void display_state_init(struct display_state *st);

/* Whether two states draw the same screen (strings compared up to their
 * end, fields that the mode does not show still compared). */
bool display_state_equal(const struct display_state *a,
			 const struct display_state *b);

/* Copies @src into @dst (size DISPLAY_TEXT_MAX), truncated at a
 * character boundary; NULL gives "". */
void display_state_set_text(char *dst, const char *src);

/* Hub1 strings to enums; unknown strings give NONE / OTHER. */
enum display_phase display_phase_from_string(const char *s);
enum display_side display_side_from_string(const char *s);
enum display_sensor_kind display_sensor_kind_from_string(const char *s);

/* Whole seconds shown for @ms left: rounded up, as countdowns do (0.2 s
 * left still reads 1). */
uint32_t display_seconds_shown(uint32_t ms);

#endif
