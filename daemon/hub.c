/* SPDX-License-Identifier: MIT */
/*
 * hub.c - the org.gymhub.Hub1 object.
 *
 * The engine decides what happens when; this file turns its decisions
 * into effects: cues handed to the cue thread, segments and sets queued
 * for the store, properties and signals on D-Bus. Every operation ends in
 * hub_sync(), so the effects of a method call and of a timer are the same
 * code.
 *
 * The main loop only keeps the books: it wakes at segment ends (to record
 * and publish them) and once a second (for RemainingMs). The beeps
 * themselves are timed by the cue thread, which already holds each cue
 * before its deadline, so a late main loop never makes a late beep.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib-unix.h>

#include "engine.h"
#include "hub.h"
#include "hub1-generated.h"
#include "workout.h"

#define HUB_ERROR_PREFIX "org.gymhub.Hub1.Error."
/* Cue reports drained per wake-up; more simply wait for the next one. */
#define HUB_DRAIN_MAX 32
/* How long to wait for the final cue's report before ending anyway. */
#define HUB_DONE_GRACE_MS 1500

struct hub {
	GDBusConnection *bus;
	GhHub1 *skel;
	struct hub_setup s;

	struct engine *engine;
	const struct workout *workout;
	int64_t session;  /* 0 when not recording */
	uint64_t mono0;	  /* CLOCK_MONOTONIC ns at start */
	int64_t wall0_ms; /* Unix ms at the same instant */
	size_t recorded;  /* segments [0, recorded) are queued to the store */
	size_t shown;	  /* segment published on D-Bus; SIZE_MAX: none */
	enum engine_state shown_state;
	bool *skipped;	     /* per segment: ended by skip or stop */
	uint64_t *paused_ns; /* per segment: time spent paused in it */
	uint64_t pause_started;
	uint32_t n_sets;
	/*
	 * The final cue is reported after the engine already finished; the
	 * session ends once it is in (or after a grace period), so "done"
	 * is recorded and signalled before SessionEnded.
	 */
	uint32_t done_seq;
	bool has_done_seq;
	bool finishing;

	/* Reports can outlive their session by a few ms: keep its clock. */
	int64_t cue_session;
	uint64_t cue_mono0;
	int64_t cue_wall0_ms;

	GSource *wake; /* next segment end or whole second */
	guint cue_watch;
	guint motion_watch;
	int64_t motion_seq;  /* set_mode() of the current segment */
	int32_t *reps;	     /* per segment: counted, -1 when none was */
	int64_t *held_ms;    /* per segment: held still, -1: no sensor saw */
	size_t hold_seg;     /* the segment of the hold going on */
	uint64_t hold_since; /* CLOCK_MONOTONIC ns it began; 0: none */
	uint32_t adhoc_seq;  /* cues the hub makes itself (broken hold) */
	bool motion_present; /* a motion sensor is sending */
	bool shown_waiting;  /* Waiting as last published */
	guint grace_timer;
	char status[160];
};

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t to_wall_ms(int64_t wall0_ms, uint64_t mono0, uint64_t t)
{
	return wall0_ms + ((int64_t)(t - mono0)) / 1000000;
}

/*
 * The one place where an errno becomes a D-Bus error, so every method
 * reports the same condition the same way.
 */
static void hub_return_error(GDBusMethodInvocation *inv, int err)
{
	g_autofree char *full = NULL;
	const char *name, *msg;

	switch (err) {
	case -ENOENT:
		name = "UnknownWorkout";
		msg = "no workout by that name (see ListWorkouts)";
		break;
	case -EBUSY:
		name = "Busy";
		msg = "a workout is already running; stop it first";
		break;
	case -ESRCH:
		name = "NotRunning";
		msg = "no workout is running";
		break;
	case -EALREADY:
		name = "NotPaused";
		msg = "the workout is not paused";
		break;
	case -EAGAIN:
		name = "Paused";
		msg = "the workout is paused; resume it first";
		break;
	case -EOPNOTSUPP:
		name = "NotRepStep";
		msg = "the current step is not a rep step (use Skip)";
		break;
	default:
		name = "Failed";
		msg = g_strerror(-err);
		break;
	}
	full = g_strconcat(HUB_ERROR_PREFIX, name, NULL);
	g_dbus_method_invocation_return_dbus_error(inv, full, msg);
}

static const struct workout *find_workout(struct hub *h, const char *name)
{
	guint i;

	for (i = 0; i < h->s.workouts->len; i++) {
		const struct workout *w = g_ptr_array_index(h->s.workouts, i);

		if (strcmp(w->name, name) == 0)
			return w;
	}
	return NULL;
}

static void set_status(struct hub *h, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_status(struct hub *h, const char *fmt, ...)
{
	char buf[sizeof(h->status)];
	va_list ap;

	va_start(ap, fmt);
	g_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, h->status) == 0)
		return;
	g_strlcpy(h->status, buf, sizeof(h->status));
	if (h->s.on_status)
		h->s.on_status(h->status, h->s.user_data);
}

static bool is_effort(enum segment_kind kind)
{
	return kind == SEGMENT_WORK || kind == SEGMENT_HOLD ||
	       kind == SEGMENT_REPS;
}

/*
 * What was held in hold segment @i: with a motion sensor, the time it
 * saw the runner still in position (a hold still going on at the end
 * counts to the end); without one, the segment's time. Pauses do not
 * count either way.
 */
static uint32_t held_ms(struct hub *h, size_t i, const struct segment *seg,
			uint64_t start, uint64_t end)
{
	int64_t ms;

	if (seg->kind != SEGMENT_HOLD || !end)
		return 0;
	if (!h->held_ms || h->held_ms[i] < 0)
		return (uint32_t)((end - start - h->paused_ns[i]) / 1000000);
	ms = h->held_ms[i];
	if (h->hold_since && h->hold_seg == i) {
		uint64_t from = h->hold_since > start ? h->hold_since : start;

		if (end > from)
			ms += (int64_t)((end - from) / 1000000);
		h->hold_since = 0;
	}
	return (uint32_t)ms;
}

/* Queues segment @i (and the set it was, if an effort) to the store. */
static void record_segment(struct hub *h, size_t i)
{
	const struct segment *seg = engine_segment(h->engine, i);
	uint64_t start, end;
	struct store_segment row;
	int64_t planned;

	engine_segment_times(h->engine, i, &start, &end);
	if (!h->s.store || start == 0)
		return; /* never ran: skipped over, or after a stop */
	planned = h->wall0_ms + (int64_t)seg->planned_start_ms;
	row = (struct store_segment){
		.idx = (uint32_t)i,
		.kind = segment_kind_to_string(seg->kind),
		.exercise = seg->exercise,
		.side = side_to_string(seg->side),
		.round = seg->round,
		.rounds = seg->rounds,
		.set = seg->set,
		.sets = seg->sets,
		.planned_start_ms = planned,
		.planned_end_ms =
			seg->duration_ms ? planned + seg->duration_ms : 0,
		.start_ms = to_wall_ms(h->wall0_ms, h->mono0, start),
		.end_ms = end ? to_wall_ms(h->wall0_ms, h->mono0, end) : 0,
		.skipped = h->skipped[i],
	};
	store_add_segment(h->s.store, h->session, &row);

	if (is_effort(seg->kind)) {
		struct store_set set = {
			.idx = ++h->n_sets,
			.exercise = seg->exercise,
			.side = side_to_string(seg->side),
			.target_reps =
				seg->kind == SEGMENT_REPS ? seg->reps : 0,
			/* counted by a motion sensor, -1: none was worn */
			.reps = h->reps ? h->reps[i] : -1,
			.hold_ms = held_ms(h, i, seg, start, end),
			.start_ms = row.start_ms,
			.end_ms = row.end_ms,
		};
		store_add_set(h->s.store, h->session, &set);
	}
}

/* Segments that ended since the last call go to the store, in order. */
static void record_ended(struct hub *h)
{
	size_t n = engine_n_segments(h->engine);
	size_t upto = engine_current(h->engine);
	enum engine_state st = engine_state(h->engine);

	if (st == ENGINE_FINISHED || st == ENGINE_STOPPED)
		upto = n;
	for (; h->recorded < upto; h->recorded++)
		record_segment(h, h->recorded);
}

static void schedule_cues(struct hub *h)
{
	struct cue cues[32];
	size_t n, i;
	int r;

	do {
		n = engine_take_cues(h->engine, cues, G_N_ELEMENTS(cues));
		for (i = 0; i < n; i++) {
			if (cues[i].kind == CUE_DONE) {
				h->done_seq = cues[i].seq;
				h->has_done_seq = true;
			}
		}
		r = n ? cue_thread_schedule(h->s.cues, cues, n) : 0;
		if (r < 0)
			g_warning("Could not hand %zu cues to the cue thread: "
				  "%s; they will not sound",
				  n, g_strerror(-r));
	} while (n == G_N_ELEMENTS(cues));
}

static void publish_idle(struct hub *h)
{
	GhHub1 *o = h->skel;

	gh_hub1_set_state(o, "idle");
	gh_hub1_set_waiting(o, FALSE);
	h->shown_waiting = false;
	gh_hub1_set_workout(o, "");
	gh_hub1_set_session(o, 0);
	gh_hub1_set_phase(o, "");
	gh_hub1_set_exercise(o, "");
	gh_hub1_set_side(o, "");
	gh_hub1_set_round(o, 0);
	gh_hub1_set_rounds(o, 0);
	gh_hub1_set_set(o, 0);
	gh_hub1_set_sets(o, 0);
	gh_hub1_set_target_reps(o, 0);
	gh_hub1_set_segment(o, 0);
	gh_hub1_set_segments(o, 0);
	gh_hub1_set_remaining_ms(o, 0);
	gh_hub1_set_duration_ms(o, 0);
	h->shown = SIZE_MAX;
	set_status(h, "Idle; %u workouts available", h->s.workouts->len);
}

/*
 * Tells the low-latency thread what to look for in this segment: reps in
 * a rep step, a hold in a hold step, nothing otherwise. Each call starts
 * a new count, and events of an earlier one are ignored by their number.
 */
static void motion_follow(struct hub *h, const struct segment *seg)
{
	enum motion_mode mode = MOTION_OFF;

	gh_hub1_set_reps(h->skel, 0);
	gh_hub1_set_holding(h->skel, FALSE);
	if (!h->s.motion)
		return;
	if (seg && seg->kind == SEGMENT_REPS)
		mode = MOTION_REPS;
	else if (seg && seg->kind == SEGMENT_HOLD)
		mode = MOTION_HOLD;
	h->motion_seq = motion_stage_set_mode(h->s.motion, mode);
}

/* Mirrors the engine's state on D-Bus; signals a new segment once. */
static void publish(struct hub *h, uint64_t now)
{
	GhHub1 *o = h->skel;
	size_t cur = engine_current(h->engine);
	enum engine_state st = engine_state(h->engine);
	const struct segment *seg;

	if (cur >= engine_n_segments(h->engine))
		return; /* over: finish_session() publishes idle */
	seg = engine_segment(h->engine, cur);
	gh_hub1_set_remaining_ms(o, engine_remaining_ms(h->engine, now));
	gh_hub1_set_waiting(o, engine_waiting(h->engine));
	if (cur == h->shown && st == h->shown_state &&
	    engine_waiting(h->engine) == h->shown_waiting)
		return;
	h->shown_waiting = engine_waiting(h->engine);
	gh_hub1_set_state(o, st == ENGINE_PAUSED ? "paused" : "running");
	h->shown_state = st;
	if (cur != h->shown) {
		h->shown = cur;
		gh_hub1_set_phase(o, segment_kind_to_string(seg->kind));
		gh_hub1_set_exercise(o, seg->exercise);
		gh_hub1_set_side(o, side_to_string(seg->side));
		gh_hub1_set_round(o, seg->round);
		gh_hub1_set_rounds(o, seg->rounds);
		gh_hub1_set_set(o, seg->set);
		gh_hub1_set_sets(o, seg->sets);
		gh_hub1_set_target_reps(o, seg->kind == SEGMENT_REPS ? seg->reps
								     : 0);
		gh_hub1_set_segment(o, (guint)cur);
		gh_hub1_set_duration_ms(o, seg->duration_ms);
		motion_follow(h, seg);
		gh_hub1_emit_phase_changed(
			o, segment_kind_to_string(seg->kind), seg->exercise,
			side_to_string(seg->side), seg->round, seg->rounds,
			seg->duration_ms);
	}
	set_status(h, "%s %s: %s%s%s%s (%zu/%zu)",
		   st == ENGINE_PAUSED ? "Paused" : "Running", h->workout->name,
		   segment_kind_to_string(seg->kind), *seg->exercise ? " " : "",
		   seg->exercise,
		   h->shown_waiting ? ", waiting for the runner to be still"
				    : "",
		   cur + 1, engine_n_segments(h->engine));
}

static void finish_session(struct hub *h)
{
	enum engine_state st = engine_state(h->engine);
	const char *state = st == ENGINE_FINISHED ? "completed" : "stopped";
	int64_t ended = to_wall_ms(h->wall0_ms, h->mono0, mono_now());

	if (h->s.store)
		store_session_end(h->s.store, h->session, state, ended);
	g_message("Session %" G_GINT64_FORMAT " (%s) %s after %" G_GINT64_FORMAT
		  " s",
		  h->session, h->workout->name, state,
		  (ended - h->wall0_ms) / 1000);
	gh_hub1_emit_session_ended(h->skel, h->session, state);
	if (h->s.on_session)
		h->s.on_session(h->session, false, h->s.user_data);
	if (h->grace_timer)
		g_source_remove(h->grace_timer);
	h->grace_timer = 0;
	h->finishing = false;
	g_source_set_ready_time(h->wake, -1);
	g_clear_pointer(&h->engine, engine_free);
	g_clear_pointer(&h->skipped, g_free);
	g_clear_pointer(&h->paused_ns, g_free);
	g_clear_pointer(&h->reps, g_free);
	g_clear_pointer(&h->held_ms, g_free);
	h->hold_since = 0;
	h->workout = NULL;
	motion_follow(h, NULL);
	publish_idle(h);
}

static gboolean on_done_grace(gpointer data)
{
	struct hub *h = data;

	h->grace_timer = 0;
	finish_session(h);
	return G_SOURCE_REMOVE;
}

/* Next wake-up: the segment's end, or the next whole second before it. */
static void rearm(struct hub *h, uint64_t now)
{
	uint64_t deadline = engine_next_deadline(h->engine);
	uint64_t wake;

	if (deadline == UINT64_MAX || deadline <= now) {
		g_source_set_ready_time(h->wake,
					deadline == UINT64_MAX ? -1 : 0);
		return;
	}
	/* +1 ms so RemainingMs is read just past the boundary. */
	wake = now + (deadline - now) % 1000000000u + 1000000u;
	if (wake > deadline)
		wake = deadline;
	/* GLib's monotonic clock is CLOCK_MONOTONIC in microseconds. */
	g_source_set_ready_time(h->wake, (gint64)((wake + 999) / 1000));
}

/*
 * After every engine call: hand out cues, record what ended, publish,
 * and either rearm the timer or end the session.
 */
static void hub_sync(struct hub *h, uint64_t now, bool cancel)
{
	enum engine_state st;

	if (cancel && cue_thread_cancel(h->s.cues) < 0)
		g_warning("Could not cancel pending cues (command ring full); "
			  "a cue scheduled before this change may still sound");
	schedule_cues(h);
	record_ended(h);
	st = engine_state(h->engine);
	if (st != ENGINE_FINISHED && st != ENGINE_STOPPED) {
		publish(h, now);
		rearm(h, now);
		return;
	}
	if (st == ENGINE_FINISHED && h->has_done_seq && !h->finishing) {
		h->finishing = true;
		g_source_set_ready_time(h->wake, -1);
		h->grace_timer =
			g_timeout_add(HUB_DONE_GRACE_MS, on_done_grace, h);
		return;
	}
	if (!h->finishing)
		finish_session(h);
}

static gboolean on_wake(gpointer data)
{
	struct hub *h = data;
	uint64_t now = mono_now();

	if (h->engine && !h->finishing) {
		engine_advance(h->engine, now);
		hub_sync(h, now, false);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean wake_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	g_source_set_ready_time(src, -1);
	return cb(data);
}

static GSourceFuncs wake_funcs = {
	.dispatch = wake_dispatch,
};

static gboolean on_cues_fired(gint fd, GIOCondition cond, gpointer data)
{
	struct hub *h = data;
	struct cue_fired fired[HUB_DRAIN_MAX];
	size_t n, i;
	bool done_in = false;

	n = cue_thread_drain(h->s.cues, fired, G_N_ELEMENTS(fired));
	for (i = 0; i < n; i++) {
		const struct cue *c = &fired[i].cue;
		int64_t late_us =
			((int64_t)(fired[i].fired_ns - c->deadline_ns)) / 1000;
		const char *kind = cue_kind_to_string(c->kind);

		if (h->s.store && h->cue_session)
			store_add_cue(h->s.store, h->cue_session, c->seq, kind,
				      c->segment,
				      to_wall_ms(h->cue_wall0_ms, h->cue_mono0,
						 c->deadline_ns),
				      late_us);
		gh_hub1_emit_cue(h->skel, kind, c->segment, late_us);
		if (h->finishing && h->has_done_seq && c->seq == h->done_seq)
			done_in = true;
	}
	if (done_in)
		finish_session(h);
	return G_SOURCE_CONTINUE;
}

static int hub_start(struct hub *h, const char *name, int64_t *ret_session)
{
	const struct workout *w;
	struct engine *e = NULL;
	uint64_t now;
	int r;

	if (h->engine)
		return -EBUSY;
	w = find_workout(h, name);
	if (!w)
		return -ENOENT;
	r = engine_new(w, &e);
	if (r < 0)
		return r;
	now = mono_now();
	engine_set_hold_wait(e, h->s.motion && h->motion_present);
	r = engine_start(e, now);
	if (r < 0) {
		engine_free(e);
		return r;
	}
	h->engine = e;
	h->workout = w;
	h->mono0 = now;
	h->wall0_ms = g_get_real_time() / 1000;
	h->recorded = 0;
	h->n_sets = 0;
	h->has_done_seq = false;
	h->finishing = false;
	h->shown = SIZE_MAX;
	h->skipped = g_new0(bool, engine_n_segments(e));
	h->paused_ns = g_new0(uint64_t, engine_n_segments(e));
	h->reps = g_new(int32_t, engine_n_segments(e));
	memset(h->reps, 0xff, engine_n_segments(e) * sizeof(*h->reps));
	h->held_ms = g_new(int64_t, engine_n_segments(e));
	memset(h->held_ms, 0xff, engine_n_segments(e) * sizeof(*h->held_ms));
	h->hold_since = 0;
	h->session = h->s.store ? store_session_begin(h->s.store, w->name,
						      w->title, h->wall0_ms)
				: 0;
	h->cue_session = h->session;
	h->cue_mono0 = h->mono0;
	h->cue_wall0_ms = h->wall0_ms;
	gh_hub1_set_workout(h->skel, w->name);
	gh_hub1_set_session(h->skel, h->session);
	if (h->s.on_session)
		h->s.on_session(h->session, true, h->s.user_data);
	gh_hub1_set_segments(h->skel, (guint)engine_n_segments(e));
	g_message("Session %" G_GINT64_FORMAT ": starting %s (%zu segments, "
		  "%" G_GUINT64_FORMAT " s planned)",
		  h->session, w->name, engine_n_segments(e),
		  engine_planned_ms(e) / 1000);
	hub_sync(h, now, false);
	*ret_session = h->session;
	return 0;
}

/* Pause, resume, skip, done and stop share this shape. */
enum hub_op {
	HUB_PAUSE,
	HUB_RESUME,
	HUB_SKIP,
	HUB_DONE,
	HUB_STOP
};

static int hub_control(struct hub *h, enum hub_op op)
{
	uint64_t now = mono_now();
	enum engine_state before;
	size_t cur;
	int r;

	if (!h->engine || h->finishing)
		return -ESRCH;
	/*
	 * Apply a segment end that is already due but not yet handled, so
	 * that "the current segment" is the one the runner is in: a skip
	 * 1 ms after a boundary ends the new segment, not the old one.
	 */
	if (engine_advance(h->engine, now) > 0) {
		hub_sync(h, now, false);
		if (!h->engine || h->finishing)
			return -ESRCH;
	}
	cur = engine_current(h->engine);
	before = engine_state(h->engine);
	/* Only resume and stop make sense while paused; say so. */
	if (before == ENGINE_PAUSED && op != HUB_RESUME && op != HUB_STOP)
		return -EAGAIN;
	switch (op) {
	case HUB_PAUSE:
		r = engine_pause(h->engine, now);
		if (r == 0)
			h->pause_started = now;
		break;
	case HUB_RESUME:
		r = engine_resume(h->engine, now);
		if (r == -EINVAL && before == ENGINE_RUNNING)
			r = -EALREADY;
		break;
	case HUB_SKIP:
		if (before != ENGINE_RUNNING)
			return -ESRCH;
		r = engine_skip(h->engine, now);
		break;
	case HUB_DONE:
		if (before != ENGINE_RUNNING)
			return -ESRCH;
		r = engine_done(h->engine, now);
		if (r == -EINVAL)
			r = -EOPNOTSUPP;
		break;
	case HUB_STOP:
		r = engine_stop(h->engine, now);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r == -EINVAL)
		r = -ESRCH;
	if (r < 0)
		return r;
	if (before == ENGINE_PAUSED && cur < engine_n_segments(h->engine))
		h->paused_ns[cur] += now - h->pause_started;
	if ((op == HUB_SKIP || op == HUB_STOP) &&
	    cur < engine_n_segments(h->engine))
		h->skipped[cur] = true;
	/* Resume adds cues; everything else voids what was scheduled. */
	hub_sync(h, now, op != HUB_RESUME);
	return 0;
}

void hub_button(struct hub *h, enum button_action a, const char *workout)
{
	const struct segment *seg;
	int64_t id;
	int r = 0;

	switch (a) {
	case BUTTON_START_PAUSE:
		if (!h->engine)
			r = hub_start(h, workout, &id);
		else
			r = hub_control(h,
					engine_state(h->engine) == ENGINE_PAUSED
						? HUB_RESUME
						: HUB_PAUSE);
		break;
	case BUTTON_NEXT:
		if (!h->engine)
			return;
		seg = engine_current(h->engine) < engine_n_segments(h->engine)
			      ? engine_segment(h->engine,
					       engine_current(h->engine))
			      : NULL;
		/* done ends a rep step, or starts a waiting hold's clock */
		r = hub_control(h, seg && (seg->kind == SEGMENT_REPS ||
					   engine_waiting(h->engine))
					   ? HUB_DONE
					   : HUB_SKIP);
		break;
	case BUTTON_STOP:
		if (!h->engine)
			return;
		r = hub_control(h, HUB_STOP);
		break;
	}
	if (r == -ENOENT)
		g_warning("Start button: no workout named '%s' ([buttons] "
			  "workout in gymhub.conf)",
			  workout);
	else if (r < 0)
		g_message("Button %s ignored: %s", button_action_to_string(a),
			  g_strerror(-r));
}

void hub_stop_session(struct hub *h)
{
	if (h && h->engine && !h->finishing)
		hub_control(h, HUB_STOP);
	else if (h && h->finishing)
		finish_session(h);
}

static gboolean on_list_workouts(GhHub1 *o, GDBusMethodInvocation *inv,
				 gpointer data)
{
	struct hub *h = data;
	GVariantBuilder b;
	guint i;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(sssu)"));
	for (i = 0; i < h->s.workouts->len; i++) {
		const struct workout *w = g_ptr_array_index(h->s.workouts, i);
		struct engine *e = NULL;
		guint32 secs = 0;

		if (engine_new(w, &e) == 0)
			secs = (guint32)(engine_planned_ms(e) / 1000);
		engine_free(e);
		g_variant_builder_add(&b, "(sssu)", w->name, w->title,
				      w->description, secs);
	}
	gh_hub1_complete_list_workouts(o, inv, g_variant_builder_end(&b));
	return TRUE;
}

static gboolean on_start(GhHub1 *o, GDBusMethodInvocation *inv,
			 const char *name, gpointer data)
{
	int64_t session = 0;
	int r = hub_start(data, name, &session);

	if (r < 0)
		hub_return_error(inv, r);
	else
		gh_hub1_complete_start(o, inv, session);
	return TRUE;
}

/* One handler per control method, all through hub_control(). */
#define CONTROL_HANDLER(fn, op, complete)                         \
	static gboolean fn(GhHub1 *o, GDBusMethodInvocation *inv, \
			   gpointer data)                         \
	{                                                         \
		int r = hub_control(data, op);                    \
		if (r < 0)                                        \
			hub_return_error(inv, r);                 \
		else                                              \
			complete(o, inv);                         \
		return TRUE;                                      \
	}
CONTROL_HANDLER(on_pause, HUB_PAUSE, gh_hub1_complete_pause)
CONTROL_HANDLER(on_resume, HUB_RESUME, gh_hub1_complete_resume)
CONTROL_HANDLER(on_skip, HUB_SKIP, gh_hub1_complete_skip)
CONTROL_HANDLER(on_done, HUB_DONE, gh_hub1_complete_done)
CONTROL_HANDLER(on_stop, HUB_STOP, gh_hub1_complete_stop)

/* Queues a rep to the store, dated at its turnaround: the event says how
 * long before its detection that was, on the sensor's clock. */
static void record_rep(struct hub *h, size_t segment,
		       const struct motion_event *e)
{
	struct store_rep r = {
		.segment = (uint32_t)segment,
		.count = e->count,
		.t_ms = g_get_real_time() / 1000 -
			(e->detected_us - e->t_us) / 1000,
		.sensor = h->s.motion_sensor
				  ? h->s.motion_sensor(h->s.user_data)
				  : NULL,
		.amplitude_g = e->amplitude_g,
		.duration_ms = (uint32_t)(e->duration_us / 1000),
	};

	if (h->s.store)
		store_add_rep(h->s.store, h->session, &r);
}

/* When an event happened, on our clock: the detector says how long
 * before it was certain (on the sensor's clock), which was just now. */
static uint64_t event_mono(const struct motion_event *e)
{
	uint64_t now = mono_now(), ago = 0;

	if (e->detected_us > e->t_us)
		ago = (uint64_t)(e->detected_us - e->t_us) * 1000;
	return ago < now ? now - ago : now;
}

static void hold_started(struct hub *h, size_t cur,
			 const struct motion_event *e)
{
	gh_hub1_set_holding(h->skel, TRUE);
	if (h->held_ms[cur] < 0)
		h->held_ms[cur] = 0;
	h->hold_seg = cur;
	h->hold_since = event_mono(e);
}

/*
 * Out of position before the time is up: the held time stops growing,
 * and a buzz says so while there is still time to get back (a break in
 * the last second and a half is the hold ending, not failing).
 */
static void hold_broken(struct hub *h, size_t cur, const struct motion_event *e)
{
	uint64_t at = event_mono(e), now = mono_now();
	struct cue c;

	gh_hub1_set_holding(h->skel, FALSE);
	if (h->hold_since && h->hold_seg == cur && at > h->hold_since)
		h->held_ms[cur] += (int64_t)((at - h->hold_since) / 1000000);
	h->hold_since = 0;
	g_message("Hold broken after %.1f s", e->duration_us / 1e6);
	if (engine_remaining_ms(h->engine, now) < 1500)
		return;
	c = (struct cue){
		.deadline_ns = now,
		.kind = CUE_BROKEN,
		.segment = (uint16_t)cur,
		/* apart from the engine's numbers: high bit set */
		.seq = 0x80000000u | h->adhoc_seq++,
	};
	if (cue_thread_schedule(h->s.cues, &c, 1) < 0)
		g_warning("Could not sound the broken-hold cue");
}

/* A hold that waited for stillness starts its countdown now. */
static void hold_go(struct hub *h, const char *why)
{
	uint64_t now = mono_now();

	if (engine_hold_go(h->engine, now) < 0)
		return;
	g_message("Hold countdown started: %s", why);
	hub_sync(h, now, true);
}

void hub_motion_sensor(struct hub *h, bool present)
{
	h->motion_present = present;
	if (!h->engine || h->finishing)
		return;
	engine_set_hold_wait(h->engine, h->s.motion && present);
	/* Nothing would ever see the runner settle: do not keep waiting. */
	if (!present && engine_waiting(h->engine) &&
	    engine_state(h->engine) == ENGINE_RUNNING)
		hold_go(h, "the motion sensor went away");
}

/* Reps and holds from the low-latency thread. */
static gboolean on_motion(gint fd, GIOCondition cond, gpointer data)
{
	struct hub *h = data;
	struct motion_event ev[16];
	const struct segment *seg;
	size_t n, i, cur;

	n = motion_stage_drain(h->s.motion, ev, G_N_ELEMENTS(ev));
	for (i = 0; i < n && h->engine && !h->finishing; i++) {
		/* late events of an earlier step, or while paused: not this
		 * step's reps */
		if (ev[i].mode_seq != h->motion_seq ||
		    engine_state(h->engine) != ENGINE_RUNNING)
			continue;
		cur = engine_current(h->engine);
		if (cur >= engine_n_segments(h->engine))
			break;
		seg = engine_segment(h->engine, cur);
		switch (ev[i].type) {
		case MOTION_REP:
			h->reps[cur] = (int32_t)ev[i].count;
			record_rep(h, cur, &ev[i]);
			gh_hub1_set_reps(h->skel, ev[i].count);
			gh_hub1_emit_rep(h->skel, ev[i].count,
					 ev[i].amplitude_g);
			/* the set is done at its target: no button needed */
			if (seg->kind == SEGMENT_REPS && seg->reps &&
			    ev[i].count >= seg->reps)
				hub_control(h, HUB_DONE);
			break;
		case MOTION_HOLD_STARTED:
			hold_started(h, cur, &ev[i]);
			if (engine_waiting(h->engine))
				hold_go(h, "the runner is still in position");
			break;
		case MOTION_HOLD_BROKEN:
			hold_broken(h, cur, &ev[i]);
			break;
		}
	}
	return G_SOURCE_CONTINUE;
}

struct hub *hub_new(GDBusConnection *bus, const struct hub_setup *setup,
		    GError **error)
{
	struct hub *h = g_new0(struct hub, 1);

	h->bus = g_object_ref(bus);
	h->s = *setup;
	h->skel = gh_hub1_skeleton_new();
	h->wake = g_source_new(&wake_funcs, sizeof(GSource));
	g_source_set_callback(h->wake, on_wake, h, NULL);
	g_source_set_name(h->wake, "gymhub segment timer");
	g_source_attach(h->wake, NULL);
	h->cue_watch = g_unix_fd_add(cue_thread_fd(h->s.cues), G_IO_IN,
				     on_cues_fired, h);
	if (h->s.motion)
		h->motion_watch = g_unix_fd_add(motion_stage_fd(h->s.motion),
						G_IO_IN, on_motion, h);

	g_signal_connect(h->skel, "handle-list-workouts",
			 G_CALLBACK(on_list_workouts), h);
	g_signal_connect(h->skel, "handle-start", G_CALLBACK(on_start), h);
	g_signal_connect(h->skel, "handle-pause", G_CALLBACK(on_pause), h);
	g_signal_connect(h->skel, "handle-resume", G_CALLBACK(on_resume), h);
	g_signal_connect(h->skel, "handle-skip", G_CALLBACK(on_skip), h);
	g_signal_connect(h->skel, "handle-done", G_CALLBACK(on_done), h);
	g_signal_connect(h->skel, "handle-stop", G_CALLBACK(on_stop), h);

	gh_hub1_set_buzzer(h->skel, h->s.buzzer_name);
	publish_idle(h);
	if (!g_dbus_interface_skeleton_export(
		    G_DBUS_INTERFACE_SKELETON(h->skel), bus, HUB_OBJECT_PATH,
		    error)) {
		hub_free(h);
		return NULL;
	}
	return h;
}

GhHub1 *hub_skeleton(struct hub *h)
{
	return h->skel;
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	if (h->engine)
		finish_session(h);
	if (h->grace_timer)
		g_source_remove(h->grace_timer);
	if (h->cue_watch)
		g_source_remove(h->cue_watch);
	if (h->motion_watch)
		g_source_remove(h->motion_watch);
	if (h->wake) {
		g_source_destroy(h->wake);
		g_source_unref(h->wake);
	}
	if (h->skel) {
		if (g_dbus_interface_skeleton_get_connection(
			    G_DBUS_INTERFACE_SKELETON(h->skel)))
			g_dbus_interface_skeleton_unexport(
				G_DBUS_INTERFACE_SKELETON(h->skel));
		g_object_unref(h->skel);
	}
	g_clear_object(&h->bus);
	g_free(h);
}
