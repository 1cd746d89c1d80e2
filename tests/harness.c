/* SPDX-License-Identifier: MIT */
/*
 * harness.c - see harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static const char *build_dir(void)
{
	const char *b = g_getenv("GYMHUB_BUILD");

	return b && *b ? b : "build";
}

static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void dump_logs(struct harness *h)
{
	fprintf(stderr, "---- fake-bluez output ----\n%s\n", h->fake_log->str);
	fprintf(stderr, "---- gymhubd log ----\n%s\n---- end ----\n",
		h->daemon_log->str);
}

#define harness_fail(h, ...)           \
	do {                           \
		dump_logs(h);          \
		fail_msg(__VA_ARGS__); \
	} while (0)

static void read_into(int fd, GString *s)
{
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
}

/* Reads what arrives within @ms; returns at the first output. */
static void pump_once(struct harness *h, int ms)
{
	struct pollfd p[3] = {{.fd = h->fake_out, .events = POLLIN},
			      {.fd = h->daemon_err, .events = POLLIN},
			      {.fd = h->daemon_out, .events = POLLIN}};

	if (poll(p, 3, ms) > 0) {
		read_into(h->fake_out, h->fake_log);
		read_into(h->daemon_err, h->daemon_log);
		read_into(h->daemon_out, h->daemon_log);
	}
}

void harness_pump(struct harness *h, int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	int left = ms;

	do {
		pump_once(h, left);
		left = (int)((end - g_get_monotonic_time()) / 1000);
	} while (left > 0);
}

struct harness *harness_new(void)
{
	struct harness *h = g_new0(struct harness, 1);
	g_autofree char *conf = NULL, *conf_arg = NULL, *text = NULL;
	g_autofree char *cwd = g_get_current_dir();
	g_autoptr(GError) error = NULL;
	const char *argv[] = {"dbus-daemon", "--nofork", "--print-address=1",
			      NULL, NULL};
	char buf[512];
	ssize_t n;
	int out_fd;

	h->fake_out = h->daemon_err = h->daemon_out = h->fake_in = -1;
	h->fake_log = g_string_new(NULL);
	h->daemon_log = g_string_new(NULL);
	h->dir = g_dir_make_tmp("gymhub-test-XXXXXX", NULL);
	assert_non_null(h->dir);
	conf = g_build_filename(h->dir, "bus.conf", NULL);
	text = g_strdup_printf("<busconfig><type>session</type>"
			       "<listen>unix:path=%s/bus</listen>"
			       "<auth>EXTERNAL</auth>"
			       "<policy context=\"default\">"
			       "<allow send_destination=\"*\" "
			       "eavesdrop=\"true\"/>"
			       "<allow eavesdrop=\"true\"/>"
			       "<allow own=\"*\"/>"
			       "</policy></busconfig>",
			       h->dir);
	assert_true(g_file_set_contents(conf, text, -1, NULL));
	conf_arg = g_strdup_printf("--config-file=%s", conf);
	argv[3] = conf_arg;
	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_SEARCH_PATH |
					      G_SPAWN_DO_NOT_REAP_CHILD,
				      die_with_parent, NULL, &h->bus_pid, NULL,
				      &out_fd, NULL, &error))
		fail_msg("dbus-daemon: %s", error->message);
	n = read(out_fd, buf, sizeof(buf) - 1);
	close(out_fd);
	assert_true(n > 0);
	buf[n] = '\0';
	h->bus_addr = g_strdup(g_strchomp(buf));
	h->bus = g_dbus_connection_new_for_address_sync(
		h->bus_addr,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!h->bus)
		fail_msg("connect to test bus: %s", error->message);

	h->db = g_build_filename(h->dir, "gymhub.db", NULL);
	h->conf = g_build_filename(h->dir, "gymhub.conf", NULL);
	g_free(text);
	text = g_strdup_printf("[hub]\ndatabase=%s\n"
			       "workouts=%s/tests/workouts\n"
			       "[buzzer]\nbackend=sim\n"
			       "[realtime]\nsched-fifo=false\n"
			       "lock-memory=false\n"
			       "[sensors]\nmax-hr=190\nresting-hr=50\n"
			       "low-battery=20\n",
			       h->db, cwd);
	assert_true(g_file_set_contents(h->conf, text, -1, NULL));
	return h;
}

static int reap(GPid pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void harness_free(struct harness *h)
{
	g_autofree char *rm = NULL;

	if (!h)
		return;
	if (h->daemon_pid > 0)
		harness_stop_daemon(h);
	if (h->fake_pid > 0) {
		close(h->fake_in); /* end of stdin ends it */
		reap(h->fake_pid);
		close(h->fake_out);
	}
	g_clear_object(&h->bus);
	kill(h->bus_pid, SIGTERM);
	reap(h->bus_pid);
	rm = g_strdup_printf("rm -rf '%s'", h->dir);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", h->dir);
	g_string_free(h->fake_log, TRUE);
	g_string_free(h->daemon_log, TRUE);
	g_free(h->bus_addr);
	g_free(h->db);
	g_free(h->conf);
	g_free(h->dir);
	g_free(h);
}

/* --- the fake */

/* The offset just after the first line at or after @from that starts
 * with @line, or 0. */
static size_t find_line(GString *log, size_t from, const char *line)
{
	size_t len = strlen(line);
	const char *p = log->str + from;

	while (*p) {
		const char *nl = strchr(p, '\n');

		if (!nl)
			return 0; /* a line still being written */
		if ((size_t)(nl - p) >= len && strncmp(p, line, len) == 0)
			return (size_t)(nl + 1 - log->str);
		p = nl + 1;
	}
	return 0;
}

void harness_fake_wait(struct harness *h, const char *line)
{
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	size_t at;

	while (!(at = find_line(h->fake_log, h->fake_pos, line))) {
		if (g_get_monotonic_time() > end)
			harness_fail(h, "fake-bluez never said '%s'", line);
		pump_once(h, 50);
	}
	h->fake_pos = at;
}

bool harness_fake_saw(struct harness *h, const char *line)
{
	harness_pump(h, 0);
	return find_line(h->fake_log, 0, line) != 0;
}

void harness_fake(struct harness *h, const char *fmt, ...)
{
	g_autofree char *cmd = NULL, *ok = NULL;
	size_t at, pos;
	va_list ap;
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	char *verb;

	va_start(ap, fmt);
	cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	verb = g_strndup(cmd, strcspn(cmd, " "));
	ok = g_strdup_printf("ok %s", verb);
	g_free(verb);
	pos = h->fake_log->len;
	if (write(h->fake_in, cmd, strlen(cmd)) < 0 ||
	    write(h->fake_in, "\n", 1) < 0)
		harness_fail(h, "writing to fake-bluez: %s", g_strerror(errno));
	while (!(at = find_line(h->fake_log, pos, ok))) {
		if (find_line(h->fake_log, pos, "error "))
			harness_fail(h, "fake-bluez refused '%s'", cmd);
		if (g_get_monotonic_time() > end)
			harness_fail(h, "fake-bluez did not answer '%s'", cmd);
		pump_once(h, 50);
	}
}

void harness_start_fake(struct harness *h)
{
	g_autofree char *bin =
		g_build_filename(build_dir(), "tests", "fake-bluez", NULL);
	g_autoptr(GError) error = NULL;
	/* short delays and TemporaryTimeout keep the tests quick */
	const char *argv[] = {bin,	    "--bus", h->bus_addr,
			      "--delay-ms", "20",    "--temporary-timeout",
			      "2",	    NULL};

	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_DO_NOT_REAP_CHILD,
				      die_with_parent, NULL, &h->fake_pid,
				      &h->fake_in, &h->fake_out, NULL, &error))
		fail_msg("spawn %s: %s", bin, error->message);
	fcntl(h->fake_out, F_SETFL, O_NONBLOCK);
	harness_fake_wait(h, "ready");
}

/* --- gymhubd */

static bool hub_owned(struct harness *h)
{
	g_autoptr(GVariant) r = NULL;
	gboolean has = FALSE;

	r = g_dbus_connection_call_sync(
		h->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "NameHasOwner",
		g_variant_new("(s)", "org.gymhub.Hub1"), G_VARIANT_TYPE("(b)"),
		G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	if (r)
		g_variant_get(r, "(b)", &has);
	return has;
}

void harness_config_append(struct harness *h, const char *text)
{
	g_autofree char *old = NULL, *all = NULL;

	assert_true(g_file_get_contents(h->conf, &old, NULL, NULL));
	all = g_strconcat(old, text, NULL);
	assert_true(g_file_set_contents(h->conf, all, -1, NULL));
}

void harness_start_daemon(struct harness *h)
{
	g_autofree char *bin = g_build_filename(build_dir(), "gymhubd", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	const char *vg = g_getenv("GYMHUB_VALGRIND");
	g_auto(GStrv) vg_argv = NULL;
	gint64 end;
	char **p;

	if (vg && *vg) {
		g_shell_parse_argv(vg, NULL, &vg_argv, NULL);
		for (p = vg_argv; p && *p; p++)
			g_ptr_array_add(argv, *p);
	}
	g_ptr_array_add(argv, bin);
	g_ptr_array_add(argv, "--config");
	g_ptr_array_add(argv, h->conf);
	g_ptr_array_add(argv, "--bus");
	g_ptr_array_add(argv, h->bus_addr);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_async_with_pipes(
		    NULL, (char **)argv->pdata, NULL,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
		    die_with_parent, NULL, &h->daemon_pid, NULL, &h->daemon_out,
		    &h->daemon_err, &error))
		fail_msg("spawn gymhubd: %s", error->message);
	/* GLib logs messages to stdout, warnings to stderr: one log */
	fcntl(h->daemon_out, F_SETFL, O_NONBLOCK);
	fcntl(h->daemon_err, F_SETFL, O_NONBLOCK);
	end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	while (!hub_owned(h)) {
		if (g_get_monotonic_time() > end)
			harness_fail(h, "gymhubd did not start");
		pump_once(h, 20);
	}
}

void harness_kill_daemon(struct harness *h)
{
	kill(h->daemon_pid, SIGKILL);
	reap(h->daemon_pid);
	h->daemon_pid = 0;
	read_into(h->daemon_err, h->daemon_log);
	read_into(h->daemon_out, h->daemon_log);
	close(h->daemon_err);
	close(h->daemon_out);
	h->daemon_err = h->daemon_out = -1;
}

int harness_stop_daemon(struct harness *h)
{
	int r;

	kill(h->daemon_pid, SIGTERM);
	r = reap(h->daemon_pid);
	h->daemon_pid = 0;
	read_into(h->daemon_err, h->daemon_log);
	read_into(h->daemon_out, h->daemon_log);
	close(h->daemon_err);
	close(h->daemon_out);
	h->daemon_err = h->daemon_out = -1;
	return r;
}

void harness_daemon_wait(struct harness *h, const char *text)
{
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	const char *at;

	while (!(at = strstr(h->daemon_log->str + h->daemon_pos, text))) {
		if (g_get_monotonic_time() > end)
			harness_fail(h, "gymhubd never logged '%s'", text);
		pump_once(h, 50);
	}
	h->daemon_pos = (size_t)(at - h->daemon_log->str) + strlen(text);
}

/* --- gymhubctl and Hub1 */

int harness_ctl(struct harness *h, char **ret_out, ...)
{
	g_autofree char *bin = g_build_filename(build_dir(), "gymhubctl", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	const char *a;
	va_list ap;
	int status;

	g_ptr_array_add(argv, bin);
	g_ptr_array_add(argv, "--bus");
	g_ptr_array_add(argv, h->bus_addr);
	g_ptr_array_add(argv, "--db");
	g_ptr_array_add(argv, h->db);
	va_start(ap, ret_out);
	while ((a = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	/* gymhubd's log keeps flowing while gymhubctl runs */
	harness_pump(h, 0);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &out,
			  &err, &status, &error))
		fail_msg("spawn gymhubctl: %s", error->message);
	harness_pump(h, 0);
	if (ret_out)
		*ret_out = g_strconcat(out ? out : "", err ? err : "", NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

GVariant *harness_call(struct harness *h, const char *method, GVariant *args,
		       GError **error)
{
	return g_dbus_connection_call_sync(
		h->bus, "org.gymhub.Hub1", "/org/gymhub/Hub1",
		"org.gymhub.Hub1", method, args, NULL, G_DBUS_CALL_FLAGS_NONE,
		HARNESS_WAIT_MS, NULL, error);
}

GVariant *harness_prop(struct harness *h, const char *name)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	GVariant *v = NULL;

	r = g_dbus_connection_call_sync(
		h->bus, "org.gymhub.Hub1", "/org/gymhub/Hub1",
		"org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", "org.gymhub.Hub1", name),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
		&error);
	if (!r)
		harness_fail(h, "Get %s: %s", name, error->message);
	g_variant_get(r, "(v)", &v);
	return v;
}

void harness_wait_prop_u(struct harness *h, const char *name, uint32_t want)
{
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	uint32_t got;

	for (;;) {
		g_autoptr(GVariant) v = harness_prop(h, name);

		got = g_variant_get_uint32(v);
		if (got == want)
			return;
		if (g_get_monotonic_time() > end)
			harness_fail(h, "%s stayed %u, expected %u", name, got,
				     want);
		pump_once(h, 20);
	}
}

void harness_wait_prop_b(struct harness *h, const char *name, bool want)
{
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;

	for (;;) {
		g_autoptr(GVariant) v = harness_prop(h, name);

		if (!g_variant_get_boolean(v) == !want)
			return;
		if (g_get_monotonic_time() > end)
			harness_fail(h, "%s stayed %s", name,
				     want ? "false" : "true");
		pump_once(h, 20);
	}
}

void harness_wait_prop_s(struct harness *h, const char *name, const char *want)
{
	gint64 end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;

	for (;;) {
		g_autoptr(GVariant) v = harness_prop(h, name);

		if (!strcmp(g_variant_get_string(v, NULL), want))
			return;
		if (g_get_monotonic_time() > end)
			harness_fail(h, "%s stayed '%s', expected '%s'", name,
				     g_variant_get_string(v, NULL), want);
		pump_once(h, 20);
	}
}
