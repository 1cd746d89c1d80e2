/* SPDX-License-Identifier: MIT */
/*
 * display-fixtures.c - the screens of gymhub-display as fixed states.
 */
#include <string.h>

#include "display-fixtures.h"

const struct display_size display_sizes[] = {
	{128, 64, true},
	{240, 240, false},
	{320, 240, false},
};
const size_t display_n_sizes = sizeof(display_sizes) / sizeof(display_sizes[0]);

static void base(struct display_state *st, enum display_mode mode)
{
	display_state_init(st);
	st->mode = mode;
	st->clock = (struct display_clock){.valid = true,
					   .hour = 7,
					   .min = 5,
					   .wday = 2,
					   .mday = 14,
					   .mon = 4};
}

static void running(struct display_state *st, enum display_phase phase,
		    const char *exercise, uint32_t remaining, uint32_t duration)
{
	base(st, DISPLAY_RUNNING);
	display_state_set_text(st->workout, "tabata-legs");
	st->phase = phase;
	display_state_set_text(st->exercise, exercise);
	st->remaining_ms = remaining;
	st->duration_ms = duration;
}

void display_fixture_work(struct display_state *st)
{
	running(st, DISPLAY_PHASE_WORK, "Jump squats", 14200, 20000);
	st->round = 3;
	st->rounds = 8;
	st->heart_rate = 156;
	st->hr_zone = 4;
}

/* Counted reps in a timed interval, over a minute left: m:ss. */
static void work_reps(struct display_state *st)
{
	running(st, DISPLAY_PHASE_WORK, "Push-ups", 64000, 90000);
	st->round = 2;
	st->rounds = 4;
	st->has_reps = true;
	st->reps = 12;
	st->heart_rate = 142;
	st->hr_zone = 3;
}

static void rest(struct display_state *st)
{
	running(st, DISPLAY_PHASE_REST, "Jump squats", 8000, 10000);
	st->round = 3;
	st->rounds = 8;
	st->heart_rate = 171;
	st->hr_zone = 5;
}

/* A hold on one side, with a name too long for any panel. */
static void hold_side(struct display_state *st)
{
	running(st, DISPLAY_PHASE_HOLD, "Side plank on the forearm, hips high",
		27000, 30000);
	st->side = DISPLAY_SIDE_LEFT;
	st->has_holding = true;
	st->holding = true;
	st->set = 2;
	st->sets = 3;
	st->heart_rate = 118;
	st->hr_zone = 2;
}

/* A hold watched by a motion sensor, position lost. */
static void hold_lost(struct display_state *st)
{
	running(st, DISPLAY_PHASE_HOLD, "Wall sit", 41500, 60000);
	st->has_holding = true;
	st->holding = false;
	st->round = 1;
	st->rounds = 3;
	st->heart_rate = 126;
	st->hr_zone = 2;
}

/* A hold whose clock waits for the runner to be still in position. */
static void hold_waiting(struct display_state *st)
{
	running(st, DISPLAY_PHASE_HOLD, "Wall sit", 45000, 45000);
	st->has_holding = true;
	st->waiting = true;
	st->set = 1;
	st->sets = 2;
	st->heart_rate = 97;
	st->hr_zone = 1;
}

static void switch_sides(struct display_state *st)
{
	running(st, DISPLAY_PHASE_SWITCH, "Side plank", 5000, 5000);
	st->side = DISPLAY_SIDE_RIGHT;
	st->round = 2;
	st->rounds = 4;
}

/* A long warm-up, no heart rate yet, the whole interval ahead. */
static void warmup(struct display_state *st)
{
	running(st, DISPLAY_PHASE_WARMUP, "Easy rowing", 600000, 600000);
}

static void prep(struct display_state *st)
{
	running(st, DISPLAY_PHASE_PREP, "Wall sit", 4100, 10000);
	st->heart_rate = 88;
	st->hr_zone = 1;
}

/* An open rep step with a motion sensor counting. */
static void reps_counted(struct display_state *st)
{
	running(st, DISPLAY_PHASE_REPS, "Goblet squat", 0, 0);
	st->target_reps = 15;
	st->has_reps = true;
	st->reps = 9;
	st->set = 2;
	st->sets = 3;
	st->heart_rate = 131;
	st->hr_zone = 3;
}

/* The same without a motion sensor: the target is what is shown. */
static void reps_target(struct display_state *st)
{
	running(st, DISPLAY_PHASE_REPS, "Goblet squat", 0, 0);
	st->target_reps = 15;
	st->set = 1;
	st->sets = 3;
}

static void paused(struct display_state *st)
{
	display_fixture_work(st);
	st->mode = DISPLAY_PAUSED;
	st->remaining_ms = 12000;
	st->round = 5;
}

static void ended_done(struct display_state *st)
{
	base(st, DISPLAY_ENDED);
	st->summary = (struct display_summary){.completed = true,
					       .elapsed_s = 240,
					       .rounds_done = 8,
					       .rounds = 8,
					       .reps = 96,
					       .hr_avg = 148,
					       .hr_max = 176};
	display_state_set_text(st->summary.workout, "Tabata legs");
}

static void ended_stopped(struct display_state *st)
{
	base(st, DISPLAY_ENDED);
	st->summary = (struct display_summary){.completed = false,
					       .elapsed_s = 133,
					       .rounds_done = 3,
					       .rounds = 8};
	display_state_set_text(st->summary.workout, "Isometric holds");
}

static void add_sensor(struct display_state *st, const char *name,
		       enum display_sensor_kind kind, bool connected,
		       int battery)
{
	struct display_sensor *s = &st->sensors[st->n_sensors++];

	display_state_set_text(s->name, name);
	s->kind = kind;
	s->connected = connected;
	s->battery = battery;
}

static void idle(struct display_state *st)
{
	base(st, DISPLAY_IDLE);
	display_state_set_text(st->today, "Week 3 day 2: tabata legs");
	add_sensor(st, "Polar H10 A1B2C3", DISPLAY_SENSOR_HR, true, 87);
	add_sensor(st, "MetaMotionS", DISPLAY_SENSOR_MOTION, true, 15);
	add_sensor(st, "TICKR 4F21", DISPLAY_SENSOR_HR, false, -1);
}

static void idle_empty(struct display_state *st)
{
	base(st, DISPLAY_IDLE);
}

static void no_daemon(struct display_state *st)
{
	base(st, DISPLAY_NO_DAEMON);
}

const struct display_fixture display_fixtures[] = {
	{"work", display_fixture_work},
	{"work-reps", work_reps},
	{"rest", rest},
	{"hold-side", hold_side},
	{"hold-lost", hold_lost},
	{"hold-waiting", hold_waiting},
	{"switch", switch_sides},
	{"warmup", warmup},
	{"prep", prep},
	{"reps-counted", reps_counted},
	{"reps-target", reps_target},
	{"paused", paused},
	{"ended-done", ended_done},
	{"ended-stopped", ended_stopped},
	{"idle", idle},
	{"idle-empty", idle_empty},
	{"no-daemon", no_daemon},
};
const size_t display_n_fixtures =
	sizeof(display_fixtures) / sizeof(display_fixtures[0]);
