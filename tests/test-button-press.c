/* SPDX-License-Identifier: MIT */
/*
 * test-button-press.c - scripted GPIO edges through the debounce and
 * press logic: bounces, glitches, long holds, two buttons, a main loop
 * that wakes late. The runner plays the main loop: between edges it ticks
 * at every deadline the logic asks for, as gymhubd's timer would.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "button-press.h"

#define MS(x) ((uint64_t)(x)*1000000)
#define F     BUTTON_EDGE_FALLING
#define R     BUTTON_EDGE_RISING
#define SHORT BUTTON_PRESS_SHORT
#define LONG  BUTTON_PRESS_LONG
#define MAXN  16

struct edge {
	unsigned int button;
	enum button_edge edge;
	unsigned int ms;
};

struct expect {
	unsigned int button;
	enum button_press_kind kind;
	unsigned int ms;	  /* the event's time */
	unsigned int reported_ms; /* when the loop learns of it */
};

struct script {
	const char *name;
	bool active_high; /* default: pressed pulls the line low */
	bool late_loop;	  /* no timer: only edges wake the loop */
	bool held_at_start;
	struct edge edges[MAXN];
	struct expect want[MAXN];
};

/* debounce 30 ms, long press 1 s */
static const struct script scripts[] = {
	{"clean short press", .edges = {{0, F, 100}, {0, R, 300}},
	 .want = {{0, SHORT, 300, 330}}},
	{"bouncing contacts",
	 .edges = {{0, F, 100},
		   {0, R, 101},
		   {0, F, 102},
		   {0, R, 104},
		   {0, F, 105},
		   {0, R, 400},
		   {0, F, 401},
		   {0, R, 403}},
	 .want = {{0, SHORT, 403, 433}}},
	{"glitch while released", .edges = {{0, F, 100}, {0, R, 101}}},
	{"glitch while held",
	 .edges = {{0, F, 100}, {0, R, 500}, {0, F, 502}, {0, R, 700}},
	 .want = {{0, SHORT, 700, 730}}},
	{"long hold fires once, while held",
	 .edges = {{0, F, 100}, {0, R, 2000}}, .want = {{0, LONG, 1100, 1100}}},
	{"dropout before the threshold does not restart it",
	 .edges = {{0, F, 100}, {0, R, 900}, {0, F, 905}, {0, R, 2000}},
	 .want = {{0, LONG, 1100, 1100}}},
	{"released just before the threshold",
	 .edges = {{0, F, 100}, {0, R, 1099}},
	 .want = {{0, SHORT, 1099, 1129}}},
	{"held exactly the long-press time",
	 .edges = {{0, F, 100}, {0, R, 1100}}, .want = {{0, LONG, 1100, 1100}}},
	{"two buttons",
	 .edges = {{0, F, 100},
		   {1, F, 150},
		   {0, R, 300},
		   {1, R, 1400},
		   {0, F, 1500},
		   {0, R, 1501}},
	 .want = {{0, SHORT, 300, 330}, {1, LONG, 1150, 1150}}},
	{"released just before the threshold, ticked past it",
	 .edges = {{0, F, 100}, {0, R, 1090}, {1, F, 1105}, {1, R, 1200}},
	 .want = {{0, SHORT, 1090, 1120}, {1, SHORT, 1200, 1230}}},
	{"two buttons pressed together",
	 .edges = {{0, F, 100}, {1, F, 100}, {0, R, 250}, {1, R, 250}},
	 .want = {{0, SHORT, 250, 280}, {1, SHORT, 250, 280}}},
	{"late main loop: the kernel timestamps decide", .late_loop = true,
	 .edges = {{0, F, 100},
		   {0, R, 2000},
		   {0, F, 3000},
		   {0, R, 3200},
		   {0, F, 5000}},
	 .want = {{0, LONG, 1100, 2000}, {0, SHORT, 3200, 5000}}},
	{"wired active high", .active_high = true,
	 .edges = {{0, R, 100}, {0, F, 300}}, .want = {{0, SHORT, 300, 330}}},
	{"held at start-up: its release is no press", .held_at_start = true,
	 .edges = {{0, R, 500}, {0, F, 700}, {0, R, 800}},
	 .want = {{0, SHORT, 800, 830}}},
	{"a lost pulse: two falling edges",
	 .edges = {{0, F, 100}, {0, F, 200}, {0, R, 400}},
	 .want = {{0, SHORT, 400, 430}}},
};

struct got {
	struct button_press_event ev;
	uint64_t reported;
};

static void collect(struct got *got, int *n,
		    const struct button_press_event *ev, int count,
		    uint64_t now)
{
	int i;

	assert_true(count >= 0);
	for (i = 0; i < count; i++) {
		assert_true(*n < MAXN);
		got[*n].ev = ev[i];
		got[(*n)++].reported = now;
	}
}

/* Ticks at every deadline before @until, as a timerfd would. */
static void run_timers(struct button_press *bp, uint64_t until, struct got *got,
		       int *n)
{
	struct button_press_event ev[BUTTON_PRESS_MAX_BUTTONS];
	uint64_t d;

	while ((d = button_press_next_deadline(bp)) < until)
		collect(got, n, ev, button_press_tick(bp, d, ev), d);
}

static void run_script(const struct script *s)
{
	struct button_press_config cfg = {
		.debounce_ns = MS(30),
		.long_press_ns = MS(1000),
		.active_low = !s->active_high,
	};
	struct button_press *bp = button_press_new(&cfg, 2);
	struct button_press_event ev[BUTTON_PRESS_MAX_BUTTONS];
	struct got got[MAXN];
	int n = 0, i, want_n = 0;
	uint64_t t;

	assert_non_null(bp);
	if (s->held_at_start)
		assert_int_equal(button_press_reset(bp, 0, s->active_high, 0),
				 0);
	for (i = 0; i < MAXN && s->edges[i].ms; i++) {
		const struct edge *e = &s->edges[i];

		t = MS(e->ms);
		if (!s->late_loop)
			run_timers(bp, t, got, &n);
		collect(got, &n, ev,
			button_press_edge(bp, e->button, e->edge, t, ev), t);
		/* the loop ticks after each batch of edges */
		collect(got, &n, ev, button_press_tick(bp, t, ev), t);
	}
	if (!s->late_loop)
		run_timers(bp, BUTTON_PRESS_NO_DEADLINE, got, &n);

	while (want_n < MAXN && s->want[want_n].ms)
		want_n++;
	if (n != want_n)
		fail_msg("%s: %d events, expected %d", s->name, n, want_n);
	for (i = 0; i < n; i++) {
		const struct expect *w = &s->want[i];

		if (got[i].ev.button != w->button ||
		    got[i].ev.kind != w->kind ||
		    got[i].ev.time_ns != MS(w->ms) ||
		    got[i].reported != MS(w->reported_ms))
			fail_msg("%s: event %d: button %u %s at %llu ns, "
				 "reported at %llu; expected button %u %s "
				 "at %u ms, reported at %u ms",
				 s->name, i, got[i].ev.button,
				 got[i].ev.kind == LONG ? "LONG" : "SHORT",
				 (unsigned long long)got[i].ev.time_ns,
				 (unsigned long long)got[i].reported, w->button,
				 w->kind == LONG ? "LONG" : "SHORT", w->ms,
				 w->reported_ms);
	}
	/* nothing left to wait for: no idle wake-ups */
	if (!s->late_loop)
		assert_true(button_press_next_deadline(bp) ==
			    BUTTON_PRESS_NO_DEADLINE);
	button_press_free(bp);
}

static void test_scripts(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		run_script(&scripts[i]);
}

static void test_defaults_and_arguments(void **state)
{
	struct button_press_config cfg = {.active_low = true};
	struct button_press_event ev[BUTTON_PRESS_MAX_BUTTONS];
	struct button_press *bp;

	assert_null(button_press_new(&cfg, 0));
	assert_null(button_press_new(&cfg, BUTTON_PRESS_MAX_BUTTONS + 1));
	bp = button_press_new(&cfg, 1);
	assert_non_null(bp);
	assert_true(button_press_next_deadline(bp) == BUTTON_PRESS_NO_DEADLINE);
	assert_int_equal(button_press_edge(bp, 1, F, MS(1), ev), -EINVAL);
	assert_int_equal(button_press_reset(bp, 1, true, 0), -EINVAL);
	assert_int_equal(button_press_edge(bp, 0, F, MS(100), ev), 0);
	/* the default debounce and long-press times */
	assert_true(button_press_next_deadline(bp) ==
		    MS(100) + BUTTON_PRESS_DEBOUNCE_NS);
	assert_int_equal(button_press_tick(bp, MS(130), ev), 0);
	assert_true(button_press_is_down(bp, 0));
	assert_true(button_press_next_deadline(bp) ==
		    MS(100) + BUTTON_PRESS_LONG_PRESS_NS);
	assert_false(button_press_is_down(bp, 3));
	button_press_free(bp);
	button_press_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_defaults_and_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
