/* SPDX-License-Identifier: MIT */
/*
 * render.c - the screens of gymhub-display (see render.h).
 *
 * Everything is filled without antialiasing on whole-pixel coordinates:
 * cairo then fills exactly the pixels whose centres lie inside a shape,
 * with no blending that could differ between pixman's SIMD paths, so the
 * output is the same bytes on any machine.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "render.h"

struct rgb {
	unsigned char r, g, b;
};

static const struct rgb black = {0, 0, 0};
static const struct rgb white = {255, 255, 255};
static const struct rgb grey = {150, 150, 150};
static const struct rgb dark = {60, 60, 60};
static const struct rgb amber = {255, 176, 0};
static const struct rgb red = {235, 50, 45};
static const struct rgb green = {40, 170, 70};
static const struct rgb paused_grey = {120, 120, 120};

struct ctx {
	cairo_t *cr;
	int w, h;
	bool mono;
};

/* --- primitives ------------------------------------------------------- */

/* Mono keeps black black and makes every other colour white. */
static void set_colour(struct ctx *c, struct rgb col)
{
	if (c->mono) {
		double v = col.r || col.g || col.b ? 1.0 : 0.0;

		cairo_set_source_rgb(c->cr, v, v, v);
		return;
	}
	cairo_set_source_rgb(c->cr, col.r / 255.0, col.g / 255.0,
			     col.b / 255.0);
}

static void fill_rect(struct ctx *c, int x, int y, int w, int h, struct rgb col)
{
	if (w <= 0 || h <= 0)
		return;
	set_colour(c, col);
	cairo_rectangle(c->cr, x, y, w, h);
	cairo_fill(c->cr);
}

/* Draws @s with its top-left at (@x, @y), each font pixel @scale device
 * pixels; returns the width drawn. Runs of set pixels become one
 * rectangle each, which keeps a 3x label to a few dozen rectangles. */
static int draw_text(struct ctx *c, int x, int y, int scale, const char *s,
		     struct rgb col)
{
	int x0 = x, row, bit, start;
	uint32_t cp;

	set_colour(c, col);
	while ((cp = font_next_char(&s))) {
		const uint8_t *g = font_glyph(cp);

		for (row = 0; row < FONT_H; row++) {
			start = -1;
			for (bit = 0; bit <= FONT_W; bit++) {
				bool on = bit < FONT_W &&
					  (g[row] >> (FONT_W - 1 - bit) & 1);

				if (on && start < 0)
					start = bit;
				if (!on && start >= 0) {
					cairo_rectangle(
						c->cr, x + start * scale,
						y + row * scale,
						(bit - start) * scale, scale);
					start = -1;
				}
			}
		}
		x += FONT_ADVANCE * scale;
	}
	cairo_fill(c->cr);
	return x > x0 ? x - x0 - scale : 0;
}

static void draw_text_right(struct ctx *c, int right, int y, int scale,
			    const char *s, struct rgb col)
{
	draw_text(c, right - font_text_width(s, scale), y, scale, s, col);
}

static void draw_text_centred(struct ctx *c, int cx, int y, int scale,
			      const char *s, struct rgb col)
{
	draw_text(c, cx - font_text_width(s, scale) / 2, y, scale, s, col);
}

/* Copies as many whole characters of @s into @out as fit in @max_w
 * pixels at @scale. */
static void fit_text(char *out, size_t size, const char *s, int scale,
		     int max_w)
{
	const char *p = s, *end = s;
	int w = -scale;

	while (font_next_char(&p)) {
		w += FONT_ADVANCE * scale;
		if (w > max_w)
			break;
		end = p;
	}
	if ((size_t)(end - s) >= size)
		end = s + size - 1;
	memcpy(out, s, end - s);
	out[end - s] = '\0';
}

/* The largest scale from @max down to 1 at which @s fits in @max_w. */
static int fit_scale(const char *s, int max, int max_w)
{
	while (max > 1 && font_text_width(s, max) > max_w)
		max--;
	return max;
}

/* For names: one step smaller when that makes it fit, else cut at
 * @scale - 1; the scale chosen is returned. */
static int fit_name(char *out, size_t size, const char *s, int scale, int max_w)
{
	if (scale > 1 && font_text_width(s, scale) > max_w)
		scale--;
	fit_text(out, size, s, scale, max_w);
	return scale;
}

/* --- seven-segment digits ------------------------------------------- */

/*
 * Big numbers are seven-segment shapes, as on gym wall timers: mitred
 * segments that fill the digit's corners, split by thin 45-degree gaps.
 * Every edge is horizontal, vertical or diagonal through whole pixels, so
 * they stay crisp without antialiasing at any size.
 */
struct seg {
	int h;	   /* digit height, even */
	int w;	   /* digit width */
	int t;	   /* stroke thickness, even */
	int gap;   /* between neighbouring segments, along the diagonal */
	int space; /* between characters */
};

static struct seg seg_metrics(int height)
{
	struct seg m;

	m.h = height & ~1;
	m.t = (m.h / 6) & ~1;
	if (m.t < 2)
		m.t = 2;
	m.w = m.h / 2 + m.t / 2;
	m.gap = m.t >= 12 ? 2 : 1;
	m.space = m.t * 2 / 3 > 2 ? m.t * 2 / 3 : 2;
	return m;
}

static int seg_char_width(const struct seg *m, char ch)
{
	return ch == ':' ? m->t : m->w;
}

static int seg_text_width(const struct seg *m, const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += seg_char_width(m, *s) + (s[1] ? m->space : 0);
	return w;
}

/* The tallest digits (even, at most @max_h) in which @s fits @max_w. */
static struct seg seg_fit(const char *s, int max_h, int max_w)
{
	struct seg m = seg_metrics(max_h);

	while (m.h > 8 && seg_text_width(&m, s) > max_w)
		m = seg_metrics(m.h - 2);
	return m;
}

static void poly(cairo_t *cr, const int (*p)[2], int n, int x, int y)
{
	int i;

	cairo_move_to(cr, x + p[0][0], y + p[0][1]);
	for (i = 1; i < n; i++)
		cairo_line_to(cr, x + p[i][0], y + p[i][1]);
	cairo_close_path(cr);
}

/* Segments a..g as bits 0..6 (a top, then clockwise, g the middle). */
static const uint8_t seg_digits[10] = {
	0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f,
};

/*
 * The outer edges run the digit's full width and height; inner ends are
 * cut at 45 degrees, and the vertical segments end in a point at the
 * middle bar, the way LED and LCD digits are drawn.
 */
static void seg_digit_path(cairo_t *cr, const struct seg *m, int x, int y,
			   int digit)
{
	const int W = m->w, H = m->h, t = m->t, h = t / 2, g = m->gap;
	const int ym = H / 2;
	const int a[][2] = {{g, 0}, {W - g, 0}, {W - t - g, t}, {t + g, t}};
	const int b[][2] = {{W, g},
			    {W, ym - h - g},
			    {W - h, ym - g},
			    {W - t, ym - h - g},
			    {W - t, t + g}};
	const int c[][2] = {{W - t, ym + h + g},
			    {W - h, ym + g},
			    {W, ym + h + g},
			    {W, H - g},
			    {W - t, H - t - g}};
	const int d[][2] = {
		{t + g, H - t}, {W - t - g, H - t}, {W - g, H}, {g, H}};
	const int e[][2] = {{0, ym + h + g},
			    {h, ym + g},
			    {t, ym + h + g},
			    {t, H - t - g},
			    {0, H - g}};
	const int f[][2] = {{0, g},
			    {t, t + g},
			    {t, ym - h - g},
			    {h, ym - g},
			    {0, ym - h - g}};
	const int gg[][2] = {{h + g, ym},	  {t + g, ym - h},
			     {W - t - g, ym - h}, {W - h - g, ym},
			     {W - t - g, ym + h}, {t + g, ym + h}};
	uint8_t bits = seg_digits[digit];

	if (bits & 0x01)
		poly(cr, a, 4, x, y);
	if (bits & 0x02)
		poly(cr, b, 5, x, y);
	if (bits & 0x04)
		poly(cr, c, 5, x, y);
	if (bits & 0x08)
		poly(cr, d, 4, x, y);
	if (bits & 0x10)
		poly(cr, e, 5, x, y);
	if (bits & 0x20)
		poly(cr, f, 5, x, y);
	if (bits & 0x40)
		poly(cr, gg, 6, x, y);
}

static void seg_draw_path(cairo_t *cr, const struct seg *m, int x, int y,
			  const char *s)
{
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			seg_digit_path(cr, m, x, y, *s - '0');
		} else if (*s == ':') {
			cairo_rectangle(cr, x, y + m->h / 3 - m->t / 2, m->t,
					m->t);
			cairo_rectangle(cr, x, y + m->h * 2 / 3 - m->t / 2,
					m->t, m->t);
		}
		x += seg_char_width(m, *s) + m->space;
	}
}

/*
 * Digits and ':' only. @dimmed: every other row left dark, which reads
 * as a dimmer, frozen time on a panel that has only on and off.
 */
static void seg_draw(struct ctx *c, int x, int y, const struct seg *m,
		     const char *s, struct rgb col, bool dimmed)
{
	int row;

	set_colour(c, col);
	seg_draw_path(c->cr, m, x, y, s);
	cairo_fill(c->cr);
	if (!dimmed)
		return;
	for (row = 1; row < m->h; row += 2)
		cairo_rectangle(c->cr, x, y + row, seg_text_width(m, s), 1);
	set_colour(c, black);
	cairo_fill(c->cr);
}

/* --- what is shown ---------------------------------------------------- */

/* m:ss from one minute on, plain seconds below; h:mm from 100 minutes. */
static void format_time(char *out, size_t size, uint32_t secs)
{
	if (secs < 60)
		snprintf(out, size, "%u", secs);
	else if (secs < 6000)
		snprintf(out, size, "%u:%02u", secs / 60, secs % 60);
	else
		snprintf(out, size, "%u:%02u", secs / 3600, secs / 60 % 60);
}

/* Always m:ss: a summary's length reads as a duration even under 60 s. */
static void format_elapsed(char *out, size_t size, uint32_t secs)
{
	if (secs >= 6000)
		snprintf(out, size, "%u:%02u", secs / 3600, secs / 60 % 60);
	else
		snprintf(out, size, "%u:%02u", secs / 60, secs % 60);
}

static const char *phase_label(enum display_phase p)
{
	switch (p) {
	case DISPLAY_PHASE_PREP:
		return "GET READY";
	case DISPLAY_PHASE_WARMUP:
		return "WARM-UP";
	case DISPLAY_PHASE_WORK:
		return "WORK";
	case DISPLAY_PHASE_REST:
		return "REST";
	case DISPLAY_PHASE_HOLD:
		return "HOLD";
	case DISPLAY_PHASE_SWITCH:
		return "SWITCH SIDES";
	case DISPLAY_PHASE_REPS:
		return "REPS";
	case DISPLAY_PHASE_NONE:
		break;
	}
	return "RUNNING";
}

/* Banner colour and the text colour readable on it. */
static void phase_colours(enum display_phase p, struct rgb *bg, struct rgb *fg)
{
	static const struct rgb warmup = {30, 110, 230}, rest = {30, 150, 60},
				hold = {255, 120, 0}, sw = {250, 215, 0},
				reps = {140, 70, 210};

	*fg = white;
	switch (p) {
	case DISPLAY_PHASE_PREP:
		*bg = amber;
		*fg = black;
		return;
	case DISPLAY_PHASE_WARMUP:
		*bg = warmup;
		return;
	case DISPLAY_PHASE_WORK:
		*bg = red;
		return;
	case DISPLAY_PHASE_REST:
		*bg = rest;
		return;
	case DISPLAY_PHASE_HOLD:
		*bg = hold;
		*fg = black;
		return;
	case DISPLAY_PHASE_SWITCH:
		*bg = sw;
		*fg = black;
		return;
	case DISPLAY_PHASE_REPS:
		*bg = reps;
		return;
	case DISPLAY_PHASE_NONE:
		break;
	}
	*bg = grey;
	*fg = black;
}

/* Heart-rate zones 1..5 in the usual watch colours. */
static struct rgb zone_colour(uint32_t zone)
{
	static const struct rgb zones[] = {
		{200, 200, 200}, {150, 150, 150}, {60, 140, 255},
		{60, 200, 80},	 {255, 150, 0},	  {240, 50, 50},
	};

	return zones[zone <= 5 ? zone : 0];
}

static const char *side_label(enum display_side side)
{
	switch (side) {
	case DISPLAY_SIDE_LEFT:
		return "LEFT";
	case DISPLAY_SIDE_RIGHT:
		return "RIGHT";
	case DISPLAY_SIDE_NONE:
		break;
	}
	return "";
}

/* A countdown, or an open rep step's count. */
static bool shows_countdown(const struct display_state *st)
{
	return st->phase != DISPLAY_PHASE_REPS || st->duration_ms > 0;
}

/* The big number of a running screen. */
static void big_text(const struct display_state *st, char *out, size_t size)
{
	if (shows_countdown(st))
		format_time(out, size, display_seconds_shown(st->remaining_ms));
	else
		snprintf(out, size, "%u",
			 st->has_reps ? st->reps : st->target_reps);
}

/* "3/8" of rounds, else "SET 2/3", else "". */
static void progress_text(const struct display_state *st, char *out,
			  size_t size, bool words)
{
	out[0] = '\0';
	if (st->rounds > 1)
		snprintf(out, size, "%s%u/%u", words ? "ROUND " : "", st->round,
			 st->rounds);
	else if (st->sets > 1)
		snprintf(out, size, "SET %u/%u", st->set, st->sets);
}

/* Width of the remaining-time bar: the part of the segment still ahead,
 * in whole seconds so it moves with the digits. */
static int remaining_width(const struct display_state *st, int full)
{
	uint64_t ms = (uint64_t)display_seconds_shown(st->remaining_ms) * 1000;

	if (!st->duration_ms)
		return 0;
	if (ms > st->duration_ms)
		ms = st->duration_ms;
	return (int)(ms * (uint64_t)full / st->duration_ms);
}

static void format_date(const struct display_clock *clk, char *out, size_t size,
			bool two_lines)
{
	static const char *const days[] = {"SUN", "MON", "TUE", "WED",
					   "THU", "FRI", "SAT"};
	static const char *const months[] = {"JAN", "FEB", "MAR", "APR",
					     "MAY", "JUN", "JUL", "AUG",
					     "SEP", "OCT", "NOV", "DEC"};

	snprintf(out, size, "%s%c%d %s", days[(unsigned)clk->wday % 7],
		 two_lines ? '\n' : ' ', clk->mday,
		 months[(unsigned)clk->mon % 12]);
}

/* A battery outline @s pixels per font pixel, 7s high, filled to @pct. */
static int draw_battery(struct ctx *c, int x, int y, int s, int pct)
{
	int bw = 10 * s, bh = 7 * s, inner = bw - 4 * s;
	struct rgb fill = pct > 50 ? green : pct > 20 ? amber : red;

	fill_rect(c, x, y, bw, bh, white);
	fill_rect(c, x + s, y + s, bw - 2 * s, bh - 2 * s, black);
	fill_rect(c, x + bw, y + 2 * s, s, bh - 4 * s, white);
	fill_rect(c, x + 2 * s, y + 2 * s, (inner * pct + 50) / 100, bh - 4 * s,
		  fill);
	return bw + s;
}

/* One sensor line: kind, name, battery (or OFF when not connected). */
static void draw_sensor(struct ctx *c, int x, int y, int right, int s,
			const struct display_sensor *sn)
{
	struct rgb col = sn->connected ? white : grey;
	const char *icon = sn->kind == DISPLAY_SENSOR_HR       ? "\u2665"
			   : sn->kind == DISPLAY_SENSOR_MOTION ? "~"
							       : "*";
	char right_text[16], name[DISPLAY_TEXT_MAX];
	int rw;

	draw_text(c, x, y, s, icon,
		  sn->kind == DISPLAY_SENSOR_HR && !c->mono ? red : col);
	x += FONT_ADVANCE * s + 2 * s;
	if (!sn->connected)
		snprintf(right_text, sizeof(right_text), "OFF");
	else if (sn->battery >= 0)
		snprintf(right_text, sizeof(right_text), "%d%%",
			 sn->battery > 100 ? 100 : sn->battery);
	else
		snprintf(right_text, sizeof(right_text), "ON");
	rw = font_text_width(right_text, s);
	draw_text_right(c, right, y, s, right_text, col);
	if (sn->connected && sn->battery >= 0) {
		rw += 12 * s;
		draw_battery(c, right - rw, y, s,
			     sn->battery > 100 ? 100 : sn->battery);
	}
	fit_text(name, sizeof(name), sn->name, s, right - rw - 3 * s - x);
	draw_text(c, x, y, s, name, col);
}

/* --- compact layout: 128x64 mono -------------------------------------- */

/*
 * Rows of the 128x64 layout: a 9-pixel header (phase, side, round), the
 * countdown 40 pixels high (about 7 mm on a 0.96" panel: readable across
 * the room), a 2-pixel bar of the time left, and one line of exercise
 * and heart rate.
 */
#define C_HEAD	 9
#define C_BIG_Y	 11
#define C_BIG_H	 40
#define C_BAR_Y	 53
#define C_FOOT	 57
#define C_REPS_W 30

/* A white box with black text, 9 pixels high from @y: the header's
 * phase, labels. */
static int compact_pill(struct ctx *c, int x, int y, const char *s)
{
	int w = font_text_width(s, 1) + 4;

	fill_rect(c, x, y, w, C_HEAD, white);
	draw_text(c, x + 2, y + 1, 1, s, black);
	return w;
}

static void compact_header(struct ctx *c, const struct display_state *st,
			   bool paused)
{
	const char *side = side_label(st->side);
	char right[24];
	int x, rw;

	progress_text(st, right, sizeof(right), false);
	rw = font_text_width(right, 1);
	if (paused) {
		fill_rect(c, 0, 0, c->w, C_HEAD, white);
		draw_text(c, 2, 1, 1, "PAUSED", black);
		draw_text_right(c, c->w - 2, 1, 1, right, black);
		return;
	}
	x = compact_pill(c, 0, 0, phase_label(st->phase)) + 4;
	draw_text_right(c, c->w, 1, 1, right, white);
	if (!*side)
		return;
	/* "SWITCH SIDES RIGHT 3/8" does not fit 128 pixels: then L or R */
	if (x + font_text_width(side, 1) + 4 + rw > c->w)
		side = st->side == DISPLAY_SIDE_LEFT ? "L" : "R";
	draw_text(c, x, 1, 1, side, white);
}

/* Exercise on the left, heart rate and zone on the right. */
static void compact_footer(struct ctx *c, const struct display_state *st)
{
	char hr[40], name[DISPLAY_TEXT_MAX];
	int hw = 0;

	if (st->heart_rate) {
		if (st->hr_zone)
			snprintf(hr, sizeof(hr), "\u2665%u Z%u", st->heart_rate,
				 st->hr_zone);
		else
			snprintf(hr, sizeof(hr), "\u2665%u", st->heart_rate);
		hw = font_text_width(hr, 1) + 4;
		draw_text_right(c, c->w, C_FOOT, 1, hr, white);
	}
	fit_text(name, sizeof(name), st->exercise, 1, c->w - hw);
	draw_text(c, 0, C_FOOT, 1, name, white);
}

static void compact_running(struct ctx *c, const struct display_state *st,
			    bool paused)
{
	char big[16], sub[16] = "", n[16];
	bool reps_col = st->has_reps && shows_countdown(st);
	bool hold_col = st->has_holding && st->phase == DISPLAY_PHASE_HOLD;
	int area = reps_col || hold_col ? c->w - C_REPS_W - 2 : c->w;
	int cx = c->w - C_REPS_W / 2;
	int bw, sw = 0, x;
	struct seg m;

	compact_header(c, st, paused);
	big_text(st, big, sizeof(big));
	if (!shows_countdown(st)) {
		if (st->has_reps && st->target_reps)
			snprintf(sub, sizeof(sub), "/%u", st->target_reps);
		else if (!st->has_reps)
			snprintf(sub, sizeof(sub), "TO DO");
	}
	/* a suffix at 2x when it fits beside the digits, else 1x */
	if (*sub)
		sw = font_text_width(sub, 2) + 3;
	m = seg_fit(big, C_BIG_H, area - sw);
	bw = seg_text_width(&m, big);
	x = (area - bw - sw) / 2;
	seg_draw(c, x, C_BIG_Y + (C_BIG_H - m.h) / 2, &m, big, white, paused);
	if (*sub)
		draw_text(c, x + bw + 3, C_BIG_Y + C_BIG_H - 14, 2, sub, white);
	if (reps_col) {
		snprintf(n, sizeof(n), "%u", st->reps);
		draw_text_centred(c, cx, C_BIG_Y + 4, 1, "REPS", white);
		draw_text_centred(c, cx, C_BIG_Y + 16,
				  fit_scale(n, 2, C_REPS_W), n, white);
	} else if (hold_col) {
		/* a lost position stands out in a white box */
		draw_text_centred(c, cx, C_BIG_Y + 4, 1, "HOLD", white);
		if (st->waiting) {
			/* the clock starts when the runner is still */
			draw_text_centred(c, cx, C_BIG_Y + 16, 1, "GET", white);
			draw_text_centred(c, cx, C_BIG_Y + 26, 1, "STILL",
					  white);
		} else if (st->holding) {
			draw_text_centred(c, cx, C_BIG_Y + 16, 2, "OK", white);
		} else {
			fill_rect(c, c->w - C_REPS_W, C_BIG_Y + 14, C_REPS_W,
				  11, white);
			draw_text_centred(c, cx, C_BIG_Y + 16, 1, "LOST",
					  black);
		}
	}
	fill_rect(c, 0, C_BAR_Y, remaining_width(st, c->w), 2, white);
	compact_footer(c, st);
}

static void compact_idle(struct ctx *c, const struct display_state *st)
{
	char t[16], date[24], line[DISPLAY_TEXT_MAX + 8];
	const char *nl;
	struct seg m = seg_metrics(26);
	size_t i;
	int x, y = 31;

	if (st->clock.valid) {
		snprintf(t, sizeof(t), "%02d:%02d", st->clock.hour,
			 st->clock.min);
		seg_draw(c, 1, 1, &m, t, white, false);
		format_date(&st->clock, date, sizeof(date), true);
		nl = strchr(date, '\n');
		draw_text(c, seg_text_width(&m, t) + 8, 15, 1, nl + 1, white);
		date[nl - date] = '\0';
		draw_text(c, seg_text_width(&m, t) + 8, 4, 1, date, white);
	}
	/* today's workout and up to three sensors in 8-pixel rows */
	if (*st->today) {
		x = compact_pill(c, 0, y - 1, "TODAY") + 3;
		fit_text(line, sizeof(line), st->today, 1, c->w - x);
		draw_text(c, x, y, 1, line, white);
		y += 10;
	}
	if (!st->n_sensors)
		draw_text(c, 0, y, 1, "NO SENSORS ADDED", white);
	for (i = 0; i < st->n_sensors && y + FONT_H <= c->h; i++, y += 8)
		draw_sensor(c, 0, y, c->w, 1, &st->sensors[i]);
}

/* Lines of label and value under a 26-pixel time. */
static void compact_ended(struct ctx *c, const struct display_state *st)
{
	const struct display_summary *sm = &st->summary;
	char t[16], v[32], name[DISPLAY_TEXT_MAX];
	struct seg m = seg_metrics(26);
	int x, y = 40;

	x = compact_pill(c, 0, 0, sm->completed ? "DONE" : "STOPPED") + 4;
	fit_text(name, sizeof(name), sm->workout, 1, c->w - x);
	draw_text(c, x, 1, 1, name, white);
	format_elapsed(t, sizeof(t), sm->elapsed_s);
	seg_draw(c, (c->w - seg_text_width(&m, t)) / 2, 12, &m, t, white,
		 false);
	if (sm->rounds) {
		snprintf(v, sizeof(v), "%u/%u", sm->rounds_done, sm->rounds);
		draw_text(c, 0, y, 1, "ROUNDS", white);
		draw_text_right(c, c->w, y, 1, v, white);
		y += 8;
	}
	if (sm->reps) {
		snprintf(v, sizeof(v), "%u", sm->reps);
		draw_text(c, 0, y, 1, "REPS", white);
		draw_text_right(c, c->w, y, 1, v, white);
		y += 8;
	}
	if (sm->hr_avg && y <= c->h - FONT_H) {
		snprintf(v, sizeof(v), "%u / %u", sm->hr_avg, sm->hr_max);
		draw_text(c, 0, y, 1, "\u2665 AVG / MAX", white);
		draw_text_right(c, c->w, y, 1, v, white);
	}
}

static void compact_no_daemon(struct ctx *c, const struct display_state *st)
{
	struct seg m = seg_metrics(26);
	char t[16];

	if (st->clock.valid) {
		snprintf(t, sizeof(t), "%02d:%02d", st->clock.hour,
			 st->clock.min);
		seg_draw(c, (c->w - seg_text_width(&m, t)) / 2, 2, &m, t, white,
			 false);
	}
	fill_rect(c, 0, 34, c->w, 11, white);
	draw_text_centred(c, c->w / 2, 36, 1, "HUB NOT RUNNING", black);
	draw_text_centred(c, c->w / 2, 51, 1, "WAITING FOR GYMHUBD", white);
}

/* --- large layout: colour panels, 240x240 and 320x240 ----------------- */

/*
 * Sizes follow the panel height: at 240 the banner is 40 pixels, the
 * countdown 100 (about 2.5 cm on a 1.3" panel) and values 28; text scales
 * by whole pixels so the bitmap font stays sharp.
 */
struct big {
	int bh;	     /* banner height */
	int m;	     /* side margin */
	int s_text;  /* exercise, titles */
	int s_label; /* tile labels, sensor lines */
	int s_value; /* tile values */
	int tile_h;
};

static int at_least_1(int v)
{
	return v > 1 ? v : 1;
}

static struct big big_metrics(const struct ctx *c)
{
	struct big b;

	b.bh = c->h / 6;
	b.m = c->w / 30;
	b.s_text = at_least_1(c->h / 80);
	b.s_label = at_least_1(c->h / 120);
	b.s_value = at_least_1(c->h / 60);
	b.tile_h = FONT_H * (b.s_label + b.s_value) + 4;
	return b;
}

static void big_banner(struct ctx *c, const struct big *b, int y,
		       const char *label, struct rgb bg, struct rgb fg)
{
	int s = fit_scale(label, (b->bh - 8) / FONT_H, c->w - 2 * b->m);

	if (c->mono) {
		bg = white;
		fg = black;
	}
	fill_rect(c, 0, y, c->w, b->bh, bg);
	draw_text_centred(c, c->w / 2, y + (b->bh - FONT_H * s) / 2, s, label,
			  fg);
}

struct tile {
	const char *label;
	char value[24];
	struct rgb colour;
};

/* A row of @n tiles, small label over a large value, split by lines. */
static void big_tiles(struct ctx *c, const struct big *b, int y,
		      const struct tile *tiles, int n)
{
	int tw, i, cx, s, ls;

	if (n <= 0)
		return;
	tw = (c->w - 2 * b->m) / n;
	for (i = 0; i < n; i++) {
		cx = b->m + tw * i + tw / 2;
		if (i && !c->mono)
			fill_rect(c, b->m + tw * i, y + 2, 1, b->tile_h - 4,
				  dark);
		ls = fit_scale(tiles[i].label, b->s_label, tw - 4);
		draw_text_centred(c, cx, y, ls, tiles[i].label, grey);
		/* a clear gap between values: "LOST1/3" reads as one word */
		s = fit_scale(tiles[i].value, b->s_value, tw - 12);
		draw_text_centred(c, cx,
				  y + FONT_H * b->s_label + 4 +
					  FONT_H * (b->s_value - s) / 2,
				  s, tiles[i].value, tiles[i].colour);
	}
}

/* "/15" beside an open rep step's count, "TO DO" beside its target. */
static void reps_suffix(const struct display_state *st, char *out, size_t size)
{
	out[0] = '\0';
	if (shows_countdown(st))
		return;
	if (st->has_reps && st->target_reps)
		snprintf(out, size, "/%u", st->target_reps);
	else if (!st->has_reps)
		snprintf(out, size, "TO DO");
}

static void big_running(struct ctx *c, const struct display_state *st,
			bool paused)
{
	struct big b = big_metrics(c);
	struct rgb bg, fg, digits = paused ? paused_grey : white;
	struct tile tiles[3];
	char big[16], sub[16], name[DISPLAY_TEXT_MAX], prog[24];
	const char *side = side_label(st->side);
	int big_y = b.bh + c->h / 40, big_h = (c->h * 5 / 12) & ~1;
	int bar_y = big_y + big_h + c->h / 40, bar_h = at_least_1(c->h / 30);
	int ex_y = bar_y + bar_h + c->h / 40;
	int n = 0, bw, sw = 0, x, s, side_w = 0, avail;
	struct seg m;

	phase_colours(st->phase, &bg, &fg);
	if (paused)
		big_banner(c, &b, 0, "PAUSED", paused_grey, white);
	else
		big_banner(c, &b, 0, phase_label(st->phase), bg, fg);

	big_text(st, big, sizeof(big));
	reps_suffix(st, sub, sizeof(sub));
	if (*sub)
		sw = font_text_width(sub, b.s_value) + b.s_value * 2;
	m = seg_fit(big, big_h, c->w - 2 * b.m - sw);
	bw = seg_text_width(&m, big);
	x = (c->w - bw - sw) / 2;
	seg_draw(c, x, big_y + (big_h - m.h) / 2, &m, big, digits,
		 paused && c->mono);
	if (*sub)
		draw_text(c, x + bw + b.s_value * 2,
			  big_y + (big_h + m.h) / 2 - FONT_H * b.s_value,
			  b.s_value, sub, digits);

	if (st->duration_ms) {
		if (!c->mono)
			fill_rect(c, b.m, bar_y, c->w - 2 * b.m, bar_h, dark);
		fill_rect(c, b.m, bar_y, remaining_width(st, c->w - 2 * b.m),
			  bar_h, paused ? paused_grey : bg);
	} else if (!shows_countdown(st)) {
		s = fit_scale("PRESS NEXT WHEN DONE", b.s_label,
			      c->w - 2 * b.m);
		draw_text_centred(c, c->w / 2, bar_y + (bar_h - FONT_H * s) / 2,
				  s, "PRESS NEXT WHEN DONE", grey);
	}

	/* the exercise, and the side in the banner's colour after it */
	s = b.s_text;
	if (*side)
		side_w = font_text_width(side, s) + FONT_ADVANCE * s;
	avail = c->w - 2 * b.m - side_w;
	if (b.s_text > 1 && font_text_width(st->exercise, s) > avail) {
		s = b.s_text - 1;
		side_w =
			*side ? font_text_width(side, s) + FONT_ADVANCE * s : 0;
		avail = c->w - 2 * b.m - side_w;
	}
	fit_text(name, sizeof(name), st->exercise, s, avail);
	ex_y += FONT_H * (b.s_text - s) / 2;
	x = (c->w - font_text_width(name, s) - side_w) / 2;
	x += draw_text(c, x, ex_y, s, name, white);
	if (*side)
		draw_text(c, x + (*name ? FONT_ADVANCE * s : 0), ex_y, s, side,
			  paused || !st->phase ? grey : bg);

	if (st->heart_rate) {
		tiles[n].label = "\u2665 HR";
		if (st->hr_zone)
			tiles[n].label = st->hr_zone == 1   ? "\u2665 Z1"
					 : st->hr_zone == 2 ? "\u2665 Z2"
					 : st->hr_zone == 3 ? "\u2665 Z3"
					 : st->hr_zone == 4 ? "\u2665 Z4"
							    : "\u2665 Z5";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%u",
			 st->heart_rate);
		tiles[n++].colour =
			st->hr_zone ? zone_colour(st->hr_zone) : white;
	}
	if (st->has_holding && st->phase == DISPLAY_PHASE_HOLD) {
		tiles[n].label = "HOLD";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%s",
			 st->waiting   ? "WAIT"
			 : st->holding ? "OK"
				       : "LOST");
		tiles[n++].colour = st->waiting	  ? white
				    : st->holding ? green
						  : red;
	} else if (st->has_reps && shows_countdown(st)) {
		tiles[n].label = "REPS";
		if (st->target_reps)
			snprintf(tiles[n].value, sizeof(tiles[n].value),
				 "%u/%u", st->reps, st->target_reps);
		else
			snprintf(tiles[n].value, sizeof(tiles[n].value), "%u",
				 st->reps);
		tiles[n++].colour = white;
	}
	progress_text(st, prog, sizeof(prog), false);
	if (*prog) {
		tiles[n].label = st->rounds > 1 ? "ROUND" : "SET";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%s",
			 st->rounds > 1 ? prog : prog + 4);
		tiles[n++].colour = white;
	}
	big_tiles(c, &b, c->h - b.tile_h - 2, tiles, n);
}

static void big_idle(struct ctx *c, const struct display_state *st)
{
	struct big b = big_metrics(c);
	struct seg m = seg_metrics((c->h * 3 / 10) & ~1);
	char t[16], date[24], name[DISPLAY_TEXT_MAX];
	int y = c->h / 15, row, s;
	size_t i;

	if (st->clock.valid) {
		snprintf(t, sizeof(t), "%02d:%02d", st->clock.hour,
			 st->clock.min);
		seg_draw(c, (c->w - seg_text_width(&m, t)) / 2, y, &m, t, white,
			 false);
		y += m.h + c->h / 40;
		format_date(&st->clock, date, sizeof(date), false);
		draw_text_centred(c, c->w / 2, y, b.s_label, date, grey);
	} else {
		y += m.h + c->h / 40;
	}
	y += FONT_H * b.s_label + c->h / 20;
	if (*st->today) {
		draw_text(c, b.m, y, b.s_label, "TODAY", amber);
		y += FONT_H * b.s_label + 4;
		s = fit_name(name, sizeof(name), st->today, b.s_text,
			     c->w - 2 * b.m);
		draw_text(c, b.m, y + FONT_H * (b.s_text - s) / 2, s, name,
			  white);
		y += FONT_H * b.s_text + c->h / 20;
	}
	row = FONT_H * b.s_label + c->h / 30;
	if (!st->n_sensors)
		draw_text(c, b.m, y, b.s_label, "NO SENSORS ADDED", grey);
	for (i = 0; i < st->n_sensors && y + FONT_H * b.s_label <= c->h - 2;
	     i++, y += row)
		draw_sensor(c, b.m, y, c->w - b.m, b.s_label, &st->sensors[i]);
}

static void big_ended(struct ctx *c, const struct display_state *st)
{
	const struct display_summary *sm = &st->summary;
	struct big b = big_metrics(c);
	struct seg m = seg_metrics((c->h * 7 / 30) & ~1);
	struct tile tiles[4];
	char t[16], name[DISPLAY_TEXT_MAX];
	int n = 0, y = b.bh + c->h / 30, s;

	if (sm->completed)
		big_banner(c, &b, 0, "WORKOUT DONE", green, white);
	else
		big_banner(c, &b, 0, "STOPPED", amber, black);
	s = fit_name(name, sizeof(name), sm->workout, b.s_text, c->w - 2 * b.m);
	draw_text_centred(c, c->w / 2, y + FONT_H * (b.s_text - s) / 2, s, name,
			  white);
	y += FONT_H * b.s_text + c->h / 30;
	format_elapsed(t, sizeof(t), sm->elapsed_s);
	seg_draw(c, (c->w - seg_text_width(&m, t)) / 2, y, &m, t, white, false);

	if (sm->rounds) {
		tiles[n].label = "ROUNDS";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%u/%u",
			 sm->rounds_done, sm->rounds);
		tiles[n++].colour = white;
	}
	if (sm->reps) {
		tiles[n].label = "REPS";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%u",
			 sm->reps);
		tiles[n++].colour = white;
	}
	if (sm->hr_avg) {
		tiles[n].label = "AVG \u2665";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%u",
			 sm->hr_avg);
		tiles[n++].colour = white;
		tiles[n].label = "MAX \u2665";
		snprintf(tiles[n].value, sizeof(tiles[n].value), "%u",
			 sm->hr_max);
		tiles[n++].colour = red;
	}
	if (n == 4) {
		big_tiles(c, &b, c->h - 2 * b.tile_h - 6, tiles, 2);
		big_tiles(c, &b, c->h - b.tile_h - 2, tiles + 2, 2);
	} else {
		big_tiles(c, &b, c->h - b.tile_h - 2, tiles, n);
	}
}

static void big_no_daemon(struct ctx *c, const struct display_state *st)
{
	struct big b = big_metrics(c);
	struct seg m = seg_metrics((c->h / 5) & ~1);
	int y = c->h * 5 / 12, s;
	char t[16];

	if (st->clock.valid) {
		snprintf(t, sizeof(t), "%02d:%02d", st->clock.hour,
			 st->clock.min);
		seg_draw(c, (c->w - seg_text_width(&m, t)) / 2, c->h / 10, &m,
			 t, grey, false);
	}
	big_banner(c, &b, y, "HUB NOT RUNNING", red, white);
	y += b.bh + c->h / 15;
	s = fit_scale("WAITING FOR GYMHUBD", b.s_label, c->w - 4);
	draw_text_centred(c, c->w / 2, y, s, "WAITING FOR GYMHUBD", grey);
}

/* --- entry point ------------------------------------------------------ */

int render_screen(cairo_surface_t *surface, const struct display_state *st,
		  bool mono)
{
	struct ctx c = {.mono = mono};
	cairo_format_t fmt;
	cairo_status_t status;
	bool compact;

	if (cairo_surface_get_type(surface) != CAIRO_SURFACE_TYPE_IMAGE)
		return -EINVAL;
	fmt = cairo_image_surface_get_format(surface);
	if (fmt != CAIRO_FORMAT_RGB24 && fmt != CAIRO_FORMAT_ARGB32)
		return -EINVAL;
	c.w = cairo_image_surface_get_width(surface);
	c.h = cairo_image_surface_get_height(surface);
	if (c.w < RENDER_MIN_WIDTH || c.h < RENDER_MIN_HEIGHT)
		return -EINVAL;
	c.cr = cairo_create(surface);
	if (cairo_status(c.cr) != CAIRO_STATUS_SUCCESS) {
		cairo_destroy(c.cr);
		return -ENOMEM;
	}
	cairo_set_antialias(c.cr, CAIRO_ANTIALIAS_NONE);
	fill_rect(&c, 0, 0, c.w, c.h, black);
	compact = c.h < 120;

	switch (st->mode) {
	case DISPLAY_RUNNING:
	case DISPLAY_PAUSED:
		if (compact)
			compact_running(&c, st, st->mode == DISPLAY_PAUSED);
		else
			big_running(&c, st, st->mode == DISPLAY_PAUSED);
		break;
	case DISPLAY_IDLE:
		if (compact)
			compact_idle(&c, st);
		else
			big_idle(&c, st);
		break;
	case DISPLAY_ENDED:
		if (compact)
			compact_ended(&c, st);
		else
			big_ended(&c, st);
		break;
	case DISPLAY_NO_DAEMON:
		if (compact)
			compact_no_daemon(&c, st);
		else
			big_no_daemon(&c, st);
		break;
	}
	status = cairo_status(c.cr);
	cairo_destroy(c.cr);
	cairo_surface_flush(surface);
	return status == CAIRO_STATUS_SUCCESS ? 0 : -ENOMEM;
}
