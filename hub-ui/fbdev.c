/* SPDX-License-Identifier: MIT */
/*
 * fbdev.c - the Linux framebuffer backend (see fbdev.h).
 *
 * A shadow copy of what was last written lets a tick compare rows in
 * ordinary memory: reading back from the mapping can be slow (write-
 * combined video memory, or fbtft's deferred I/O, which also sends only
 * the pages that were written, so fewer writes mean fewer SPI transfers).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fbdev.h"

struct fbdev {
	int fd;
	uint8_t *map;
	size_t map_len;
	size_t line_len; /* bytes per line in the mapping */
	size_t origin;	 /* byte offset of the visible top-left pixel */
	int w, h;
	struct fbdev_format fmt;
	uint8_t *shadow; /* last written, w * bytes per row */
	uint8_t *row;	 /* conversion scratch */
	bool shadow_valid;
};

static uint32_t channel(uint32_t v8, unsigned int off, unsigned int len)
{
	return len ? (v8 >> (8 - len)) << off : 0;
}

void fbdev_convert_row(const uint32_t *src, int width,
		       const struct fbdev_format *fmt, uint8_t *dst)
{
	int x;

	for (x = 0; x < width; x++) {
		uint32_t p = src[x];
		uint32_t v = channel(p >> 16 & 0xff, fmt->r_off, fmt->r_len) |
			     channel(p >> 8 & 0xff, fmt->g_off, fmt->g_len) |
			     channel(p & 0xff, fmt->b_off, fmt->b_len);

		/* native byte order, as the framebuffer reads it */
		if (fmt->bytes == 2) {
			uint16_t v16 = (uint16_t)v;

			memcpy(dst + 2 * x, &v16, 2);
		} else {
			memcpy(dst + 4 * x, &v, 4);
		}
	}
}

static bool valid_field(const struct fb_bitfield *f, unsigned int bits)
{
	return f->length >= 1 && f->length <= 8 &&
	       f->offset + f->length <= bits;
}

int fbdev_open(const char *path, struct fbdev **ret)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	struct fbdev *fb;
	int r;

	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	fb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fb->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (ioctl(fb->fd, FBIOGET_VSCREENINFO, &var) < 0 ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fix) < 0) {
		r = -errno;
		goto fail;
	}
	if (fix.type != FB_TYPE_PACKED_PIXELS ||
	    fix.visual != FB_VISUAL_TRUECOLOR ||
	    (var.bits_per_pixel != 16 && var.bits_per_pixel != 32) ||
	    !valid_field(&var.red, var.bits_per_pixel) ||
	    !valid_field(&var.green, var.bits_per_pixel) ||
	    !valid_field(&var.blue, var.bits_per_pixel)) {
		r = -ENOTSUP;
		goto fail;
	}
	fb->fmt = (struct fbdev_format){
		.bytes = var.bits_per_pixel / 8,
		.r_off = var.red.offset,
		.r_len = var.red.length,
		.g_off = var.green.offset,
		.g_len = var.green.length,
		.b_off = var.blue.offset,
		.b_len = var.blue.length,
	};
	fb->w = (int)var.xres;
	fb->h = (int)var.yres;
	fb->line_len = fix.line_length;
	fb->origin = (size_t)var.yoffset * fix.line_length +
		     (size_t)var.xoffset * fb->fmt.bytes;
	fb->map_len = fix.smem_len;
	if (fb->origin + (size_t)(fb->h - 1) * fb->line_len +
		    (size_t)fb->w * fb->fmt.bytes >
	    fb->map_len) {
		r = -EINVAL;
		goto fail;
	}
	fb->map = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		fb->map = NULL;
		r = -errno;
		goto fail;
	}
	fb->shadow = calloc((size_t)fb->h, (size_t)fb->w * fb->fmt.bytes);
	fb->row = malloc((size_t)fb->w * fb->fmt.bytes);
	if (!fb->shadow || !fb->row) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = fb;
	return 0;
fail:
	fbdev_free(fb);
	return r;
}

void fbdev_free(struct fbdev *fb)
{
	if (!fb)
		return;
	if (fb->map)
		munmap(fb->map, fb->map_len);
	if (fb->fd >= 0)
		close(fb->fd);
	free(fb->shadow);
	free(fb->row);
	free(fb);
}

int fbdev_width(const struct fbdev *fb)
{
	return fb->w;
}

int fbdev_height(const struct fbdev *fb)
{
	return fb->h;
}

const struct fbdev_format *fbdev_format(const struct fbdev *fb)
{
	return &fb->fmt;
}

size_t fbdev_show(struct fbdev *fb, const void *pixels, int width, int height,
		  int stride)
{
	size_t row_bytes, written = 0;
	int y;

	if (width > fb->w)
		width = fb->w;
	if (height > fb->h)
		height = fb->h;
	row_bytes = (size_t)width * fb->fmt.bytes;
	for (y = 0; y < height; y++) {
		const uint32_t *src =
			(const uint32_t *)((const uint8_t *)pixels +
					   (size_t)y * stride);
		uint8_t *shadow =
			fb->shadow + (size_t)y * fb->w * fb->fmt.bytes;

		fbdev_convert_row(src, width, &fb->fmt, fb->row);
		if (fb->shadow_valid && memcmp(shadow, fb->row, row_bytes) == 0)
			continue;
		memcpy(fb->map + fb->origin + (size_t)y * fb->line_len, fb->row,
		       row_bytes);
		memcpy(shadow, fb->row, row_bytes);
		written += row_bytes;
	}
	fb->shadow_valid = true;
	return written;
}
