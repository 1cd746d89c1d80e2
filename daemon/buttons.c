/* SPDX-License-Identifier: MIT */
/*
 * buttons.c - see buttons.h.
 *
 * Each line is requested for both edges; the kernel timestamps every
 * edge (CLOCK_MONOTONIC on Linux >= 5.7, gpiolib's line event clock), so
 * debouncing runs on when the contact bounced, not on when the main loop
 * got round to reading it. A timer wakes the loop only while a press is
 * being decided (debounce, long press); buttons at rest cost nothing.
 */
#include <errno.h>
#include <time.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <gpiod.h>

#include "button-press.h"
#include "buttons.h"

#define CONSUMER "gymhubd-buttons"
#define N_ROLES	 3

struct button_line {
	struct buttons *b;
	struct gpiod_line *line;
	unsigned int idx; /* in button_press */
	int role;	  /* 0 start, 1 next, 2 stop */
	guint watch;
};

struct buttons {
	struct buttons_setup s;
	struct gpiod_chip *chip;
	struct button_press *bp;
	struct button_line lines[N_ROLES];
	unsigned int n;
	guint timer;
};

const char *button_action_to_string(enum button_action a)
{
	switch (a) {
	case BUTTON_START_PAUSE:
		return "start/pause";
	case BUTTON_NEXT:
		return "next";
	case BUTTON_STOP:
		return "stop";
	}
	return "?";
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void act(struct buttons *b, const struct button_press_event *e)
{
	const struct button_line *l = &b->lines[e->button];
	enum button_action a;

	if (l->role == 0)
		a = e->kind == BUTTON_PRESS_LONG ? BUTTON_STOP
						 : BUTTON_START_PAUSE;
	else if (l->role == 1)
		a = BUTTON_NEXT;
	else
		a = BUTTON_STOP;
	/* a long press on next does nothing: too easy to do by mistake */
	if (l->role == 1 && e->kind == BUTTON_PRESS_LONG)
		return;
	g_message("Button %s (%s press)", button_action_to_string(a),
		  e->kind == BUTTON_PRESS_LONG ? "long" : "short");
	b->s.pressed(a, b->s.user_data);
}

static void rearm(struct buttons *b);

static gboolean on_timer(gpointer data)
{
	struct button_press_event ev[N_ROLES];
	struct buttons *b = data;
	int n, i;

	b->timer = 0;
	n = button_press_tick(b->bp, mono_ns(), ev);
	for (i = 0; i < n; i++)
		act(b, &ev[i]);
	rearm(b);
	return G_SOURCE_REMOVE;
}

static void rearm(struct buttons *b)
{
	uint64_t next = button_press_next_deadline(b->bp), now = mono_ns();
	guint ms;

	g_clear_handle_id(&b->timer, g_source_remove);
	if (next == BUTTON_PRESS_NO_DEADLINE)
		return;
	ms = next > now ? (guint)((next - now + 999999) / 1000000) : 0;
	b->timer = g_timeout_add(ms, on_timer, b);
}

static gboolean on_edges(gint fd, GIOCondition cond, gpointer data)
{
	struct button_line *l = data;
	struct buttons *b = l->b;
	struct gpiod_line_event ev[16];
	struct button_press_event out;
	int n, i;

	n = gpiod_line_event_read_multiple(l->line, ev, G_N_ELEMENTS(ev));
	if (n < 0) {
		g_warning("Button line %u: %s; it stops working until "
			  "gymhubd restarts",
			  gpiod_line_offset(l->line), g_strerror(errno));
		l->watch = 0;
		return G_SOURCE_REMOVE;
	}
	for (i = 0; i < n; i++) {
		uint64_t t = (uint64_t)ev[i].ts.tv_sec * 1000000000u +
			     (uint64_t)ev[i].ts.tv_nsec;

		if (button_press_edge(
			    b->bp, l->idx,
			    ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE
				    ? BUTTON_EDGE_RISING
				    : BUTTON_EDGE_FALLING,
			    t, &out) > 0)
			act(b, &out);
	}
	rearm(b);
	return G_SOURCE_CONTINUE;
}

static bool request(struct buttons *b, int role, int offset, GError **error)
{
	struct gpiod_line_request_config cfg = {
		.consumer = CONSUMER,
		.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES,
		.flags =
			b->s.pull_up ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP : 0,
	};
	struct button_line *l = &b->lines[b->n];
	int v;

	if (offset == BUTTONS_NO_LINE)
		return true;
	l->b = b;
	l->role = role;
	l->idx = b->n;
	l->line = gpiod_chip_get_line(b->chip, (unsigned int)offset);
	if (!l->line || gpiod_line_request(l->line, &cfg, 0) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "button line %d on %s: %s", offset, b->s.chip,
			    g_strerror(errno));
		l->line = NULL;
		return false;
	}
	v = gpiod_line_get_value(l->line);
	b->n++;
	button_press_reset(b->bp, l->idx, v == 1, mono_ns());
	l->watch = g_unix_fd_add(gpiod_line_event_get_fd(l->line), G_IO_IN,
				 on_edges, l);
	return true;
}

struct buttons *buttons_new(const struct buttons_setup *setup, GError **error)
{
	struct button_press_config pc = {
		.debounce_ns = setup->debounce_ms * 1000000ull,
		.long_press_ns = setup->long_press_ms * 1000000ull,
		.active_low = setup->active_low,
	};
	unsigned int n = (setup->start != BUTTONS_NO_LINE) +
			 (setup->next != BUTTONS_NO_LINE) +
			 (setup->stop != BUTTONS_NO_LINE);
	struct buttons *b;

	if (n == 0)
		return NULL;
	b = g_new0(struct buttons, 1);
	b->s = *setup;
	b->s.chip = NULL; /* borrowed; kept only for messages below */
	b->bp = button_press_new(&pc, n);
	b->chip = gpiod_chip_open_lookup(setup->chip);
	if (!b->bp || !b->chip) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "GPIO chip %s: %s", setup->chip, g_strerror(errno));
		buttons_free(b);
		return NULL;
	}
	b->s.chip = setup->chip;
	if (!request(b, 0, setup->start, error) ||
	    !request(b, 1, setup->next, error) ||
	    !request(b, 2, setup->stop, error)) {
		buttons_free(b);
		return NULL;
	}
	b->s.chip = NULL;
	return b;
}

void buttons_free(struct buttons *b)
{
	unsigned int i;

	if (!b)
		return;
	g_clear_handle_id(&b->timer, g_source_remove);
	for (i = 0; i < N_ROLES; i++) {
		if (b->lines[i].watch)
			g_source_remove(b->lines[i].watch);
		if (b->lines[i].line)
			gpiod_line_release(b->lines[i].line);
	}
	if (b->chip)
		gpiod_chip_close(b->chip);
	button_press_free(b->bp);
	g_free(b);
}
