/* SPDX-License-Identifier: MIT */
/*
 * render.h - draws one screen of gymhub-display with cairo: a pure
 * function of (struct display_state, surface size, mono or colour) to
 * pixels. No D-Bus, no clock, no fonts from the system: digits are
 * seven-segment shapes, text is font.h's bitmap font, and everything is
 * drawn without antialiasing, so the same state gives the same pixels on
 * every machine (the golden PNGs of tests/test-render.c rely on it) and
 * the 1-bit OLED gets crisp edges.
 *
 * Two layouts: a compact one for panels under 120 pixels high (the 128x64
 * SSD1306/SH1106), and a large one scaled to the panel for colour panels
 * (laid out for 240x240 and 320x240). Mono draws only black and white.
 *
 * Any thread; a surface is used by one thread at a time (cairo's rule).
 */
#ifndef GYMHUB_RENDER_H
#define GYMHUB_RENDER_H

#include <stdbool.h>

#include <cairo.h>

#include "display-state.h"

#define RENDER_MIN_WIDTH  128
#define RENDER_MIN_HEIGHT 64

/* Draws the screen for @st over all of @surface, an image surface in
 * CAIRO_FORMAT_RGB24 or ARGB32 (opaque) at least 128x64. Returns 0,
 * -EINVAL for another kind of surface or a smaller one, -ENOMEM when
 * cairo fails. */
int render_screen(cairo_surface_t *surface, const struct display_state *st,
		  bool mono);

#endif
