/* SPDX-License-Identifier: MIT */
/*
 * test-export.c - what `gymhubctl export` writes for a session built by
 * hand: byte-exact CSV for every table (RFC 4180 quoting, CRLF, UTF-8
 * passed through), JSON that parses back with the documented fields,
 * types and nulls, and errors a script can rely on (-EINVAL for an
 * unknown table, -EIO when the output cannot be written).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "export.h"

#define T0 1795333104120LL /* 2026-11-22T07:38:24.120Z */

static struct sq_segment segments[] = {
	{.idx = 0,
	 .kind = "prep",
	 .exercise = "",
	 .side = "",
	 .planned_start_ms = T0,
	 .planned_end_ms = T0 + 10000,
	 .start_ms = T0,
	 .end_ms = T0 + 10000},
	/* ended early by skip */
	{.idx = 1,
	 .kind = "hold",
	 .exercise = "Press, \"heavy\"",
	 .side = "left",
	 .round = 1,
	 .rounds = 2,
	 .set = 1,
	 .sets = 3,
	 .planned_start_ms = T0 + 10000,
	 .planned_end_ms = T0 + 55000,
	 .start_ms = T0 + 10002,
	 .end_ms = T0 + 40502,
	 .skipped = 1},
	/* an open rep step, cut off by stop before it ended */
	{.idx = 2,
	 .kind = "reps",
	 .exercise = "Übung",
	 .side = "",
	 .set = 2,
	 .sets = 3,
	 .planned_start_ms = T0 + 55000,
	 .start_ms = T0 + 40600},
};

static struct sq_set sets[] = {
	{.idx = 1,
	 .exercise = "Press, \"heavy\"",
	 .side = "left",
	 .reps = -1,
	 .hold_ms = 30500,
	 .load_kg = 22.5,
	 .start_ms = T0 + 10002,
	 .end_ms = T0 + 40502},
	{.idx = 2,
	 .exercise = "Übung",
	 .side = "",
	 .target_reps = 10,
	 .reps = 9,
	 .start_ms = T0 + 40600},
	{.idx = 3,
	 .exercise = "wall\r\nsit",
	 .side = "right",
	 .reps = 0,
	 .hold_ms = 45,
	 .load_kg = 2.25,
	 .start_ms = T0 + 70000,
	 .end_ms = T0 + 70045},
};

static struct sq_cue cues[] = {
	{.seq = 1,
	 .kind = "countdown",
	 .segment = 0,
	 .planned_ms = T0 + 7000,
	 .late_us = 850},
	{.seq = 2,
	 .kind = "start",
	 .segment = 1,
	 .planned_ms = T0 + 10000,
	 .late_us = -250},
	{.seq = 3,
	 .kind = "done",
	 .segment = 2,
	 .planned_ms = T0 + 95000,
	 .late_us = 1234567},
};

static char strap[] = "A0:9E:1A:00:00:01";
static char detected[] = "detected", unsupported[] = "unsupported";
static uint16_t rr_two[] = {786, 812};
static struct sq_hr hr[] = {{T0 + 1000, 92, strap}, {T0 + 2000, 95, strap}};
static struct sq_hr_extra hr_extra[] = {
	{.contact = detected, .energy_kj = 12, .rr_1024 = rr_two, .n_rr = 2},
	{.contact = unsupported, .energy_kj = -1},
};
static struct sq_gap gaps[] = {{strap, T0 + 3000, T0 + 7500},
			       {strap, T0 + 9000, 0}};

static struct sq_detail detail(void)
{
	return (struct sq_detail){
		.session = {.id = 42,
			    .workout = "iso",
			    .title = "Isometric, \"hard\" day",
			    .state = "stopped",
			    .started_ms = T0,
			    .ended_ms = T0 + 95250},
		.segments = segments,
		.n_segments = G_N_ELEMENTS(segments),
		.sets = sets,
		.n_sets = G_N_ELEMENTS(sets),
		.cues = cues,
		.n_cues = G_N_ELEMENTS(cues),
		.hr = hr,
		.hr_extra = hr_extra,
		.n_hr = G_N_ELEMENTS(hr),
		.gaps = gaps,
		.n_gaps = G_N_ELEMENTS(gaps),
	};
}

/* The CSV text of @table, with export_csv()'s result in *ret_r. */
static char *csv_text(const struct sq_detail *d, const char *table, int *ret_r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	*ret_r = export_csv(d, table, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_csv(const struct sq_detail *d, const char *table,
		       const char *want)
{
	int r;
	g_autofree char *got = csv_text(d, table, &r);

	assert_int_equal(r, 0);
	assert_string_equal(got, want);
}

static void test_csv_sessions(void **state)
{
	struct sq_detail d = detail();

	assert_csv(&d, "sessions",
		   "id,workout,title,state,started,ended,duration_s\r\n"
		   "42,iso,\"Isometric, \"\"hard\"\" day\",stopped,"
		   "2026-11-22T07:38:24.120Z,2026-11-22T07:39:59.370Z,"
		   "95.250\r\n");
}

static void test_csv_segments(void **state)
{
	struct sq_detail d = detail();

	assert_csv(&d, "segments",
		   "idx,kind,exercise,side,round,rounds,set,sets,"
		   "planned_start_s,planned_end_s,start,end,duration_s,"
		   "skipped\r\n"
		   "0,prep,,,0,0,0,0,0.000,10.000,2026-11-22T07:38:24.120Z,"
		   "2026-11-22T07:38:34.120Z,10.000,0\r\n"
		   "1,hold,\"Press, \"\"heavy\"\"\",left,1,2,1,3,10.000,"
		   "55.000,2026-11-22T07:38:34.122Z,"
		   "2026-11-22T07:39:04.622Z,30.500,1\r\n"
		   "2,reps,Übung,,0,0,2,3,55.000,,2026-11-22T07:39:04.720Z,"
		   ",,0\r\n");
}

static void test_csv_sets(void **state)
{
	struct sq_detail d = detail();

	assert_csv(&d, "sets",
		   "idx,exercise,side,target_reps,reps,hold_s,load_kg,start,"
		   "end\r\n"
		   "1,\"Press, \"\"heavy\"\"\",left,0,,30.500,22.5,"
		   "2026-11-22T07:38:34.122Z,2026-11-22T07:39:04.622Z\r\n"
		   "2,Übung,,10,9,0.000,,2026-11-22T07:39:04.720Z,\r\n"
		   "3,\"wall\r\nsit\",right,0,0,0.045,2.25,"
		   "2026-11-22T07:39:34.120Z,2026-11-22T07:39:34.165Z\r\n");
}

static void test_csv_cues(void **state)
{
	struct sq_detail d = detail();

	assert_csv(&d, "cues",
		   "seq,kind,segment,planned,late_ms\r\n"
		   "1,countdown,0,2026-11-22T07:38:31.120Z,0.850\r\n"
		   "2,start,1,2026-11-22T07:38:34.120Z,-0.250\r\n"
		   "3,done,2,2026-11-22T07:39:59.120Z,1234.567\r\n");
}

/* Heart rate as stored: one row per notification, RR in 1/1024 s. */
static void test_csv_hr_and_gaps(void **state)
{
	struct sq_detail d = detail();

	assert_csv(&d, "hr",
		   "time,sensor,bpm,contact,energy_kj,rr_1024\r\n"
		   "2026-11-22T07:38:25.120Z,A0:9E:1A:00:00:01,92,detected,12,"
		   "786 812\r\n"
		   "2026-11-22T07:38:26.120Z,A0:9E:1A:00:00:01,95,unsupported,,"
		   "\r\n");
	/* a strap still out when the session ended has no "back" */
	assert_csv(&d, "gaps",
		   "sensor,lost,back,duration_s\r\n"
		   "A0:9E:1A:00:00:01,2026-11-22T07:38:27.120Z,"
		   "2026-11-22T07:38:31.620Z,4.500\r\n"
		   "A0:9E:1A:00:00:01,2026-11-22T07:38:33.120Z,,\r\n");
}

/* A session still running (or cut off) has no end and no rows yet. */
static void test_csv_running_empty(void **state)
{
	struct sq_detail d = {.session = {.id = 7,
					  .workout = "tabata",
					  .title = "",
					  .state = "running",
					  .started_ms = T0}};

	assert_csv(&d, "sessions",
		   "id,workout,title,state,started,ended,duration_s\r\n"
		   "7,tabata,,running,2026-11-22T07:38:24.120Z,,\r\n");
	assert_csv(&d, "segments",
		   "idx,kind,exercise,side,round,rounds,set,sets,"
		   "planned_start_s,planned_end_s,start,end,duration_s,"
		   "skipped\r\n");
	assert_csv(&d, "sets",
		   "idx,exercise,side,target_reps,reps,hold_s,load_kg,start,"
		   "end\r\n");
	assert_csv(&d, "cues", "seq,kind,segment,planned,late_ms\r\n");
}

static void test_csv_unknown_table(void **state)
{
	static const char *const bad[] = {"fit", "Sessions", "", "set", NULL};
	struct sq_detail d = detail();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		int r;
		g_autofree char *got = csv_text(&d, bad[i], &r);

		assert_int_equal(r, -EINVAL);
		/* nothing half-written */
		assert_string_equal(got, "");
	}
}

/* Parses what export_json() wrote; fails the test on invalid JSON. */
static JsonNode *json_export(const struct sq_detail *d)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(export_json(d, f), 0);
	assert_int_equal(fclose(f), 0);
	if (!json_parser_load_from_data(p, buf, (gssize)size, &error))
		fail_msg("invalid JSON: %s\n%s", error->message, buf);
	return json_node_copy(json_parser_get_root(p));
}

static JsonNode *member(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	if (!n)
		fail_msg("no member \"%s\"", key);
	return n;
}

static void assert_json_int(JsonObject *o, const char *key, int64_t want)
{
	JsonNode *n = member(o, key);

	assert_int_equal(json_node_get_value_type(n), G_TYPE_INT64);
	assert_int_equal(json_node_get_int(n), want);
}

static void assert_json_num(JsonObject *o, const char *key, double want)
{
	JsonNode *n = member(o, key);
	double got;

	assert_int_equal(json_node_get_value_type(n), G_TYPE_DOUBLE);
	got = json_node_get_double(n);
	if (got - want > 1e-9 || want - got > 1e-9)
		fail_msg("%s: %.17g, want %.17g", key, got, want);
}

static void assert_json_str(JsonObject *o, const char *key, const char *want)
{
	JsonNode *n = member(o, key);

	assert_int_equal(json_node_get_value_type(n), G_TYPE_STRING);
	assert_string_equal(json_node_get_string(n), want);
}

static void assert_json_bool(JsonObject *o, const char *key, gboolean want)
{
	JsonNode *n = member(o, key);

	assert_int_equal(json_node_get_value_type(n), G_TYPE_BOOLEAN);
	assert_int_equal(json_node_get_boolean(n), want);
}

static void assert_json_null(JsonObject *o, const char *key)
{
	assert_true(JSON_NODE_HOLDS_NULL(member(o, key)));
}

static JsonObject *array_obj(JsonObject *o, const char *key, guint i,
			     guint want_len)
{
	JsonArray *a = json_node_get_array(member(o, key));

	assert_non_null(a);
	assert_int_equal(json_array_get_length(a), want_len);
	return json_array_get_object_element(a, i);
}

static void test_json_hr_and_gaps(void **state)
{
	struct sq_detail d = detail();
	g_autoptr(JsonNode) root = json_export(&d);
	JsonObject *o = json_node_get_object(root);
	JsonObject *h = array_obj(o, "heart_rate", 0, 2);
	JsonArray *rr = json_node_get_array(member(h, "rr_1024"));

	assert_json_str(h, "time", "2026-11-22T07:38:25.120Z");
	assert_json_int(h, "bpm", 92);
	assert_json_str(h, "contact", "detected");
	assert_json_int(h, "energy_kj", 12);
	assert_int_equal(json_array_get_length(rr), 2);
	assert_int_equal(json_array_get_int_element(rr, 1), 812);
	h = array_obj(o, "heart_rate", 1, 2);
	assert_json_null(h, "energy_kj");
	h = array_obj(o, "gaps", 1, 2);
	assert_json_str(h, "lost", "2026-11-22T07:38:33.120Z");
	assert_json_null(h, "back");
}

static void test_json_session(void **state)
{
	struct sq_detail d = detail();
	g_autoptr(JsonNode) root = json_export(&d);
	JsonObject *o = json_node_get_object(root), *s;

	assert_non_null(o);
	assert_json_str(o, "format", "gymhub-session");
	assert_json_int(o, "version", 1);
	s = json_node_get_object(member(o, "session"));
	assert_json_int(s, "id", 42);
	assert_json_str(s, "workout", "iso");
	assert_json_str(s, "title", "Isometric, \"hard\" day");
	assert_json_str(s, "state", "stopped");
	assert_json_str(s, "started", "2026-11-22T07:38:24.120Z");
	assert_json_str(s, "ended", "2026-11-22T07:39:59.370Z");
	assert_json_num(s, "duration_s", 95.25);
	assert_int_equal(json_object_get_size(s), 7);
}

static void test_json_rows(void **state)
{
	struct sq_detail d = detail();
	g_autoptr(JsonNode) root = json_export(&d);
	JsonObject *o = json_node_get_object(root), *r;

	r = array_obj(o, "segments", 1, 3);
	assert_json_int(r, "idx", 1);
	assert_json_str(r, "kind", "hold");
	assert_json_str(r, "exercise", "Press, \"heavy\"");
	assert_json_str(r, "side", "left");
	assert_json_int(r, "round", 1);
	assert_json_int(r, "rounds", 2);
	assert_json_int(r, "set", 1);
	assert_json_int(r, "sets", 3);
	assert_json_num(r, "planned_start_s", 10.0);
	assert_json_num(r, "planned_end_s", 55.0);
	assert_json_str(r, "start", "2026-11-22T07:38:34.122Z");
	assert_json_str(r, "end", "2026-11-22T07:39:04.622Z");
	assert_json_num(r, "duration_s", 30.5);
	assert_json_bool(r, "skipped", TRUE);

	r = array_obj(o, "segments", 2, 3);
	assert_json_str(r, "exercise", "Übung");
	assert_json_str(r, "side", "");
	assert_json_num(r, "planned_start_s", 55.0);
	assert_json_null(r, "planned_end_s");
	assert_json_null(r, "end");
	assert_json_null(r, "duration_s");
	assert_json_bool(r, "skipped", FALSE);

	r = array_obj(o, "sets", 0, 3);
	assert_json_int(r, "target_reps", 0);
	assert_json_null(r, "reps");
	assert_json_num(r, "hold_s", 30.5);
	assert_json_num(r, "load_kg", 22.5);
	r = array_obj(o, "sets", 1, 3);
	assert_json_str(r, "exercise", "Übung");
	assert_json_int(r, "reps", 9);
	assert_json_null(r, "load_kg");
	assert_json_null(r, "end");
	r = array_obj(o, "sets", 2, 3);
	assert_json_str(r, "exercise", "wall\r\nsit");
	assert_json_int(r, "reps", 0);
	assert_json_num(r, "load_kg", 2.25);

	r = array_obj(o, "cues", 1, 3);
	assert_json_int(r, "seq", 2);
	assert_json_str(r, "kind", "start");
	assert_json_int(r, "segment", 1);
	assert_json_str(r, "planned", "2026-11-22T07:38:34.120Z");
	assert_json_num(r, "late_ms", -0.25);
	r = array_obj(o, "cues", 2, 3);
	assert_json_num(r, "late_ms", 1234.567);
}

static void test_json_running_empty(void **state)
{
	struct sq_detail d = {.session = {.id = 7,
					  .workout = "tabata",
					  .title = "",
					  .state = "running",
					  .started_ms = T0}};
	g_autoptr(JsonNode) root = json_export(&d);
	JsonObject *o = json_node_get_object(root), *s;

	s = json_node_get_object(member(o, "session"));
	assert_json_null(s, "ended");
	assert_json_null(s, "duration_s");
	assert_int_equal(json_array_get_length(
				 json_node_get_array(member(o, "segments"))),
			 0);
	assert_int_equal(
		json_array_get_length(json_node_get_array(member(o, "sets"))),
		0);
	assert_int_equal(
		json_array_get_length(json_node_get_array(member(o, "cues"))),
		0);
}

/* A name stored with broken bytes must not make the document invalid. */
static void test_json_invalid_utf8(void **state)
{
	struct sq_detail d = detail();
	g_autoptr(JsonNode) root = NULL;
	JsonObject *s;

	d.session.title = "bad\xff";
	root = json_export(&d);
	s = json_node_get_object(member(json_node_get_object(root), "session"));
	assert_json_str(s, "title", "bad\xef\xbf\xbd"); /* U+FFFD */
}

/* Times as both encoders print them, across the calendar's corners. */
static void test_times(void **state)
{
	static const struct {
		int64_t ms;
		const char *iso; /* "" = empty field / null */
	} cases[] = {
		{T0, "2026-11-22T07:38:24.120Z"},
		{1835481599999LL, "2028-02-29T23:59:59.999Z"},
		{4107542400000LL, "2100-03-01T00:00:00.000Z"},
		/* past the 32-bit time_t of armhf Raspberry Pi OS */
		{2147483648000LL, "2038-01-19T03:14:08.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
		{0, ""}, /* not recorded */
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sq_detail d = {.session = {.id = 1,
						  .workout = "w",
						  .title = "",
						  .state = "running",
						  .started_ms = cases[i].ms}};
		g_autofree char *want = g_strdup_printf(
			"id,workout,title,state,started,ended,duration_s\r\n"
			"1,w,,running,%s,,\r\n",
			cases[i].iso);
		g_autoptr(JsonNode) root = json_export(&d);
		JsonObject *s = json_node_get_object(
			member(json_node_get_object(root), "session"));

		assert_csv(&d, "sessions", want);
		if (*cases[i].iso)
			assert_json_str(s, "started", cases[i].iso);
		else
			assert_json_null(s, "started");
	}
}

/*
 * `gymhubctl export > /dev/full` must fail, not claim success: -EIO
 * whether the stream is unbuffered (the first write fails) or buffered
 * (the flush at the end fails).
 */
static void test_write_error(void **state)
{
	static const char *const what[] = {"sessions", "segments", "sets",
					   "cues", "json"};
	struct sq_detail d = detail();
	size_t i;
	int buffered, r;
	FILE *f;

	for (buffered = 0; buffered < 2; buffered++) {
		for (i = 0; i < G_N_ELEMENTS(what); i++) {
			f = fopen("/dev/full", "we");
			if (!f) {
				fprintf(stderr, "  skipped: no /dev/full\n");
				skip();
			}
			if (!buffered)
				setvbuf(f, NULL, _IONBF, 0);
			if (strcmp(what[i], "json") == 0)
				r = export_json(&d, f);
			else
				r = export_csv(&d, what[i], f);
			assert_int_equal(r, -EIO);
			fclose(f);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_sessions),
		cmocka_unit_test(test_csv_segments),
		cmocka_unit_test(test_csv_sets),
		cmocka_unit_test(test_csv_cues),
		cmocka_unit_test(test_csv_hr_and_gaps),
		cmocka_unit_test(test_json_hr_and_gaps),
		cmocka_unit_test(test_csv_running_empty),
		cmocka_unit_test(test_csv_unknown_table),
		cmocka_unit_test(test_json_session),
		cmocka_unit_test(test_json_rows),
		cmocka_unit_test(test_json_running_empty),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
