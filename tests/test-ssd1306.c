/* SPDX-License-Identifier: MIT */
/*
 * test-ssd1306.c - the SSD1306/SH1106 byte stream, decoded by a small
 * model of the controller: control bytes (Co, D/C#), the commands with
 * their argument bytes, page addressing into a 128- or 132-column RAM,
 * segment remap and COM scan direction. What the model's panel shows must
 * be the rendered screen, pixel for pixel, and a countdown tick must cost
 * only the pages its digits are on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "display-fixtures.h"
#include "render.h"
#include "ssd1306.h"

#define RAM_COLS 132

struct model {
	enum ssd1306_chip chip;
	uint8_t ram[SSD1306_PAGES][RAM_COLS];
	int page, col;
	int pending;   /* command waiting for argument bytes */
	int args_left; /* how many */
	bool on, remap, com_dec, pump;
	int writes, fail_at; /* fail_at: the write that returns -EIO */
	size_t bytes, max_write;
	int pages_touched; /* bit per page written since the last reset */
};

static int cmd_args(const struct model *m, uint8_t c)
{
	bool sh = m->chip == SSD1306_CHIP_SH1106;

	switch (c) {
	case 0x81: /* contrast */
	case 0xa8: /* multiplex */
	case 0xd3: /* display offset */
	case 0xd5: /* clock */
	case 0xd9: /* precharge */
	case 0xda: /* COM pins */
	case 0xdb: /* VCOMH */
		return 1;
	case 0x8d: /* charge pump */
	case 0x20: /* addressing mode */
		if (sh)
			fail_msg("SH1106 has no command %02x", c);
		return 1;
	case 0xad: /* DC-DC */
		if (!sh)
			fail_msg("SSD1306 has no command %02x", c);
		return 1;
	default:
		return 0;
	}
}

static void model_arg(struct model *m, uint8_t a)
{
	if (m->pending == 0x20 && a != 0x02)
		fail_msg("addressing mode %02x: the model knows page mode", a);
	if (m->pending == 0x8d)
		m->pump = a & 0x04;
	if (m->pending == 0xad)
		m->pump = a & 0x01;
	if (m->pending == 0xa8)
		assert_int_equal(a, 63);
	if (m->pending == 0xd3)
		assert_int_equal(a, 0);
}

static void model_cmd(struct model *m, uint8_t c)
{
	if (m->args_left) {
		model_arg(m, c);
		m->args_left--;
		return;
	}
	if (c >= 0xb0 && c <= 0xb7) {
		m->page = c & 7;
	} else if (c <= 0x0f) {
		m->col = (m->col & 0xf0) | c;
	} else if (c >= 0x10 && c <= 0x18) {
		m->col = (m->col & 0x0f) | (c & 0x0f) << 4;
	} else if (c >= 0x40 && c <= 0x7f) {
		assert_int_equal(c, 0x40); /* start line 0 */
	} else if (c == 0xa0 || c == 0xa1) {
		m->remap = c & 1;
	} else if (c == 0xc0 || c == 0xc8) {
		m->com_dec = c == 0xc8;
	} else if (c == 0xae || c == 0xaf) {
		m->on = c == 0xaf;
	} else if (c == 0xa4 || c == 0xa6 || c == 0x2e) {
		/* RAM shown, not inverted, no scrolling */
	} else {
		m->args_left = cmd_args(m, c);
		if (!m->args_left)
			fail_msg("unknown command %02x", c);
		m->pending = c;
	}
}

static void model_data(struct model *m, uint8_t v)
{
	int cols = m->chip == SSD1306_CHIP_SH1106 ? RAM_COLS : 128;

	assert_true(m->col < cols);
	m->ram[m->page][m->col++] = v;
	m->pages_touched |= 1 << m->page;
}

/* One I2C transaction: control byte, then one byte (Co = 1) or the rest
 * of the transaction (Co = 0), as commands or data by D/C#. */
static int model_write(const uint8_t *buf, size_t len, void *user_data)
{
	struct model *m = user_data;
	size_t i = 0;

	if (++m->writes == m->fail_at)
		return -EIO;
	m->bytes += len;
	if (len > m->max_write)
		m->max_write = len;
	assert_true(len >= 2);
	while (i < len) {
		uint8_t ctrl = buf[i++];
		bool dc = ctrl & 0x40;

		assert_int_equal(ctrl & 0x3f, 0);
		assert_true(i < len);
		if (ctrl & 0x80) {
			if (dc)
				model_data(m, buf[i++]);
			else
				model_cmd(m, buf[i++]);
			continue;
		}
		for (; i < len; i++)
			if (dc)
				model_data(m, buf[i]);
			else
				model_cmd(m, buf[i]);
	}
	return 0;
}

/* What the panel shows, upright for a module mounted the usual way. */
static bool model_pixel(const struct model *m, int x, int y)
{
	int off = m->chip == SSD1306_CHIP_SH1106 ? 2 : 0;

	if (!m->remap)
		x = SSD1306_WIDTH - 1 - x;
	if (!m->com_dec)
		y = SSD1306_HEIGHT - 1 - y;
	return m->ram[y / 8][x + off] >> (y % 8) & 1;
}

static void model_reset(struct model *m, enum ssd1306_chip chip)
{
	memset(m, 0, sizeof(*m));
	m->chip = chip;
	/* power-up RAM is random: a pattern shows what was never written */
	memset(m->ram, 0xa5, sizeof(m->ram));
}

static cairo_surface_t *render(void (*fill)(struct display_state *),
			       struct ssd1306_frame *f)
{
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 128, 64);
	struct display_state st;

	fill(&st);
	assert_int_equal(render_screen(s, &st, true), 0);
	ssd1306_pack(cairo_image_surface_get_data(s),
		     cairo_image_surface_get_stride(s), f);
	return s;
}

static bool image_pixel(cairo_surface_t *s, int x, int y)
{
	const uint8_t *d = cairo_image_surface_get_data(s);
	uint32_t p =
		((const uint32_t *)(d +
				    (size_t)y * cairo_image_surface_get_stride(
							s)))[x];

	return (p & 0xffffff) != 0;
}

static void assert_panel_shows(const struct model *m, cairo_surface_t *s,
			       bool rotated, const char *what)
{
	int x, y;

	assert_true(m->on);
	for (y = 0; y < SSD1306_HEIGHT; y++)
		for (x = 0; x < SSD1306_WIDTH; x++) {
			int ix = rotated ? SSD1306_WIDTH - 1 - x : x;
			int iy = rotated ? SSD1306_HEIGHT - 1 - y : y;

			if (model_pixel(m, x, y) != image_pixel(s, ix, iy))
				fail_msg("%s: panel pixel (%d,%d) is %d", what,
					 x, y, model_pixel(m, x, y));
		}
}

/* Every screen, through the byte stream, onto both controllers. */
static void test_every_screen_reaches_the_panel(void **state)
{
	static const enum ssd1306_chip chips[] = {SSD1306_CHIP_SSD1306,
						  SSD1306_CHIP_SH1106};
	struct ssd1306_config cfg = {0};
	struct ssd1306_frame f;
	struct model m;
	size_t c, i, bytes;

	for (c = 0; c < 2; c++) {
		struct ssd1306 *d;

		model_reset(&m, chips[c]);
		cfg.chip = chips[c];
		d = ssd1306_new(&cfg, model_write, &m);
		assert_non_null(d);
		assert_int_equal(ssd1306_init(d), 0);
		assert_false(m.on); /* no power-up garbage on screen */
		assert_true(m.pump);
		for (i = 0; i < display_n_fixtures; i++) {
			cairo_surface_t *s =
				render(display_fixtures[i].fill, &f);

			assert_true(ssd1306_show(d, &f, &bytes) >= 0);
			assert_panel_shows(&m, s, false,
					   display_fixtures[i].name);
			cairo_surface_destroy(s);
		}
		/* each page goes in one transaction */
		assert_true(m.max_write <= 7 + SSD1306_WIDTH);
		ssd1306_free(d);
	}
}

static void test_first_frame_sends_every_page(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;
	size_t bytes;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	m.pages_touched = 0;
	m.writes = 0;
	assert_int_equal(ssd1306_show(d, &f, &bytes), SSD1306_PAGES);
	assert_int_equal(m.pages_touched, 0xff);
	/* 8 page writes and the display-on command */
	assert_int_equal(m.writes, SSD1306_PAGES + 1);
	assert_int_equal(bytes, SSD1306_PAGES * (7 + SSD1306_WIDTH) + 2);
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

static void test_unchanged_frame_sends_nothing(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;
	size_t bytes = 99;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);
	m.writes = 0;
	assert_int_equal(ssd1306_show(d, &f, &bytes), 0);
	assert_int_equal(m.writes, 0);
	assert_int_equal(bytes, 0);
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

static void work_14s(struct display_state *st)
{
	display_fixture_work(st);
	st->remaining_ms = 13900;
}

/* 15 -> 14: the second digit and the time bar change, nothing else. */
static void test_tick_sends_only_the_digit_pages(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;
	size_t bytes;
	int pages;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	cairo_surface_destroy(s);
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);

	s = render(work_14s, &f);
	m.pages_touched = 0;
	pages = ssd1306_show(d, &f, &bytes);
	assert_true(pages > 0);
	/* header (page 0) and exercise line (page 7) stay as they are */
	assert_int_equal(m.pages_touched & 0x81, 0);
	assert_int_equal(__builtin_popcount(m.pages_touched), pages);
	/* a fraction of the 1 KiB frame */
	assert_true(bytes < SSD1306_PAGES * SSD1306_WIDTH / 2);
	assert_panel_shows(&m, s, false, "after the tick");
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

/* The SH1106's panel starts at RAM column 2: columns 0, 1, 130 and 131
 * are never written, and the picture is not shifted. */
static void test_sh1106_column_offset(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SH1106};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;
	int p;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);
	for (p = 0; p < SSD1306_PAGES; p++) {
		assert_int_equal(m.ram[p][0], 0xa5);
		assert_int_equal(m.ram[p][1], 0xa5);
		assert_int_equal(m.ram[p][130], 0xa5);
		assert_int_equal(m.ram[p][131], 0xa5);
	}
	assert_panel_shows(&m, s, false, "sh1106");
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

/* Mounted upside down: the scan is flipped, the picture still upright. */
static void test_rotate180(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306,
				     .rotate180 = true};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);
	assert_panel_shows(&m, s, true, "rotated");
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

/* A failed write (a loose wire) leaves the RAM unknown: the next frame
 * goes out whole. */
static void test_failed_write_resends_everything(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SSD1306};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	m.fail_at = m.writes + 3;
	assert_int_equal(ssd1306_show(d, &f, NULL), -EIO);
	m.pages_touched = 0;
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);
	assert_int_equal(m.pages_touched, 0xff);
	assert_panel_shows(&m, s, false, "after the error");
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

static void test_power_off_and_on(void **state)
{
	struct ssd1306_config cfg = {.chip = SSD1306_CHIP_SH1106};
	struct ssd1306_frame f;
	struct model m;
	struct ssd1306 *d;
	cairo_surface_t *s;

	model_reset(&m, cfg.chip);
	d = ssd1306_new(&cfg, model_write, &m);
	assert_int_equal(ssd1306_init(d), 0);
	s = render(display_fixture_work, &f);
	assert_int_equal(ssd1306_show(d, &f, NULL), SSD1306_PAGES);
	assert_int_equal(ssd1306_power(d, false), 0);
	assert_false(m.on);
	assert_int_equal(ssd1306_power(d, true), 0);
	assert_panel_shows(&m, s, false, "on again");
	cairo_surface_destroy(s);
	ssd1306_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_screen_reaches_the_panel),
		cmocka_unit_test(test_first_frame_sends_every_page),
		cmocka_unit_test(test_unchanged_frame_sends_nothing),
		cmocka_unit_test(test_tick_sends_only_the_digit_pages),
		cmocka_unit_test(test_sh1106_column_offset),
		cmocka_unit_test(test_rotate180),
		cmocka_unit_test(test_failed_write_resends_everything),
		cmocka_unit_test(test_power_off_and_on),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	cairo_debug_reset_static_data();
	return r;
}
