/* SPDX-License-Identifier: MIT */
/*
 * test-daemon.c - gymhubd and gymhubctl together on a private D-Bus bus,
 * through the same D-Bus paths as on a Pi: a real dbus-daemon, the real
 * binaries, the simulated buzzer, a database in a temporary directory.
 *
 * Each test checks what a runner would notice: the cues of a workout in
 * order and recorded, pause/resume/stop from the CLI, an export that has
 * the session, a second daemon refused, SIGTERM and SIGKILL mid-session
 * losing nothing already recorded, and the bus policy refusing control
 * to a user outside group gymhub.
 *
 * Waits poll with generous deadlines: they bound a hang, they do not
 * measure speed.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "session-query.h"

#define WAIT_MS 30000

struct env {
	char *dir;
	char *bus_addr;
	GPid bus_pid;
	GPid daemon_pid;
	GDBusConnection *bus;
	char *db;
	char *conf;
};

static const char *build_dir(void)
{
	const char *b = g_getenv("GYMHUB_BUILD");

	return b ? b : "build";
}

static char *build_path(const char *name)
{
	return g_build_filename(build_dir(), name, NULL);
}

static void write_file(const char *path, const char *text)
{
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, text, -1, &error))
		fail_msg("writing %s: %s", path, error->message);
}

/*
 * The shipped policy, with group gymhub (absent here) played by group
 * nogroup, so the test can be both a member (user nobody) and an
 * outsider (user daemon).
 */
static char *policy_for_test(const char *dir)
{
	g_autofree char *text = NULL;
	g_autoptr(GString) s = NULL;
	char *path = g_build_filename(dir, "policy.conf", NULL);

	if (!g_file_get_contents("systemd/org.gymhub.Hub1.conf", &text, NULL,
				 NULL))
		fail_msg("cannot read systemd/org.gymhub.Hub1.conf");
	s = g_string_new(text);
	assert_true(g_string_replace(s, "group=\"gymhub\"", "group=\"nogroup\"",
				     0) == 1);
	write_file(path, s->str);
	return path;
}

/*
 * A bus config like the system bus's where the policy matters, else a
 * plain session-style bus that allows everything.
 */
static void start_bus(struct env *e, bool system_policy)
{
	g_autofree char *conf = g_build_filename(e->dir, "bus.conf", NULL);
	g_autofree char *policy = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = {"dbus-daemon", "--nofork", "--print-address=1",
			      NULL, NULL};
	g_autofree char *conf_arg = NULL;
	g_autofree char *cwd = g_get_current_dir();
	int out_fd;
	char buf[512];
	ssize_t n;

	if (system_policy)
		policy = policy_for_test(e->dir);
	if (system_policy)
		text = g_strdup_printf(
			"<busconfig><type>system</type>"
			"<listen>unix:path=%s/bus</listen>"
			"<auth>EXTERNAL</auth>"
			"<policy context=\"default\">"
			"<allow user=\"*\"/>"
			"<deny own=\"*\"/>"
			"<deny send_type=\"method_call\"/>"
			"<allow send_type=\"signal\"/>"
			"<allow send_requested_reply=\"true\" "
			"send_type=\"method_return\"/>"
			"<allow send_requested_reply=\"true\" "
			"send_type=\"error\"/>"
			"<allow receive_type=\"method_call\"/>"
			"<allow receive_type=\"method_return\"/>"
			"<allow receive_type=\"error\"/>"
			"<allow receive_type=\"signal\"/>"
			"<allow send_destination=\"org.freedesktop.DBus\" "
			"send_interface=\"org.freedesktop.DBus\"/>"
			"</policy>"
			/* the test daemon runs as root, not as user gymhub */
			"<policy user=\"root\">"
			"<allow own=\"org.gymhub.Hub1\"/></policy>"
			"<include>%s</include>"
			"</busconfig>",
			e->dir, policy);
	else
		text = g_strdup_printf(
			"<busconfig><type>session</type>"
			"<listen>unix:path=%s/bus</listen>"
			"<auth>EXTERNAL</auth>"
			"<policy context=\"default\">"
			"<allow send_destination=\"*\" eavesdrop=\"true\"/>"
			"<allow eavesdrop=\"true\"/><allow own=\"*\"/>"
			"</policy></busconfig>",
			e->dir);
	write_file(conf, text);
	conf_arg = g_strdup_printf("--config-file=%s", conf);
	argv[3] = conf_arg;
	if (!g_spawn_async_with_pipes(
		    NULL, (char **)argv, NULL,
		    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
		    &e->bus_pid, NULL, &out_fd, NULL, &error))
		fail_msg("dbus-daemon: %s", error->message);
	n = read(out_fd, buf, sizeof(buf) - 1);
	close(out_fd);
	assert_true(n > 0);
	buf[n] = '\0';
	g_strchomp(buf);
	e->bus_addr = g_strdup(buf);
	e->bus = g_dbus_connection_new_for_address_sync(
		e->bus_addr,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!e->bus)
		fail_msg("connect to test bus: %s", error->message);
}

static bool name_has_owner(struct env *e)
{
	g_autoptr(GVariant) r = NULL;
	gboolean has = FALSE;

	r = g_dbus_connection_call_sync(
		e->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "NameHasOwner",
		g_variant_new("(s)", "org.gymhub.Hub1"), G_VARIANT_TYPE("(b)"),
		G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	if (r)
		g_variant_get(r, "(b)", &has);
	return has;
}

static GPid spawn_daemon(struct env *e, int *ret_err_fd)
{
	g_autofree char *bin = build_path("gymhubd");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *vg = g_getenv("GYMHUB_VALGRIND");
	g_auto(GStrv) vg_argv = NULL;
	GPid pid;
	char **p;

	if (vg && *vg) {
		g_shell_parse_argv(vg, NULL, &vg_argv, NULL);
		for (p = vg_argv; p && *p; p++)
			g_ptr_array_add(argv, *p);
	}
	g_ptr_array_add(argv, bin);
	g_ptr_array_add(argv, "--config");
	g_ptr_array_add(argv, e->conf);
	g_ptr_array_add(argv, "--bus");
	g_ptr_array_add(argv, e->bus_addr);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_async_with_pipes(
		    NULL, (char **)argv->pdata, NULL,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
		    &pid, NULL, NULL, ret_err_fd, &error))
		fail_msg("spawn gymhubd: %s", error->message);
	return pid;
}

static int wait_exit(GPid pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void start_daemon(struct env *e)
{
	int i;

	e->daemon_pid = spawn_daemon(e, NULL);
	for (i = 0; i < WAIT_MS / 20 && !name_has_owner(e); i++)
		g_usleep(20000);
	assert_true(name_has_owner(e));
}

/* Child side of ctl_as(): become @data's uid (and its primary group). */
static void drop_to_user(gpointer data)
{
	struct passwd *pw = getpwuid(GPOINTER_TO_UINT(data));

	if (!pw || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		_exit(127);
}

/* Runs gymhubctl; returns its exit code, output in *ret_out. */
static int ctl_as(struct env *e, uid_t uid, char **ret_out, ...)
{
	g_autofree char *bin = build_path("gymhubctl");
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	const char *a;
	va_list ap;
	int status;

	g_ptr_array_add(argv, bin);
	g_ptr_array_add(argv, "--bus");
	g_ptr_array_add(argv, e->bus_addr);
	g_ptr_array_add(argv, "--db");
	g_ptr_array_add(argv, e->db);
	va_start(ap, ret_out);
	while ((a = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0,
			  uid ? drop_to_user : NULL, GUINT_TO_POINTER(uid),
			  &out, &err, &status, &error))
		fail_msg("spawn gymhubctl: %s", error->message);
	if (err && *err)
		fprintf(stderr, "  gymhubctl stderr: %s", err);
	if (ret_out)
		*ret_out = g_strconcat(out ? out : "", err ? err : "", NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define ctl(e, out, ...) ctl_as((e), 0, (out), __VA_ARGS__, NULL)

static GVariant *get_prop(struct env *e, const char *name)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	GVariant *v = NULL;

	r = g_dbus_connection_call_sync(
		e->bus, "org.gymhub.Hub1", "/org/gymhub/Hub1",
		"org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", "org.gymhub.Hub1", name),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
		&error);
	if (!r)
		fail_msg("Get %s: %s", name, error->message);
	g_variant_get(r, "(v)", &v);
	return v;
}

static char *get_str(struct env *e, const char *name)
{
	g_autoptr(GVariant) v = get_prop(e, name);

	return g_variant_dup_string(v, NULL);
}

/* Polls property @name until it equals @want; false on timeout. */
static bool wait_prop(struct env *e, const char *name, const char *want)
{
	int i;

	for (i = 0; i < WAIT_MS / 20; i++) {
		g_autofree char *v = get_str(e, name);

		if (strcmp(v, want) == 0)
			return true;
		g_usleep(20000);
	}
	return false;
}

/*
 * The newest session as stored. The hub goes idle a moment before the
 * writer thread commits the session's end, so wait for that commit.
 */
static struct sq_detail *last_session(struct env *e)
{
	struct sq_detail *d = NULL;
	int i;

	for (i = 0; i < WAIT_MS / 20; i++) {
		struct sq *q = NULL;
		int64_t id;

		assert_int_equal(sq_open(e->db, &q), 0);
		assert_int_equal(sq_last_id(q, &id), 0);
		assert_int_equal(sq_get(q, id, &d), 0);
		sq_close(q);
		if (strcmp(d->session.state, "running") != 0)
			break;
		sq_detail_free(d);
		d = NULL;
		g_usleep(20000);
	}
	assert_non_null(d);
	return d;
}

static int setup_env(void **state, bool system_policy)
{
	struct env *e = g_new0(struct env, 1);
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *text = NULL;

	e->dir = g_dir_make_tmp("gymhub-test-XXXXXX", NULL);
	assert_non_null(e->dir);
	/* The daemon may run as another user in the policy test. */
	chmod(e->dir, 0755);
	e->db = g_build_filename(e->dir, "gymhub.db", NULL);
	e->conf = g_build_filename(e->dir, "gymhub.conf", NULL);
	text = g_strdup_printf(
		"[hub]\ndatabase=%s\nworkouts=%s/tests/workouts\n"
		"[buzzer]\nbackend=sim\n"
		"[realtime]\nsched-fifo=false\nlock-memory=false\n",
		e->db, cwd);
	write_file(e->conf, text);
	start_bus(e, system_policy);
	*state = e;
	return 0;
}

static int setup_plain(void **state)
{
	return setup_env(state, false);
}

static int setup_policy(void **state)
{
	return setup_env(state, true);
}

static int teardown_env(void **state)
{
	struct env *e = *state;
	g_autofree char *cmd = NULL;

	if (e->daemon_pid > 0) {
		kill(e->daemon_pid, SIGTERM);
		wait_exit(e->daemon_pid);
	}
	g_clear_object(&e->bus);
	if (e->bus_pid > 0) {
		kill(e->bus_pid, SIGTERM);
		wait_exit(e->bus_pid);
	}
	cmd = g_strdup_printf("rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
	g_free(e->dir);
	g_free(e->bus_addr);
	g_free(e->db);
	g_free(e->conf);
	g_free(e);
	return 0;
}

/* A whole short interval workout: every cue, in order, recorded. */
static void test_workout_runs_to_completion(void **state)
{
	struct env *e = *state;
	g_autofree char *out = NULL;
	struct sq_detail *d;
	static const char *const want[] = {"countdown", "start", "end", "start",
					   "done"};
	size_t i;

	start_daemon(e);
	assert_int_equal(ctl(e, &out, "workouts"), 0);
	assert_non_null(strstr(out, "quick"));
	assert_non_null(strstr(out, "sides"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(ctl(e, &out, "start", "quick"), 0);
	assert_true(wait_prop(e, "State", "running"));
	assert_true(wait_prop(e, "State", "idle"));

	d = last_session(e);
	assert_string_equal(d->session.workout, "quick");
	assert_string_equal(d->session.state, "completed");
	/* prep, work, rest, work */
	assert_int_equal(d->n_segments, 4);
	assert_string_equal(d->segments[1].kind, "work");
	assert_string_equal(d->segments[1].exercise, "squat");
	assert_int_equal(d->n_sets, 2);
	assert_int_equal(d->n_cues, G_N_ELEMENTS(want));
	for (i = 0; i < G_N_ELEMENTS(want); i++)
		assert_string_equal(d->cues[i].kind, want[i]);
	/* The segments took their planned time (a late main loop would
	 * not shorten or stretch them: the engine starts each at the
	 * previous one's planned end). */
	for (i = 0; i < d->n_segments; i++)
		assert_int_equal(d->segments[i].end_ms -
					 d->segments[i].start_ms,
				 d->segments[i].planned_end_ms -
					 d->segments[i].planned_start_ms);
	sq_detail_free(d);
}

static void test_pause_resume_stop_export(void **state)
{
	struct env *e = *state;
	g_autofree char *out = NULL;
	g_autoptr(GVariant) rem1 = NULL, rem2 = NULL;
	struct sq_detail *d;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "long"), 0);
	assert_true(wait_prop(e, "Phase", "work"));
	assert_int_equal(ctl(e, NULL, "pause"), 0);
	assert_true(wait_prop(e, "State", "paused"));
	/* while paused: a clear "resume first", not "nothing running" */
	assert_int_equal(ctl(e, &out, "skip"), 1);
	assert_non_null(strstr(out, "paused"));
	g_clear_pointer(&out, g_free);
	rem1 = get_prop(e, "RemainingMs");
	g_usleep(1200000);
	rem2 = get_prop(e, "RemainingMs");
	/* the countdown stands still while paused */
	assert_int_equal(g_variant_get_uint32(rem1),
			 g_variant_get_uint32(rem2));
	assert_int_equal(ctl(e, NULL, "resume"), 0);
	assert_true(wait_prop(e, "State", "running"));
	assert_int_equal(ctl(e, &out, "status"), 0);
	assert_non_null(strstr(out, "lunge"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(ctl(e, NULL, "skip"), 0);
	assert_true(wait_prop(e, "Phase", "rest"));
	assert_int_equal(ctl(e, NULL, "stop"), 0);
	assert_true(wait_prop(e, "State", "idle"));
	/* Asking to resume with nothing running is an error, not a crash. */
	assert_int_not_equal(ctl(e, NULL, "resume"), 0);

	d = last_session(e);
	assert_string_equal(d->session.state, "stopped");
	assert_true(d->n_segments >= 3);
	assert_true(d->segments[1].skipped);
	sq_detail_free(d);

	assert_int_equal(ctl(e, &out, "export", "--format", "csv", "--table",
			     "segments", "last"),
			 0);
	assert_non_null(strstr(out, "lunge"));
	g_clear_pointer(&out, g_free);
	assert_int_equal(ctl(e, &out, "export", "--format", "json", "last"), 0);
	assert_non_null(strstr(out, "\"stopped\""));
	g_clear_pointer(&out, g_free);
	{
		g_autofree char *dir = g_build_filename(e->dir, "exp", NULL);
		g_autofree char *fit = NULL;
		GDir *dh;
		const char *name;
		int n = 0;

		assert_int_equal(ctl(e, &out, "export", "--format", "fit",
				     "--all", "--dir", dir),
				 0);
		dh = g_dir_open(dir, 0, NULL);
		assert_non_null(dh);
		while ((name = g_dir_read_name(dh))) {
			assert_true(g_str_has_suffix(name, "-1-long.fit"));
			n++;
		}
		g_dir_close(dh);
		assert_int_equal(n, 1);
	}
}

static void test_sides_and_reps(void **state)
{
	struct env *e = *state;
	struct sq_detail *d;
	static const char *const want[] = {"start", "switch", "start", "done"};
	size_t i;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "sides"), 0);
	assert_true(wait_prop(e, "Side", "left"));
	assert_true(wait_prop(e, "Side", "right"));
	assert_true(wait_prop(e, "State", "idle"));
	d = last_session(e);
	assert_int_equal(d->n_cues, G_N_ELEMENTS(want));
	for (i = 0; i < G_N_ELEMENTS(want); i++)
		assert_string_equal(d->cues[i].kind, want[i]);
	assert_int_equal(d->n_sets, 2);
	assert_string_equal(d->sets[0].side, "left");
	assert_string_equal(d->sets[1].side, "right");
	sq_detail_free(d);

	/* A rep step waits for "done", however long it takes. */
	assert_int_equal(ctl(e, NULL, "start", "reps"), 0);
	assert_true(wait_prop(e, "Phase", "reps"));
	assert_int_equal(ctl(e, NULL, "done"), 0);
	assert_true(wait_prop(e, "Phase", "rest"));
	assert_true(wait_prop(e, "Phase", "reps"));
	g_usleep(1500000);
	{
		g_autofree char *phase = get_str(e, "Phase");

		assert_string_equal(phase, "reps");
	}
	assert_int_equal(ctl(e, NULL, "done"), 0);
	assert_true(wait_prop(e, "State", "idle"));
	d = last_session(e);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_sets, 2);
	assert_int_equal(d->sets[1].target_reps, 5);
	sq_detail_free(d);
}

/* A paused hold stores what was held, not the time it stood paused. */
static void test_paused_hold_time(void **state)
{
	struct env *e = *state;
	struct sq_detail *d;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "sides"), 0);
	assert_true(wait_prop(e, "Side", "left"));
	assert_int_equal(ctl(e, NULL, "pause"), 0);
	g_usleep(1500000);
	assert_int_equal(ctl(e, NULL, "resume"), 0);
	assert_true(wait_prop(e, "State", "idle"));
	d = last_session(e);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_sets, 2);
	assert_int_equal(d->sets[0].hold_ms, 1000);
	assert_true(d->segments[1].end_ms - d->segments[1].start_ms >= 2500);
	assert_int_equal(d->sets[1].hold_ms, 1000);
	sq_detail_free(d);
}

static void test_cli_errors(void **state)
{
	struct env *e = *state;
	g_autofree char *out = NULL;

	start_daemon(e);
	assert_int_equal(ctl(e, &out, "start", "no-such-workout"), 4);
	assert_int_equal(ctl(e, NULL, "frobnicate"), 2);
	/* decode: a btmon paste, unquoted, and a truncated packet */
	g_clear_pointer(&out, g_free);
	assert_int_equal(ctl(e, &out, "decode", "hrs", "16", "4a", "12", "03"),
			 0);
	assert_non_null(strstr(out, "74 bpm, sensor contact detected"));
	g_clear_pointer(&out, g_free);
	assert_int_equal(ctl(e, NULL, "decode", "hrs", "0e3c"), 1);
	assert_int_equal(ctl(e, NULL, "show", "999"), 4);
	assert_int_equal(ctl(e, NULL, "pause"), 1);
	assert_int_equal(ctl(e, NULL, "start", "long"), 0);
	/* one workout at a time */
	assert_int_equal(ctl(e, NULL, "start", "quick"), 1);
	assert_int_equal(ctl(e, NULL, "done"), 1);
	assert_int_equal(ctl(e, NULL, "stop"), 0);
}

static void test_second_instance_refused(void **state)
{
	struct env *e = *state;
	g_autofree char *err = NULL;
	GPid pid;
	int fd, code;
	char buf[1024];
	ssize_t n;

	start_daemon(e);
	pid = spawn_daemon(e, &fd);
	code = wait_exit(pid);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	assert_int_equal(code, 1);
	assert_non_null(strstr(buf, "another gymhubd already runs"));
	/* and the first one is unharmed */
	assert_true(name_has_owner(e));
}

static void test_sigterm_ends_session(void **state)
{
	struct env *e = *state;
	struct sq_detail *d;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "long"), 0);
	assert_true(wait_prop(e, "Phase", "work"));
	kill(e->daemon_pid, SIGTERM);
	assert_int_equal(wait_exit(e->daemon_pid), 0);
	e->daemon_pid = 0;
	d = last_session(e);
	assert_string_equal(d->session.state, "stopped");
	assert_true(d->session.ended_ms > 0);
	assert_int_equal(d->n_segments, 2);
	sq_detail_free(d);
}

/*
 * The bus going away (dbus restarted) ends the session cleanly and exits
 * with a failure, so systemd's Restart=on-failure brings gymhubd back.
 */
static void test_bus_lost_exits_failure(void **state)
{
	struct env *e = *state;
	struct sq_detail *d;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "long"), 0);
	assert_true(wait_prop(e, "Phase", "work"));
	kill(e->bus_pid, SIGTERM);
	wait_exit(e->bus_pid);
	e->bus_pid = 0;
	assert_int_equal(wait_exit(e->daemon_pid), 1);
	e->daemon_pid = 0;
	d = last_session(e);
	assert_string_equal(d->session.state, "stopped");
	sq_detail_free(d);
}

/* Power cut: SIGKILL mid-session, then a restart closes it. */
static void test_sigkill_recovered(void **state)
{
	struct env *e = *state;
	struct sq_detail *d;

	start_daemon(e);
	assert_int_equal(ctl(e, NULL, "start", "long"), 0);
	assert_true(wait_prop(e, "Phase", "work"));
	/* the writer commits at least every STORE_BATCH_MS */
	g_usleep(1500000);
	kill(e->daemon_pid, SIGKILL);
	wait_exit(e->daemon_pid);
	start_daemon(e);
	d = last_session(e);
	assert_string_equal(d->session.state, "recovered");
	/* the prep segment, recorded before the kill, survived */
	assert_true(d->n_segments >= 1);
	assert_string_equal(d->segments[0].kind, "prep");
	sq_detail_free(d);
}

/* The shipped bus policy: anyone may look, only root/gymhub may steer. */
static void test_policy_refuses_outsiders(void **state)
{
	struct env *e = *state;
	/* getpwnam() returns static storage: keep the uids, not the structs */
	struct passwd *pw = getpwnam("nobody"); /* group nogroup */
	uid_t in = pw ? pw->pw_uid : 0;
	g_autofree char *out = NULL;
	uid_t out_uid;

	pw = getpwnam("daemon");
	out_uid = pw ? pw->pw_uid : 0;
	if (geteuid() != 0 || !in || !out_uid) {
		fprintf(stderr,
			"  skipped: needs root, users nobody, daemon\n");
		skip();
	}
	start_daemon(e);
	assert_int_equal(ctl_as(e, out_uid, &out, "start", "long", NULL), 5);
	assert_non_null(strstr(out, "permission denied"));
	g_clear_pointer(&out, g_free);
	/* looking is for everyone */
	assert_int_equal(ctl_as(e, out_uid, &out, "status", NULL), 0);
	assert_non_null(strstr(out, "idle"));
	assert_int_equal(ctl_as(e, out_uid, NULL, "workouts", NULL), 0);
	/* a member of the group steers */
	assert_int_equal(ctl_as(e, in, NULL, "start", "long", NULL), 0);
	assert_int_equal(ctl_as(e, out_uid, NULL, "stop", NULL), 5);
	assert_int_equal(ctl_as(e, in, NULL, "pause", NULL), 0);
	assert_int_equal(ctl_as(e, in, NULL, "stop", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_workout_runs_to_completion,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_pause_resume_stop_export,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_sides_and_reps,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_paused_hold_time,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_cli_errors, setup_plain,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_second_instance_refused,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_sigterm_ends_session,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_bus_lost_exits_failure,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_sigkill_recovered,
						setup_plain, teardown_env),
		cmocka_unit_test_setup_teardown(test_policy_refuses_outsiders,
						setup_policy, teardown_env),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
