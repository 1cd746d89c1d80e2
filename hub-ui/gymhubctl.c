/* SPDX-License-Identifier: MIT */
/*
 * gymhubctl.c - the command-line client, made to be used over SSH
 * (`ssh hub gymhubctl status`). It steers gymhubd through org.gymhub.Hub1
 * on D-Bus and reads stored sessions straight from the SQLite file, so
 * `sessions`, `show` and `export` work while gymhubd is stopped.
 *
 * Errors go to stderr as one short line saying what to do; the exit code
 * tells a script what kind of failure it was (enum ctl_exit, documented in
 * --help and docs/gymhubctl.md).
 *
 * Single-threaded: the GLib main loop runs only for `status --follow`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "ctl.h"
#include "export-file.h"
#include "export.h"
#include "gymhub-imu.h"
#include "hrs.h"
#include "hub1-generated.h"
#include "session-query.h"

#ifndef GYMHUB_VERSION
#define GYMHUB_VERSION "0.1"
#endif

struct ctl_opts opt;

/* --- output helpers ------------------------------------------------------ */

void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("gymhubctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* m:ss, or h:mm:ss from one hour on. */
static struct text fmt_secs(int64_t secs)
{
	struct text t;

	if (secs < 0)
		secs = 0;
	if (secs >= 3600)
		g_snprintf(t.s, sizeof(t.s), "%d:%02d:%02d", (int)(secs / 3600),
			   (int)(secs / 60 % 60), (int)(secs % 60));
	else
		g_snprintf(t.s, sizeof(t.s), "%d:%02d", (int)(secs / 60),
			   (int)(secs % 60));
	return t;
}

/* Stored durations: rounded to the nearest second. */
static struct text fmt_ms(int64_t ms)
{
	return fmt_secs((ms + 500) / 1000);
}

struct text fmt_local(int64_t unix_ms, const char *format)
{
	g_autoptr(GDateTime) dt =
		g_date_time_new_from_unix_local(unix_ms / 1000);
	g_autofree char *s = dt ? g_date_time_format(dt, format) : NULL;
	struct text t;

	g_strlcpy(t.s, s ? s : "?", sizeof(t.s));
	return t;
}

const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void json_str(JsonBuilder *b, const char *key, const char *val)
{
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, val ? val : "");
}

void json_int(JsonBuilder *b, const char *key, int64_t val)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, val);
}

/* Prints and frees the builder's document: pretty, or one line. */
int json_print(JsonBuilder *b, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = NULL;

	json_generator_set_pretty(gen, pretty);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	puts(text);
	return CTL_OK;
}

/* --- usage --------------------------------------------------------------- */

static const GOptionEntry bus_db_options[] = {
	{"bus", 0, 0, G_OPTION_ARG_STRING, &opt.bus,
	 "Reach gymhubd on BUS: system (default), session or a D-Bus address",
	 "BUS"},
	{"db", 0, 0, G_OPTION_ARG_FILENAME, &opt.db,
	 "Read sessions from PATH (default: $GYMHUB_DB, else " CTL_DEFAULT_DB
	 ")",
	 "PATH"},
	G_OPTION_ENTRY_NULL};

static const GOptionEntry json_option[] = {
	{"json", 0, 0, G_OPTION_ARG_NONE, &opt.json,
	 "Machine-readable output (workouts, status, sessions, show)", NULL},
	G_OPTION_ENTRY_NULL};

static const GOptionEntry version_option[] = {
	{"version", 0, 0, G_OPTION_ARG_NONE, &opt.version,
	 "Print the version and exit", NULL},
	G_OPTION_ENTRY_NULL};

static int main_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int main_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("gymhubctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n" MAIN_USAGE
	      "\nTry 'gymhubctl --help' for more information.\n",
	      stderr);
	return CTL_USAGE;
}

int command_usage(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("gymhubctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr,
		"\nUsage: gymhubctl %s%s%s\n"
		"Try 'gymhubctl %s --help' for more information.\n",
		cmd->name, *cmd->synopsis ? " " : "", cmd->synopsis, cmd->name);
	return CTL_USAGE;
}

/* --- the daemon ---------------------------------------------------------- */

static const char *bus_label(void)
{
	static char label[256];

	if (strcmp(opt.bus, "system") == 0 || strcmp(opt.bus, "session") == 0)
		g_snprintf(label, sizeof(label), "%s bus", opt.bus);
	else
		g_snprintf(label, sizeof(label), "bus at %s", opt.bus);
	return label;
}

static GDBusConnection *bus_connect(GError **error)
{
	if (strcmp(opt.bus, "system") == 0)
		return g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (strcmp(opt.bus, "session") == 0)
		return g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, error);
	return g_dbus_connection_new_for_address_sync(
		opt.bus,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, error);
}

static int not_running(void)
{
	fail("gymhubd is not running (no owner of " HUB_NAME " on the %s)%s",
	     bus_label(),
	     strcmp(opt.bus, "system") == 0
		     ? "; start it with: sudo systemctl start gymhubd"
		     : "");
	return CTL_NO_DAEMON;
}

/* Connects and makes the proxy; the proxy loads every property once. */
int hub_connect(struct ctl *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *owner = NULL;

	c->conn = bus_connect(&error);
	if (!c->conn) {
		fail("cannot connect to the %s: %s", bus_label(),
		     error->message);
		return CTL_NO_DAEMON;
	}
	/* Losing the bus is reported by `status --follow`, not a signal. */
	g_dbus_connection_set_exit_on_close(c->conn, FALSE);
	/* DO_NOT_AUTO_START: "not running" must stay visible to the user. */
	c->hub = gh_hub1_proxy_new_sync(c->conn,
					G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
					HUB_NAME, HUB_PATH, NULL, &error);
	if (!c->hub) {
		fail("cannot reach gymhubd: %s", error->message);
		return CTL_NO_DAEMON;
	}
	owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(c->hub));
	if (!owner)
		return not_running();
	return CTL_OK;
}

/*
 * Reports a failed call; maps the D-Bus error name to an exit code.
 * @not_found replaces the daemon's words for UnknownWorkout.
 */
int hub_error(GError *error, const char *not_found)
{
	g_autofree char *name = g_dbus_error_get_remote_error(error);

	g_dbus_error_strip_remote_error(error);
	if (g_strcmp0(name, "org.freedesktop.DBus.Error.AccessDenied") == 0) {
		fail("permission denied: only root and members of group gymhub "
		     "may control the hub");
		return CTL_DENIED;
	}
	if (g_strcmp0(name, HUB_ERROR "UnknownWorkout") == 0 ||
	    g_strcmp0(name, HUB_ERROR "UnknownSensor") == 0) {
		fail("%s", not_found ? not_found : error->message);
		return CTL_NOT_FOUND;
	}
	if (g_strcmp0(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
	    g_strcmp0(name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
		return not_running();
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED)) {
		fail("lost the connection to the %s", bus_label());
		return CTL_NO_DAEMON;
	}
	fail("%s", error->message);
	return CTL_FAILED;
}

/*
 * Reloads every property into the proxy's cache. Needed because gymhubd
 * emits its signals at once but batches property changes until it is
 * idle: a PhaseChanged arrives before the Session, Set or TargetReps that
 * go with it.
 */
static void hub_refresh(struct ctl *c)
{
	g_autoptr(GVariant) reply = NULL, all = NULL;
	GVariantIter it;
	const char *name;
	GVariant *v;

	reply = g_dbus_proxy_call_sync(
		G_DBUS_PROXY(c->hub), "org.freedesktop.DBus.Properties.GetAll",
		g_variant_new("(s)", HUB_NAME), G_DBUS_CALL_FLAGS_NO_AUTO_START,
		-1, NULL, NULL);
	if (!reply)
		return; /* keep what is cached; a lost daemon shows up later */
	all = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&it, all);
	while (g_variant_iter_next(&it, "{&sv}", &name, &v)) {
		g_dbus_proxy_set_cached_property(G_DBUS_PROXY(c->hub), name, v);
		g_variant_unref(v);
	}
}

/* --- commands talking to gymhubd ----------------------------------------- */

static int cmd_workouts(struct ctl *c, const struct command *cmd, int argc,
			char **argv)
{
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *name, *title, *desc;
	GVariantIter it;
	guint32 secs;
	int width = 4, r;

	r = hub_connect(c);
	if (r)
		return r;
	if (!gh_hub1_call_list_workouts_sync(c->hub, &list, NULL, &error))
		return hub_error(error, NULL);
	g_variant_iter_init(&it, list);
	while (g_variant_iter_next(&it, "(&s&s&su)", &name, NULL, NULL, NULL))
		width = MAX(width, (int)strlen(name));
	if (!opt.json)
		printf("%-*s  %7s  %s\n", width, "NAME", "LENGTH", "TITLE");
	json_builder_begin_array(b);
	g_variant_iter_init(&it, list);
	while (g_variant_iter_next(&it, "(&s&s&su)", &name, &title, &desc,
				   &secs)) {
		if (!opt.json) {
			printf("%-*s  %7s  %s\n", width, name, fmt_secs(secs).s,
			       title);
			continue;
		}
		json_builder_begin_object(b);
		json_str(b, "name", name);
		json_str(b, "title", title);
		json_str(b, "description", desc);
		json_int(b, "planned_s", secs);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return opt.json ? json_print(b, TRUE) : CTL_OK;
}

static int cmd_start(struct ctl *c, const struct command *cmd, int argc,
		     char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *unknown = NULL;
	gint64 session = 0;
	int r;

	r = hub_connect(c);
	if (r)
		return r;
	if (!gh_hub1_call_start_sync(c->hub, argv[1], &session, NULL, &error)) {
		unknown = g_strdup_printf("no workout named '%s'; see "
					  "'gymhubctl workouts'",
					  argv[1]);
		return hub_error(error, unknown);
	}
	/* gymhubd without a database hands out session 0. */
	if (session > 0)
		printf("started %s (session %" G_GINT64_FORMAT ")\n", argv[1],
		       session);
	else
		printf("started %s (not recorded: gymhubd has no database)\n",
		       argv[1]);
	return CTL_OK;
}

/* pause, resume, skip, done and stop differ only in the call. */
static int cmd_control(struct ctl *c, const struct command *cmd, int argc,
		       char **argv)
{
	g_autoptr(GError) error = NULL;
	int r;

	r = hub_connect(c);
	if (r)
		return r;
	if (!cmd->control(c->hub, NULL, &error))
		return hub_error(error, NULL);
	puts(cmd->done);
	return CTL_OK;
}

/* What one segment looks like, from a PhaseChanged or the properties. */
struct phase_info {
	const char *phase, *exercise, *side;
	guint round, rounds, set, sets, target_reps, duration_ms;
};

static struct phase_info phase_from_props(GhHub1 *h)
{
	struct phase_info p = {
		.phase = gh_hub1_get_phase(h),
		.exercise = gh_hub1_get_exercise(h),
		.side = gh_hub1_get_side(h),
		.round = gh_hub1_get_round(h),
		.rounds = gh_hub1_get_rounds(h),
		.set = gh_hub1_get_set(h),
		.sets = gh_hub1_get_sets(h),
		.target_reps = gh_hub1_get_target_reps(h),
		.duration_ms = gh_hub1_get_duration_ms(h),
	};

	return p;
}

/* "work squat (left)  round 2/8  set 1/3  10 reps" */
static void phase_describe(const struct phase_info *p, GString *s)
{
	g_string_append(s, or_dash(p->phase));
	if (p->exercise && *p->exercise)
		g_string_append_printf(s, " %s", p->exercise);
	if (p->side && *p->side)
		g_string_append_printf(s, " (%s)", p->side);
	if (p->rounds > 0)
		g_string_append_printf(s, "  round %u/%u", p->round, p->rounds);
	if (p->sets > 1)
		g_string_append_printf(s, "  set %u/%u", p->set, p->sets);
	if (p->target_reps > 0)
		g_string_append_printf(s, "  %u reps", p->target_reps);
}

/* A countdown shows whole seconds rounded up: 0:01 until it ends. */
static struct text fmt_remaining(guint remaining_ms, guint duration_ms)
{
	struct text t;

	if (duration_ms == 0) {
		g_strlcpy(t.s, "open (until 'gymhubctl done')", sizeof(t.s));
		return t;
	}
	return fmt_secs(((int64_t)remaining_ms + 999) / 1000);
}

static void print_fraction(const char *label, guint n, guint of)
{
	if (of > 0)
		printf("%-10s %u/%u\n", label, n, of);
	else
		printf("%-10s -\n", label);
}

static void status_print(GhHub1 *h)
{
	const char *state = or_dash(gh_hub1_get_state(h));
	guint dur = gh_hub1_get_duration_ms(h);

	printf("%-10s %s\n", "state:", state);
	if (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0) {
		printf("%-10s %s\n",
		       "workout:", or_dash(gh_hub1_get_workout(h)));
		printf("%-10s %" G_GINT64_FORMAT "\n",
		       "session:", gh_hub1_get_session(h));
		printf("%-10s %s\n", "phase:", or_dash(gh_hub1_get_phase(h)));
		printf("%-10s %s\n",
		       "exercise:", or_dash(gh_hub1_get_exercise(h)));
		printf("%-10s %s\n", "side:", or_dash(gh_hub1_get_side(h)));
		print_fraction("round:", gh_hub1_get_round(h),
			       gh_hub1_get_rounds(h));
		print_fraction("set:", gh_hub1_get_set(h), gh_hub1_get_sets(h));
		/* counted so far (a motion sensor) of the target */
		if (gh_hub1_get_target_reps(h) > 0)
			printf("%-10s %u/%u\n", "reps:", gh_hub1_get_reps(h),
			       gh_hub1_get_target_reps(h));
		if (!strcmp(or_dash(gh_hub1_get_phase(h)), "hold"))
			printf("%-10s %s\n", "holding:",
			       gh_hub1_get_waiting(h) ? "waiting for you to be "
							"still (done starts "
							"it)"
			       : gh_hub1_get_holding(h) ? "yes"
							: "-");
		print_fraction("segment:", gh_hub1_get_segment(h) + 1,
			       gh_hub1_get_segments(h));
		printf("%-10s %s\n", "remaining:",
		       fmt_remaining(gh_hub1_get_remaining_ms(h), dur).s);
	}
	printf("%-10s %s\n", "buzzer:", or_dash(gh_hub1_get_buzzer(h)));
	ctl_status_sensors(h);
}

static void status_json(GhHub1 *h, JsonBuilder *b)
{
	json_str(b, "state", gh_hub1_get_state(h));
	json_str(b, "workout", gh_hub1_get_workout(h));
	json_int(b, "session", gh_hub1_get_session(h));
	json_str(b, "phase", gh_hub1_get_phase(h));
	json_str(b, "exercise", gh_hub1_get_exercise(h));
	json_str(b, "side", gh_hub1_get_side(h));
	json_int(b, "round", gh_hub1_get_round(h));
	json_int(b, "rounds", gh_hub1_get_rounds(h));
	json_int(b, "set", gh_hub1_get_set(h));
	json_int(b, "sets", gh_hub1_get_sets(h));
	json_int(b, "target_reps", gh_hub1_get_target_reps(h));
	json_int(b, "reps", gh_hub1_get_reps(h));
	json_builder_set_member_name(b, "holding");
	json_builder_add_boolean_value(b, gh_hub1_get_holding(h));
	json_builder_set_member_name(b, "waiting");
	json_builder_add_boolean_value(b, gh_hub1_get_waiting(h));
	json_int(b, "segment", gh_hub1_get_segment(h));
	json_int(b, "segments", gh_hub1_get_segments(h));
	json_int(b, "remaining_ms", gh_hub1_get_remaining_ms(h));
	json_int(b, "duration_ms", gh_hub1_get_duration_ms(h));
	json_str(b, "buzzer", gh_hub1_get_buzzer(h));
	ctl_status_sensors_json(h, b);
}

/* --- status --follow ----------------------------------------------------- */

struct follow {
	struct ctl *c;
	GMainLoop *loop;
	gboolean following; /* a session is running and being shown */
	gint64 session;
	gboolean paused;
	gboolean done;	      /* quitting: ignore what is still queued */
	gboolean countdown;   /* redraw a countdown line in place (a tty) */
	size_t countdown_len; /* characters on screen now, to overwrite */
	int exit_code;
};

static void follow_quit(struct follow *f, int exit_code)
{
	f->done = TRUE;
	f->exit_code = exit_code;
	g_main_loop_quit(f->loop);
}

static void countdown_clear(struct follow *f)
{
	if (f->countdown_len == 0)
		return;
	printf("\r%*s\r", (int)f->countdown_len, "");
	f->countdown_len = 0;
}

/* "  0:17  work squat (left)  round 2/8", overwriting the last one. */
static void countdown_draw(struct follow *f)
{
	GhHub1 *h = f->c->hub;
	struct phase_info p = phase_from_props(h);
	g_autoptr(GString) s = g_string_new("  ");
	size_t old = f->countdown_len, len;

	if (!f->countdown || !f->following || f->done)
		return;
	g_string_append(
		s, fmt_remaining(gh_hub1_get_remaining_ms(h), p.duration_ms).s);
	g_string_append(s, f->paused ? "  paused  " : "  ");
	/* heart rate before the exercise: the end of the line may be cut */
	if (gh_hub1_get_heart_rate(h))
		g_string_append_printf(s, "\u2665 %u  ",
				       gh_hub1_get_heart_rate(h));
	phase_describe(&p, s);
	/*
	 * \r only returns to the start of the last screen line: keep to one
	 * line of an 80-column (SSH) terminal. Counted in characters, as
	 * exercise names may be UTF-8.
	 */
	len = g_utf8_strlen(s->str, -1);
	if (len > 79) {
		g_string_truncate(s, g_utf8_offset_to_pointer(s->str, 79) -
					     s->str);
		len = 79;
	}
	printf("\r%s", s->str);
	if (old > len)
		printf("%*s", (int)(old - len), "");
	fflush(stdout);
	f->countdown_len = MAX(old, len);
}

/* Text: one timestamped line, below the countdown line if there is one. */
static void follow_line(struct follow *f, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);
static void follow_line(struct follow *f, const char *fmt, ...)
{
	va_list ap;

	countdown_clear(f);
	printf("%s  ", fmt_local(g_get_real_time() / 1000, "%H:%M:%S").s);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	countdown_draw(f);
	fflush(stdout);
}

/* JSON: one object per line (JSON Lines), started here. */
static JsonBuilder *follow_event(const char *event)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_int(b, "time_ms", g_get_real_time() / 1000);
	json_str(b, "event", event);
	return b;
}

static void follow_event_print(JsonBuilder *b)
{
	json_builder_end_object(b);
	json_print(b, FALSE);
	fflush(stdout);
	g_object_unref(b);
}

static void show_phase(struct follow *f, const struct phase_info *p)
{
	g_autoptr(GString) s = NULL;
	JsonBuilder *b;

	if (!opt.json) {
		s = g_string_new(NULL);
		phase_describe(p, s);
		follow_line(f, "%s  %s", s->str,
			    p->duration_ms ? fmt_ms(p->duration_ms).s
					   : "until 'gymhubctl done'");
		return;
	}
	b = follow_event("phase");
	json_str(b, "phase", p->phase);
	json_str(b, "exercise", p->exercise);
	json_str(b, "side", p->side);
	json_int(b, "round", p->round);
	json_int(b, "rounds", p->rounds);
	json_int(b, "set", p->set);
	json_int(b, "sets", p->sets);
	json_int(b, "target_reps", p->target_reps);
	json_int(b, "duration_ms", p->duration_ms);
	follow_event_print(b);
}

static void show_session(struct follow *f, const char *event, const char *state)
{
	const char *workout = or_dash(gh_hub1_get_workout(f->c->hub));
	JsonBuilder *b;

	if (!opt.json) {
		if (state)
			follow_line(f, "session %" G_GINT64_FORMAT " %s",
				    f->session, state);
		else
			follow_line(f, "session %" G_GINT64_FORMAT ": %s",
				    f->session, workout);
		return;
	}
	b = follow_event(event);
	json_int(b, "session", f->session);
	if (state)
		json_str(b, "state", state);
	else
		json_str(b, "workout", workout);
	follow_event_print(b);
}

static void show_pause(struct follow *f)
{
	const char *what = f->paused ? "paused" : "resumed";

	if (opt.json)
		follow_event_print(follow_event(what));
	else
		follow_line(f, "%s", what);
}

/* Called on anything that shows a session runs; announces it once. */
static void follow_begin(struct follow *f)
{
	GhHub1 *h = f->c->hub;

	if (f->following)
		return;
	hub_refresh(f->c);
	f->following = TRUE;
	f->session = gh_hub1_get_session(h);
	f->paused = g_strcmp0(gh_hub1_get_state(h), "paused") == 0;
	show_session(f, "session", NULL);
}

static void on_phase_changed(GhHub1 *h, const char *phase, const char *exercise,
			     const char *side, guint round, guint rounds,
			     guint duration_ms, gpointer data)
{
	struct follow *f = data;
	struct phase_info p;

	if (f->done)
		return;
	if (f->following)
		hub_refresh(f->c); /* for Set, Sets and TargetReps */
	follow_begin(f);
	/* The signal's own values are the segment it announces. */
	p = phase_from_props(h);
	p.phase = phase;
	p.exercise = exercise;
	p.side = side;
	p.round = round;
	p.rounds = rounds;
	p.duration_ms = duration_ms;
	show_phase(f, &p);
}

static void on_cue(GhHub1 *h, const char *kind, guint segment, gint64 late_us,
		   gpointer data)
{
	struct follow *f = data;
	JsonBuilder *b;

	if (f->done)
		return;
	follow_begin(f);
	/* The demo rings the terminal; BEL must not break a JSON stream. */
	if (opt.bell)
		fputc('\a', opt.json ? stderr : stdout);
	if (!opt.json) {
		follow_line(f, "cue %s (%s %.1f ms)", kind,
			    late_us < 0 ? "early" : "late",
			    (double)(late_us < 0 ? -late_us : late_us) /
				    1000.0);
		return;
	}
	b = follow_event("cue");
	json_str(b, "kind", kind);
	json_int(b, "segment", segment);
	json_int(b, "late_us", late_us);
	follow_event_print(b);
}

static void on_session_ended(GhHub1 *h, gint64 session, const char *state,
			     gpointer data)
{
	struct follow *f = data;

	if (!f->following || f->done)
		return;
	f->session = session;
	follow_quit(f, CTL_OK); /* first: no countdown under the last line */
	show_session(f, "ended", state);
}

static void on_state(struct follow *f, const char *state)
{
	gboolean paused = strcmp(state, "paused") == 0;

	if (strcmp(state, "idle") == 0) {
		/* SessionEnded normally comes first; this is the fallback. */
		if (f->following) {
			follow_quit(f, CTL_OK);
			show_session(f, "ended", "ended");
		}
		return;
	}
	if (!f->following) {
		follow_begin(f);
		return;
	}
	if (paused != f->paused) {
		f->paused = paused;
		show_pause(f);
	}
}

static void on_properties_changed(GDBusProxy *proxy, GVariant *changed,
				  GStrv invalidated, gpointer data)
{
	struct follow *f = data;
	g_autoptr(GVariant) state = NULL, remaining = NULL;

	if (f->done)
		return;
	state = g_variant_lookup_value(changed, "State", G_VARIANT_TYPE_STRING);
	remaining = g_variant_lookup_value(changed, "RemainingMs", NULL);
	if (state)
		on_state(f, g_variant_get_string(state, NULL));
	/* RemainingMs changes every second: only a terminal shows that. */
	if (remaining)
		countdown_draw(f);
}

static void on_name_owner(GObject *proxy, GParamSpec *pspec, gpointer data)
{
	struct follow *f = data;
	g_autofree char *owner =
		g_dbus_proxy_get_name_owner(G_DBUS_PROXY(proxy));

	if (owner || f->done)
		return;
	countdown_clear(f);
	fflush(stdout);
	if (f->following)
		fail("gymhubd stopped during session %" G_GINT64_FORMAT
		     "; it is stored as stopped (or as recovered at its next "
		     "start)",
		     f->session);
	else
		fail("gymhubd stopped");
	follow_quit(f, CTL_NO_DAEMON);
}

static void on_closed(GDBusConnection *conn, gboolean remote_vanished,
		      GError *error, gpointer data)
{
	struct follow *f = data;

	if (f->done)
		return;
	countdown_clear(f);
	fflush(stdout);
	fail("lost the connection to the %s", bus_label());
	follow_quit(f, CTL_NO_DAEMON);
}

static gboolean on_interrupt(gpointer data)
{
	follow_quit(data, CTL_OK);
	return G_SOURCE_CONTINUE;
}

/* What is going on when --follow starts: a session, or nothing yet. */
static void follow_start(struct follow *f)
{
	GhHub1 *h = f->c->hub;
	const char *state = or_dash(gh_hub1_get_state(h));
	struct phase_info p;

	if (strcmp(state, "running") != 0 && strcmp(state, "paused") != 0) {
		/* stderr: stdout stays the log of the session itself */
		fprintf(stderr, "gymhubctl: waiting for a workout to start "
				"(Ctrl-C to quit)\n");
		return;
	}
	follow_begin(f);
	p = phase_from_props(h);
	show_phase(f, &p);
	if (f->paused)
		show_pause(f);
}

static int follow_run(struct ctl *c)
{
	struct follow f = {.c = c, .exit_code = CTL_OK};
	guint sigs[2];
	size_t i;

	f.countdown = !opt.json && isatty(STDOUT_FILENO);
	f.loop = g_main_loop_new(NULL, FALSE);
	g_signal_connect(c->hub, "phase-changed", G_CALLBACK(on_phase_changed),
			 &f);
	g_signal_connect(c->hub, "cue", G_CALLBACK(on_cue), &f);
	g_signal_connect(c->hub, "session-ended", G_CALLBACK(on_session_ended),
			 &f);
	g_signal_connect(c->hub, "g-properties-changed",
			 G_CALLBACK(on_properties_changed), &f);
	g_signal_connect(c->hub, "notify::g-name-owner",
			 G_CALLBACK(on_name_owner), &f);
	g_signal_connect(c->conn, "closed", G_CALLBACK(on_closed), &f);
	sigs[0] = g_unix_signal_add(SIGINT, on_interrupt, &f);
	sigs[1] = g_unix_signal_add(SIGTERM, on_interrupt, &f);

	follow_start(&f);
	if (!f.done)
		g_main_loop_run(f.loop);
	countdown_clear(&f);

	for (i = 0; i < G_N_ELEMENTS(sigs); i++)
		g_source_remove(sigs[i]);
	g_signal_handlers_disconnect_by_data(c->hub, &f);
	g_signal_handlers_disconnect_by_data(c->conn, &f);
	g_main_loop_unref(f.loop);
	return f.exit_code;
}

static const GOptionEntry status_options[] = {
	{"follow", 'f', 0, G_OPTION_ARG_NONE, &opt.follow,
	 "Print a line per phase change and cue until the session ends; "
	 "waits for one to start if none runs",
	 NULL},
	{"bell", 0, 0, G_OPTION_ARG_NONE, &opt.bell,
	 "With --follow: ring the terminal bell (BEL) on each cue", NULL},
	G_OPTION_ENTRY_NULL};

static int cmd_status(struct ctl *c, const struct command *cmd, int argc,
		      char **argv)
{
	g_autoptr(JsonBuilder) b = NULL;
	int r;

	r = hub_connect(c);
	if (r)
		return r;
	if (opt.follow)
		return follow_run(c);
	if (!opt.json) {
		status_print(c->hub);
		return CTL_OK;
	}
	b = json_builder_new();
	json_builder_begin_object(b);
	status_json(c->hub, b);
	json_builder_end_object(b);
	return json_print(b, TRUE);
}

/* --- commands reading the database --------------------------------------- */

int db_error(const struct ctl *c, int r)
{
	switch (r) {
	case -ENOENT:
		fail("no database at %s; gymhubd creates it when it first "
		     "runs (or pass --db PATH)",
		     c->db);
		return CTL_FAILED;
	case -EPROTO:
		fail("%s is not a gymhub database; pass --db PATH", c->db);
		return CTL_FAILED;
	case -EPROTONOSUPPORT:
		fail("%s was written by a newer gymhub; update gymhubctl",
		     c->db);
		return CTL_FAILED;
	case -EBADMSG:
		fail("%s is damaged or not a database", c->db);
		return CTL_FAILED;
	case -EBUSY:
		fail("%s is being written; try again", c->db);
		return CTL_FAILED;
	case -EROFS:
		fail("cannot read %s while gymhubd is stopped: it left changes "
		     "in %s-wal that only user gymhub may open; start gymhubd "
		     "and try again",
		     c->db, c->db);
		return CTL_FAILED;
	case -EACCES:
	case -EPERM:
		fail("permission denied reading %s: ask to be added to group "
		     "gymhub",
		     c->db);
		return CTL_DENIED;
	default:
		fail("cannot read %s: %s", c->db, g_strerror(-r));
		return CTL_FAILED;
	}
}

/* "last" → 0, else a positive session id; -1 when it is neither. */
static int64_t session_arg(const char *arg)
{
	gint64 id;

	if (strcmp(arg, "last") == 0)
		return 0;
	if (!g_ascii_string_to_signed(arg, 10, 1, G_MAXINT64, &id, NULL))
		return -1;
	return id;
}

/* Loads session @id (0: the newest) into *ret. */
static int session_load(struct ctl *c, int64_t id, struct sq_detail **ret)
{
	struct sq *q = NULL;
	int r;

	r = sq_open(c->db, &q);
	if (r < 0)
		return db_error(c, r);
	if (id == 0) {
		r = sq_last_id(q, &id);
		if (r == -ENOENT) {
			fail("no sessions stored yet in %s", c->db);
			sq_close(q);
			return CTL_NOT_FOUND;
		}
	}
	if (r >= 0)
		r = sq_get(q, id, ret);
	sq_close(q);
	if (r == -ENOENT) {
		fail("no session %" G_GINT64_FORMAT
		     "; see 'gymhubctl sessions'",
		     (gint64)id);
		return CTL_NOT_FOUND;
	}
	return r < 0 ? db_error(c, r) : CTL_OK;
}

/* A write error on stdout is reported by finish_output(). */
static int export_format_stdout(const struct sq_detail *d, FILE *out)
{
	return export_file_encode(d, opt.format, opt.table, out);
}

static int export_stdout(const struct sq_detail *d,
			 int (*encode)(const struct sq_detail *d, FILE *out))
{
	int r = encode(d, stdout);

	if (r < 0 && !ferror(stdout))
		fail("cannot export session %" G_GINT64_FORMAT ": %s",
		     (gint64)d->session.id, g_strerror(-r));
	return r < 0 ? CTL_FAILED : CTL_OK;
}

static const GOptionEntry sessions_options[] = {
	{"limit", 'n', 0, G_OPTION_ARG_INT, &opt.limit,
	 "Show only the newest N sessions", "N"},
	G_OPTION_ENTRY_NULL};

static void session_json(JsonBuilder *b, const struct sq_session *s)
{
	json_builder_begin_object(b);
	json_int(b, "id", s->id);
	json_str(b, "workout", s->workout);
	json_str(b, "title", s->title);
	json_str(b, "state", s->state);
	json_str(b, "started", fmt_local(s->started_ms, "%FT%T%:z").s);
	json_int(b, "started_ms", s->started_ms);
	json_int(b, "ended_ms", s->ended_ms);
	json_int(b, "duration_ms",
		 s->ended_ms ? s->ended_ms - s->started_ms : 0);
	json_int(b, "segments", s->n_segments);
	json_int(b, "sets", s->n_sets);
	json_int(b, "cues", s->n_cues);
	json_builder_end_object(b);
}

static void sessions_print(const struct sq_session *list, size_t n)
{
	int wid = 2, wwork = 7;
	size_t i;

	for (i = 0; i < n; i++) {
		wid = MAX(wid, g_snprintf(NULL, 0, "%" G_GINT64_FORMAT,
					  (gint64)list[i].id));
		wwork = MAX(wwork, (int)strlen(or_dash(list[i].workout)));
	}
	printf("%*s  %-16s  %-*s  %-9s  %s\n", wid, "ID", "STARTED", wwork,
	       "WORKOUT", "STATE", "DURATION");
	for (i = 0; i < n; i++) {
		const struct sq_session *s = &list[i];

		printf("%*" G_GINT64_FORMAT "  %-16s  %-*s  %-9s  %s\n", wid,
		       (gint64)s->id, fmt_local(s->started_ms, "%F %R").s,
		       wwork, or_dash(s->workout), or_dash(s->state),
		       s->ended_ms ? fmt_ms(s->ended_ms - s->started_ms).s
				   : "-");
	}
}

static int cmd_sessions(struct ctl *c, const struct command *cmd, int argc,
			char **argv)
{
	g_autoptr(JsonBuilder) b = NULL;
	struct sq_session *list = NULL;
	struct sq *q = NULL;
	size_t n = 0, i;
	int r;

	if (opt.limit < 0)
		return command_usage(cmd, "--limit must be 0 (all) or more");
	r = sq_open(c->db, &q);
	if (r < 0)
		return db_error(c, r);
	r = sq_list(q, (size_t)opt.limit, &list, &n);
	sq_close(q);
	if (r < 0)
		return db_error(c, r);
	if (!opt.json) {
		sessions_print(list, n);
		sq_list_free(list, n);
		return CTL_OK;
	}
	b = json_builder_new();
	json_builder_begin_array(b);
	for (i = 0; i < n; i++)
		session_json(b, &list[i]);
	json_builder_end_array(b);
	sq_list_free(list, n);
	return json_print(b, TRUE);
}

static void show_header(const struct sq_session *s)
{
	printf("session %" G_GINT64_FORMAT ": %s", (gint64)s->id,
	       or_dash(s->workout));
	if (s->title && *s->title)
		printf(" (%s)", s->title);
	printf("\n%-10s %s\n", "state:", or_dash(s->state));
	printf("%-10s %s\n", "started:", fmt_local(s->started_ms, "%F %T").s);
	if (s->ended_ms) {
		printf("%-10s %s\n",
		       "ended:", fmt_local(s->ended_ms, "%F %T").s);
		printf("%-10s %s\n",
		       "duration:", fmt_ms(s->ended_ms - s->started_ms).s);
	}
}

static void show_segments(const struct sq_detail *d)
{
	int wex = 8;
	size_t i;

	for (i = 0; i < d->n_segments; i++)
		wex = MAX(wex, (int)strlen(or_dash(d->segments[i].exercise)));
	printf("\n%3s  %-7s  %-*s  %-5s  %-6s  %7s  %7s  %s\n", "#", "KIND",
	       wex, "EXERCISE", "SIDE", "ROUND", "PLANNED", "ACTUAL",
	       "SKIPPED");
	for (i = 0; i < d->n_segments; i++) {
		const struct sq_segment *g = &d->segments[i];
		char round[24] = "-";

		if (g->rounds > 0)
			g_snprintf(round, sizeof(round), "%u/%u", g->round,
				   g->rounds);
		/* planned end 0: an open rep step; end 0: never ended */
		printf("%3u  %-7s  %-*s  %-5s  %-6s  %7s  %7s%s\n", g->idx + 1,
		       or_dash(g->kind), wex, or_dash(g->exercise),
		       or_dash(g->side), round,
		       g->planned_end_ms
			       ? fmt_ms(g->planned_end_ms - g->planned_start_ms)
					 .s
			       : "open",
		       g->end_ms ? fmt_ms(g->end_ms - g->start_ms).s : "-",
		       g->skipped ? "  yes" : "");
	}
}

/* Per strap: samples, min / average / max, and the dropouts. */
static void show_heart_rate(const struct sq_detail *d)
{
	g_autoptr(GPtrArray) seen = g_ptr_array_new();
	size_t i, j;

	for (i = 0; i < d->n_hr; i++) {
		const char *who = or_dash(d->hr[i].sensor);
		unsigned int n = 0, lo = UINT_MAX, hi = 0, gaps = 0;
		uint64_t sum = 0;

		if (g_ptr_array_find_with_equal_func(seen, who, g_str_equal,
						     NULL))
			continue;
		g_ptr_array_add(seen, (gpointer)who);
		for (j = i; j < d->n_hr; j++) {
			if (strcmp(or_dash(d->hr[j].sensor), who) ||
			    !d->hr[j].bpm)
				continue;
			n++;
			sum += d->hr[j].bpm;
			lo = MIN(lo, d->hr[j].bpm);
			hi = MAX(hi, d->hr[j].bpm);
		}
		for (j = 0; j < d->n_gaps; j++)
			gaps += !strcmp(or_dash(d->gaps[j].sensor), who);
		if (n)
			printf("%-10s %s: %u samples, %u / %u / %u bpm "
			       "(min / avg / max), %u dropout(s)\n",
			       seen->len == 1 ? "heart:" : "", who, n, lo,
			       (unsigned int)((sum + n / 2) / n), hi, gaps);
	}
}

static void show_cues(const struct sq_detail *d)
{
	int64_t max_late = INT64_MIN;
	size_t i;

	if (d->n_cues == 0) {
		printf("\ncues: none\n");
		return;
	}
	for (i = 0; i < d->n_cues; i++)
		max_late = MAX(max_late, d->cues[i].late_us);
	printf("\ncues: %zu, max lateness %.1f ms\n", d->n_cues,
	       (double)max_late / 1000.0);
}

static int cmd_show(struct ctl *c, const struct command *cmd, int argc,
		    char **argv)
{
	struct sq_detail *d = NULL;
	int64_t id = session_arg(argv[1]);
	int r;

	if (id < 0)
		return command_usage(cmd,
				     "'%s' is not a session id (a number "
				     "or 'last')",
				     argv[1]);
	r = session_load(c, id, &d);
	if (r)
		return r;
	if (opt.json) {
		r = export_stdout(d, export_json);
	} else {
		show_header(&d->session);
		show_heart_rate(d);
		show_segments(d);
		show_cues(d);
	}
	sq_detail_free(d);
	return r;
}

/* --- export -------------------------------------------------------------- */

static const GOptionEntry export_options[] = {
	{"format", 0, 0, G_OPTION_ARG_STRING, &opt.format,
	 "csv, json, fit or tcx (required)", "FORMAT"},
	{"table", 0, 0, G_OPTION_ARG_STRING, &opt.table,
	 "CSV only: sessions, segments (default), sets, cues, hr (heart "
	 "rate), gaps or reps",
	 "TABLE"},
	{"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
	 "Write FILE (replaced atomically) instead of standard output", "FILE"},
	{"all", 0, 0, G_OPTION_ARG_NONE, &opt.all,
	 "Every finished session, one file each in --dir", NULL},
	{"since", 0, 0, G_OPTION_ARG_STRING, &opt.since,
	 "Sessions started on or after DATE (YYYY-MM-DD, local), into --dir",
	 "DATE"},
	{"dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.dir,
	 "With --all or --since: write DIR/DATE-ID-WORKOUT.FORMAT", "DIR"},
	G_OPTION_ENTRY_NULL};

/* -o FILE and --dir: see export_file_write(). */
static int export_to_file(const struct sq_detail *d, const char *path)
{
	int r = export_file_write(d, opt.format, opt.table, path);

	if (r == 0)
		return CTL_OK;
	fail("cannot write %s: %s", path, g_strerror(-r));
	return r == -EACCES ? CTL_DENIED : CTL_FAILED;
}

static int export_check(const struct command *cmd)
{
	if (!opt.format)
		return command_usage(cmd, "--format is required (csv, json, "
					  "fit or tcx)");
	if (strcmp(opt.format, "csv") == 0) {
		if (!opt.table)
			opt.table = "segments";
		if (!export_file_table_known(opt.table))
			return command_usage(cmd,
					     "unknown table '%s' (sessions, "
					     "segments, sets, cues, hr, gaps "
					     "or reps)",
					     opt.table);
		return CTL_OK;
	}
	if (strcmp(opt.format, "json") != 0 && strcmp(opt.format, "fit") != 0 &&
	    strcmp(opt.format, "tcx") != 0)
		return command_usage(cmd,
				     "unknown format '%s' (csv, json, fit or "
				     "tcx)",
				     opt.format);
	if (opt.table)
		return command_usage(cmd, "--table goes with --format csv "
					  "only");
	return CTL_OK;
}

/* Local midnight of YYYY-MM-DD as Unix ms; -1 when not such a date. */
static int64_t parse_since(const char *date)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_local();
	g_autoptr(GDateTime) dt = NULL;
	int y, m, d;
	char end;

	if (sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
		return -1;
	dt = g_date_time_new(tz, y, m, d, 0, 0, 0);
	return dt ? g_date_time_to_unix(dt) * 1000 : -1;
}

/*
 * --all / --since: one file per finished session. A session still
 * running is left for later; one that fails (e.g. an empty session has
 * no FIT) is reported and the others still written.
 */
static int export_many(struct ctl *c, int64_t since_ms)
{
	struct sq_session *list = NULL;
	struct sq *q = NULL;
	size_t n = 0, i, written = 0, failed = 0;
	int r;

	if (g_mkdir_with_parents(opt.dir, 0777) < 0) {
		fail("cannot create %s: %s", opt.dir, g_strerror(errno));
		return errno == EACCES ? CTL_DENIED : CTL_FAILED;
	}
	r = sq_open(c->db, &q);
	if (r >= 0)
		r = sq_list(q, 0, &list, &n);
	for (i = n; r >= 0 && i-- > 0;) { /* oldest first */
		struct sq_detail *d = NULL;
		g_autofree char *path = NULL;

		if (list[i].started_ms < since_ms ||
		    strcmp(list[i].state, "running") == 0)
			continue;
		if (sq_get(q, list[i].id, &d) < 0) {
			failed++;
			continue;
		}
		path = export_file_name(&list[i], opt.dir, opt.format,
					opt.table);
		if (export_to_file(d, path) == CTL_OK)
			written++;
		else
			failed++;
		sq_detail_free(d);
	}
	sq_list_free(list, n);
	sq_close(q);
	if (r < 0)
		return db_error(c, r);
	printf("wrote %zu file%s to %s%s\n", written, written == 1 ? "" : "s",
	       opt.dir, failed ? " (some sessions failed, see above)" : "");
	return failed ? CTL_FAILED : CTL_OK;
}

static int cmd_export(struct ctl *c, const struct command *cmd, int argc,
		      char **argv)
{
	struct sq_detail *d = NULL;
	bool many = opt.all || opt.since;
	int64_t id, since_ms = 0;
	int r;

	r = export_check(cmd);
	if (r)
		return r;
	if (many && (argc > 1 || opt.output))
		return command_usage(cmd, "--all and --since write into --dir; "
					  "give no ID and no -o");
	if (many && !opt.dir)
		return command_usage(cmd, "--all and --since need --dir DIR");
	if (!many && (opt.dir || argc < 2))
		return command_usage(cmd, "give ID|last, or --all/--since with "
					  "--dir");
	if (opt.since && (since_ms = parse_since(opt.since)) < 0)
		return command_usage(cmd,
				     "--since: '%s' is not a date "
				     "(YYYY-MM-DD)",
				     opt.since);
	if (many)
		return export_many(c, since_ms);
	id = session_arg(argv[1]);
	if (id < 0)
		return command_usage(cmd,
				     "'%s' is not a session id (a number "
				     "or 'last')",
				     argv[1]);
	r = session_load(c, id, &d);
	if (r)
		return r;
	if (opt.output && strcmp(opt.output, "-") != 0)
		r = export_to_file(d, opt.output);
	else
		r = export_stdout(d, export_format_stdout);
	sq_detail_free(d);
	return r;
}

/* --- decode --------------------------------------------------------------- */

/*
 * One packet per argument ("164a1203" or "16 4a 12 03" quoted); a run of
 * bare two-digit arguments, as pasted unquoted from btmon, is one packet.
 */
static char *decode_join(int argc, char **argv, int *ret_next)
{
	GString *hex = g_string_new(argv[*ret_next]);
	int i = *ret_next + 1;

	if (strlen(argv[*ret_next]) == 2)
		for (; i < argc && strlen(argv[i]) == 2; i++)
			g_string_append(g_string_append_c(hex, ' '), argv[i]);
	*ret_next = i;
	return g_string_free(hex, FALSE);
}

static void decode_print_text(const struct hrs_measurement *m)
{
	size_t i;

	printf("%u bpm, sensor contact %s", m->bpm,
	       hrs_contact_to_string(m->contact));
	if (m->has_energy)
		printf(", energy %u kJ", m->energy_kj);
	for (i = 0; i < m->n_rr; i++)
		printf("%s%u ms (%u/1024)%s", i ? ", " : ", RR ",
		       (m->rr_1024[i] * 1000u + 512) / 1024, m->rr_1024[i],
		       hrs_rr_is_implausible(m, i) ? " implausible, not a beat"
						   : "");
	printf("\n");
}

/* A gymhub IMU notification (docs/gymhub-imu.md), for sensor makers. */
static int decode_imu(const struct command *cmd, int argc, char **argv)
{
	uint8_t bytes[GYMHUB_IMU_HEADER +
		      GYMHUB_IMU_MAX_SAMPLES * GYMHUB_IMU_SAMPLE + 1];
	struct gymhub_imu_packet p;
	int i = 2, bad = 0, k;
	size_t len;

	if (argc < 3)
		return command_usage(cmd, "missing HEX");
	while (i < argc) {
		g_autofree char *hex = decode_join(argc, argv, &i);

		if (hrs_hex_decode(hex, bytes, sizeof(bytes), &len) < 0) {
			fail("'%s' is not hex bytes (e.g. 01 01 00 00 ...)",
			     hex);
			return CTL_USAGE;
		}
		if (gymhub_imu_parse(bytes, len, &p) < 0) {
			fail("'%s' is not a gymhub IMU notification: version "
			     "1, 1 to %d samples, exactly 10 + 6 bytes per "
			     "sample, interval not 0 (%zu bytes)",
			     hex, GYMHUB_IMU_MAX_SAMPLES, len);
			bad++;
			continue;
		}
		if (opt.json) {
			printf("{\"seq\":%u,\"t0_us\":%u,\"interval_us\":%u,"
			       "\"samples_mg\":[",
			       p.seq, p.t0_us, p.interval_us);
			for (k = 0; k < p.n; k++)
				printf("%s[%d,%d,%d]", k ? "," : "", p.mg[k][0],
				       p.mg[k][1], p.mg[k][2]);
			printf("]}\n");
			continue;
		}
		printf("seq %u, %u sample(s) from t0 %u us, every %u us\n",
		       p.seq, p.n, p.t0_us, p.interval_us);
		for (k = 0; k < p.n; k++)
			printf("  %+6d %+6d %+6d mg\n", p.mg[k][0], p.mg[k][1],
			       p.mg[k][2]);
	}
	return bad ? CTL_FAILED : CTL_OK;
}

static int cmd_decode(struct ctl *c, const struct command *cmd, int argc,
		      char **argv)
{
	uint8_t bytes[HRS_ATT_VALUE_MAX];
	char json[HRS_JSON_MAX];
	struct hrs_measurement m;
	int i = 2, bad = 0, r;
	size_t len;

	if (strcmp(argv[1], "imu") == 0)
		return decode_imu(cmd, argc, argv);
	if (strcmp(argv[1], "hrs") != 0)
		return command_usage(cmd, "unknown protocol '%s' (hrs or imu)",
				     argv[1]);
	if (argc < 3)
		return command_usage(cmd, "missing HEX");
	while (i < argc) {
		g_autofree char *hex = decode_join(argc, argv, &i);

		r = hrs_hex_decode(hex, bytes, sizeof(bytes), &len);
		if (r < 0) {
			fail("'%s' is not hex bytes (e.g. 16 4a 12 03)", hex);
			return CTL_USAGE;
		}
		r = hrs_parse(bytes, len, &m);
		if (r < 0) {
			fail("'%s' is not a heart rate measurement: %zu bytes "
			     "are fewer than its flags announce, or its RR "
			     "intervals are cut in half",
			     hex, len);
			bad++;
			continue;
		}
		if (opt.json && hrs_format_json(&m, json, sizeof(json)) >= 0)
			printf("%s\n", json);
		else
			decode_print_text(&m);
	}
	return bad ? CTL_FAILED : CTL_OK;
}

/* --- help and dispatch --------------------------------------------------- */

static int cmd_help(struct ctl *c, const struct command *cmd, int argc,
		    char **argv);

#define CONTROL(n, what, msg, fn)                                         \
	{                                                                 \
		.name = n, .params = "", .synopsis = "", .summary = what, \
		.run = cmd_control, .control = fn, .done = msg            \
	}

static const struct command commands[] = {
	{.name = "workouts",
	 .params = "",
	 .synopsis = "[--json]",
	 .summary = "List the workouts gymhubd knows",
	 .run = cmd_workouts,
	 .json = TRUE},
	{.name = "start",
	 .params = "NAME",
	 .synopsis = "NAME",
	 .summary = "Start workout NAME",
	 .run = cmd_start,
	 .min_args = 1,
	 .max_args = 1},
	CONTROL("pause", "Pause the workout", "paused",
		gh_hub1_call_pause_sync),
	CONTROL("resume", "Resume a paused workout", "resumed",
		gh_hub1_call_resume_sync),
	CONTROL("skip", "End the current segment now, go on with the next",
		"skipped", gh_hub1_call_skip_sync),
	CONTROL("done", "End a rep step: the set is done", "set done",
		gh_hub1_call_done_sync),
	CONTROL("stop", "Stop the workout (it is stored as stopped)", "stopped",
		gh_hub1_call_stop_sync),
	{.name = "status",
	 .params = "",
	 .synopsis = "[--follow] [--bell] [--json]",
	 .summary = "Show what the hub is doing; --follow to the end",
	 .run = cmd_status,
	 .options = status_options,
	 .json = TRUE},
	{.name = "scan",
	 .params = "",
	 .synopsis = "[--seconds N] [--json]",
	 .summary = "Look for heart-rate straps and motion sensors nearby",
	 .run = cmd_scan,
	 .options = ctl_scan_options,
	 .json = TRUE},
	{.name = "pair",
	 .params = "ADDRESS",
	 .synopsis = "ADDRESS",
	 .summary = "Pair and add a sensor; the hub keeps it connected",
	 .run = cmd_pair,
	 .min_args = 1,
	 .max_args = 1},
	{.name = "sensors",
	 .params = "",
	 .synopsis = "[--json]",
	 .summary = "List the added sensors: connected, battery, last seen",
	 .run = cmd_sensors,
	 .json = TRUE},
	{.name = "forget",
	 .params = "ADDRESS",
	 .synopsis = "ADDRESS",
	 .summary = "Remove a sensor (and its pairing)",
	 .run = cmd_forget,
	 .min_args = 1,
	 .max_args = 1},
	{.name = "sessions",
	 .params = "",
	 .synopsis = "[--limit N] [--json]",
	 .summary = "List stored sessions, newest first",
	 .run = cmd_sessions,
	 .options = sessions_options,
	 .json = TRUE},
	{.name = "show",
	 .params = "ID|last",
	 .synopsis = "[--json] ID|last",
	 .summary = "Show one stored session: segments and cue timing",
	 .run = cmd_show,
	 .json = TRUE,
	 .min_args = 1,
	 .max_args = 1},
	{.name = "export",
	 .params = "[ID|last]",
	 .synopsis = "--format csv|json|fit|tcx [--table TABLE] [-o FILE] "
		     "ID|last | --all|--since DATE --dir DIR",
	 .summary = "Write stored sessions as FIT, TCX, CSV or JSON",
	 .run = cmd_export,
	 .options = export_options,
	 .min_args = 0,
	 .max_args = 1},
	{.name = "decode",
	 .params = "hrs|imu HEX...",
	 .synopsis = "[--json] hrs|imu HEX...",
	 .summary = "Show what the hub reads from raw heart-rate or gymhub "
		    "IMU notification bytes (e.g. from btmon)",
	 .run = cmd_decode,
	 .json = TRUE,
	 .min_args = 2,
	 .max_args = 1024},
	{.name = "help",
	 .params = "[COMMAND]",
	 .synopsis = "[COMMAND]",
	 .summary = "Show this help, or a command's",
	 .run = cmd_help,
	 .max_args = 1},
};

static const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const char exit_codes[] =
	"Exit status:\n"
	"  0  ok\n"
	"  1  gymhubd or the database reported an error\n"
	"  2  usage error: unknown command or option, wrong arguments\n"
	"  3  gymhubd not reachable: no bus, or nobody owns " HUB_NAME "\n"
	"  4  not found: unknown workout or session\n"
	"  5  permission denied: only root and group gymhub may control the "
	"hub\n";

static GOptionContext *main_context_new(void)
{
	GOptionContext *ctx = g_option_context_new("COMMAND [ARGS]");
	g_autoptr(GString) s = g_string_new(NULL);
	size_t i;

	g_string_append(s, "Controls gymhubd and reads stored workout sessions."
			   "\n\nCommands:");
	for (i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree char *use = g_strdup_printf(
			"%s %s", commands[i].name, commands[i].params);

		g_string_append_printf(s, "\n  %-18s %s", use,
				       commands[i].summary);
	}
	g_option_context_set_summary(ctx, s->str);
	g_string_printf(s,
			"%s\nRun 'gymhubctl COMMAND --help' for a command's "
			"options.\nExample: ssh hub gymhubctl export --format "
			"csv last > session.csv",
			exit_codes);
	g_option_context_set_description(ctx, s->str);
	g_option_context_add_main_entries(ctx, bus_db_options, NULL);
	g_option_context_add_main_entries(ctx, json_option, NULL);
	g_option_context_add_main_entries(ctx, version_option, NULL);
	/* Options after COMMAND are the command's own. */
	g_option_context_set_strict_posix(ctx, TRUE);
	return ctx;
}

static GOptionContext *command_context_new(const struct command *cmd)
{
	g_autofree char *prgname = g_strconcat("gymhubctl ", cmd->name, NULL);
	GOptionContext *ctx = g_option_context_new(cmd->params);
	GOptionGroup *global;

	/* GOptionContext names the program in "Usage:" by the prgname. */
	g_set_prgname(prgname);
	g_option_context_set_summary(ctx, cmd->summary);
	g_option_context_set_description(ctx, exit_codes);
	if (cmd->options)
		g_option_context_add_main_entries(ctx, cmd->options, NULL);
	if (cmd->json)
		g_option_context_add_main_entries(ctx, json_option, NULL);
	global = g_option_group_new(
		"global", "Global options:", "Show global options", NULL, NULL);
	g_option_group_add_entries(global, bus_db_options);
	g_option_context_add_group(ctx, global);
	return ctx;
}

static int print_help(GOptionContext *ctx)
{
	g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);

	fputs(help, stdout);
	return CTL_OK;
}

static int cmd_help(struct ctl *c, const struct command *cmd, int argc,
		    char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	const struct command *topic;

	if (argc < 2) {
		g_set_prgname("gymhubctl");
		ctx = main_context_new();
		return print_help(ctx);
	}
	topic = command_find(argv[1]);
	if (!topic)
		return command_usage(cmd, "unknown command '%s'", argv[1]);
	ctx = command_context_new(topic);
	return print_help(ctx);
}

/* Parses the command's own options; checks how many arguments are left. */
static int command_parse(const struct command *cmd, int *argc, char ***argv)
{
	g_autoptr(GOptionContext) ctx = command_context_new(cmd);
	g_autoptr(GError) error = NULL;
	int n;

	if (!g_option_context_parse(ctx, argc, argv, &error))
		return command_usage(cmd, "%s", error->message);
	n = *argc - 1;
	if (n < cmd->min_args)
		return command_usage(cmd, "missing %s", cmd->params);
	if (n > cmd->max_args)
		return command_usage(cmd, "unexpected argument '%s'",
				     (*argv)[cmd->max_args + 1]);
	return CTL_OK;
}

/* A full disk or closed pipe on stdout is an error, not a success. */
static int finish_output(int r)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r == CTL_OK || r == CTL_FAILED)
			fail("cannot write to standard output: %s",
			     g_strerror(errno ? errno : EIO));
		return r == CTL_OK ? CTL_FAILED : r;
	}
	return r;
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const struct command *cmd;
	struct ctl c = {0};
	const char *env;
	int r;

	setlocale(LC_ALL, "");
	g_set_prgname("gymhubctl");
	ctx = main_context_new();
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return main_usage("%s", error->message);
	if (opt.version) {
		printf("gymhubctl %s\n", GYMHUB_VERSION);
		return finish_output(CTL_OK);
	}
	if (argc < 2)
		return main_usage("missing command");
	cmd = command_find(argv[1]);
	if (!cmd)
		return main_usage("unknown command '%s'", argv[1]);

	argc--;
	argv++;
	r = command_parse(cmd, &argc, &argv);
	if (r)
		return r;
	if (!opt.bus)
		opt.bus = "system";
	env = g_getenv("GYMHUB_DB");
	c.db = opt.db ? opt.db : env && *env ? env : CTL_DEFAULT_DB;
	r = cmd->run(&c, cmd, argc, argv);

	g_clear_object(&c.hub);
	g_clear_object(&c.conn);
	return finish_output(r);
}
