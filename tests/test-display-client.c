/* SPDX-License-Identifier: MIT */
/*
 * test-display-client.c - gymhub-display as a D-Bus client: a private
 * dbus-daemon, the fake Hub1 of tests/fake-hub.c steered line by line, and
 * gymhub-display with its text backend (one line per screen change) or
 * its PNG output. It must follow the properties and signals, draw nothing
 * while nothing changes, and outlive gymhubd leaving and coming back.
 *
 * Waits have generous deadlines: they bound a hang, they measure nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo.h>
#include <cmocka.h>
#include <gio/gio.h>

#define WAIT_MS 30000

struct proc {
	const char *what;
	GPid pid;
	int in, out;
	GString *buf;
	size_t pos; /* where the next wait looks */
};

struct env {
	char *dir, *bus_addr;
	GPid bus_pid;
	struct proc hub, display;
};

static const char *build_dir(void)
{
	const char *b = g_getenv("GYMHUB_BUILD");

	return b && *b ? b : "build";
}

static void spawn(struct proc *p, const char *what, char **argv)
{
	g_autoptr(GError) error = NULL;

	p->what = what;
	p->buf = g_string_new(NULL);
	p->pos = 0;
	if (!g_spawn_async_with_pipes(
		    NULL, argv, NULL,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
		    &p->pid, &p->in, &p->out, NULL, &error))
		fail_msg("spawn %s: %s", what, error->message);
	fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK);
}

/* Reads what @p printed for up to @ms; false once it has exited. */
static bool pump(struct proc *p, int ms)
{
	GPollFD pfd = {.fd = p->out, .events = G_IO_IN | G_IO_HUP};
	char buf[4096];
	ssize_t n;

	if (g_poll(&pfd, 1, ms) <= 0)
		return true;
	while ((n = read(p->out, buf, sizeof(buf))) > 0)
		g_string_append_len(p->buf, buf, n);
	return n != 0;
}

/* Waits for a line containing all of the strings after @p (up to a
 * NULL; "^..." must start the line), after the last line waited for;
 * returns that line. */
static char *wait_line(struct proc *p, ...)
{
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000;
	bool alive = true;

	for (;;) {
		char *nl;

		while ((nl = strchr(p->buf->str + p->pos, '\n'))) {
			char *line = g_strndup(p->buf->str + p->pos,
					       nl - (p->buf->str + p->pos));
			bool all = true;
			const char *w;
			va_list ap;

			p->pos = nl + 1 - p->buf->str;
			va_start(ap, p);
			while ((w = va_arg(ap, const char *)))
				all = all &&
				      (*w == '^' ? g_str_has_prefix(line, w + 1)
						 : strstr(line, w) != NULL);
			va_end(ap);
			if (all)
				return line;
			g_free(line);
		}
		if (!alive || g_get_monotonic_time() > end)
			fail_msg("%s: no such line; it printed:\n%s", p->what,
				 p->buf->str);
		alive = pump(p, 100);
	}
}

static void send_line(struct proc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void send_line(struct proc *p, const char *fmt, ...)
{
	g_autofree char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (write(p->in, line, strlen(line)) != (ssize_t)strlen(line) ||
	    write(p->in, "\n", 1) != 1)
		fail_msg("%s: cannot write to it", p->what);
}

/* A fake-hub command and its "ok". */
static void hub(struct env *e, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void hub(struct env *e, const char *fmt, ...)
{
	g_autofree char *line = NULL;
	g_autofree char *got = NULL;
	va_list ap;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	send_line(&e->hub, "%s", line);
	got = wait_line(&e->hub, "ok", NULL);
}

static int stop(struct proc *p)
{
	int status = 0;

	if (!p->pid)
		return 0;
	kill(p->pid, SIGTERM);
	waitpid(p->pid, &status, 0);
	g_spawn_close_pid(p->pid);
	close(p->in);
	close(p->out);
	g_string_free(p->buf, TRUE);
	p->pid = 0;
	return status;
}

static void start_hub(struct env *e)
{
	g_autofree char *fake =
		g_build_filename(build_dir(), "tests", "fake-hub", NULL);
	char *argv[] = {fake, "--bus", e->bus_addr, NULL};
	g_autofree char *ready = NULL;

	spawn(&e->hub, "fake-hub", argv);
	ready = wait_line(&e->hub, "ready", NULL);
}

static void start_display(struct env *e, const char *const *extra)
{
	g_autofree char *bin =
		g_build_filename(build_dir(), "gymhub-display", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *vg = g_getenv("GYMHUB_VALGRIND");
	g_auto(GStrv) vgv = vg && *vg ? g_strsplit(vg, " ", -1) : NULL;
	size_t i;

	for (i = 0; vgv && vgv[i]; i++)
		g_ptr_array_add(argv, vgv[i]);
	g_autofree char *conf = g_build_filename(e->dir, "gymhub.conf", NULL);

	/* not the machine's /etc/gymhub/gymhub.conf: defaults only */
	g_assert_true(g_file_set_contents(conf, "", 0, NULL));
	g_ptr_array_add(argv, bin);
	g_ptr_array_add(argv, "--bus");
	g_ptr_array_add(argv, e->bus_addr);
	g_ptr_array_add(argv, "--config");
	g_ptr_array_add(argv, conf);
	for (i = 0; extra[i]; i++)
		g_ptr_array_add(argv, (char *)extra[i]);
	g_ptr_array_add(argv, NULL);
	spawn(&e->display, "gymhub-display", (char **)argv->pdata);
}

static int setup(void **state)
{
	struct env *e = g_new0(struct env, 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *text = NULL;
	g_autofree char *conf_arg = NULL;
	const char *argv[] = {"dbus-daemon", "--nofork", "--print-address=1",
			      NULL, NULL};
	char buf[512];
	int out;
	ssize_t n;

	e->dir = g_dir_make_tmp("gymhub-display-XXXXXX", &error);
	assert_non_null(e->dir);
	conf = g_build_filename(e->dir, "bus.conf", NULL);
	text = g_strdup_printf("<busconfig><type>session</type>"
			       "<listen>unix:path=%s/bus</listen>"
			       "<auth>EXTERNAL</auth>"
			       "<policy context=\"default\">"
			       "<allow send_destination=\"*\" "
			       "eavesdrop=\"true\"/>"
			       "<allow eavesdrop=\"true\"/><allow own=\"*\"/>"
			       "</policy></busconfig>",
			       e->dir);
	assert_true(g_file_set_contents(conf, text, -1, NULL));
	conf_arg = g_strdup_printf("--config-file=%s", conf);
	argv[3] = conf_arg;
	if (!g_spawn_async_with_pipes(
		    NULL, (char **)argv, NULL,
		    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
		    &e->bus_pid, NULL, &out, NULL, &error))
		fail_msg("dbus-daemon: %s", error->message);
	n = read(out, buf, sizeof(buf) - 1);
	close(out);
	assert_true(n > 0);
	buf[n] = '\0';
	e->bus_addr = g_strdup(g_strchomp(buf));
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	g_autofree char *cmd = NULL;
	bool ran = e->display.pid != 0;
	int status = stop(&e->display);

	stop(&e->hub);
	kill(e->bus_pid, SIGTERM);
	waitpid(e->bus_pid, NULL, 0);
	g_spawn_close_pid(e->bus_pid);
	cmd = g_strdup_printf("rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	g_free(e->dir);
	g_free(e->bus_addr);
	g_free(e);
	/* SIGTERM is a clean exit; anything else (a sanitizer's or
	 * valgrind's error exit) fails the test */
	if (ran && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail_msg("gymhub-display exited with status %d", status);
	return 0;
}

/* The fixture "paused" of display-fixtures.c, through Hub1. */
static void hub_paused_work(struct env *e)
{
	hub(e, "set Workout tabata-legs");
	hub(e, "set Session 7");
	hub(e, "set Phase work");
	hub(e, "set Exercise Jump squats");
	hub(e, "set Round 5");
	hub(e, "set Rounds 8");
	hub(e, "set DurationMs 20000");
	hub(e, "set RemainingMs 12000");
	hub(e, "set HeartRate 156");
	hub(e, "set HeartRateZone 4");
	hub(e, "set State paused");
}

static void test_follows_a_workout(void **state)
{
	static const char *const text[] = {"--backend", "term", "--term",
					   "text", NULL};
	struct env *e = *state;
	g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;
	g_autofree char *l5 = NULL;

	start_hub(e);
	hub(e, "set Sensors [('A0:9E:1A:DE:40:01', 'Polar H10', 'hr', true, "
	       "87, uint32 0, int64 0)]");
	start_display(e, text);
	l1 = wait_line(&e->display, "idle", "Polar H10 87%", NULL);

	hub(e, "set Workout tabata-legs");
	hub(e, "set Session 7");
	hub(e, "set Phase work");
	hub(e, "set Exercise Jump squats");
	hub(e, "set Round 3");
	hub(e, "set Rounds 8");
	hub(e, "set DurationMs 20000");
	hub(e, "set RemainingMs 15000");
	hub(e, "set HeartRate 156");
	hub(e, "set HeartRateZone 4");
	hub(e, "set State running");
	l2 = wait_line(&e->display, "WORK 0:1", "| Jump squats | round 3/8",
		       "| HR 156 Z4", NULL);

	/* frozen while paused: then no redraws at all */
	hub(e, "set RemainingMs 12000");
	hub(e, "set State paused");
	l3 = wait_line(&e->display, "PAUSED WORK 0:12", "round 3/8", NULL);
	pump(&e->display, 2500);
	if (strchr(e->display.buf->str + e->display.pos, '\n'))
		fail_msg("redrawn while nothing changed:\n%s",
			 e->display.buf->str + e->display.pos);

	/* resumed, RemainingMs unchanged: the countdown goes on from 0:12,
	 * the time spent paused does not count */
	hub(e, "set Round 8");
	hub(e, "set Reps 11");
	hub(e, "set State running");
	l4 = wait_line(&e->display, "^WORK 0:", "round 8/8", NULL);
	if (!g_str_has_prefix(l4, "WORK 0:12") &&
	    !g_str_has_prefix(l4, "WORK 0:11"))
		fail_msg("the pause was counted: %s", l4);
	hub(e, "emit SessionEnded 7 completed");
	hub(e, "set State idle");
	l5 = wait_line(&e->display, "DONE tabata-legs", "rounds 8/8", "reps 11",
		       "HR avg 156 max 156", NULL);
}

static void test_survives_the_hub_leaving(void **state)
{
	static const char *const text[] = {"--backend", "term", "--term",
					   "text", NULL};
	struct env *e = *state;
	g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;
	int status;

	start_display(e, text);
	l1 = wait_line(&e->display, "hub not running", NULL);
	start_hub(e);
	l2 = wait_line(&e->display, "idle", NULL);
	hub_paused_work(e);
	l3 = wait_line(&e->display, "PAUSED WORK 0:12", NULL);

	/* gymhubd crashes: the display says so and waits */
	status = stop(&e->hub);
	assert_true(WIFSIGNALED(status) || WIFEXITED(status));
	g_free(l1);
	l1 = wait_line(&e->display, "hub not running", NULL);
	assert_true(pump(&e->display, 0));

	/* and it comes back */
	start_hub(e);
	l4 = wait_line(&e->display, "idle", NULL);
}

static void assert_png_equals(const char *path, const char *golden)
{
	cairo_surface_t *a = cairo_image_surface_create_from_png(path);
	cairo_surface_t *b = cairo_image_surface_create_from_png(golden);
	int w, h, y, x;

	assert_int_equal(cairo_surface_status(a), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_surface_status(b), CAIRO_STATUS_SUCCESS);
	w = cairo_image_surface_get_width(a);
	h = cairo_image_surface_get_height(a);
	assert_int_equal(w, cairo_image_surface_get_width(b));
	assert_int_equal(h, cairo_image_surface_get_height(b));
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t pa = ((
				uint32_t *)(cairo_image_surface_get_data(a) +
					    y * cairo_image_surface_get_stride(
							a)))[x];
			uint32_t pb = ((
				uint32_t *)(cairo_image_surface_get_data(b) +
					    y * cairo_image_surface_get_stride(
							b)))[x];

			if ((pa & 0xffffff) != (pb & 0xffffff))
				fail_msg("%s differs from %s at (%d,%d)", path,
					 golden, x, y);
		}
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

/* The PNG backend, then --screenshot, show what Hub1 says, pixel for
 * pixel as render.c draws it (the golden of test-render). */
static void test_png_and_screenshot(void **state)
{
	struct env *e = *state;
	g_autofree char *png = g_build_filename(e->dir, "screen.png", NULL);
	g_autofree char *shot = g_build_filename(e->dir, "shot.png", NULL);
	g_autofree char *bin =
		g_build_filename(build_dir(), "gymhub-display", NULL);
	g_autofree char *conf = g_build_filename(e->dir, "panel.conf", NULL);
	g_autofree char *bad = g_build_filename(e->dir, "bad.conf", NULL);
	const char *const args[] = {"--backend", "png", "--output", png, NULL};
	/* the size from gymhub.conf's [display], as a user would set it */
	const char *shot_argv[] = {
		bin,  "--bus",	  e->bus_addr, "--screenshot",
		shot, "--config", conf,	       NULL};
	const char *bad_argv[] = {bin,	      "--bus", e->bus_addr,
				  "--config", bad,     NULL};
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000;
	int status;

	start_hub(e);
	start_display(e, args);
	hub_paused_work(e);
	/* the file is replaced whole on every change: poll for the last */
	for (;;) {
		g_autofree char *data = NULL;
		gsize len;

		pump(&e->display, 100);
		if (g_file_get_contents(png, &data, &len, NULL) && len > 0) {
			cairo_surface_t *s =
				cairo_image_surface_create_from_png(png);
			bool paused = false;

			if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
				/* "PAUSED" inverts the header's first row */
				uint32_t p =
					((uint32_t *)
						 cairo_image_surface_get_data(
							 s))[100];
				paused = (p & 0xffffff) == 0xffffff;
			}
			cairo_surface_destroy(s);
			if (paused)
				break;
		}
		if (g_get_monotonic_time() > end)
			fail_msg("no paused screen in %s", png);
	}
	pump(&e->display, 300); /* the last of the properties */
	assert_png_equals(png, "tests/golden/paused-128x64.png");

	assert_true(g_file_set_contents(
		conf, "[display]\n# a 1.3\" colour panel\nsize=240x240\n", -1,
		NULL));
	if (!g_spawn_sync(NULL, (char **)shot_argv, NULL, 0, NULL, NULL, NULL,
			  NULL, &status, &error))
		fail_msg("--screenshot: %s", error->message);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_png_equals(shot, "tests/golden/paused-240x240.png");

	/* a broken line: which file, which line, and no display */
	assert_true(
		g_file_set_contents(bad, "[display]\nrotate=90\n", -1, NULL));
	if (!g_spawn_sync(NULL, (char **)bad_argv, NULL,
			  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
			  &status, &error))
		fail_msg("bad config: %s", error->message);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	assert_non_null(strstr(err, "bad.conf:2: [display] rotate: expected 0 "
				    "or 180, got 90"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follows_a_workout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_survives_the_hub_leaving,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_png_and_screenshot, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
