/* SPDX-License-Identifier: MIT */
/*
 * crash-loop.c - gymhubd killed with SIGKILL at random moments of a
 * session with a heart-rate strap streaming, again and again, and what
 * the database kept each time.
 *
 * Every cycle: start gymhubd, check the session the previous kill cut
 * off was closed as "recovered" and the file passes PRAGMA
 * integrity_check, start a workout, let it run 0.1 to 1.5 s (random,
 * seeded), SIGKILL. What was lost is the time between the kill and the
 * newest heart-rate sample stored for that session (the strap sends one
 * every 50 ms, so a perfect store would lose at most 50 ms). A session's
 * start is committed at once, so only a kill in the few milliseconds of
 * that commit can leave it out of the file: counted, not failed.
 *
 * The checks (integrity, recovery) are asserted; how much was lost is
 * printed as `name value unit` lines, not asserted: it depends on how
 * fast this machine's disk commits. GYMHUB_CRASH_CYCLES sets the number
 * of cycles (make check: 10; make check-crash: 200).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#define STRAP "A0:9E:1A:00:00:01"

static int64_t query_i64(sqlite3 *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Integrity, and @session in @want_state; false when the session is not
 * in the file at all (killed before its first batch was committed). */
static bool check_file(struct harness *h, int64_t session,
		       const char *want_state)
{
	bool found = true;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *state;

	assert_int_equal(
		sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL),
		SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(
		sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	if (want_state) {
		assert_int_equal(
			sqlite3_prepare_v2(
				db, "SELECT state FROM sessions WHERE id = ?",
				-1, &st, NULL),
			SQLITE_OK);
		sqlite3_bind_int64(st, 1, session);
		found = sqlite3_step(st) == SQLITE_ROW;
		state = found ? (const char *)sqlite3_column_text(st, 0) : "";
		if (found && strcmp(state, want_state) != 0)
			fail_msg("session %" G_GINT64_FORMAT " is %s, not %s",
				 session, state, want_state);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return found;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void test_crash_loop(void **state)
{
	const char *env = g_getenv("GYMHUB_CRASH_CYCLES");
	int cycles = env && *env ? atoi(env) : 10;
	g_autoptr(GArray) lost = g_array_new(FALSE, FALSE, sizeof(int64_t));
	struct harness *h = harness_new();
	GRand *rnd = g_rand_new_with_seed(20261122);
	int64_t prev = 0, none = 0, vanished = 0;
	int i;

	harness_start_fake(h);
	harness_fake(h, "add " STRAP " 'Polar H10' hr");
	harness_start_daemon(h);
	assert_int_equal(harness_ctl(h, NULL, "pair", STRAP, NULL), 0);
	harness_fake(h, "stream " STRAP " 150 50");
	harness_stop_daemon(h);

	for (i = 0; i < cycles; i++) {
		g_autoptr(GVariant) r = NULL;
		sqlite3 *db = NULL;
		int64_t id, killed_ms, last;

		harness_start_daemon(h);
		/* the session the last kill cut off, closed at start-up */
		assert_true(check_file(h, prev, prev ? "recovered" : NULL));
		harness_wait_prop_u(h, "HeartRate", 150);
		r = harness_call(h, "Start", g_variant_new("(s)", "long"),
				 NULL);
		assert_non_null(r);
		g_variant_get(r, "(x)", &id);
		harness_pump(h, g_rand_int_range(rnd, 100, 1500));
		killed_ms = g_get_real_time() / 1000;
		harness_kill_daemon(h);

		if (!check_file(h, id, "running")) {
			/* started less than a batch (0.5 s) before the kill */
			vanished++;
			prev = 0;
			continue;
		}
		assert_int_equal(
			sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL),
			SQLITE_OK);
		last = query_i64(db,
				 "SELECT max(t_ms) FROM hr_samples WHERE "
				 "session_id = ?",
				 id);
		sqlite3_close(db);
		if (last < 0) {
			none++; /* killed before the first batch: all lost */
		} else {
			int64_t d = killed_ms - last;

			g_array_append_val(lost, d);
		}
		prev = id;
	}
	harness_start_daemon(h);
	check_file(h, prev, "recovered");
	harness_stop_daemon(h);

	g_array_sort(lost, cmp_i64);
	printf("crash_cycles %d count\n", cycles);
	printf("crash_integrity_failures 0 count\n");
	printf("crash_sessions_not_recovered 0 count\n");
	printf("crash_sessions_without_any_sample %" G_GINT64_FORMAT " count\n",
	       none);
	printf("crash_sessions_not_stored_at_all %" G_GINT64_FORMAT " count\n",
	       vanished);
	if (lost->len) {
		printf("crash_lost_p50 %" G_GINT64_FORMAT " ms\n",
		       g_array_index(lost, int64_t, lost->len / 2));
		printf("crash_lost_p99 %" G_GINT64_FORMAT " ms\n",
		       g_array_index(lost, int64_t, lost->len * 99 / 100));
		printf("crash_lost_max %" G_GINT64_FORMAT " ms\n",
		       g_array_index(lost, int64_t, lost->len - 1));
	}
	g_rand_free(rnd);
	harness_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
