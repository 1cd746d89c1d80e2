/* SPDX-License-Identifier: MIT */
/*
 * buttons.h - the hub's push buttons on GPIO lines (libgpiod 1.6 edge
 * events), debounced by button-press.c, turned into actions.
 *
 * The buttons live in gymhubd, not in gymhub-display: a display that
 * crashed, or was never installed, must not leave the runner unable to
 * pause or stop a workout.
 *
 *   start line:  short press  start / pause / resume
 *                long press   stop
 *   next line:   short press  skip, or "done" on a rep step
 *   stop line:   any press    stop (optional: a long press on start does
 *                             the same)
 *
 * Glue: main thread only, on the default GMainContext.
 */
#ifndef GYMHUB_BUTTONS_H
#define GYMHUB_BUTTONS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

enum button_action {
	BUTTON_START_PAUSE,
	BUTTON_NEXT,
	BUTTON_STOP,
};
const char *button_action_to_string(enum button_action a);

#define BUTTONS_NO_LINE (-1)

struct buttons_setup {
	const char *chip;	/* "gpiochip0", a number or a path */
	int start, next, stop;	/* line offsets, BUTTONS_NO_LINE: none */
	bool active_low;	/* pressed pulls the line low */
	bool pull_up;		/* ask the kernel for the pull-up bias */
	uint32_t debounce_ms;	/* 0: default 30 */
	uint32_t long_press_ms; /* 0: default 1000 */
	void (*pressed)(enum button_action a, void *user_data);
	void *user_data;
};

struct buttons;

/* NULL with @error when a line cannot be had (chip missing, line busy,
 * no permission); NULL without an error when no line is configured. */
struct buttons *buttons_new(const struct buttons_setup *setup, GError **error);
void buttons_free(struct buttons *b); /* accepts NULL */

#endif
