/* SPDX-License-Identifier: MIT */
/*
 * button-press.h - debounce and short/long press classification for the
 * hub's push buttons, from GPIO edges with their kernel timestamps.
 *
 * A level counts once it has held for the debounce time: bounces and
 * glitches shorter than that are ignored, and the press is dated from the
 * last edge before the level settled, so timing follows the kernel's
 * timestamps, not how late the main loop woke up. A press released before
 * the long-press time is SHORT (reported at the release); one still held
 * at the long-press time is LONG, reported once, while still held; its
 * release reports nothing more.
 *
 * Feed it every edge (button_press_edge()), call button_press_tick()
 * when button_press_next_deadline() is due, and after each batch of edges.
 * All times in nanoseconds on one clock (the line's event clock, by
 * default CLOCK_MONOTONIC for libgpiod 1.6 edge events).
 *
 * Pure: no GLib, no allocation after button_press_new(). Not thread-safe:
 * one thread owns it (gymhubd's main loop).
 */
#ifndef GYMHUB_BUTTON_PRESS_H
#define GYMHUB_BUTTON_PRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUTTON_PRESS_MAX_BUTTONS 8
#define BUTTON_PRESS_NO_DEADLINE UINT64_MAX

/* Defaults when the config gives 0. */
#define BUTTON_PRESS_DEBOUNCE_NS   (30ull * 1000 * 1000)
#define BUTTON_PRESS_LONG_PRESS_NS (1000ull * 1000 * 1000)

enum button_edge {
	BUTTON_EDGE_RISING,  /* the line went high */
	BUTTON_EDGE_FALLING, /* the line went low */
};

enum button_press_kind {
	BUTTON_PRESS_SHORT,
	BUTTON_PRESS_LONG,
};

struct button_press_event {
	unsigned int button;
	enum button_press_kind kind;
	/* SHORT: when it was released; LONG: when it had been held for the
	 * long-press time. */
	uint64_t time_ns;
};

struct button_press_config {
	uint64_t debounce_ns;	/* a level must hold this long; 0: default */
	uint64_t long_press_ns; /* held this long: LONG; 0: default */
	/* Pressed pulls the line low (the usual wiring: a pull-up, the
	 * button to ground). false: pressed drives it high. */
	bool active_low;
};

struct button_press;

/* @n_buttons 1..BUTTON_PRESS_MAX_BUTTONS, all released at time 0. NULL
 * on a bad argument or no memory. */
struct button_press *button_press_new(const struct button_press_config *cfg,
				      unsigned int n_buttons);
void button_press_free(struct button_press *bp); /* accepts NULL */

/* Sets @button's line level as read at @time_ns (at start-up, or after
 * events were lost), taken as settled: no event. 0 or -EINVAL. */
int button_press_reset(struct button_press *bp, unsigned int button,
		       bool line_high, uint64_t time_ns);

/* One edge of @button at @time_ns. Writes at most one event (an earlier
 * press of this button that settled or reached the long-press time before
 * this edge) into @out. Returns the number of events, or -EINVAL. */
int button_press_edge(struct button_press *bp, unsigned int button,
		      enum button_edge edge, uint64_t time_ns,
		      struct button_press_event *out);

/* Advances every button to @now_ns. @out must hold one event per button.
 * Returns the number of events written, oldest button first. */
int button_press_tick(struct button_press *bp, uint64_t now_ns,
		      struct button_press_event *out);

/* When button_press_tick() has something to decide next, or
 * BUTTON_PRESS_NO_DEADLINE while every button rests. */
uint64_t button_press_next_deadline(const struct button_press *bp);

/* Whether @button is held down (debounced), for "hold A while pressing
 * B" gestures. */
bool button_press_is_down(const struct button_press *bp, unsigned int button);

#endif
