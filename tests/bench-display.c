/* SPDX-License-Identifier: MIT */
/*
 * bench-display.c - what a redraw of gymhub-display costs: CPU time to
 * render a countdown frame at each panel size, to turn it into the
 * SSD1306's pages, a framebuffer's RGB565 rows or terminal braille, and
 * the bytes a countdown tick and a whole tabata send over I2C.
 *
 * Prints "name value unit" lines, each the median of RUNS runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "display-fixtures.h"
#include "fbdev.h"
#include "render.h"
#include "ssd1306.h"
#include "term.h"

#define RUNS   7
#define FRAMES 100

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

/* The work fixture at @secs seconds left. */
static void tick_state(struct display_state *st, int secs)
{
	display_fixture_work(st);
	st->remaining_ms = (uint32_t)secs * 1000;
}

static void bench_render(const struct display_size *sz)
{
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, sz->w, sz->h);
	struct display_state st;
	double t[RUNS], t0;
	int r, i;

	for (r = 0; r < RUNS; r++) {
		t0 = now_us();
		for (i = 0; i < FRAMES; i++) {
			tick_state(&st, 20 - i % 20);
			render_screen(s, &st, sz->mono);
		}
		t[r] = (now_us() - t0) / FRAMES;
	}
	printf("render_%dx%d %.1f us\n", sz->w, sz->h, median(t));
	cairo_surface_destroy(s);
}

static size_t bytes_sent;

static int count_bytes(const uint8_t *buf, size_t len, void *user_data)
{
	bytes_sent += len;
	return 0;
}

/* A tabata on the OLED: 8 rounds of 20 s work and 10 s rest, one frame
 * per shown second; bytes per tick and per second of workout. */
static void bench_ssd1306(void)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306};
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	struct ssd1306 *d = ssd1306_new(&cfg, count_bytes, NULL);
	struct ssd1306_frame f;
	struct display_state st;
	double t[RUNS], ticks[RUNS], t0;
	size_t per_tick[30 * 8];
	int r, i, round, sec, n = 0;

	ssd1306_init(d);
	for (r = 0; r < RUNS; r++) {
		double update_us = 0;

		n = 0;
		bytes_sent = 0;
		for (round = 1; round <= 8; round++)
			for (sec = 30; sec >= 1; sec--) {
				size_t before = bytes_sent;

				tick_state(&st, sec > 10 ? sec - 10 : sec);
				st.phase = sec > 10 ? DISPLAY_PHASE_WORK
						    : DISPLAY_PHASE_REST;
				st.duration_ms = sec > 10 ? 20000 : 10000;
				st.round = (uint32_t)round;
				render_screen(s, &st, true);
				t0 = now_us();
				ssd1306_pack(cairo_image_surface_get_data(s),
					     cairo_image_surface_get_stride(s),
					     &f);
				ssd1306_show(d, &f, NULL);
				update_us += now_us() - t0;
				if (sec > 10 && sec < 30)
					per_tick[n++] = bytes_sent - before;
			}
		t[r] = update_us / (8 * 30);
		ticks[r] = bytes_sent / (8.0 * 30);
	}
	printf("ssd1306_pack_and_diff %.1f us\n", median(t));
	printf("ssd1306_bytes_per_s_tabata %.0f B/s\n", median(ticks));
	/* the median tick inside a work interval (of the last run) */
	qsort(per_tick, (size_t)n, sizeof(per_tick[0]), cmp_size);
	i = per_tick[n / 2];
	printf("ssd1306_bytes_per_tick %d B\n", i);
	/* 400 kHz I2C: 9 bits a byte */
	printf("ssd1306_i2c_ms_per_tick %.2f ms\n", i * 9 / 400.0);
	ssd1306_free(d);
	cairo_surface_destroy(s);
}

static void bench_fb_and_term(void)
{
	static const struct fbdev_format rgb565 = {2, 11, 5, 5, 6, 0, 5};
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 240, 240);
	cairo_surface_t *m =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	uint8_t row[240 * 2];
	struct display_state st;
	double t[RUNS], tt[RUNS], t0;
	char *text = malloc(64 * 1024);
	int r, i, y;

	tick_state(&st, 15);
	render_screen(s, &st, false);
	render_screen(m, &st, true);
	for (r = 0; r < RUNS; r++) {
		t0 = now_us();
		for (i = 0; i < FRAMES; i++)
			for (y = 0; y < 240; y++)
				fbdev_convert_row(
					(const uint32_t
						 *)(cairo_image_surface_get_data(
							    s) +
						    y * cairo_image_surface_get_stride(
								s)),
					240, &rgb565, row);
		t[r] = (now_us() - t0) / FRAMES;
		t0 = now_us();
		for (i = 0; i < FRAMES; i++)
			term_braille(cairo_image_surface_get_data(m), 128, 64,
				     cairo_image_surface_get_stride(m), text,
				     64 * 1024);
		tt[r] = (now_us() - t0) / FRAMES;
	}
	printf("fb_rgb565_convert_240x240 %.1f us\n", median(t));
	printf("term_braille_128x64 %.1f us\n", median(tt));
	free(text);
	cairo_surface_destroy(s);
	cairo_surface_destroy(m);
}

int main(void)
{
	size_t i;

	fprintf(stderr, "bench-display: medians of %d runs of %d frames\n",
		RUNS, FRAMES);
	for (i = 0; i < display_n_sizes; i++)
		bench_render(&display_sizes[i]);
	bench_ssd1306();
	bench_fb_and_term();
	cairo_debug_reset_static_data();
	return 0;
}
