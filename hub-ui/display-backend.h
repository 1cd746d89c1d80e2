/* SPDX-License-Identifier: MIT */
/*
 * display-backend.h - where gymhub-display's frames go: one interface in
 * front of an SSD1306/SH1106 on I2C, a Linux framebuffer, PNG files and
 * the terminal. Above it the same code renders every backend; each one
 * only turns the rendered image into its device's format and sends what
 * changed.
 *
 * Not thread-safe: gymhub-display's main thread. Library code: errors
 * are returned as -errno, with a sentence in *ret_error where offered;
 * nothing is logged.
 */
#ifndef GYMHUB_DISPLAY_BACKEND_H
#define GYMHUB_DISPLAY_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "display-state.h"

enum display_backend_kind {
	DISPLAY_BACKEND_SSD1306,
	DISPLAY_BACKEND_SH1106,
	DISPLAY_BACKEND_FB,
	DISPLAY_BACKEND_PNG,
	DISPLAY_BACKEND_TERM,
};

enum display_term_mode {
	DISPLAY_TERM_AUTO, /* braille for mono, half blocks for colour */
	DISPLAY_TERM_TEXT, /* one line of text per change */
	DISPLAY_TERM_BRAILLE,
	DISPLAY_TERM_BLOCKS,
};

struct display_backend_options {
	enum display_backend_kind kind;
	const char *i2c_path;  /* SSD1306/SH1106: /dev/i2c-1 */
	int i2c_addr;	       /* 0x3c */
	unsigned int contrast; /* SSD1306/SH1106: 1..255, 0 default */
	const char *fb_path;   /* /dev/fb0 */
	const char *png_path;  /* PNG: the file rewritten on every change */
	enum display_term_mode term_mode;
	int width, height; /* 0: the device's own (fb), else 128x64 */
	bool rotate180;
};

struct display_backend {
	const char *name;
	int width, height; /* what to render */
	bool mono;
	/* Shows @img (RGB24, width x height); @st is what it shows, for the
	 * text backend. 0 or -errno. */
	int (*show)(struct display_backend *b, cairo_surface_t *img,
		    const struct display_state *st);
	/* Blanks the panel as the program exits; may be NULL. */
	void (*blank)(struct display_backend *b);
	void (*free)(struct display_backend *b);
	/* Bytes sent to the device by the last show(), for the benchmark
	 * and the log. */
	size_t last_bytes;
};

/* Opens the backend @o asks for. On failure returns -errno and a
 * sentence for the user in *@ret_error (free()). */
int display_backend_open(const struct display_backend_options *o,
			 struct display_backend **ret, char **ret_error);

/* Shows @img (RGB24, the backend's width x height) through @b; the
 * backend turns it when opened with rotate180. 0 or -errno. */
int display_backend_show(struct display_backend *b, cairo_surface_t *img,
			 const struct display_state *st);

void display_backend_free(struct display_backend *b); /* accepts NULL */

#endif
