/* SPDX-License-Identifier: MIT */
/*
 * display-fixtures.h - fixed display states, one per screen a user can
 * see, shared by test-render.c (golden PNGs), test-ssd1306.c and
 * bench-display.c. The clock is fixed: Tuesday 14 May, 07:05.
 */
#ifndef GYMHUB_TEST_DISPLAY_FIXTURES_H
#define GYMHUB_TEST_DISPLAY_FIXTURES_H

#include <stddef.h>

#include "display-state.h"

struct display_fixture {
	const char *name; /* golden file stem */
	void (*fill)(struct display_state *st);
};

extern const struct display_fixture display_fixtures[];
extern const size_t display_n_fixtures;

/* The panel sizes every screen is laid out for. */
struct display_size {
	int w, h;
	bool mono;
};

extern const struct display_size display_sizes[];
extern const size_t display_n_sizes;

/* A tabata work interval: 15 s of 20 left, round 3/8, heart rate. */
void display_fixture_work(struct display_state *st);

#endif
