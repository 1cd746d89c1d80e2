/* SPDX-License-Identifier: MIT */
/*
 * gymhub-display.c - the small display of the hub: follows gymhubd's
 * org.gymhub.Hub1 on D-Bus and shows the countdown, phase, exercise,
 * round, side, heart rate and reps on an SSD1306/SH1106 OLED, a
 * framebuffer panel, PNG files or the terminal.
 *
 * It holds no business logic: every screen is built from Hub1's
 * properties (read by name, each one optional, so an older or newer
 * gymhubd works) into a struct display_state and drawn by render.c. The
 * only things it works out itself are the countdown between two
 * RemainingMs updates (CLOCK_MONOTONIC, so a second is never skipped when
 * a D-Bus message is late) and the summary of a session it watched.
 *
 * Redraws happen when a property changes, and on the tick where the
 * shown second (or, idle, the minute) changes; never more than 10 a
 * second, and not at all while the screen would stay the same. gymhubd
 * may stop and start: the name is watched and "hub not running" shown
 * meanwhile. The buttons are gymhubd's (a crash here must not leave
 * the user unable to pause).
 *
 * Single-threaded: everything runs in the GLib main loop.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "config.h"
#include "display-backend.h"
#include "display-state.h"
#include "render.h"

#define GYMHUB_VERSION "0.1"

#define HUB_NAME  "org.gymhub.Hub1"
#define HUB_PATH  "/org/gymhub/Hub1"
#define HUB_IFACE "org.gymhub.Hub1"

/* 10 redraws a second at most: a burst of property changes is one. */
#define MIN_REDRAW_US (100 * 1000)
/* How long --screenshot waits for gymhubd to answer. */
#define SCREENSHOT_WAIT_MS 5000

/* What the summary screen is made of, gathered while a session runs. */
struct session_acc {
	bool active;
	gint64 session;
	gint64 start_us;
	char workout[DISPLAY_TEXT_MAX];
	guint32 round_max, rounds;
	guint32 segment, seg_reps, reps_done;
	guint32 hr, hr_max;
	gint64 hr_since_us;
	double hr_weighted; /* bpm x seconds */
	double hr_seconds;
};

struct app {
	GMainLoop *loop;
	GDBusConnection *bus;
	guint watch;
	GDBusProxy *hub; /* NULL while gymhubd is away */
	GCancellable *cancel;
	GHashTable *titles; /* workout name -> title */
	struct display_backend *out;
	cairo_surface_t *img;
	struct display_state shown;
	bool shown_valid;
	bool show_failing;
	gint64 last_draw_us;
	guint redraw_src, tick_src, summary_src, screenshot_src;
	/* the countdown: RemainingMs as received, and when */
	guint32 remaining_ms;
	gint64 remaining_at_us;
	struct session_acc acc;
	bool ended; /* the summary is on screen */
	struct display_summary summary;
	bool screenshot;
	int exit_code;
};

/*
 * Options left unset (NULL, -1) take the [display] settings of
 * gymhub.conf, which take the built-in defaults (config.c).
 */
static char *opt_bus = "system";
static char *opt_config;
static char *opt_backend;
static char *opt_i2c;
static char *opt_i2c_addr;
static int opt_contrast = -1;
static char *opt_fb;
static char *opt_size;
static char *opt_screenshot;
static char *opt_output;
static char *opt_term = "auto";
static int opt_rotate = -1;
static int opt_summary_s = -1;
static gboolean opt_version;

static const GOptionEntry options[] = {
	{"bus", 'b', 0, G_OPTION_ARG_STRING, &opt_bus,
	 "system (default), session, or a D-Bus address", "BUS"},
	{"config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	 "Read [display] from FILE (default " GYMHUB_SYSCONFDIR
	 "/gymhub.conf); the options below override it",
	 "FILE"},
	{"backend", 0, 0, G_OPTION_ARG_STRING, &opt_backend,
	 "ssd1306 (default), sh1106, fb, png or term", "BACKEND"},
	{"i2c", 0, 0, G_OPTION_ARG_FILENAME, &opt_i2c,
	 "I2C bus of the OLED (default /dev/i2c-1)", "DEV"},
	{"i2c-addr", 0, 0, G_OPTION_ARG_STRING, &opt_i2c_addr,
	 "I2C address of the OLED: 0x3c (default) or 0x3d", "ADDR"},
	{"contrast", 0, 0, G_OPTION_ARG_INT, &opt_contrast,
	 "OLED contrast 1 to 255 (default: the panel's, 207)", "N"},
	{"fb", 0, 0, G_OPTION_ARG_FILENAME, &opt_fb,
	 "Framebuffer device (default /dev/fb0)", "DEV"},
	{"size", 0, 0, G_OPTION_ARG_STRING, &opt_size,
	 "Screen size for png, term and --screenshot: 128x64 (default), "
	 "240x240 or 320x240; fb: a smaller area",
	 "WxH"},
	{"screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt_screenshot,
	 "Render the current screen once into FILE (PNG) and exit", "FILE"},
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
	 "png backend: the file rewritten on every change", "FILE"},
	{"term", 0, 0, G_OPTION_ARG_STRING, &opt_term,
	 "term backend: auto, text, braille or blocks", "MODE"},
	{"rotate", 0, 0, G_OPTION_ARG_INT, &opt_rotate,
	 "0 (default) or 180, for a panel mounted upside down", "DEG"},
	{"summary-seconds", 0, 0, G_OPTION_ARG_INT, &opt_summary_s,
	 "Show a finished session's summary this long (default 300)", "S"},
	{"version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	 "Print the version and exit", NULL},
	{0},
};

static void request_redraw(struct app *a);

/* --- reading Hub1 ------------------------------------------------------- */

/* A cached property of type @type, or NULL: missing (an older gymhubd) or
 * of another type (a newer one) both read as "not there". */
static GVariant *prop(struct app *a, const char *name, const char *type)
{
	GVariant *v = g_dbus_proxy_get_cached_property(a->hub, name);

	if (v && !g_variant_is_of_type(v, G_VARIANT_TYPE(type))) {
		g_variant_unref(v);
		return NULL;
	}
	return v;
}

static guint32 prop_u(struct app *a, const char *name, bool *ret_present)
{
	g_autoptr(GVariant) v = prop(a, name, "u");

	if (ret_present)
		*ret_present = v != NULL;
	return v ? g_variant_get_uint32(v) : 0;
}

/* @ret_present: may be NULL. */
static bool prop_b(struct app *a, const char *name, bool *ret_present)
{
	g_autoptr(GVariant) v = prop(a, name, "b");

	if (ret_present)
		*ret_present = v != NULL;
	return v && g_variant_get_boolean(v);
}

static gint64 prop_x(struct app *a, const char *name)
{
	g_autoptr(GVariant) v = prop(a, name, "x");

	return v ? g_variant_get_int64(v) : 0;
}

static void prop_text(struct app *a, const char *name, char *dst)
{
	g_autoptr(GVariant) v = prop(a, name, "s");

	display_state_set_text(dst, v ? g_variant_get_string(v, NULL) : "");
}

static bool prop_is(struct app *a, const char *name, const char *want)
{
	g_autoptr(GVariant) v = prop(a, name, "s");

	return v && strcmp(g_variant_get_string(v, NULL), want) == 0;
}

static void workout_title(struct app *a, char *dst)
{
	char name[DISPLAY_TEXT_MAX];
	const char *title;

	prop_text(a, "Workout", name);
	title = a->titles ? g_hash_table_lookup(a->titles, name) : NULL;
	display_state_set_text(dst, title && *title ? title : name);
}

/* The countdown now: RemainingMs less the time since it came. */
static guint32 remaining_now(struct app *a, bool running)
{
	gint64 gone_ms;

	if (!running)
		return a->remaining_ms;
	gone_ms = (g_get_monotonic_time() - a->remaining_at_us) / 1000;
	return gone_ms >= a->remaining_ms ? 0
					  : a->remaining_ms - (guint32)gone_ms;
}

static void read_sensors(struct app *a, struct display_state *st)
{
	g_autoptr(GVariant) v = prop(a, "Sensors", "a(sssbiux)");
	GVariantIter it;
	const char *addr, *name, *kind;
	gboolean connected;
	gint32 battery;
	guint32 hr;
	gint64 seen;

	if (!v)
		return;
	g_variant_iter_init(&it, v);
	while (st->n_sensors < DISPLAY_MAX_SENSORS &&
	       g_variant_iter_next(&it, "(&s&s&sbiux)", &addr, &name, &kind,
				   &connected, &battery, &hr, &seen)) {
		struct display_sensor *s = &st->sensors[st->n_sensors++];

		display_state_set_text(s->name, *name ? name : addr);
		s->kind = display_sensor_kind_from_string(kind);
		s->connected = connected;
		s->battery = battery;
	}
}

static bool motion_sensor_connected(const struct display_state *st)
{
	size_t i;

	for (i = 0; i < st->n_sensors; i++)
		if (st->sensors[i].kind == DISPLAY_SENSOR_MOTION &&
		    st->sensors[i].connected)
			return true;
	return false;
}

static void read_clock(struct display_clock *c)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();

	c->valid = now != NULL;
	if (!now)
		return;
	c->hour = g_date_time_get_hour(now);
	c->min = g_date_time_get_minute(now);
	c->wday = g_date_time_get_day_of_week(now) % 7; /* 7 = Sunday */
	c->mday = g_date_time_get_day_of_month(now);
	c->mon = g_date_time_get_month(now) - 1;
}

/* Everything the screen shows now. */
static void build_state(struct app *a, struct display_state *st)
{
	bool running, paused, has_reps;
	char s[DISPLAY_TEXT_MAX];

	display_state_init(st);
	read_clock(&st->clock);
	if (!a->hub) {
		st->mode = DISPLAY_NO_DAEMON;
		return;
	}
	if (a->ended) {
		st->mode = DISPLAY_ENDED;
		st->summary = a->summary;
		return;
	}
	running = prop_is(a, "State", "running");
	paused = prop_is(a, "State", "paused");
	read_sensors(a, st);
	if (!running && !paused) {
		st->mode = DISPLAY_IDLE;
		/* not in Hub1 yet: shown once gymhubd offers it */
		prop_text(a, "TodayWorkout", st->today);
		return;
	}
	st->mode = paused ? DISPLAY_PAUSED : DISPLAY_RUNNING;
	workout_title(a, st->workout);
	prop_text(a, "Phase", s);
	st->phase = display_phase_from_string(s);
	prop_text(a, "Exercise", st->exercise);
	prop_text(a, "Side", s);
	st->side = display_side_from_string(s);
	st->round = prop_u(a, "Round", NULL);
	st->rounds = prop_u(a, "Rounds", NULL);
	st->set = prop_u(a, "Set", NULL);
	st->sets = prop_u(a, "Sets", NULL);
	st->duration_ms = prop_u(a, "DurationMs", NULL);
	/* a hold waiting for the runner: its clock stands still */
	st->waiting = prop_b(a, "Waiting", NULL);
	st->remaining_ms = remaining_now(a, running && !st->waiting);
	st->target_reps = prop_u(a, "TargetReps", NULL);
	/* "Reps" is newer than Hub1's first version; a count of 0 with no
	 * motion sensor means nobody is counting */
	st->reps = prop_u(a, "Reps", &has_reps);
	st->has_reps = has_reps && (st->reps || motion_sensor_connected(st));
	st->holding = prop_b(a, "Holding", &st->has_holding);
	st->has_holding = st->has_holding && motion_sensor_connected(st);
	st->heart_rate = prop_u(a, "HeartRate", NULL);
	st->hr_zone = st->heart_rate ? prop_u(a, "HeartRateZone", NULL) : 0;
}

/* --- the session summary ------------------------------------------------ */

static void acc_hr(struct session_acc *s, guint32 hr, gint64 now)
{
	if (s->hr && s->hr_since_us) {
		double secs = (now - s->hr_since_us) / 1e6;

		s->hr_weighted += s->hr * secs;
		s->hr_seconds += secs;
	}
	s->hr = hr;
	s->hr_since_us = now;
	if (hr > s->hr_max)
		s->hr_max = hr;
}

/* Follows a running session: rounds reached, reps of every segment,
 * heart rate weighted by time. */
static void acc_update(struct app *a)
{
	struct session_acc *s = &a->acc;
	gint64 now = g_get_monotonic_time(), session;
	guint32 v, segment;

	if (!a->hub ||
	    !(prop_is(a, "State", "running") || prop_is(a, "State", "paused")))
		return;
	session = prop_x(a, "Session");
	if (!s->active || session != s->session) {
		memset(s, 0, sizeof(*s));
		s->active = true;
		s->session = session;
		s->start_us = now;
		s->segment = prop_u(a, "Segment", NULL);
		a->ended = false;
		g_clear_handle_id(&a->summary_src, g_source_remove);
	}
	workout_title(a, s->workout);
	s->rounds = prop_u(a, "Rounds", NULL);
	v = prop_u(a, "Round", NULL);
	if (v > s->round_max)
		s->round_max = v;
	segment = prop_u(a, "Segment", NULL);
	if (segment != s->segment) {
		s->reps_done += s->seg_reps;
		s->seg_reps = 0;
		s->segment = segment;
	}
	v = prop_u(a, "Reps", NULL);
	if (v > s->seg_reps)
		s->seg_reps = v;
	v = prop_u(a, "HeartRate", NULL);
	if (v != s->hr)
		acc_hr(s, v, now);
}

static gboolean on_summary_over(gpointer data)
{
	struct app *a = data;

	a->summary_src = 0;
	a->ended = false;
	request_redraw(a);
	return G_SOURCE_REMOVE;
}

static void session_ended(struct app *a, gint64 session, const char *state)
{
	struct session_acc *s = &a->acc;
	struct display_summary *sm = &a->summary;
	gint64 now = g_get_monotonic_time();

	if (!s->active || session != s->session)
		return; /* not one we saw: nothing worth summing up */
	acc_hr(s, 0, now);
	memset(sm, 0, sizeof(*sm));
	sm->completed = strcmp(state, "completed") == 0;
	display_state_set_text(sm->workout, s->workout);
	sm->elapsed_s = (guint32)((now - s->start_us + 500000) / 1000000);
	sm->rounds = s->rounds > 1 ? s->rounds : 0;
	sm->rounds_done = sm->completed ? s->rounds : s->round_max;
	sm->reps = s->reps_done + s->seg_reps;
	sm->hr_max = s->hr_max;
	sm->hr_avg = s->hr_seconds > 0
			     ? (guint32)(s->hr_weighted / s->hr_seconds + 0.5)
			     : 0;
	if (!sm->hr_avg)
		sm->hr_max = 0;
	s->active = false;
	a->ended = opt_summary_s > 0;
	g_clear_handle_id(&a->summary_src, g_source_remove);
	if (a->ended)
		a->summary_src = g_timeout_add_seconds((guint)opt_summary_s,
						       on_summary_over, a);
}

/* --- drawing ------------------------------------------------------------ */

static gboolean on_tick(gpointer data);

/* The next moment the screen changes by itself: the countdown's next
 * whole second, or the clock's next minute. Nothing while paused. */
static void schedule_tick(struct app *a, const struct display_state *st)
{
	guint delay_ms = 0;
	guint32 secs;

	g_clear_handle_id(&a->tick_src, g_source_remove);
	switch (st->mode) {
	case DISPLAY_RUNNING:
		if (!st->remaining_ms)
			return;
		/* shown as ceil(ms / 1000): it drops when ms reaches the
		 * multiple of 1000 below; 1 ms later to be past it */
		secs = display_seconds_shown(st->remaining_ms);
		delay_ms = st->remaining_ms - (secs - 1) * 1000 + 1;
		break;
	case DISPLAY_IDLE:
	case DISPLAY_NO_DAEMON:
		delay_ms =
			(guint)(60000 - g_get_real_time() / 1000 % 60000) + 5;
		break;
	case DISPLAY_ENDED: /* the summary shows no clock */
	case DISPLAY_PAUSED:
		return;
	}
	a->tick_src = g_timeout_add(delay_ms, on_tick, a);
}

static void redraw(struct app *a)
{
	struct display_state st;
	int r;

	build_state(a, &st);
	schedule_tick(a, &st);
	if (a->shown_valid && display_state_equal(&st, &a->shown))
		return;
	r = render_screen(a->img, &st, a->out->mono);
	if (r == 0)
		r = display_backend_show(a->out, a->img, &st);
	a->last_draw_us = g_get_monotonic_time();
	if (r < 0) {
		/* the next change tries again (and resends everything) */
		if (!a->show_failing)
			g_warning("Cannot update the %s display: %s; retrying "
				  "on every change",
				  a->out->name, g_strerror(-r));
		a->show_failing = true;
		a->shown_valid = false;
		return;
	}
	if (a->show_failing)
		g_message("The %s display works again", a->out->name);
	a->show_failing = false;
	a->shown = st;
	a->shown_valid = true;
}

static gboolean on_redraw(gpointer data)
{
	struct app *a = data;

	a->redraw_src = 0;
	redraw(a);
	return G_SOURCE_REMOVE;
}

static gboolean on_tick(gpointer data)
{
	struct app *a = data;

	a->tick_src = 0;
	request_redraw(a);
	return G_SOURCE_REMOVE;
}

/* Coalesces changes into one redraw, at most every MIN_REDRAW_US. */
static void request_redraw(struct app *a)
{
	gint64 wait_us;

	if (a->redraw_src || a->screenshot)
		return;
	wait_us = a->last_draw_us + MIN_REDRAW_US - g_get_monotonic_time();
	if (!a->last_draw_us || wait_us <= 0)
		a->redraw_src = g_idle_add(on_redraw, a);
	else
		a->redraw_src = g_timeout_add((guint)((wait_us + 999) / 1000),
					      on_redraw, a);
}

/* --screenshot: once what there is to show is known. */
static void take_screenshot(struct app *a)
{
	if (!a->screenshot)
		return;
	a->screenshot = false;
	a->shown_valid = false;
	redraw(a);
	a->exit_code = a->show_failing ? EXIT_FAILURE : EXIT_SUCCESS;
	g_main_loop_quit(a->loop);
}

static gboolean on_screenshot_timeout(gpointer data)
{
	struct app *a = data;

	a->screenshot_src = 0;
	take_screenshot(a);
	return G_SOURCE_REMOVE;
}

/* --- following gymhubd ---------------------------------------------------- */

static bool has_key(GVariant *dict, const char *key)
{
	g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);

	return v != NULL;
}

static void on_properties_changed(GDBusProxy *p, GVariant *changed,
				  const char *const *invalidated, gpointer data)
{
	struct app *a = data;

	/* The countdown restarts from RemainingMs when it changes, and also
	 * on a resume or a new segment: there it may keep its value (a
	 * resumed 0:12 is still 0:12) and so not be in @changed. */
	if (has_key(changed, "RemainingMs") || has_key(changed, "State") ||
	    has_key(changed, "Segment")) {
		a->remaining_ms = prop_u(a, "RemainingMs", NULL);
		a->remaining_at_us = g_get_monotonic_time();
	}
	acc_update(a);
	request_redraw(a);
}

static void on_signal(GDBusProxy *p, const char *sender, const char *signal,
		      GVariant *params, gpointer data)
{
	struct app *a = data;
	const char *state;
	gint64 session;

	if (strcmp(signal, "SessionEnded") == 0 &&
	    g_variant_is_of_type(params, G_VARIANT_TYPE("(xs)"))) {
		g_variant_get(params, "(x&s)", &session, &state);
		session_ended(a, session, state);
	}
	/* Cue and PhaseChanged: the properties say it all, but a cue is a
	 * good moment to make sure the screen is current */
	request_redraw(a);
}

static void on_workouts(GObject *src, GAsyncResult *res, gpointer data)
{
	struct app *a = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *name, *title, *desc;
	guint32 secs;

	reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (!reply) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_debug("ListWorkouts: %s", error->message);
		return;
	}
	if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(a(sssu))")))
		return;
	g_variant_get(reply, "(a(sssu))", &it);
	while (g_variant_iter_next(it, "(&s&s&su)", &name, &title, &desc,
				   &secs))
		g_hash_table_replace(a->titles, g_strdup(name),
				     g_strdup(title));
	acc_update(a);
	request_redraw(a);
}

static void on_proxy_ready(GObject *src, GAsyncResult *res, gpointer data)
{
	struct app *a = data;
	g_autoptr(GError) error = NULL;
	GDBusProxy *p = g_dbus_proxy_new_finish(res, &error);

	if (!p) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("Cannot follow gymhubd: %s", error->message);
		return;
	}
	g_clear_object(&a->hub);
	a->hub = p;
	g_signal_connect(p, "g-properties-changed",
			 G_CALLBACK(on_properties_changed), a);
	g_signal_connect(p, "g-signal", G_CALLBACK(on_signal), a);
	a->remaining_ms = prop_u(a, "RemainingMs", NULL);
	a->remaining_at_us = g_get_monotonic_time();
	g_message("Following gymhubd (%s)", g_dbus_proxy_get_name(p));
	if (a->screenshot) {
		take_screenshot(a);
		return;
	}
	g_dbus_proxy_call(p, "ListWorkouts", NULL, G_DBUS_CALL_FLAGS_NONE, -1,
			  a->cancel, on_workouts, a);
	acc_update(a);
	request_redraw(a);
}

static void on_hub_appeared(GDBusConnection *c, const char *name,
			    const char *owner, gpointer data)
{
	struct app *a = data;

	/* a fresh proxy on the unique name: a restarted gymhubd is a new
	 * owner with new properties */
	g_cancellable_cancel(a->cancel);
	g_clear_object(&a->cancel);
	a->cancel = g_cancellable_new();
	g_dbus_proxy_new(c, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, owner,
			 HUB_PATH, HUB_IFACE, a->cancel, on_proxy_ready, a);
}

static void on_hub_vanished(GDBusConnection *c, const char *name, gpointer data)
{
	struct app *a = data;

	if (a->hub)
		g_message("gymhubd left the bus; waiting for it to return");
	g_cancellable_cancel(a->cancel);
	g_clear_object(&a->hub);
	a->acc.active = false;
	a->ended = false;
	g_clear_handle_id(&a->summary_src, g_source_remove);
	if (a->screenshot)
		take_screenshot(a);
	else
		request_redraw(a);
}

/* --- start-up --------------------------------------------------------- */

static void on_bus_closed(GDBusConnection *c, gboolean remote_peer_vanished,
			  GError *error, gpointer data)
{
	struct app *a = data;

	g_warning("Lost the D-Bus connection%s%s; exiting", error ? ": " : "",
		  error ? error->message : "");
	a->exit_code = EXIT_FAILURE;
	g_main_loop_quit(a->loop);
}

static gboolean on_terminate(gpointer data)
{
	struct app *a = data;

	g_main_loop_quit(a->loop);
	return G_SOURCE_REMOVE;
}

static GDBusConnection *connect_bus(const char *which, GError **error)
{
	if (strcmp(which, "system") == 0)
		return g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (strcmp(which, "session") == 0)
		return g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, error);
	return g_dbus_connection_new_for_address_sync(
		which,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, error);
}

/* Fills what the command line left unset from gymhub.conf's [display]. */
static bool options_from_config(GError **error)
{
	struct config *c;

	c = config_load(opt_config ? opt_config
				   : GYMHUB_SYSCONFDIR "/gymhub.conf",
			opt_config != NULL, error);
	if (!c)
		return false;
	/* kept for the life of the process, as the parsed options are */
	if (!opt_backend)
		opt_backend = g_strdup(c->display_backend);
	if (!opt_i2c)
		opt_i2c = g_strdup(c->display_i2c);
	if (!opt_i2c_addr)
		opt_i2c_addr = g_strdup_printf("0x%02x", c->display_i2c_addr);
	if (opt_contrast < 0)
		opt_contrast = (int)c->display_contrast;
	if (!opt_fb)
		opt_fb = g_strdup(c->display_fb);
	if (!opt_size && c->display_width)
		opt_size = g_strdup_printf("%ux%u", c->display_width,
					   c->display_height);
	if (opt_rotate < 0)
		opt_rotate = (int)c->display_rotate;
	if (opt_summary_s < 0)
		opt_summary_s = (int)c->display_summary_s;
	config_free(c);
	return true;
}

static bool parse_options(struct display_backend_options *o, GError **error)
{
	static const struct {
		const char *name;
		enum display_backend_kind kind;
	} kinds[] = {
		{"ssd1306", DISPLAY_BACKEND_SSD1306},
		{"sh1106", DISPLAY_BACKEND_SH1106},
		{"fb", DISPLAY_BACKEND_FB},
		{"png", DISPLAY_BACKEND_PNG},
		{"term", DISPLAY_BACKEND_TERM},
	};
	static const char *const modes[] = {"auto", "text", "braille",
					    "blocks"};
	char *end;
	size_t i;
	long v;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (strcmp(opt_backend, kinds[i].name) == 0)
			break;
	if (i == G_N_ELEMENTS(kinds))
		goto bad_backend;
	o->kind = kinds[i].kind;
	for (i = 0; i < G_N_ELEMENTS(modes); i++)
		if (strcmp(opt_term, modes[i]) == 0)
			break;
	if (i == G_N_ELEMENTS(modes))
		goto bad_term;
	/* the same order as enum display_term_mode */
	o->term_mode = (enum display_term_mode)i;
	v = strtol(opt_i2c_addr, &end, 0);
	if (*end || v < 0x03 || v > 0x77) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--i2c-addr: '%s' is not a 7-bit I2C address "
			    "(0x3c or 0x3d for these displays)",
			    opt_i2c_addr);
		return false;
	}
	o->i2c_addr = (int)v;
	o->i2c_path = opt_i2c;
	if (opt_contrast < 0 || opt_contrast > 255) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--contrast: 1 to 255");
		return false;
	}
	o->contrast = (unsigned int)opt_contrast;
	o->fb_path = opt_fb;
	if (opt_size &&
	    (sscanf(opt_size, "%dx%d", &o->width, &o->height) != 2 ||
	     o->width < RENDER_MIN_WIDTH || o->height < RENDER_MIN_HEIGHT ||
	     o->width > 4096 || o->height > 4096)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--size: '%s' is not WIDTHxHEIGHT of at least "
			    "128x64 (e.g. 240x240)",
			    opt_size);
		return false;
	}
	if (opt_rotate != 0 && opt_rotate != 180) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--rotate: 0 or 180");
		return false;
	}
	o->rotate180 = opt_rotate == 180;
	if (opt_screenshot) {
		o->kind = DISPLAY_BACKEND_PNG;
		o->png_path = opt_screenshot;
	} else if (o->kind == DISPLAY_BACKEND_PNG) {
		if (!opt_output) {
			g_set_error(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "--backend png needs --output FILE");
			return false;
		}
		o->png_path = opt_output;
	}
	return true;
bad_backend:
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "--backend: '%s' is not ssd1306, sh1106, fb, png or term",
		    opt_backend);
	return false;
bad_term:
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "--term: '%s' is not auto, text, braille or blocks",
		    opt_term);
	return false;
}

static void teardown(struct app *a)
{
	if (a->watch)
		g_bus_unwatch_name(a->watch);
	g_clear_handle_id(&a->redraw_src, g_source_remove);
	g_clear_handle_id(&a->tick_src, g_source_remove);
	g_clear_handle_id(&a->summary_src, g_source_remove);
	g_clear_handle_id(&a->screenshot_src, g_source_remove);
	if (a->cancel)
		g_cancellable_cancel(a->cancel);
	g_clear_object(&a->cancel);
	g_clear_object(&a->hub);
	if (a->bus)
		g_signal_handlers_disconnect_by_data(a->bus, a);
	g_clear_object(&a->bus);
	g_clear_pointer(&a->titles, g_hash_table_unref);
	g_clear_pointer(&a->img, cairo_surface_destroy);
	display_backend_free(a->out);
	g_clear_pointer(&a->loop, g_main_loop_unref);
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	struct display_backend_options bo;
	struct app a = {.exit_code = EXIT_SUCCESS};
	char *why = NULL;
	int r;

	setlocale(LC_ALL, "");
	ctx = g_option_context_new("- the gymhub display");
	g_option_context_set_summary(
		ctx, "Shows gymhubd's workout (countdown, phase, exercise, "
		     "round, heart rate,\nreps) on a small OLED or colour "
		     "panel, a PNG file or the terminal.");
	g_option_context_add_main_entries(ctx, options, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) ||
	    !options_from_config(&error) || !parse_options(&bo, &error)) {
		fprintf(stderr,
			"gymhub-display: %s\nTry 'gymhub-display "
			"--help'.\n",
			error->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr,
			"gymhub-display: unexpected argument '%s'\n"
			"Try 'gymhub-display --help'.\n",
			argv[1]);
		return 2;
	}
	if (opt_version) {
		printf("gymhub-display %s\n", GYMHUB_VERSION);
		return 0;
	}

	r = display_backend_open(&bo, &a.out, &why);
	if (r < 0) {
		fprintf(stderr, "gymhub-display: %s\n",
			why ? why : g_strerror(-r));
		free(why);
		return 1;
	}
	a.img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, a.out->width,
					   a.out->height);
	a.bus = connect_bus(opt_bus, &error);
	if (!a.bus) {
		fprintf(stderr,
			"gymhub-display: cannot connect to the %s bus: "
			"%s\n",
			opt_bus, error->message);
		teardown(&a);
		return 1;
	}
	g_dbus_connection_set_exit_on_close(a.bus, FALSE);
	g_signal_connect(a.bus, "closed", G_CALLBACK(on_bus_closed), &a);
	a.loop = g_main_loop_new(NULL, FALSE);
	a.titles =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	a.cancel = g_cancellable_new();
	a.screenshot = opt_screenshot != NULL;
	if (a.screenshot)
		a.screenshot_src = g_timeout_add(SCREENSHOT_WAIT_MS,
						 on_screenshot_timeout, &a);
	a.watch = g_bus_watch_name_on_connection(
		a.bus, HUB_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE, on_hub_appeared,
		on_hub_vanished, &a, NULL);
	g_unix_signal_add(SIGTERM, on_terminate, &a);
	g_unix_signal_add(SIGINT, on_terminate, &a);

	g_main_loop_run(a.loop);

	/* an OLED left showing a countdown would look like a running hub */
	if (!opt_screenshot && a.out->blank)
		a.out->blank(a.out);
	r = a.exit_code;
	teardown(&a);
	return r;
}
