/* SPDX-License-Identifier: MIT */
/*
 * term.h - gymhub-display in a terminal (make demo, SSH sessions): the
 * rendered image as Unicode braille dots (2x4 pixels a character, mono)
 * or half blocks with 24-bit colour (1x2 pixels a character), or a
 * plain line of text saying what the screen shows.
 *
 * Pure formatting into a caller's buffer; no I/O. Any thread.
 */
#ifndef GYMHUB_TERM_H
#define GYMHUB_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "display-state.h"

/* The screen as braille characters, rows ending in '\n': a pixel is a
 * dot when its green channel is at least 128. @pixels: 32-bit xRGB rows
 * of @stride bytes. Returns the length written (NUL-terminated, cut at
 * @size) or the size needed, as snprintf does. */
size_t term_braille(const void *pixels, int width, int height, int stride,
		    char *out, size_t size);

/* The same with half blocks ("upper half" U+2580, top pixel as the
 * foreground colour, bottom as the background), ANSI 24-bit colours,
 * attributes reset at each line end. */
size_t term_blocks(const void *pixels, int width, int height, int stride,
		   char *out, size_t size);

/* One line, no newline: "WORK 0:15 | Jump squats | round 3/8 | HR 156
 * Z4", "idle 07:05 | ...", "hub not running". Returns as snprintf. */
size_t term_text(const struct display_state *st, char *out, size_t size);

#endif
