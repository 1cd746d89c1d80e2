/* SPDX-License-Identifier: MIT */
/*
 * fbdev.h - a Linux framebuffer (/dev/fbN) as gymhub-display's panel:
 * any panel with a kernel driver (ssd1307fb, the fbtft and DRM tiny
 * drivers of ST7735/ST7789/ILI9341 panels, HDMI). The rendered xRGB image
 * is converted to the framebuffer's 16-bit (RGB565 and the like) or 32-bit
 * (XRGB8888) layout, as FBIOGET_VSCREENINFO describes it, and only the
 * rows that changed are written into the mmap()ed memory.
 *
 * Not thread-safe: one thread owns a struct fbdev. No GLib.
 */
#ifndef GYMHUB_FBDEV_H
#define GYMHUB_FBDEV_H

#include <stddef.h>
#include <stdint.h>

/* Where each channel's bits sit in a pixel (struct fb_bitfield). */
struct fbdev_format {
	unsigned int bytes; /* per pixel: 2 or 4 */
	unsigned int r_off, r_len, g_off, g_len, b_off, b_len;
};

/* Converts one row of @width xRGB pixels into @fmt at @dst. */
void fbdev_convert_row(const uint32_t *src, int width,
		       const struct fbdev_format *fmt, uint8_t *dst);

struct fbdev;

/* Opens and maps @path. -ENOTSUP for a pixel layout other than 16 or 32
 * bits of packed true colour. */
int fbdev_open(const char *path, struct fbdev **ret);
void fbdev_free(struct fbdev *fb); /* accepts NULL */

/* The visible resolution. */
int fbdev_width(const struct fbdev *fb);
int fbdev_height(const struct fbdev *fb);
const struct fbdev_format *fbdev_format(const struct fbdev *fb);

/* Writes a @width x @height xRGB image (@stride bytes a row) at the top
 * left of the screen, only the rows that differ from the last one.
 * Returns the bytes written. */
size_t fbdev_show(struct fbdev *fb, const void *pixels, int width, int height,
		  int stride);

#endif
