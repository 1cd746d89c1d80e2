/* SPDX-License-Identifier: MIT */
/*
 * display-backend.c - the backends of gymhub-display behind one interface
 * (see display-backend.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display-backend.h"
#include "fbdev.h"
#include "ssd1306.h"
#include "term.h"

/* A sentence for the user about @path and the error @err. */
static char *msg(const char *what, const char *path, int err, const char *hint)
{
	char *s = NULL;

	if (asprintf(&s, "%s %s: %s%s", what, path, strerror(-err), hint) < 0)
		return NULL;
	return s;
}

/* --- SSD1306 / SH1106 over I2C ---------------------------------------- */

struct oled {
	struct display_backend b;
	int fd;
	struct ssd1306 *dev;
	struct ssd1306_frame frame;
};

static int oled_show(struct display_backend *b, cairo_surface_t *img,
		     const struct display_state *st)
{
	struct oled *o = (struct oled *)b;
	int r;

	ssd1306_pack(cairo_image_surface_get_data(img),
		     cairo_image_surface_get_stride(img), &o->frame);
	r = ssd1306_show(o->dev, &o->frame, &b->last_bytes);
	return r < 0 ? r : 0;
}

static void oled_blank(struct display_backend *b)
{
	ssd1306_power(((struct oled *)b)->dev, false);
}

static void oled_free(struct display_backend *b)
{
	struct oled *o = (struct oled *)b;

	ssd1306_free(o->dev);
	if (o->fd >= 0)
		close(o->fd);
	free(o);
}

static int oled_open(const struct display_backend_options *opt,
		     struct display_backend **ret, char **ret_error)
{
	struct ssd1306_config cfg = {
		.chip = opt->kind == DISPLAY_BACKEND_SH1106
				? SSD1306_CHIP_SH1106
				: SSD1306_CHIP_SSD1306,
		.rotate180 = opt->rotate180,
		.contrast = (uint8_t)opt->contrast,
	};
	struct oled *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	o->b.name = opt->kind == DISPLAY_BACKEND_SH1106 ? "sh1106" : "ssd1306";
	o->b.width = SSD1306_WIDTH;
	o->b.height = SSD1306_HEIGHT;
	o->b.mono = true;
	o->b.show = oled_show;
	o->b.blank = oled_blank;
	o->b.free = oled_free;
	o->fd = ssd1306_i2c_open(opt->i2c_path, opt->i2c_addr);
	if (o->fd < 0) {
		r = o->fd;
		*ret_error = msg("cannot open the I2C bus", opt->i2c_path, r,
				 " (is I2C enabled, dtparam=i2c_arm=on, and "
				 "may we use it: group i2c?)");
		goto fail;
	}
	o->dev = ssd1306_new(&cfg, ssd1306_i2c_write, &o->fd);
	if (!o->dev) {
		r = -ENOMEM;
		goto fail;
	}
	r = ssd1306_init(o->dev);
	if (r < 0) {
		*ret_error =
			msg("no answer from the display on", opt->i2c_path, r,
			    " (check the wiring and the address: "
			    "--i2c-addr 0x3c or 0x3d)");
		goto fail;
	}
	*ret = &o->b;
	return 0;
fail:
	oled_free(&o->b);
	return r;
}

/* --- framebuffer ------------------------------------------------------ */

struct fb {
	struct display_backend b;
	struct fbdev *dev;
};

static int fb_show(struct display_backend *b, cairo_surface_t *img,
		   const struct display_state *st)
{
	struct fb *f = (struct fb *)b;

	b->last_bytes = fbdev_show(f->dev, cairo_image_surface_get_data(img),
				   cairo_image_surface_get_width(img),
				   cairo_image_surface_get_height(img),
				   cairo_image_surface_get_stride(img));
	return 0;
}

static void fb_free(struct display_backend *b)
{
	struct fb *f = (struct fb *)b;

	fbdev_free(f->dev);
	free(f);
}

static int fb_open(const struct display_backend_options *opt,
		   struct display_backend **ret, char **ret_error)
{
	struct fb *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->b.name = "fb";
	f->b.show = fb_show;
	f->b.free = fb_free;
	r = fbdev_open(opt->fb_path, &f->dev);
	if (r < 0) {
		*ret_error = msg("cannot use the framebuffer", opt->fb_path, r,
				 r == -ENOTSUP ? " (only 16- and 32-bit true "
						 "colour ones are supported)"
					       : "");
		fb_free(&f->b);
		return r;
	}
	f->b.width = fbdev_width(f->dev);
	f->b.height = fbdev_height(f->dev);
	/* a smaller --size draws in the top-left corner */
	if (opt->width && opt->width <= f->b.width && opt->height &&
	    opt->height <= f->b.height) {
		f->b.width = opt->width;
		f->b.height = opt->height;
	}
	/* ssd1307fb and the like: one bit per pixel shown as 16 or 32 */
	f->b.mono = f->b.height < 120 && f->b.width <= 128;
	*ret = &f->b;
	return 0;
}

/* --- PNG -------------------------------------------------------------- */

struct png {
	struct display_backend b;
	char *path, *tmp;
};

/* Written beside and renamed over, so a reader never sees half a file. */
static int png_show(struct display_backend *b, cairo_surface_t *img,
		    const struct display_state *st)
{
	struct png *p = (struct png *)b;

	if (cairo_surface_write_to_png(img, p->tmp) != CAIRO_STATUS_SUCCESS)
		return -EIO;
	if (rename(p->tmp, p->path) < 0)
		return -errno;
	return 0;
}

static void png_free(struct display_backend *b)
{
	struct png *p = (struct png *)b;

	free(p->path);
	free(p->tmp);
	free(p);
}

static int png_open(const struct display_backend_options *opt,
		    struct display_backend **ret, char **ret_error)
{
	struct png *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->b.name = "png";
	p->b.show = png_show;
	p->b.free = png_free;
	p->path = strdup(opt->png_path);
	if (!p->path || asprintf(&p->tmp, "%s.tmp", opt->png_path) < 0) {
		p->tmp = NULL;
		png_free(&p->b);
		return -ENOMEM;
	}
	*ret = &p->b;
	return 0;
}

/* --- terminal --------------------------------------------------------- */

struct term {
	struct display_backend b;
	enum display_term_mode mode;
	bool tty;
	int lines_shown; /* to move back over the last frame */
	char *buf;
	size_t size;
};

static int term_show(struct display_backend *b, cairo_surface_t *img,
		     const struct display_state *st)
{
	struct term *t = (struct term *)b;
	const void *px = cairo_image_surface_get_data(img);
	int w = b->width, h = b->height;
	int stride = cairo_image_surface_get_stride(img);
	size_t n;
	int i;

	for (;;) {
		if (t->mode == DISPLAY_TERM_TEXT)
			n = term_text(st, t->buf, t->size);
		else if (t->mode == DISPLAY_TERM_BRAILLE)
			n = term_braille(px, w, h, stride, t->buf, t->size);
		else
			n = term_blocks(px, w, h, stride, t->buf, t->size);
		if (n < t->size)
			break;
		free(t->buf);
		t->size = n + 1;
		t->buf = malloc(t->size);
		if (!t->buf) {
			t->size = 0;
			return -ENOMEM;
		}
	}
	if (t->mode == DISPLAY_TERM_TEXT) {
		printf("%s\n", t->buf);
	} else {
		/* redraw in place on a terminal, one frame after another
		 * in a log */
		if (t->tty && t->lines_shown)
			printf("\033[%dA", t->lines_shown);
		fputs(t->buf, stdout);
		t->lines_shown = 0;
		for (i = 0; t->buf[i]; i++)
			t->lines_shown += t->buf[i] == '\n';
		if (!t->tty)
			putchar('\n');
	}
	fflush(stdout);
	b->last_bytes = n;
	return 0;
}

static void term_free(struct display_backend *b)
{
	struct term *t = (struct term *)b;

	free(t->buf);
	free(t);
}

static int term_open(const struct display_backend_options *opt,
		     struct display_backend **ret, char **ret_error)
{
	struct term *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->b.name = "term";
	t->b.show = term_show;
	t->b.free = term_free;
	t->b.width = opt->width ? opt->width : 128;
	t->b.height = opt->height ? opt->height : 64;
	t->b.mono = t->b.height < 120;
	t->mode = opt->term_mode;
	if (t->mode == DISPLAY_TERM_AUTO)
		t->mode =
			t->b.mono ? DISPLAY_TERM_BRAILLE : DISPLAY_TERM_BLOCKS;
	if (t->mode == DISPLAY_TERM_BRAILLE)
		t->b.mono = true;
	t->tty = isatty(STDOUT_FILENO);
	*ret = &t->b;
	return 0;
}

/* --- common ----------------------------------------------------------- */

struct rotated {
	struct display_backend b;
	struct display_backend *inner;
	cairo_surface_t *turned;
};

/* Turns the image by 180 degrees: pixel order reversed. */
static int rotated_show(struct display_backend *b, cairo_surface_t *img,
			const struct display_state *st)
{
	struct rotated *r = (struct rotated *)b;
	int w = b->width, h = b->height, x, y;
	int ss = cairo_image_surface_get_stride(img);
	int ds = cairo_image_surface_get_stride(r->turned);
	const uint8_t *src = cairo_image_surface_get_data(img);
	uint8_t *dst;
	int ret;

	cairo_surface_flush(r->turned);
	dst = cairo_image_surface_get_data(r->turned);
	for (y = 0; y < h; y++) {
		const uint32_t *s = (const uint32_t *)(src + (size_t)y * ss);
		uint32_t *d = (uint32_t *)(dst + (size_t)(h - 1 - y) * ds);

		for (x = 0; x < w; x++)
			d[w - 1 - x] = s[x];
	}
	cairo_surface_mark_dirty(r->turned);
	ret = r->inner->show(r->inner, r->turned, st);
	b->last_bytes = r->inner->last_bytes;
	return ret;
}

static void rotated_blank(struct display_backend *b)
{
	struct rotated *r = (struct rotated *)b;

	if (r->inner->blank)
		r->inner->blank(r->inner);
}

static void rotated_free(struct display_backend *b)
{
	struct rotated *r = (struct rotated *)b;

	display_backend_free(r->inner);
	if (r->turned)
		cairo_surface_destroy(r->turned);
	free(r);
}

static int wrap_rotated(struct display_backend **inout)
{
	struct display_backend *in = *inout;
	struct rotated *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->b = *in;
	r->b.show = rotated_show;
	r->b.blank = rotated_blank;
	r->b.free = rotated_free;
	r->inner = in;
	r->turned = cairo_image_surface_create(CAIRO_FORMAT_RGB24, in->width,
					       in->height);
	if (cairo_surface_status(r->turned) != CAIRO_STATUS_SUCCESS) {
		rotated_free(&r->b);
		return -ENOMEM;
	}
	*inout = &r->b;
	return 0;
}

int display_backend_open(const struct display_backend_options *o,
			 struct display_backend **ret, char **ret_error)
{
	struct display_backend *b = NULL;
	int r = -EINVAL;

	*ret_error = NULL;
	switch (o->kind) {
	case DISPLAY_BACKEND_SSD1306:
	case DISPLAY_BACKEND_SH1106:
		/* turned by the controller's scan direction instead */
		return oled_open(o, ret, ret_error);
	case DISPLAY_BACKEND_FB:
		r = fb_open(o, &b, ret_error);
		break;
	case DISPLAY_BACKEND_PNG:
		r = png_open(o, &b, ret_error);
		if (r == 0) {
			b->width = o->width ? o->width : 128;
			b->height = o->height ? o->height : 64;
			b->mono = b->height < 120;
		}
		break;
	case DISPLAY_BACKEND_TERM:
		r = term_open(o, &b, ret_error);
		break;
	}
	if (r == 0 && o->rotate180) {
		r = wrap_rotated(&b);
		if (r < 0)
			display_backend_free(b);
	}
	if (r == 0)
		*ret = b;
	return r;
}

int display_backend_show(struct display_backend *b, cairo_surface_t *img,
			 const struct display_state *st)
{
	cairo_surface_flush(img);
	b->last_bytes = 0;
	return b->show(b, img, st);
}

void display_backend_free(struct display_backend *b)
{
	if (b)
		b->free(b);
}
