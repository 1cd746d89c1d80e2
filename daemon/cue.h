/* SPDX-License-Identifier: MIT */
/*
 * cue.h - the audible cues and how each one sounds.
 *
 * Pure: no GLib, no allocation; safe on the cue thread.
 */
#ifndef GYMHUB_CUE_H
#define GYMHUB_CUE_H

#include <stddef.h>
#include <stdint.h>

enum cue_kind {
	CUE_COUNTDOWN, /* one short beep per second before a start */
	CUE_START,     /* work, hold or rep step begins */
	CUE_HALFWAY,   /* halfway through work or a hold */
	CUE_LAST10,    /* 10 s left of a long effort */
	CUE_END,       /* work or hold ends, rest begins */
	CUE_SWITCH,    /* change sides */
	CUE_DONE,      /* the workout is over */
	CUE_BROKEN,    /* a hold was broken before its time was up */
	CUE_KIND_MAX,
};

/* One scheduled cue. deadline_ns is CLOCK_MONOTONIC. */
struct cue {
	uint64_t deadline_ns;
	uint16_t kind;	  /* enum cue_kind */
	uint16_t segment; /* index of the segment it belongs to */
	uint32_t seq;	  /* per-session serial, to match fired reports */
};

/* What the cue thread reports back once a cue's first edge is out. */
struct cue_fired {
	struct cue cue;
	uint64_t fired_ns; /* CLOCK_MONOTONIC when the buzzer turned on */
};

/* One beep of a pattern. A pattern ends at the first tone with on_ms 0. */
struct cue_tone {
	uint16_t on_ms;
	uint16_t off_ms; /* silence after this tone */
	uint16_t hz;	 /* pitch for a passive (PWM) buzzer */
};

#define CUE_PATTERN_MAX 4

/*
 * The pattern for a cue: a NUL-tone-terminated array of at most
 * CUE_PATTERN_MAX tones. Each kind sounds different (short, long, double,
 * triple...) so a runner can tell them apart without looking.
 */
const struct cue_tone *cue_pattern(enum cue_kind kind);

/* "countdown", "start", ...; NULL for an unknown kind. */
const char *cue_kind_to_string(enum cue_kind kind);
int cue_kind_from_string(const char *s); /* kind or -EINVAL */

#endif
