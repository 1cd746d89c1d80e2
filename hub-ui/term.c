/* SPDX-License-Identifier: MIT */
/*
 * term.c - terminal renderings of gymhub-display's screen (see term.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "term.h"

/* A bounded string builder that counts what it would need, as snprintf
 * does, so callers can size a buffer with a first pass. */
struct buf {
	char *out;
	size_t size, len;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + 1 < b->size) {
		size_t room = b->size - 1 - b->len;

		memcpy(b->out + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *b,
						       const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static size_t finish(struct buf *b)
{
	if (b->size)
		b->out[b->len < b->size ? b->len : b->size - 1] = '\0';
	return b->len;
}

static uint32_t px(const void *pixels, int stride, int x, int y)
{
	return ((const uint32_t *)((const uint8_t *)pixels +
				   (size_t)y * stride))[x];
}

static bool lit(const void *pixels, int w, int h, int stride, int x, int y)
{
	return x < w && y < h && (px(pixels, stride, x, y) >> 8 & 0xff) >= 128;
}

size_t term_braille(const void *pixels, int width, int height, int stride,
		    char *out, size_t size)
{
	/* Unicode braille patterns: dots 1-3 and 7 down the left column,
	 * 4-6 and 8 down the right, as bits 0..7 of U+2800 + n. */
	static const uint8_t dot[4][2] = {
		{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
	struct buf b = {out, size, 0};
	int x, y, dx, dy;

	for (y = 0; y < height; y += 4) {
		for (x = 0; x < width; x += 2) {
			uint8_t bits = 0;
			char u[3];

			for (dy = 0; dy < 4; dy++)
				for (dx = 0; dx < 2; dx++)
					if (lit(pixels, width, height, stride,
						x + dx, y + dy))
						bits |= dot[dy][dx];
			u[0] = (char)0xe2;
			u[1] = (char)(0xa0 | bits >> 6);
			u[2] = (char)(0x80 | (bits & 0x3f));
			put(&b, u, 3);
		}
		put(&b, "\n", 1);
	}
	return finish(&b);
}

size_t term_blocks(const void *pixels, int width, int height, int stride,
		   char *out, size_t size)
{
	struct buf b = {out, size, 0};
	int x, y;

	for (y = 0; y < height; y += 2) {
		uint32_t fg = UINT32_MAX, bg = UINT32_MAX;

		for (x = 0; x < width; x++) {
			uint32_t top = px(pixels, stride, x, y) & 0xffffff;
			uint32_t bot = y + 1 < height
					       ? px(pixels, stride, x, y + 1) &
							 0xffffff
					       : 0;

			/* colours only where they change: a screen is
			 * mostly runs of black */
			if (top != fg)
				putf(&b, "\033[38;2;%u;%u;%um", top >> 16,
				     top >> 8 & 0xff, top & 0xff);
			if (bot != bg)
				putf(&b, "\033[48;2;%u;%u;%um", bot >> 16,
				     bot >> 8 & 0xff, bot & 0xff);
			fg = top;
			bg = bot;
			put(&b, "\xe2\x96\x80", 3); /* U+2580 upper half */
		}
		put(&b, "\033[0m\n", 5);
	}
	return finish(&b);
}

static const char *phase_word(enum display_phase p)
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

static void put_clock(struct buf *b, const struct display_clock *c)
{
	if (c->valid)
		putf(b, " %02d:%02d", c->hour, c->min);
}

static void put_running(struct buf *b, const struct display_state *st)
{
	uint32_t s = display_seconds_shown(st->remaining_ms);

	putf(b, "%s", st->mode == DISPLAY_PAUSED ? "PAUSED " : "");
	putf(b, "%s", phase_word(st->phase));
	if (st->phase == DISPLAY_PHASE_REPS && !st->duration_ms)
		putf(b, " %u/%u", st->has_reps ? st->reps : 0, st->target_reps);
	else
		putf(b, " %u:%02u", s / 60, s % 60);
	if (*st->exercise)
		putf(b, " | %s", st->exercise);
	if (st->side != DISPLAY_SIDE_NONE)
		putf(b, " (%s)",
		     st->side == DISPLAY_SIDE_LEFT ? "left" : "right");
	if (st->rounds > 1)
		putf(b, " | round %u/%u", st->round, st->rounds);
	else if (st->sets > 1)
		putf(b, " | set %u/%u", st->set, st->sets);
	if (st->has_reps && st->phase != DISPLAY_PHASE_REPS)
		putf(b, " | reps %u", st->reps);
	if (st->has_holding && st->phase == DISPLAY_PHASE_HOLD)
		putf(b, " | %s",
		     st->waiting   ? "get still to start the clock"
		     : st->holding ? "holding"
				   : "position lost");
	if (st->heart_rate) {
		putf(b, " | HR %u", st->heart_rate);
		if (st->hr_zone)
			putf(b, " Z%u", st->hr_zone);
	}
}

static void put_idle(struct buf *b, const struct display_state *st)
{
	size_t i;

	put(b, "idle", 4);
	put_clock(b, &st->clock);
	if (*st->today)
		putf(b, " | today: %s", st->today);
	for (i = 0; i < st->n_sensors && i < DISPLAY_MAX_SENSORS; i++) {
		const struct display_sensor *s = &st->sensors[i];

		putf(b, "%s%s ", i ? ", " : " | sensors: ", s->name);
		if (!s->connected)
			putf(b, "off");
		else if (s->battery >= 0)
			putf(b, "%d%%", s->battery);
		else
			putf(b, "on");
	}
}

static void put_ended(struct buf *b, const struct display_state *st)
{
	const struct display_summary *sm = &st->summary;

	putf(b, "%s %s %u:%02u", sm->completed ? "DONE" : "STOPPED",
	     sm->workout, sm->elapsed_s / 60, sm->elapsed_s % 60);
	if (sm->rounds)
		putf(b, " | rounds %u/%u", sm->rounds_done, sm->rounds);
	if (sm->reps)
		putf(b, " | reps %u", sm->reps);
	if (sm->hr_avg)
		putf(b, " | HR avg %u max %u", sm->hr_avg, sm->hr_max);
}

size_t term_text(const struct display_state *st, char *out, size_t size)
{
	struct buf b = {out, size, 0};

	switch (st->mode) {
	case DISPLAY_NO_DAEMON:
		put(&b, "hub not running", 15);
		put_clock(&b, &st->clock);
		break;
	case DISPLAY_IDLE:
		put_idle(&b, st);
		break;
	case DISPLAY_RUNNING:
	case DISPLAY_PAUSED:
		put_running(&b, st);
		break;
	case DISPLAY_ENDED:
		put_ended(&b, st);
		break;
	}
	return finish(&b);
}
