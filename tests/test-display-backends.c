/* SPDX-License-Identifier: MIT */
/*
 * test-display-backends.c - the conversions behind gymhub-display's
 * backends: framebuffer pixel formats, terminal braille and the text
 * line, and the PNG backend turned by 180 degrees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "display-backend.h"
#include "display-fixtures.h"
#include "fbdev.h"
#include "render.h"
#include "term.h"

static void fill(const char *name, struct display_state *st)
{
	size_t i;

	for (i = 0; i < display_n_fixtures; i++)
		if (strcmp(display_fixtures[i].name, name) == 0) {
			display_fixtures[i].fill(st);
			return;
		}
	fail_msg("no fixture %s", name);
}

/* What `--term text` prints for each screen (make demo's log). */
static void test_text_lines(void **state)
{
	static const struct {
		const char *fixture, *line;
	} cases[] = {
		{"work", "WORK 0:15 | Jump squats | round 3/8 | HR 156 Z4"},
		{"paused",
		 "PAUSED WORK 0:12 | Jump squats | round 5/8 | HR 156 Z4"},
		{"hold-side",
		 "HOLD 0:27 | Side plank on the forearm, hips high "
		 "(left) | set 2/3 | holding | HR 118 Z2"},
		{"hold-lost",
		 "HOLD 0:42 | Wall sit | round 1/3 | position lost "
		 "| HR 126 Z2"},
		{"reps-counted",
		 "REPS 9/15 | Goblet squat | set 2/3 | HR 131 Z3"},
		{"ended-done", "DONE Tabata legs 4:00 | rounds 8/8 | reps 96 | "
			       "HR avg 148 max 176"},
		{"ended-stopped", "STOPPED Isometric holds 2:13 | rounds 3/8"},
		{"idle", "idle 07:05 | today: Week 3 day 2: tabata legs | "
			 "sensors: Polar H10 A1B2C3 87%, MetaMotionS 15%, "
			 "TICKR 4F21 off"},
		{"no-daemon", "hub not running 07:05"},
	};
	struct display_state st;
	char line[512], small[8];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill(cases[i].fixture, &st);
		n = term_text(&st, line, sizeof(line));
		assert_string_equal(line, cases[i].line);
		assert_int_equal(n, strlen(cases[i].line));
		/* too small a buffer: cut, NUL-terminated, length needed */
		assert_int_equal(term_text(&st, small, sizeof(small)), n);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

static void test_braille_dots(void **state)
{
	uint32_t px[8][4] = {{0}};
	char out[64];
	int y;

	/* left cell: top-left dot (1); right cell: all eight */
	px[0][0] = 0xffffff;
	for (y = 0; y < 4; y++)
		px[y][2] = px[y][3] = 0xffffff;
	/* second row of cells: bottom-right dot (8) of the left cell */
	px[7][1] = 0xffffff;
	term_braille(px, 4, 8, sizeof(px[0]), out, sizeof(out));
	assert_string_equal(out, "\u2801\u28ff\n\u2880\u2800\n");
}

static void test_framebuffer_formats(void **state)
{
	static const struct fbdev_format rgb565 = {2, 11, 5, 5, 6, 0, 5};
	static const struct fbdev_format bgr565 = {2, 0, 5, 5, 6, 11, 5};
	static const struct fbdev_format xrgb8888 = {4, 16, 8, 8, 8, 0, 8};
	static const uint32_t src[] = {0xff0000, 0x00ff00, 0x0000ff,
				       0x808080, 0xffffff, 0x000000};
	static const uint16_t want565[] = {0xf800, 0x07e0, 0x001f,
					   0x8410, 0xffff, 0x0000};
	static const uint16_t want_bgr[] = {0x001f, 0x07e0, 0xf800,
					    0x8410, 0xffff, 0x0000};
	uint16_t out16[6];
	uint32_t out32[6];
	size_t i;

	fbdev_convert_row(src, 6, &rgb565, (uint8_t *)out16);
	for (i = 0; i < 6; i++)
		assert_int_equal(out16[i], want565[i]);
	fbdev_convert_row(src, 6, &bgr565, (uint8_t *)out16);
	for (i = 0; i < 6; i++)
		assert_int_equal(out16[i], want_bgr[i]);
	fbdev_convert_row(src, 6, &xrgb8888, (uint8_t *)out32);
	for (i = 0; i < 6; i++)
		assert_int_equal(out32[i], src[i]);
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
	return ((uint32_t *)(cairo_image_surface_get_data(s) +
			     y * cairo_image_surface_get_stride(s)))[x] &
	       0xffffff;
}

/* A panel mounted upside down gets the picture turned. */
static void test_png_rotated(void **state)
{
	char dir[] = "/tmp/gymhub-backends-XXXXXX";
	char path[64];
	struct display_backend_options o = {
		.kind = DISPLAY_BACKEND_PNG,
		.width = 128,
		.height = 64,
		.rotate180 = true,
	};
	struct display_backend *b = NULL;
	struct display_state st;
	cairo_surface_t *img, *back;
	char *why = NULL;
	int x, y;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/screen.png", dir);
	o.png_path = path;
	assert_int_equal(display_backend_open(&o, &b, &why), 0);
	assert_true(b->mono);
	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	display_fixture_work(&st);
	assert_int_equal(render_screen(img, &st, b->mono), 0);
	assert_int_equal(display_backend_show(b, img, &st), 0);
	back = cairo_image_surface_create_from_png(path);
	assert_int_equal(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
	for (y = 0; y < 64; y++)
		for (x = 0; x < 128; x++)
			assert_int_equal(pixel(back, x, y),
					 pixel(img, 127 - x, 63 - y));
	cairo_surface_destroy(back);
	cairo_surface_destroy(img);
	display_backend_free(b);
	unlink(path);
	rmdir(dir);
}

static void test_missing_devices_say_why(void **state)
{
	struct display_backend_options o = {
		.kind = DISPLAY_BACKEND_SSD1306,
		.i2c_path = "/nonexistent/i2c-9",
		.i2c_addr = 0x3c,
	};
	struct display_backend *b = NULL;
	char *why = NULL;

	assert_int_equal(display_backend_open(&o, &b, &why), -ENOENT);
	assert_non_null(why);
	assert_non_null(strstr(why, "/nonexistent/i2c-9"));
	free(why);
	o.kind = DISPLAY_BACKEND_FB;
	o.fb_path = "/nonexistent/fb7";
	why = NULL;
	assert_int_equal(display_backend_open(&o, &b, &why), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/fb7"));
	free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_braille_dots),
		cmocka_unit_test(test_framebuffer_formats),
		cmocka_unit_test(test_png_rotated),
		cmocka_unit_test(test_missing_devices_say_why),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	cairo_debug_reset_static_data();
	return r;
}
