/* SPDX-License-Identifier: MIT */
/*
 * test-render.c - every screen of gymhub-display at every panel size,
 * compared pixel for pixel with the golden PNGs in tests/golden/.
 *
 * A changed rendering fails and leaves the actual image beside the build
 * ($GYMHUB_BUILD/tests/render-actual/, default build/) to look at; once it
 * is right, GYMHUB_UPDATE_GOLDEN=1 rewrites the goldens. They are the same
 * bytes on any machine because render.c uses no system fonts and no
 * antialiasing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "display-fixtures.h"
#include "render.h"

#define GOLDEN_DIR "tests/golden"

static const char *build_dir(void)
{
	const char *b = getenv("GYMHUB_BUILD");

	return b && *b ? b : "build";
}

static cairo_surface_t *render(const struct display_fixture *f,
			       const struct display_size *sz)
{
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, sz->w, sz->h);
	struct display_state st;

	f->fill(&st);
	assert_int_equal(render_screen(s, &st, sz->mono), 0);
	return s;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
	const unsigned char *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	/* RGB24 and an opaque ARGB32 compare equal without the top byte */
	return ((const uint32_t *)(d + (size_t)y * stride))[x] & 0xffffff;
}

/* Number of pixels that differ; the first one in *@ret_x, *@ret_y. */
static long diff(cairo_surface_t *a, cairo_surface_t *b, int *ret_x, int *ret_y)
{
	int w = cairo_image_surface_get_width(a);
	int h = cairo_image_surface_get_height(a);
	long n = 0;
	int x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if (pixel(a, x, y) != pixel(b, x, y) && !n++) {
				*ret_x = x;
				*ret_y = y;
			}
	return n;
}

static void check_golden(const struct display_fixture *f,
			 const struct display_size *sz)
{
	char golden[256], actual[256];
	cairo_surface_t *s = render(f, sz), *g;
	long n;
	int x = 0, y = 0;

	snprintf(golden, sizeof(golden), "%s/%s-%dx%d.png", GOLDEN_DIR, f->name,
		 sz->w, sz->h);
	if (getenv("GYMHUB_UPDATE_GOLDEN")) {
		assert_int_equal(cairo_surface_write_to_png(s, golden),
				 CAIRO_STATUS_SUCCESS);
		cairo_surface_destroy(s);
		return;
	}
	g = cairo_image_surface_create_from_png(golden);
	if (cairo_surface_status(g) != CAIRO_STATUS_SUCCESS)
		fail_msg("%s: cannot read it (%s); run with "
			 "GYMHUB_UPDATE_GOLDEN=1 to create it",
			 golden,
			 cairo_status_to_string(cairo_surface_status(g)));
	if (cairo_image_surface_get_width(g) != sz->w ||
	    cairo_image_surface_get_height(g) != sz->h)
		fail_msg("%s: %dx%d, not %dx%d", golden,
			 cairo_image_surface_get_width(g),
			 cairo_image_surface_get_height(g), sz->w, sz->h);
	n = diff(s, g, &x, &y);
	if (n) {
		/* build/, build/tests/ and the directory itself */
		mkdir(build_dir(), 0777);
		snprintf(actual, sizeof(actual), "%s/tests", build_dir());
		mkdir(actual, 0777);
		snprintf(actual, sizeof(actual), "%s/tests/render-actual",
			 build_dir());
		mkdir(actual, 0777);
		snprintf(actual, sizeof(actual),
			 "%s/tests/render-actual/%s-%dx%d.png", build_dir(),
			 f->name, sz->w, sz->h);
		cairo_surface_write_to_png(s, actual);
		fail_msg(
			"%s: %ld pixels differ, first at (%d,%d): %06x, golden "
			"%06x; the rendering is in %s (GYMHUB_UPDATE_GOLDEN=1 "
			"accepts it)",
			golden, n, x, y, pixel(s, x, y), pixel(g, x, y),
			actual);
	}
	cairo_surface_destroy(g);
	cairo_surface_destroy(s);
}

/* One test per screen, at every size. */
static void test_screen(void **state)
{
	const struct display_fixture *f = *state;
	size_t i;

	for (i = 0; i < display_n_sizes; i++)
		check_golden(f, &display_sizes[i]);
}

/* The OLED has two colours: anything else would be thresholded away. */
static void test_mono_is_black_and_white(void **state)
{
	size_t i;
	int x, y;

	for (i = 0; i < display_n_fixtures; i++) {
		cairo_surface_t *s =
			render(&display_fixtures[i], &display_sizes[0]);

		for (y = 0; y < 64; y++)
			for (x = 0; x < 128; x++) {
				uint32_t p = pixel(s, x, y);

				if (p != 0 && p != 0xffffff)
					fail_msg("%s: grey %06x at (%d,%d)",
						 display_fixtures[i].name, p, x,
						 y);
			}
		cairo_surface_destroy(s);
	}
}

/* Each screen must be told apart from the others at a glance. */
static void test_screens_differ(void **state)
{
	size_t i, j, k;
	int x, y;

	for (k = 0; k < display_n_sizes; k++)
		for (i = 0; i < display_n_fixtures; i++)
			for (j = i + 1; j < display_n_fixtures; j++) {
				cairo_surface_t *a =
					render(&display_fixtures[i],
					       &display_sizes[k]);
				cairo_surface_t *b =
					render(&display_fixtures[j],
					       &display_sizes[k]);

				if (!diff(a, b, &x, &y))
					fail_msg("%s and %s look the same",
						 display_fixtures[i].name,
						 display_fixtures[j].name);
				cairo_surface_destroy(a);
				cairo_surface_destroy(b);
			}
}

/* The countdown changes the screen when the whole second changes, and
 * only then: what lets gymhub-display skip redraws. */
static void test_countdown_redraws_on_whole_seconds(void **state)
{
	struct display_state a, b;
	cairo_surface_t *sa, *sb;
	int x, y;

	display_fixture_work(&a);
	b = a;
	b.remaining_ms = 14001;
	assert_true(display_state_equal(&a, &b));
	b.remaining_ms = 14000;
	assert_false(display_state_equal(&a, &b));

	sa = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	sb = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	assert_int_equal(render_screen(sa, &a, true), 0);
	assert_int_equal(render_screen(sb, &b, true), 0);
	assert_true(diff(sa, sb, &x, &y) > 0);
	b.remaining_ms = 14900;
	assert_int_equal(render_screen(sb, &b, true), 0);
	assert_int_equal(diff(sa, sb, &x, &y), 0);
	cairo_surface_destroy(sa);
	cairo_surface_destroy(sb);
}

static void test_rejects_unusable_surfaces(void **state)
{
	struct display_state st;
	cairo_surface_t *small =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 96, 64);
	cairo_surface_t *a8 =
		cairo_image_surface_create(CAIRO_FORMAT_A8, 128, 64);

	display_fixture_work(&st);
	assert_int_equal(render_screen(small, &st, true), -EINVAL);
	assert_int_equal(render_screen(a8, &st, true), -EINVAL);
	cairo_surface_destroy(small);
	cairo_surface_destroy(a8);
}

/* Odd sizes (a 160x128 ST7735, a 480x320 HDMI panel) draw everything
 * inside the panel without failing. */
static void test_other_sizes(void **state)
{
	static const int sizes[][2] = {
		{160, 128}, {480, 320}, {128, 128}, {800, 480}};
	struct display_state st;
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < display_n_fixtures; j++) {
			cairo_surface_t *s = cairo_image_surface_create(
				CAIRO_FORMAT_RGB24, sizes[i][0], sizes[i][1]);

			display_fixtures[j].fill(&st);
			assert_int_equal(render_screen(s, &st, false), 0);
			cairo_surface_destroy(s);
		}
}

int main(void)
{
	struct CMUnitTest tests[64];
	size_t n = 0, i;
	int r;

	for (i = 0; i < display_n_fixtures && n < 58; i++)
		tests[n++] = (struct CMUnitTest){
			.name = display_fixtures[i].name,
			.test_func = test_screen,
			.initial_state = (void *)&display_fixtures[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		test_mono_is_black_and_white);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_screens_differ);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		test_countdown_redraws_on_whole_seconds);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		test_rejects_unusable_surfaces);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_other_sizes);
	r = _cmocka_run_group_tests("render", tests, n, NULL, NULL);
	cairo_debug_reset_static_data();
	return r;
}
