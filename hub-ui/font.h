/* SPDX-License-Identifier: MIT */
/*
 * font.h - gymhub-display's own 5x7 bitmap font: upper case, digits, the
 * ASCII punctuation and a heart. Built in, so a screen renders to the
 * same pixels on every machine, with no fontconfig or system fonts.
 * Lower case is drawn as upper case; any other character as '?'.
 *
 * Pure, constant data: any thread.
 */
#ifndef GYMHUB_FONT_H
#define GYMHUB_FONT_H

#include <stddef.h>
#include <stdint.h>

#define FONT_W	     5
#define FONT_H	     7
#define FONT_ADVANCE 6 /* one column between characters */

/* The 7 rows of @cp's glyph, top first; bit 4 is the left column. */
const uint8_t *font_glyph(uint32_t cp);

/* Decodes the UTF-8 character at *@s and moves *@s past it; a broken
 * sequence counts as one U+FFFD. Returns 0 at the end of the string. */
uint32_t font_next_char(const char **s);

/* Characters in @s (UTF-8). */
size_t font_text_len(const char *s);

/* Width in pixels of @s drawn at @scale: no trailing gap. */
int font_text_width(const char *s, int scale);

#endif
