/* SPDX-License-Identifier: MIT */
/*
 * bench-sensors.c - how many heart-rate notifications gymhubd absorbs,
 * what each costs it, and how long one takes to be stored, through the
 * real D-Bus path: 8 straps on the fake bluetoothd, gymhubd, SQLite.
 *
 * Throughput: all 8 straps stream as fast as the fake can (a notification
 * every 4 ms each, 2000/s offered) for a few seconds during a workout;
 * absorbed = rows stored per second, CPU = gymhubd's user+system time
 * (/proc/PID/stat) per stored notification.
 *
 * Latency: 8 straps at 25/s each; this process hears every notification
 * (the same PropertiesChanged gymhubd gets) and polls the database; the
 * i-th stored row is the i-th notification heard, as rows are committed
 * in the order they arrived. Stored means committed and visible to a
 * reader: it includes the store's batching (a transaction every 500 ms).
 *
 * Prints `name value unit` lines; run it several times and compare
 * medians, the machine is shared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#define N_STRAPS 8

static char addr[N_STRAPS][18];

static double cpu_s(GPid pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *text = NULL;
	unsigned long ut = 0, st = 0;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	/* fields after "(comm)": state is 3rd, utime 14th, stime 15th */
	p = strrchr(text, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int64_t stored(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM hr_samples", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static sqlite3 *open_db(struct harness *h)
{
	sqlite3 *db = NULL;

	assert_int_equal(
		sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL),
		SQLITE_OK);
	sqlite3_busy_timeout(db, 1000);
	return db;
}

static struct harness *setup_world(void)
{
	struct harness *h = harness_new();
	g_autoptr(GVariant) r = NULL;
	int i;

	harness_start_fake(h);
	for (i = 0; i < N_STRAPS; i++) {
		g_snprintf(addr[i], sizeof(addr[i]), "A0:9E:1A:00:00:%02X",
			   i + 1);
		harness_fake(h, "add %s 'Strap %d' hr", addr[i], i + 1);
	}
	harness_start_daemon(h);
	for (i = 0; i < N_STRAPS; i++) {
		g_autofree char *want =
			g_strdup_printf("start-notify %s 2a37", addr[i]);

		assert_int_equal(harness_ctl(h, NULL, "pair", addr[i], NULL),
				 0);
		harness_fake_wait(h, want);
	}
	r = harness_call(h, "Start", g_variant_new("(s)", "long"), NULL);
	assert_non_null(r);
	return h;
}

static void stream_all(struct harness *h, unsigned int bpm,
		       unsigned int period_ms)
{
	int i;

	for (i = 0; i < N_STRAPS; i++)
		harness_fake(h, "stream %s %u %u", addr[i], bpm, period_ms);
}

static GArray *heard; /* int64_t monotonic us of each notification */

static void on_value(GDBusConnection *c, const char *sender, const char *path,
		     const char *iface, const char *signal, GVariant *params,
		     gpointer data)
{
	g_autoptr(GVariant) changed = g_variant_get_child_value(params, 1);
	g_autoptr(GVariant) v = g_variant_lookup_value(changed, "Value", NULL);
	int64_t now = g_get_monotonic_time();

	if (v)
		g_array_append_val(heard, now);
}

static void bench_throughput(void **state)
{
	struct harness *h = setup_world();
	sqlite3 *db = open_db(h);
	double cpu0, cpu1, secs = 5.0;
	int64_t n0, n1, t0, t1;
	guint sub, heard0;

	heard = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sub = g_dbus_connection_signal_subscribe(
		h->bus, NULL, "org.freedesktop.DBus.Properties",
		"PropertiesChanged", NULL, "org.bluez.GattCharacteristic1",
		G_DBUS_SIGNAL_FLAGS_NONE, on_value, NULL, NULL);
	stream_all(h, 120, 4);
	harness_pump(h, 1000); /* settle */
	while (g_main_context_iteration(NULL, FALSE))
		;
	heard0 = heard->len;
	n0 = stored(db);
	cpu0 = cpu_s(h->daemon_pid);
	t0 = g_get_monotonic_time();
	while (g_get_monotonic_time() - t0 < secs * G_USEC_PER_SEC) {
		harness_pump(h, 20);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
	/* rows arrive a batch late: count what was received in the window
	 * once it has been committed */
	t1 = g_get_monotonic_time();
	while (g_main_context_iteration(NULL, FALSE))
		;
	stream_all(h, 0, 0);
	g_dbus_connection_signal_unsubscribe(h->bus, sub);
	cpu1 = cpu_s(h->daemon_pid);
	harness_pump(h, 1500);
	n1 = stored(db);
	printf("sensors_absorbed %.0f notifications/s\n",
	       (double)(n1 - n0) / ((t1 - t0) / 1e6));
	printf("sensors_offered %.0f notifications/s\n",
	       (double)(heard->len - heard0) / ((t1 - t0) / 1e6));
	printf("sensors_cpu_per_notification %.1f us\n",
	       (cpu1 - cpu0) * 1e6 / (double)(n1 - n0));
	printf("sensors_cpu_load %.1f %%\n",
	       (cpu1 - cpu0) * 100.0 / ((t1 - t0) / 1e6));
	g_array_unref(heard);
	sqlite3_close(db);
	harness_free(h);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void bench_latency(void **state)
{
	struct harness *h = setup_world();
	g_autoptr(GArray) lat = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sqlite3 *db = open_db(h);
	int64_t base, seen, n, end, now;
	guint sub;

	heard = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sub = g_dbus_connection_signal_subscribe(
		h->bus, NULL, "org.freedesktop.DBus.Properties",
		"PropertiesChanged", NULL, "org.bluez.GattCharacteristic1",
		G_DBUS_SIGNAL_FLAGS_NONE, on_value, NULL, NULL);
	/* nothing in flight: the count is the start */
	harness_pump(h, 1200);
	base = stored(db);
	stream_all(h, 130, 40);
	seen = 0;
	end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while ((now = g_get_monotonic_time()) < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		n = stored(db) - base;
		for (; seen < n && seen < (int64_t)heard->len; seen++) {
			int64_t d = now - g_array_index(heard, int64_t, seen);

			g_array_append_val(lat, d);
		}
		g_usleep(2000);
	}
	g_dbus_connection_signal_unsubscribe(h->bus, sub);
	assert_true(lat->len > 100);
	g_array_sort(lat, cmp_i64);
	printf("sensors_stored_latency_p50 %.1f ms\n",
	       g_array_index(lat, int64_t, lat->len / 2) / 1000.0);
	printf("sensors_stored_latency_p99 %.1f ms\n",
	       g_array_index(lat, int64_t, lat->len * 99 / 100) / 1000.0);
	printf("sensors_latency_samples %u count\n", lat->len);
	g_array_unref(heard);
	sqlite3_close(db);
	harness_free(h);
}

/*
 * Reconnection: a strap goes out of reach for 0.3 to 6 s (random), comes
 * back; time from "back in reach" to the link being up and resolved again
 * (the fake's own connection setup, 2 x 20 ms, included).
 */
static void bench_reconnect(void **state)
{
	struct harness *h = setup_world();
	g_autoptr(GArray) t = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autofree char *resolved = g_strdup_printf("resolved %s", addr[0]);
	g_autofree char *gone = g_strdup_printf("disconnected %s", addr[0]);
	GRand *rnd = g_rand_new_with_seed(42);
	int i, cycles = 20;

	for (i = 0; i < cycles; i++) {
		int64_t t0, d;

		harness_fake(h, "drop %s", addr[0]);
		harness_fake_wait(h, gone);
		harness_pump(h, g_rand_int_range(rnd, 300, 6000));
		t0 = g_get_monotonic_time();
		harness_fake(h, "return %s", addr[0]);
		harness_fake_wait(h, resolved);
		d = g_get_monotonic_time() - t0;
		g_array_append_val(t, d);
	}
	g_array_sort(t, cmp_i64);
	printf("sensors_reconnect_p50 %.0f ms\n",
	       g_array_index(t, int64_t, cycles / 2) / 1000.0);
	printf("sensors_reconnect_max %.0f ms\n",
	       g_array_index(t, int64_t, cycles - 1) / 1000.0);
	g_rand_free(rnd);
	harness_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bench_throughput),
		cmocka_unit_test(bench_latency),
		cmocka_unit_test(bench_reconnect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
