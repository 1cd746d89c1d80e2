/* SPDX-License-Identifier: MIT */
/*
 * test-tcx.c - what `gymhubctl export --format tcx` writes: the exact
 * document for a small session (laps with their heart rate, a lap with
 * no heart rate and so no Track, names escaped), text XML cannot carry
 * made safe, errors (-ENODATA, -EIO), and sessions of every shape valid
 * against Garmin's TCX v2 schema (tests/schemas/, checked with xmllint
 * from libxml2-utils, which must be installed: a missing xmllint fails).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "export.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T0 1795333104120LL /* 2026-11-22T07:38:24.120Z */

static struct sq_segment small_segments[] = {
	{.idx = 0,
	 .kind = "prep",
	 .exercise = "",
	 .side = "",
	 .planned_start_ms = T0,
	 .planned_end_ms = T0 + 3000,
	 .start_ms = T0,
	 .end_ms = T0 + 3000},
	/* planned 2 s, paused for 0.5 s */
	{.idx = 1,
	 .kind = "hold",
	 .exercise = "Wall sit <1> & \"2\"",
	 .side = "left",
	 .set = 1,
	 .sets = 2,
	 .planned_start_ms = T0 + 3000,
	 .planned_end_ms = T0 + 5000,
	 .start_ms = T0 + 3000,
	 .end_ms = T0 + 5500},
	{.idx = 2,
	 .kind = "rest",
	 .exercise = "",
	 .side = "",
	 .planned_start_ms = T0 + 5000,
	 .planned_end_ms = T0 + 7500,
	 .start_ms = T0 + 5500,
	 .end_ms = T0 + 8000},
};

static char strap[] = "H10";

/* Contact lost (0 bpm) at 5 s: the rest lap has no heart rate. */
static struct sq_hr small_hr[] = {
	{T0 + 500, 90, strap},	 {T0 + 1500, 95, strap},
	{T0 + 3200, 120, strap}, {T0 + 4100, 130, strap},
	{T0 + 5000, 0, strap},
};

static struct sq_detail small(void)
{
	return (struct sq_detail){
		.session = {.id = 3,
			    .workout = "iso",
			    .title = "Iso & more",
			    .state = "completed",
			    .started_ms = T0,
			    .ended_ms = T0 + 8000},
		.segments = small_segments,
		.n_segments = N(small_segments),
		.hr = small_hr,
		.n_hr = N(small_hr),
	};
}

/* The TCX text of @d, with export_tcx()'s result in *ret_r. */
static char *tcx_text(const struct sq_detail *d, int *ret_r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	*ret_r = export_tcx(d, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define TP(t, bpm)                                                   \
	"          <Trackpoint><Time>2026-11-22T07:38:" t "Z</Time>" \
	"<HeartRateBpm><Value>" bpm "</Value></HeartRateBpm></Trackpoint>\n"

static void test_document(void **state)
{
	struct sq_detail d = small();
	int r;
	char *got = tcx_text(&d, &r);

	assert_int_equal(r, 0);
	assert_string_equal(
		got,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<TrainingCenterDatabase xmlns=\"http://www.garmin.com/"
		"xmlschemas/TrainingCenterDatabase/v2\"\n"
		"  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
		"  xsi:schemaLocation=\"http://www.garmin.com/xmlschemas/"
		"TrainingCenterDatabase/v2 http://www.garmin.com/xmlschemas/"
		"TrainingCenterDatabasev2.xsd\">\n"
		"  <Activities>\n"
		"    <Activity Sport=\"Other\">\n"
		"      <Id>2026-11-22T07:38:24.120Z</Id>\n"
		"      <Lap StartTime=\"2026-11-22T07:38:24.120Z\">\n"
		"        <TotalTimeSeconds>3.000</TotalTimeSeconds>\n"
		"        <DistanceMeters>0</DistanceMeters>\n"
		"        <Calories>0</Calories>\n"
		"        <AverageHeartRateBpm><Value>93</Value>"
		"</AverageHeartRateBpm>\n"
		"        <MaximumHeartRateBpm><Value>95</Value>"
		"</MaximumHeartRateBpm>\n"
		"        <Intensity>Resting</Intensity>\n"
		"        <TriggerMethod>Manual</TriggerMethod>\n"
		"        <Track>\n" TP("24", "90") TP("25", "95") TP(
			"26",
			"95") "        </Track>\n"
			      "        <Notes>prep</Notes>\n"
			      "      </Lap>\n"
			      "      <Lap StartTime=\"2026-11-22T07:38:27.120Z\">\n"
			      "        <TotalTimeSeconds>2.000</TotalTimeSeconds>\n"
			      "        <DistanceMeters>0</DistanceMeters>\n"
			      "        <Calories>0</Calories>\n"
			      "        <AverageHeartRateBpm><Value>125</Value>"
			      "</AverageHeartRateBpm>\n"
			      "        <MaximumHeartRateBpm><Value>130</Value>"
			      "</MaximumHeartRateBpm>\n"
			      "        <Intensity>Active</Intensity>\n"
			      "        <TriggerMethod>Manual</TriggerMethod>\n"
			      "        <Track>\n" TP("27", "120") TP(
				      "28",
				      "130") "        </Track>\n"
					     "        <Notes>hold: Wall sit &lt;1&gt; &amp; \"2\" (left), "
					     "set 1/2</Notes>\n"
					     "      </Lap>\n"
					     "      <Lap StartTime=\"2026-11-22T07:38:29.620Z\">\n"
					     "        <TotalTimeSeconds>2.500</TotalTimeSeconds>\n"
					     "        <DistanceMeters>0</DistanceMeters>\n"
					     "        <Calories>0</Calories>\n"
					     "        <Intensity>Resting</Intensity>\n"
					     "        <TriggerMethod>Manual</TriggerMethod>\n"
					     "        <Notes>rest</Notes>\n"
					     "      </Lap>\n"
					     "      <Notes>Iso &amp; more</Notes>\n"
					     "    </Activity>\n"
					     "  </Activities>\n"
					     "</TrainingCenterDatabase>\n");
	free(got);
}

static void test_unsafe_text(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		/* CR kept as a reference; NUL-free controls dropped */
		{"a\r\nb\x01\x1f\tc", "a&#13;\nb\tc"},
		/* broken UTF-8 becomes U+FFFD; good UTF-8 passes */
		{"\xff\xc3(\xc3\xa9", "\xEF\xBF\xBD\xEF\xBF\xBD(\xc3\xa9"},
		/* a UTF-16 surrogate and an overlong '/' are not UTF-8 */
		{"\xed\xa0\x80|\xc0\xaf", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
					  "|\xEF\xBF\xBD\xEF\xBF\xBD"},
		/* U+FFFE is UTF-8 but not an XML character */
		{"x\xef\xbf\xbey", "xy"},
	};
	struct sq_detail d = small();
	char want[128];
	size_t i;
	int r;

	for (i = 0; i < N(cases); i++) {
		char *got;

		d.session.title = (char *)cases[i].name;
		got = tcx_text(&d, &r);
		assert_int_equal(r, 0);
		snprintf(want, sizeof(want), "<Notes>%s</Notes>",
			 cases[i].want);
		if (!strstr(got, want))
			fail_msg("case %zu: no %s in:\n%s", i, want, got);
		free(got);
	}
}

static void test_empty_session(void **state)
{
	struct sq_detail d = small();
	struct sq_segment never = small_segments[2];
	int r;
	char *got;

	d.n_segments = 0;
	got = tcx_text(&d, &r);
	assert_int_equal(r, -ENODATA);
	assert_string_equal(got, "");
	free(got);
	/* segments that never started do not count */
	never.start_ms = never.end_ms = 0;
	d.segments = &never;
	d.n_segments = 1;
	got = tcx_text(&d, &r);
	assert_int_equal(r, -ENODATA);
	assert_string_equal(got, "");
	free(got);
}

static void test_deterministic(void **state)
{
	struct sq_detail d = small();
	int r1, r2;
	char *a = tcx_text(&d, &r1), *b = tcx_text(&d, &r2);

	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_write_error(void **state)
{
	struct sq_detail d = small();
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	assert_int_equal(export_tcx(&d, f), -EIO);
	fclose(f);
}

/* --- schema validation ------------------------------------------------ */

static const char *src_dir(void)
{
	const char *s = getenv("GYMHUB_SRCDIR");

	return s ? s : ".";
}

/* Writes @d as TCX to @path and validates it with xmllint. */
static void assert_valid(const struct sq_detail *d, const char *path)
{
	char cmd[1024];
	FILE *f = fopen(path, "w");
	int rc;

	assert_non_null(f);
	assert_int_equal(export_tcx(d, f), 0);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd),
		 "xmllint --noout --nonet --schema "
		 "'%s/tests/schemas/TrainingCenterDatabasev2.xsd' '%s'",
		 src_dir(), path);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		fail_msg("could not run: %s", cmd);
	if (WEXITSTATUS(rc) == 127)
		fail_msg("xmllint not found: install libxml2-utils "
			 "(apt-get install libxml2-utils)");
	if (WEXITSTATUS(rc) != 0)
		fail_msg("%s is not valid TCX v2 (xmllint exit %d, see above)",
			 path, WEXITSTATUS(rc));
}

/* A longer session: tabata-like work/rest with heart rate throughout,
 * a stop in the last work interval, names that need care. */
#define BIG_SEGS 17
#define BIG_HR	 200

static void test_schema_valid(void **state)
{
	static const char *const names[] = {
		"squat",
		"push-up <fast>",
		"a\x01\xff\r\n&",
		"Übung",
	};
	struct sq_segment segs[BIG_SEGS];
	struct sq_hr hr[BIG_HR];
	char dir[] = "/tmp/gymhub-tcx-XXXXXX", path[256], cmd[300];
	struct sq_detail d = small();
	int64_t t = T0;
	size_t i;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/small.tcx", dir);
	assert_valid(&d, path);

	for (i = 0; i < BIG_SEGS; i++) {
		bool work = i % 2 == 1;
		int64_t len = work ? 20000 : 10000;

		segs[i] = (struct sq_segment){
			.idx = (uint32_t)i,
			.kind = i == 0 ? "prep"
				: work ? "work"
				       : "rest",
			.exercise = work ? (char *)names[i / 2 % N(names)] : "",
			.side = "",
			.round = (uint32_t)(i + 1) / 2,
			.rounds = 8,
			.planned_start_ms = t,
			.planned_end_ms = t + len,
			.start_ms = t,
			/* stopped in the last interval: no end */
			.end_ms = i == BIG_SEGS - 1 ? 0 : t + len,
			.skipped = i == BIG_SEGS - 1,
		};
		t += len;
	}
	for (i = 0; i < BIG_HR; i++)
		hr[i] = (struct sq_hr){.t_ms = T0 + 700 + 1000 * (int64_t)i,
				       .bpm = (uint16_t)(70 + i % 120),
				       .sensor = NULL};
	d.segments = segs;
	d.n_segments = BIG_SEGS;
	d.hr = hr;
	d.n_hr = BIG_HR;
	d.session.ended_ms = t - 3000;
	d.session.title = "";
	snprintf(path, sizeof(path), "%s/tabata.tcx", dir);
	assert_valid(&d, path);

	/* no heart rate at all: no Track anywhere, no Notes for the
	 * activity, a session that never ended */
	d.hr = NULL;
	d.n_hr = 0;
	d.session.workout = "";
	d.session.ended_ms = 0;
	snprintf(path, sizeof(path), "%s/no-hr.tcx", dir);
	assert_valid(&d, path);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_unsafe_text),
		cmocka_unit_test(test_empty_session),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_schema_valid),
	};

	return cmocka_run_group_tests_name("tcx", tests, NULL, NULL);
}
