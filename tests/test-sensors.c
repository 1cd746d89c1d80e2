/* SPDX-License-Identifier: MIT */
/*
 * test-sensors.c - heart-rate straps end to end through the real D-Bus
 * paths: gymhubd and gymhubctl against the fake bluetoothd
 * (tests/fake-bluez.c) on a private dbus-daemon.
 *
 * What a runner would notice: scan lists the straps in the room; pair
 * adds one and from then on its heart rate shows and is stored with the
 * session; a stranger's strap is never connected; a strap that drops out
 * mid-session comes back by itself and the session records the gap;
 * bluetoothd restarting or the adapter being switched off and on changes
 * nothing once it is back; a garbled notification is counted and the next
 * good one used; a low battery is warned about; an added strap is still
 * known after gymhubd restarts; forget removes it for good.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "session-query.h"

#define STRAP	 "A0:9E:1A:00:00:01"
#define STRAP2	 "A0:9E:1A:00:00:02"
#define STRANGER "C0:FF:EE:00:00:99"
#define IMU	 "24:0A:C4:00:00:07"

static int setup(void **state)
{
	struct harness *h = harness_new();

	harness_start_fake(h);
	harness_fake(h, "add " STRAP " 'Polar H10 1' hr battery=80");
	harness_fake(h, "add " STRANGER " 'Polar H10 next door' hr");
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	harness_free(*state);
	return 0;
}

/* Everything up to a strap added and sending. */
static void pair_strap(struct harness *h, const char *addr)
{
	g_autofree char *out = NULL;
	g_autofree char *want = g_strdup_printf("start-notify %s 2a37", addr);
	int r;

	r = harness_ctl(h, &out, "pair", addr, NULL);
	if (r != 0)
		fail_msg("pair %s: exit %d: %s", addr, r, out);
	harness_fake_wait(h, want);
}

static struct sq_detail *load_session(struct harness *h, int64_t id)
{
	struct sq_detail *d = NULL;
	struct sq *q = NULL;
	int i;

	/* the writer thread commits the end a moment after SessionEnded */
	for (i = 0; i < 300; i++) {
		assert_int_equal(sq_open(h->db, &q), 0);
		assert_int_equal(sq_get(q, id, &d), 0);
		sq_close(q);
		if (strcmp(d->session.state, "running") != 0)
			return d;
		sq_detail_free(d);
		harness_pump(h, 20);
	}
	fail_msg("session %" G_GINT64_FORMAT " never ended", id);
	return NULL;
}

static int64_t start_workout(struct harness *h)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	gint64 id;

	r = harness_call(h, "Start", g_variant_new("(s)", "long"), &error);
	if (!r)
		fail_msg("Start: %s", error->message);
	g_variant_get(r, "(x)", &id);
	return id;
}

static void stop_workout(struct harness *h)
{
	g_autoptr(GVariant) r = harness_call(h, "Stop", NULL, NULL);

	assert_non_null(r);
}

static void test_scan_pair_and_store(void **state)
{
	struct harness *h = *state;
	g_autofree char *out = NULL, *status = NULL, *list = NULL;
	struct sq_detail *d;
	size_t i, n80 = 0, n90 = 0;
	int64_t id;

	harness_start_daemon(h);
	harness_wait_prop_s(h, "Bluetooth", "on");

	assert_int_equal(harness_ctl(h, &out, "scan", "--seconds", "1", NULL),
			 0);
	assert_non_null(strstr(out, STRAP));
	assert_non_null(strstr(out, "Polar H10 1"));
	assert_non_null(strstr(out, STRANGER));

	pair_strap(h, STRAP);
	assert_true(harness_fake_saw(h, "trusted " STRAP " 1"));
	/* Body Sensor Location (0x2A38), read once per connection */
	harness_daemon_wait(h, "is worn at: chest");
	assert_int_equal(harness_ctl(h, &list, "sensors", NULL), 0);
	assert_non_null(strstr(list, STRAP));
	assert_non_null(strstr(list, "connected"));
	assert_non_null(strstr(list, "80 %"));

	id = start_workout(h);
	/* 80 bpm with one RR interval of 1024/1024 s */
	harness_fake(h, "notify " STRAP " 10 50 00 04");
	harness_wait_prop_u(h, "HeartRate", 80);
	/* 16-bit value announced, one byte there: rejected, counted */
	harness_fake(h, "notify " STRAP " 11 50");
	harness_daemon_wait(h, "malformed heart-rate notification ignored "
			       "(1 so far): 1150");
	harness_fake(h, "notify " STRAP " 16 5a");
	harness_wait_prop_u(h, "HeartRate", 90);
	/* (90 - 50) / (190 - 50) = 29 % of the reserve */
	harness_wait_prop_u(h, "HeartRateZone", 1);
	assert_int_equal(harness_ctl(h, &status, "status", NULL), 0);
	assert_non_null(strstr(status, "90 bpm (zone 1)"));
	stop_workout(h);

	d = load_session(h, id);
	for (i = 0; i < d->n_hr; i++) {
		assert_string_equal(d->hr[i].sensor, STRAP);
		if (d->hr[i].bpm == 80) {
			n80++;
			assert_int_equal(d->hr_extra[i].n_rr, 1);
			assert_int_equal(d->hr_extra[i].rr_1024[0], 1024);
		} else if (d->hr[i].bpm == 90) {
			n90++;
			assert_string_equal(d->hr_extra[i].contact, "detected");
		} else {
			fail_msg("stored a heart rate of %u", d->hr[i].bpm);
		}
	}
	assert_int_equal(n80, 1);
	assert_int_equal(n90, 1);
	sq_detail_free(d);

	/* Advertising the heart-rate service is not an invitation. */
	assert_false(harness_fake_saw(h, "connecting " STRANGER));
	assert_false(harness_fake_saw(h, "pairing " STRANGER));
}

static void test_dropout_records_gap(void **state)
{
	struct harness *h = *state;
	struct sq_detail *d;
	size_t i, before = 0, after = 0;
	int64_t id;

	harness_start_daemon(h);
	pair_strap(h, STRAP);
	id = start_workout(h);
	harness_fake(h, "stream " STRAP " 120 100");
	harness_wait_prop_u(h, "HeartRate", 120);

	harness_fake(h, "drop " STRAP);
	harness_fake_wait(h, "disconnected " STRAP);
	harness_daemon_wait(h, "lost");
	harness_wait_prop_u(h, "HeartRate", 0);
	/* out of reach for a while: the hub keeps trying, gently */
	harness_pump(h, 1500);
	harness_fake(h, "stream " STRAP " 130 100");
	harness_fake(h, "return " STRAP);
	harness_fake_wait(h, "connect " STRAP);
	harness_daemon_wait(h, "back after");
	harness_wait_prop_u(h, "HeartRate", 130);
	harness_wait_prop_s(h, "State", "running");
	stop_workout(h);

	d = load_session(h, id);
	assert_string_equal(d->session.state, "stopped");
	assert_int_equal(d->n_gaps, 1);
	assert_string_equal(d->gaps[0].sensor, STRAP);
	assert_true(d->gaps[0].lost_ms > 0);
	assert_true(d->gaps[0].back_ms > d->gaps[0].lost_ms);
	for (i = 0; i < d->n_hr; i++) {
		if (d->hr[i].t_ms <= d->gaps[0].lost_ms)
			before++;
		else if (d->hr[i].t_ms >= d->gaps[0].back_ms)
			after++;
		else
			fail_msg("a sample inside the gap");
	}
	assert_true(before > 0);
	assert_true(after > 0);
	sq_detail_free(d);
}

static void test_bluetoothd_restart_and_power(void **state)
{
	struct harness *h = *state;

	harness_start_daemon(h);
	pair_strap(h, STRAP);
	harness_fake(h, "stream " STRAP " 100 100");
	harness_wait_prop_u(h, "HeartRate", 100);

	harness_fake(h, "restart 300");
	harness_fake_wait(h, "stopped");
	harness_fake_wait(h, "ready");
	/* gymhubd registers its agent with the new bluetoothd by itself */
	harness_fake_wait(h, "agent registered /org/gymhub/Hub1/agent");
	harness_fake_wait(h, "connect " STRAP);
	harness_fake(h, "stream " STRAP " 105 100");
	harness_wait_prop_u(h, "HeartRate", 105);

	harness_fake(h, "power off");
	harness_wait_prop_s(h, "Bluetooth", "off");
	harness_wait_prop_u(h, "HeartRate", 0);
	harness_fake(h, "power on");
	harness_wait_prop_s(h, "Bluetooth", "on");
	harness_fake_wait(h, "connect " STRAP);
	harness_fake(h, "stream " STRAP " 110 100");
	harness_wait_prop_u(h, "HeartRate", 110);
	assert_int_equal(harness_stop_daemon(h), 0);
}

static void test_known_after_restart_then_forget(void **state)
{
	struct harness *h = *state;
	g_autofree char *out = NULL, *list = NULL, *offline = NULL;
	g_autoptr(GVariant) sensors = NULL;

	harness_start_daemon(h);
	pair_strap(h, STRAP);
	harness_fake(h, "battery " STRAP " 15");
	harness_daemon_wait(h, "battery low (15 %)");
	assert_int_equal(harness_stop_daemon(h), 0);

	/* stopped: the list still comes from the database */
	assert_int_equal(harness_ctl(h, &offline, "sensors", NULL), 0);
	assert_non_null(strstr(offline, STRAP));
	assert_non_null(strstr(offline, "15 %"));

	harness_start_daemon(h);
	/* connected again without being paired again */
	harness_fake_wait(h, "start-notify " STRAP " 2a37");
	assert_int_equal(harness_ctl(h, &list, "sensors", NULL), 0);
	assert_non_null(strstr(list, "connected"));

	assert_int_equal(harness_ctl(h, &out, "forget", STRAP, NULL), 0);
	harness_fake_wait(h, "disconnected " STRAP);
	sensors = harness_prop(h, "Sensors");
	assert_int_equal(g_variant_n_children(sensors), 0);
	/* and never connected again */
	harness_pump(h, 1500);
	g_free(out);
	out = NULL;
	assert_int_equal(harness_ctl(h, &out, "forget", STRAP, NULL), 4);
	harness_fake(h, "advertise " STRAP " on");
	harness_pump(h, 1000);
	assert_int_equal(harness_ctl(h, NULL, "sensors", NULL), 0);
	{
		g_autoptr(GVariant) again = harness_prop(h, "Sensors");

		assert_int_equal(g_variant_n_children(again), 0);
	}
}

static void test_several_straps(void **state)
{
	struct harness *h = *state;
	struct sq_detail *d;
	size_t i, n1 = 0, n2 = 0;
	int64_t id;

	harness_fake(h, "add " STRAP2 " 'Wahoo TICKR' hr");
	harness_start_daemon(h);
	pair_strap(h, STRAP);
	pair_strap(h, STRAP2);
	id = start_workout(h);
	harness_fake(h, "notify " STRAP " 00 64");
	harness_fake(h, "notify " STRAP2 " 00 65");
	/* the first added strap is the one shown */
	harness_wait_prop_u(h, "HeartRate", 100);
	harness_fake(h, "notify " STRAP " 00 66");
	harness_wait_prop_u(h, "HeartRate", 102);
	stop_workout(h);
	d = load_session(h, id);
	for (i = 0; i < d->n_hr; i++) {
		if (!strcmp(d->hr[i].sensor, STRAP))
			n1++;
		else if (!strcmp(d->hr[i].sensor, STRAP2))
			n2++;
	}
	assert_int_equal(n1, 2);
	assert_int_equal(n2, 1);
	sq_detail_free(d);
}

/*
 * A whole session through the database and out again: heart rate from a
 * strap, a pause, written by gymhubd's automatic export as FIT, JSON and
 * CSV the moment it ends.
 */
static void test_auto_export_round_trip(void **state)
{
	struct harness *h = *state;
	g_autofree char *dir = g_build_filename(h->dir, "exports", NULL);
	g_autofree char *conf = NULL, *json = NULL, *csv = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GDir) d = NULL;
	g_autofree char *fit = NULL, *jpath = NULL, *hrcsv = NULL;
	const char *name;
	gsize fit_len = 0;
	int64_t id;
	gint64 end;

	conf = g_strdup_printf("[export]\ndir=%s\nformats=fit;json;csv\n", dir);
	harness_config_append(h, conf);
	harness_start_daemon(h);
	pair_strap(h, STRAP);
	harness_fake(h, "stream " STRAP " 140 200");
	r = harness_call(h, "Start", g_variant_new("(s)", "quick"), NULL);
	assert_non_null(r);
	g_variant_get(r, "(x)", &id);
	harness_wait_prop_s(h, "Phase", "work");
	g_variant_unref(harness_call(h, "Pause", NULL, NULL));
	harness_pump(h, 600);
	g_variant_unref(harness_call(h, "Resume", NULL, NULL));
	harness_daemon_wait(h, "completed");
	harness_daemon_wait(h, "Exported session");

	/* all four files, whole: the worker writes them one by one */
	end = g_get_monotonic_time() + HARNESS_WAIT_MS * 1000;
	for (;;) {
		guint n = 0;

		g_clear_pointer(&d, g_dir_close);
		d = g_dir_open(dir, 0, NULL);
		while (d && (name = g_dir_read_name(d)))
			n += !strstr(name, ".tmp-");
		if (n == 4)
			break;
		if (g_get_monotonic_time() > end)
			fail_msg("%u export files in %s", n, dir);
		harness_pump(h, 50);
	}
	g_dir_rewind(d);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *want =
			g_strdup_printf("-%" G_GINT64_FORMAT "-quick", id);

		assert_non_null(strstr(name, want));
		if (g_str_has_suffix(name, ".fit"))
			fit = g_build_filename(dir, name, NULL);
		else if (g_str_has_suffix(name, ".json"))
			jpath = g_build_filename(dir, name, NULL);
		else if (g_str_has_suffix(name, "-hr.csv"))
			hrcsv = g_build_filename(dir, name, NULL);
	}
	assert_non_null(fit);
	assert_non_null(jpath);
	assert_non_null(hrcsv);
	{
		g_autofree char *bytes = NULL;

		assert_true(g_file_get_contents(fit, &bytes, &fit_len, NULL));
		/* FIT header: ".FIT" at offset 8 */
		assert_true(fit_len > 100);
		assert_memory_equal(bytes + 8, ".FIT", 4);
	}
	assert_true(g_file_get_contents(jpath, &json, NULL, NULL));
	assert_non_null(strstr(json, "\"state\" : \"completed\""));
	assert_non_null(strstr(json, "\"bpm\" : 140"));
	assert_non_null(strstr(json, "\"sensor\" : \"" STRAP "\""));
	assert_true(g_file_get_contents(hrcsv, &csv, NULL, NULL));
	assert_non_null(strstr(csv, STRAP));
	assert_non_null(strstr(csv, ",140,"));

	/* the same session exports byte for byte the same, every format */
	{
		static const char *const fmts[] = {"fit", "tcx", "json", "csv"};
		g_autofree char *sid = g_strdup_printf("%" G_GINT64_FORMAT, id);
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(fmts); i++) {
			g_autofree char *a =
				g_build_filename(h->dir, "a", NULL);
			g_autofree char *b =
				g_build_filename(h->dir, "b", NULL);
			g_autofree char *ta = NULL, *tb = NULL;
			gsize la = 0, lb = 0;

			assert_int_equal(harness_ctl(h, NULL, "export",
						     "--format", fmts[i], "-o",
						     a, sid, NULL),
					 0);
			assert_int_equal(harness_ctl(h, NULL, "export",
						     "--format", fmts[i], "-o",
						     b, sid, NULL),
					 0);
			assert_true(g_file_get_contents(a, &ta, &la, NULL));
			assert_true(g_file_get_contents(b, &tb, &lb, NULL));
			assert_int_equal(la, lb);
			assert_memory_equal(ta, tb, la);
		}
		/* and as gymhubd wrote it when the session ended */
		{
			g_autofree char *a =
				g_build_filename(h->dir, "a", NULL);
			g_autofree char *ta = NULL, *tf = NULL;
			gsize la = 0, lf = 0;

			assert_int_equal(harness_ctl(h, NULL, "export",
						     "--format", "fit", "-o", a,
						     sid, NULL),
					 0);
			assert_true(g_file_get_contents(a, &ta, &la, NULL));
			assert_true(g_file_get_contents(fit, &tf, &lf, NULL));
			assert_int_equal(la, lf);
			assert_memory_equal(ta, tf, la);
		}
	}
}

/*
 * A motion sensor (the gymhub IMU profile) on the thigh: each rep set of
 * 5 ends by itself on the 5th rep, and the counts are stored with the
 * sets. The sensor's script is the truth: 5 reps, then still.
 */
static void test_reps_counted(void **state)
{
	struct harness *h = *state;
	g_autofree char *out = NULL, *status = NULL;
	g_autoptr(GVariant) r = NULL;
	struct sq_detail *d;
	size_t i;
	int64_t id;

	harness_fake(h, "add " IMU " 'Thigh IMU' imu");
	harness_start_daemon(h);
	assert_int_equal(harness_ctl(h, &out, "pair", IMU, NULL), 0);
	harness_fake_wait(h, "start-notify " IMU);
	r = harness_call(h, "Start", g_variant_new("(s)", "reps"), NULL);
	assert_non_null(r);
	g_variant_get(r, "(x)", &id);
	for (i = 0; i < 2; i++) {
		harness_wait_prop_s(h, "Phase", "reps");
		harness_fake(h, "reps " IMU " 5 1500");
		if (i == 0) {
			harness_wait_prop_u(h, "Reps", 2);
			assert_int_equal(
				harness_ctl(h, &status, "status", NULL), 0);
			assert_non_null(strstr(status, "reps:      2/5"));
		}
		/* no "done": the 5th rep ends the set */
		harness_wait_prop_s(h, "Phase", i == 0 ? "rest" : "");
	}
	d = load_session(h, id);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_sets, 2);
	for (i = 0; i < d->n_sets; i++) {
		assert_int_equal(d->sets[i].target_reps, 5);
		assert_int_equal(d->sets[i].reps, 5);
	}
	/* every rep, with its sensor, in order, 1 to 5 per set */
	assert_int_equal(d->n_reps, 10);
	for (i = 0; i < d->n_reps; i++) {
		assert_int_equal(d->reps[i].count, i % 5 + 1);
		assert_string_equal(d->reps[i].sensor, IMU);
		assert_true(d->reps[i].amplitude_g > 0.1);
		assert_true(i % 5 == 0 ||
			    d->reps[i].t_ms > d->reps[i - 1].t_ms);
	}
	sq_detail_free(d);
}

/*
 * A wall sit with a motion sensor: the hub sees the runner still in
 * position, then out of it early: Holding goes true then false, a
 * "broken" cue sounds, and the set stores the time actually held, not
 * the 8 s planned.
 */
static void test_hold_broken(void **state)
{
	struct harness *h = *state;
	g_autoptr(GVariant) r = NULL;
	struct sq_detail *d;
	size_t i, broken = 0;
	int64_t id;

	harness_fake(h, "add " IMU " 'Thigh IMU' imu");
	harness_start_daemon(h);
	assert_int_equal(harness_ctl(h, NULL, "pair", IMU, NULL), 0);
	harness_fake_wait(h, "start-notify " IMU);
	harness_fake(h, "posture " IMU " 0");
	r = harness_call(h, "Start", g_variant_new("(s)", "hold"), NULL);
	assert_non_null(r);
	g_variant_get(r, "(x)", &id);
	harness_wait_prop_s(h, "Phase", "hold");
	harness_wait_prop_b(h, "Holding", true);
	/* sliding off the wall: 40 degrees out of position, and moving
	 * about until the time is up (still again would be a new hold) */
	harness_fake(h, "posture " IMU " 40");
	harness_fake(h, "reps " IMU " 20 800");
	harness_daemon_wait(h, "Hold broken after");
	harness_wait_prop_s(h, "Phase", "");
	d = load_session(h, id);
	for (i = 0; i < d->n_cues; i++)
		broken += !strcmp(d->cues[i].kind, "broken");
	assert_int_equal(broken, 1);
	assert_int_equal(d->n_sets, 1);
	assert_true(d->sets[0].hold_ms > 0);
	assert_true(d->sets[0].hold_ms < 7000);
	sq_detail_free(d);
}

/*
 * A wall sit with hold-start=still: the runner is still getting into
 * position when the hold comes up, so its countdown waits (the whole hold
 * shown as remaining) until the sensor sees them still; then the start
 * beep sounds and the full hold time runs from there.
 */
static void test_hold_waits_for_stillness(void **state)
{
	struct harness *h = *state;
	g_autoptr(GVariant) r = NULL, rem = NULL;
	struct sq_detail *d;
	gint64 hold_at, went_at;
	size_t i;
	int64_t id, start_cue = -1;

	harness_fake(h, "add " IMU " 'Thigh IMU' imu");
	harness_start_daemon(h);
	assert_int_equal(harness_ctl(h, NULL, "pair", IMU, NULL), 0);
	harness_fake_wait(h, "start-notify " IMU);
	/* moving about for 6 x 0.8 s, then still */
	harness_fake(h, "reps " IMU " 6 800");
	harness_daemon_wait(h, "counts reps and holds");
	r = harness_call(h, "Start", g_variant_new("(s)", "hold"), NULL);
	assert_non_null(r);
	g_variant_get(r, "(x)", &id);
	harness_wait_prop_s(h, "Phase", "hold");
	hold_at = g_get_monotonic_time();
	harness_wait_prop_b(h, "Waiting", true);
	rem = harness_prop(h, "RemainingMs");
	assert_int_equal(g_variant_get_uint32(rem), 8000);
	harness_wait_prop_b(h, "Waiting", false);
	went_at = g_get_monotonic_time();
	assert_true(went_at - hold_at > 1500 * 1000);
	harness_daemon_wait(h, "Hold countdown started: the runner is still");
	harness_wait_prop_s(h, "Phase", "");
	d = load_session(h, id);
	assert_string_equal(d->session.state, "completed");
	for (i = 0; i < d->n_cues; i++)
		if (!strcmp(d->cues[i].kind, "start") &&
		    d->cues[i].segment == 1)
			start_cue = d->cues[i].planned_ms;
	assert_true(start_cue > 0);
	assert_int_equal(d->segments[1].kind[0], 'h');
	/* the countdown started late, and then ran in full */
	assert_true(start_cue - d->segments[1].start_ms >= 1500);
	assert_true(d->segments[1].end_ms - start_cue >= 7900);
	assert_int_equal(d->n_sets, 1);
	assert_true(d->sets[0].hold_ms >= 7500);
	sq_detail_free(d);
}

static void test_cli_errors(void **state)
{
	struct harness *h = *state;
	g_autofree char *out = NULL, *out2 = NULL;

	/* a maker checking the bytes their sensor sends (docs example) */
	{
		g_autofree char *dec = NULL, *bad = NULL;

		assert_int_equal(harness_ctl(h, &dec, "decode", "imu", "01",
					     "02", "2a", "00", "40", "42", "0f",
					     "00", "20", "4e", "e8", "03", "00",
					     "00", "00", "00", "18", "fc", "f4",
					     "01", "e8", "03", NULL),
				 0);
		assert_non_null(strstr(dec, "seq 42, 2 sample(s)"));
		assert_non_null(strstr(dec, "-1000   +500  +1000 mg"));
		assert_int_equal(
			harness_ctl(h, &bad, "decode", "imu", "0102", NULL), 1);
		assert_non_null(strstr(bad, "not a gymhub IMU notification"));
	}
	harness_start_daemon(h);
	assert_int_equal(harness_ctl(h, &out, "pair", "not-an-address", NULL),
			 2);
	assert_non_null(strstr(out, "not a Bluetooth address"));
	harness_fake(h, "power off");
	harness_wait_prop_s(h, "Bluetooth", "off");
	assert_int_equal(harness_ctl(h, &out2, "scan", "-s", "1", NULL), 1);
	assert_non_null(strstr(out2, "powered off"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_pair_and_store, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dropout_records_gap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_bluetoothd_restart_and_power, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_known_after_restart_then_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_straps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hold_waits_for_stillness,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_export_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reps_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hold_broken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cli_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
