/* SPDX-License-Identifier: MIT */
/*
 * main.c - gymhubd: reads the config, claims org.gymhub.Hub1 on the bus,
 * opens the database and the buzzer, starts the cue thread and runs the
 * GLib main loop until SIGTERM/SIGINT.
 *
 * Start-up order matters: a second instance finds the bus name taken and
 * stops with a clear message before it touches the buzzer line or the
 * database that the first one holds; the name itself is claimed last,
 * once the object is exported, so a client that sees it finds the hub.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "auto-export.h"
#include "buzzer.h"
#include "config.h"
#include "cue-thread.h"
#include "hub.h"
#include "motion-stage.h"
#include "sensors.h"
#include "store.h"
#include "workout-file.h"

#define GYMHUB_VERSION "0.1"

struct daemon {
	GMainLoop *loop;
	char status[200]; /* last STATUS= line, resent when recording fails */
	struct config *cfg;
	GPtrArray *workouts;
	struct store *store;
	struct buzzer *buzzer;
	struct cue_thread *cues;
	struct motion_stage *motion;
	struct hub *hub;
	struct sensors *sensors;
	struct buttons *buttons;
	struct auto_export *exports;
	GDBusConnection *bus;
	guint name_lost_sub;
	int exit_code;
	bool store_failing;
};

static char *opt_config;
static char *opt_db;
static char *opt_bus = "system";
static char *opt_buzzer;
static char **opt_workout_dirs;
static gboolean opt_check_config;
static gboolean opt_version;

static const GOptionEntry options[] = {
	{"config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	 "Read settings from FILE (default " CONFIG_DEFAULT_PATH ")", "FILE"},
	{"db", 'd', 0, G_OPTION_ARG_FILENAME, &opt_db,
	 "Store sessions in PATH instead of the configured database", "PATH"},
	{"bus", 'b', 0, G_OPTION_ARG_STRING, &opt_bus,
	 "system (default), session, or a D-Bus address", "BUS"},
	{"buzzer", 0, 0, G_OPTION_ARG_STRING, &opt_buzzer,
	 "Buzzer backend, overriding the config: gpio, pwm, sim or none",
	 "BACKEND"},
	{"workouts", 'w', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_workout_dirs,
	 "Also read workouts from DIR (repeatable; later wins)", "DIR"},
	{"check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
	 "Check the config and workout files, print a summary, exit", NULL},
	{"version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	 "Print the version and exit", NULL},
	{NULL},
};

static void notify_status(const char *status, void *user_data)
{
	struct daemon *d = user_data;

	if (status != d->status)
		g_strlcpy(d->status, status, sizeof(d->status));
	sd_notifyf(0, "STATUS=%s%s", d->status,
		   d->store_failing ? " (NOT RECORDING: see the log)" : "");
}

static void on_store_error(int err, const char *msg, void *user_data)
{
	struct daemon *d = user_data;

	d->store_failing = err < 0;
	/* systemctl status must say so now, not at the next phase */
	notify_status(d->status, d);
	if (err < 0)
		g_warning("Recording failed: %s. The workout goes on; writes "
			  "are kept in memory and retried.",
			  msg);
	else
		g_message("Recording works again: %s", msg);
}

static gboolean on_terminate(gpointer data)
{
	struct daemon *d = data;

	g_message("Terminating: ending any running session cleanly");
	sd_notify(0, "STOPPING=1");
	hub_stop_session(d->hub);
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static gboolean on_watchdog(gpointer data)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static void on_name_lost(GDBusConnection *c, const char *sender,
			 const char *path, const char *iface,
			 const char *signal, GVariant *params, gpointer data)
{
	struct daemon *d = data;
	const char *name;

	g_variant_get(params, "(&s)", &name);
	if (strcmp(name, HUB_BUS_NAME) != 0)
		return;
	g_warning("Lost the bus name %s; exiting", HUB_BUS_NAME);
	d->exit_code = EXIT_FAILURE;
	hub_stop_session(d->hub);
	g_main_loop_quit(d->loop);
}

/*
 * The bus went away (dbus restarted, the test bus ended): exit with a
 * failure so Restart=on-failure brings gymhubd back, rather than GDBus's
 * default of raising SIGTERM, which would look like a clean stop.
 */
static void on_bus_closed(GDBusConnection *c, gboolean remote_peer_vanished,
			  GError *error, gpointer data)
{
	struct daemon *d = data;

	g_warning("Lost the D-Bus connection%s%s; exiting", error ? ": " : "",
		  error ? error->message : "");
	d->exit_code = EXIT_FAILURE;
	hub_stop_session(d->hub);
	g_main_loop_quit(d->loop);
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

static void set_exists_error(GError **error)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		    "another gymhubd already runs (it owns %s on the %s bus); "
		    "stop it first (systemctl stop gymhubd)",
		    HUB_BUS_NAME, opt_bus);
}

/*
 * A cheap early look, so a second gymhubd says so before it touches the
 * buzzer line or the database the first one holds. claim_name() is what
 * settles a race between two starting at once.
 */
static bool name_is_free(struct daemon *d, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	gboolean has_owner = FALSE;

	reply = g_dbus_connection_call_sync(
		d->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "NameHasOwner",
		g_variant_new("(s)", HUB_BUS_NAME), G_VARIANT_TYPE("(b)"),
		G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	if (!reply)
		return false;
	g_variant_get(reply, "(b)", &has_owner);
	if (has_owner)
		set_exists_error(error);
	return !has_owner;
}

/*
 * Claims the name without queueing: a second gymhubd must stop, not wait
 * behind the first one. Called once the object is exported, so a client
 * that sees the name also finds the object.
 */
static bool claim_name(struct daemon *d, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	guint32 result;

	reply = g_dbus_connection_call_sync(
		d->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "RequestName",
		g_variant_new("(su)", HUB_BUS_NAME,
			      4 /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
		G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	if (!reply)
		return false;
	g_variant_get(reply, "(u)", &result);
	if (result == 1 /* PRIMARY_OWNER */ || result == 4 /* ALREADY */)
		return true;
	set_exists_error(error);
	return false;
}

static enum config_buzzer parse_buzzer_opt(const char *s, GError **error)
{
	static const char *const names[] = {
		[CONFIG_BUZZER_NONE] = "none",
		[CONFIG_BUZZER_GPIO] = "gpio",
		[CONFIG_BUZZER_PWM] = "pwm",
		[CONFIG_BUZZER_SIM] = "sim",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum config_buzzer)i;
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "--buzzer: unknown backend '%s' (gpio, pwm, sim or none)",
		    s);
	return (enum config_buzzer) - 1;
}

/* Edges the simulated buzzer keeps: ~20 minutes of cues. */
#define SIM_BUZZER_EDGES 65536

static int open_buzzer(struct daemon *d)
{
	const struct config *c = d->cfg;
	int r = 0;

	switch (c->buzzer) {
	case CONFIG_BUZZER_GPIO:
		r = buzzer_new_gpiod(c->gpio_chip, c->gpio_line, c->active_low,
				     &d->buzzer);
		if (r < 0)
			g_warning("Buzzer on %s line %u: %s. Cues will be "
				  "silent; check [buzzer] in the config and "
				  "that gymhubd may use the GPIO chip.",
				  c->gpio_chip, c->gpio_line, g_strerror(-r));
		break;
	case CONFIG_BUZZER_PWM:
		r = buzzer_new_pwm(c->pwm_sysfs, c->pwm_chip, c->pwm_channel,
				   &d->buzzer);
		if (r < 0)
			g_warning("Buzzer on PWM chip %u channel %u: %s. Cues "
				  "will be silent.",
				  c->pwm_chip, c->pwm_channel, g_strerror(-r));
		break;
	case CONFIG_BUZZER_SIM:
	case CONFIG_BUZZER_NONE:
		break;
	}
	/*
	 * Without a working buzzer the hub still times and records the
	 * workout (and the display still counts down), so it runs on the
	 * simulated backend rather than refusing to start.
	 */
	if (!d->buzzer)
		r = buzzer_new_sim(SIM_BUZZER_EDGES, &d->buzzer);
	return r < 0 && !d->buzzer ? r : 0;
}

static const char *buzzer_label(struct daemon *d)
{
	if (d->cfg->buzzer == CONFIG_BUZZER_NONE)
		return "none";
	return buzzer_backend(d->buzzer);
}

static bool load_workouts(struct daemon *d, GError **error)
{
	struct workout_defaults def = {
		.countdown_s = d->cfg->countdown_s,
		.halfway = d->cfg->halfway,
		.last10 = d->cfg->last10,
		.hold_start_still = d->cfg->hold_start_still,
	};
	g_autoptr(GPtrArray) dirs = g_ptr_array_new();
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	char **p;
	guint i;

	for (p = d->cfg->workout_dirs; p && *p; p++)
		g_ptr_array_add(dirs, *p);
	for (p = opt_workout_dirs; p && *p; p++)
		g_ptr_array_add(dirs, *p);
	g_ptr_array_add(dirs, NULL);
	d->workouts = workout_file_load_dirs((const char *const *)dirs->pdata,
					     &def, errors);
	for (i = 0; i < errors->len; i++)
		g_warning("Workout left out: %s",
			  (char *)g_ptr_array_index(errors, i));
	if (d->workouts->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "no workouts found in any workout directory");
		return false;
	}
	return opt_check_config ? errors->len == 0 : true;
}

static int check_config(struct daemon *d)
{
	guint i;

	printf("config: %s\ndatabase: %s\nworkouts:\n",
	       opt_config ? opt_config : CONFIG_DEFAULT_PATH, d->cfg->database);
	for (i = 0; i < d->workouts->len; i++) {
		const struct workout *w = g_ptr_array_index(d->workouts, i);

		printf("  %-16s %s\n", w->name, w->title);
	}
	return EXIT_SUCCESS;
}

static void motion_changed(bool present, void *data)
{
	struct daemon *d = data;

	hub_motion_sensor(d->hub, present);
}

static const char *motion_sensor(void *data)
{
	struct daemon *d = data;

	return sensors_motion_address(d->sensors);
}

static void on_session(int64_t session, bool running, void *data)
{
	struct daemon *d = data;

	if (d->sensors)
		sensors_set_session(d->sensors, running ? session : -1);
	if (!running)
		auto_export_session(d->exports, session);
}

static void on_button(enum button_action a, void *data)
{
	struct daemon *d = data;

	hub_button(d->hub, a, d->cfg->button_workout);
}

/* Buttons are a convenience: without them, gymhubctl still steers. */
static void open_buttons(struct daemon *d)
{
	g_autoptr(GError) error = NULL;
	struct buttons_setup bs = {
		.chip = d->cfg->button_chip,
		.start = d->cfg->button_start,
		.next = d->cfg->button_next,
		.stop = d->cfg->button_stop,
		.active_low = d->cfg->button_active_low,
		.pull_up = d->cfg->button_pull_up,
		.debounce_ms = d->cfg->button_debounce_ms,
		.long_press_ms = d->cfg->button_long_ms,
		.pressed = on_button,
		.user_data = d,
	};

	d->buttons = buttons_new(&bs, &error);
	if (error)
		g_warning("Buttons off: %s. Check [buttons] in the config "
			  "and that gymhubd may use the GPIO chip.",
			  error->message);
}

static int setup(struct daemon *d, GError **error)
{
	struct cue_thread_opts ct_opts;
	struct sensors_setup ss;
	struct hub_setup hs;
	unsigned int recovered = 0;
	int r;

	d->bus = connect_bus(opt_bus, error);
	if (!d->bus || !name_is_free(d, error))
		return -1;
	g_dbus_connection_set_exit_on_close(d->bus, FALSE);
	g_signal_connect(d->bus, "closed", G_CALLBACK(on_bus_closed), d);
	d->name_lost_sub = g_dbus_connection_signal_subscribe(
		d->bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
		"NameLost", "/org/freedesktop/DBus", NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_name_lost, d, NULL);

	r = store_open(d->cfg->database, on_store_error, d, &recovered,
		       &d->store);
	if (r == -EBUSY) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_BUSY,
			    "the database %s is in use by another gymhubd (it "
			    "holds %s.lock); stop it, or give this one its own "
			    "database with --db",
			    d->cfg->database, d->cfg->database);
		return -1;
	}
	if (r < 0) {
		g_warning("Cannot open the database %s: %s. Workouts will run "
			  "but NOT be recorded; fix or move the file and "
			  "restart gymhubd.",
			  d->cfg->database, g_strerror(-r));
		d->store = NULL;
		d->store_failing = true;
	} else if (recovered) {
		g_message(
			"Closed %u session(s) interrupted by a crash or power "
			"cut as 'recovered'; what was recorded is kept",
			recovered);
	}

	r = open_buzzer(d);
	if (r < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
			    "cannot set up any buzzer: %s", g_strerror(-r));
		return -1;
	}
	/* 50 Hz: what the motion sensors are asked for (sensors.c) */
	r = motion_stage_new(50, &d->motion);
	if (r < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
			    "cannot set up rep counting: %s", g_strerror(-r));
		return -1;
	}
	ct_opts = (struct cue_thread_opts){
		.realtime = d->cfg->sched_fifo,
		.priority = d->cfg->rt_priority,
		.lock_memory = d->cfg->lock_memory,
		.motion = d->motion,
		.rep_tick = d->cfg->rep_tick,
	};
	r = cue_thread_new(d->buzzer, &ct_opts, &d->cues);
	if (r < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
			    "cannot start the cue thread: %s", g_strerror(-r));
		return -1;
	}
	r = cue_thread_rt_error(d->cues);
	if (r < 0)
		g_message("Cue thread runs without real-time scheduling or "
			  "locked memory (%s); cues may jitter more under "
			  "load. See [realtime] in the config.",
			  g_strerror(-r));

	hs = (struct hub_setup){
		.workouts = d->workouts,
		.store = d->store,
		.cues = d->cues,
		.motion = d->motion,
		.buzzer_name = buzzer_label(d),
		.on_status = notify_status,
		.on_session = on_session,
		.motion_sensor = motion_sensor,
		.user_data = d,
	};
	d->hub = hub_new(d->bus, &hs, error);
	if (!d->hub)
		return -1;
	ss = (struct sensors_setup){
		.bus = d->bus,
		.skel = hub_skeleton(d->hub),
		.store = d->store,
		.motion = d->motion,
		.database = d->store ? d->cfg->database : NULL,
		.adapter = d->cfg->adapter,
		.primary = d->cfg->primary,
		.max_hr = d->cfg->max_hr,
		.rest_hr = d->cfg->rest_hr,
		.low_battery = d->cfg->low_battery,
		.motion_changed = motion_changed,
		.user_data = d,
	};
	d->sensors = sensors_new(&ss);
	open_buttons(d);
	d->exports =
		auto_export_new(d->store, d->cfg->database, d->cfg->export_dir,
				(const char *const *)d->cfg->export_formats);
	if (!claim_name(d, error))
		return -1;
	g_message("gymhubd %s ready: %u workouts, database %s, buzzer %s, "
		  "bus %s",
		  GYMHUB_VERSION, d->workouts->len,
		  d->store ? d->cfg->database : "(none)", buzzer_label(d),
		  opt_bus);
	return 0;
}

static void teardown(struct daemon *d)
{
	/* first: a session ended by hub_free() needs no sensors */
	buttons_free(d->buttons);
	d->buttons = NULL;
	sensors_free(d->sensors);
	d->sensors = NULL;
	hub_free(d->hub);
	/* after hub_free() (it may end a session), before the store */
	auto_export_free(d->exports);
	d->exports = NULL;
	cue_thread_free(d->cues);
	motion_stage_free(d->motion);
	buzzer_free(d->buzzer);
	/* store_close() commits what the last session queued. */
	store_close(d->store);
	if (d->name_lost_sub)
		g_dbus_connection_signal_unsubscribe(d->bus, d->name_lost_sub);
	if (d->bus) {
		g_signal_handlers_disconnect_by_data(d->bus, d);
		g_dbus_connection_flush_sync(d->bus, NULL, NULL);
	}
	g_clear_object(&d->bus);
	g_clear_pointer(&d->workouts, g_ptr_array_unref);
	config_free(d->cfg);
	if (d->loop)
		g_main_loop_unref(d->loop);
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	struct daemon d = {.exit_code = EXIT_SUCCESS};
	uint64_t wd_usec = 0;
	int r;

	setlocale(LC_ALL, "");
	ctx = g_option_context_new("- gymhub hub daemon");
	g_option_context_set_summary(
		ctx,
		"Runs interval and hold workouts with buzzer cues, records "
		"them in SQLite\nand serves org.gymhub.Hub1 on D-Bus "
		"(control it with gymhubctl).");
	g_option_context_add_main_entries(ctx, options, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "gymhubd: %s\nTry 'gymhubd --help'.\n",
			error->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr,
			"gymhubd: unexpected argument '%s'\n"
			"Try 'gymhubd --help'.\n",
			argv[1]);
		return 2;
	}
	if (opt_version) {
		printf("gymhubd %s\n", GYMHUB_VERSION);
		return 0;
	}

	d.cfg = config_load(opt_config ? opt_config : CONFIG_DEFAULT_PATH,
			    opt_config != NULL, &error);
	if (!d.cfg) {
		fprintf(stderr, "gymhubd: %s\n", error->message);
		return 1;
	}
	if (opt_db) {
		g_free(d.cfg->database);
		d.cfg->database = g_strdup(opt_db);
	}
	if (opt_buzzer) {
		d.cfg->buzzer = parse_buzzer_opt(opt_buzzer, &error);
		if (error) {
			fprintf(stderr, "gymhubd: %s\n", error->message);
			config_free(d.cfg);
			return 2;
		}
	}
	if (!load_workouts(&d, &error)) {
		fprintf(stderr, "gymhubd: %s\n",
			error ? error->message : "workout files have errors");
		teardown(&d);
		return 1;
	}
	if (opt_check_config) {
		r = check_config(&d);
		teardown(&d);
		return r;
	}

	d.loop = g_main_loop_new(NULL, FALSE);
	if (setup(&d, &error) < 0) {
		fprintf(stderr, "gymhubd: %s\n", error->message);
		sd_notifyf(0, "STATUS=Failed to start: %s", error->message);
		teardown(&d);
		return 1;
	}
	g_unix_signal_add(SIGTERM, on_terminate, &d);
	g_unix_signal_add(SIGINT, on_terminate, &d);
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
		g_timeout_add((guint)(wd_usec / 2000), on_watchdog, &d);
	sd_notify(0, "READY=1");

	g_main_loop_run(d.loop);

	r = d.exit_code;
	teardown(&d);
	return r;
}
