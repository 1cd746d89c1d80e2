/* SPDX-License-Identifier: MIT */
/*
 * bench-export.c - how long `gymhubctl export` takes for a 1-hour
 * session in each format, writing to /dev/null.
 *
 * The session is synthetic: 3600 heart-rate readings (one a second),
 * 200 segments of 18 s, 30 of them sets (holds and rep sets), 400 cues.
 * Motion samples are not stored yet, so the 720 000 of them are
 * in no export and not here. Median of 5 runs per format; the goal is
 * 1 s each on a Raspberry Pi. Prints "export_<format>_1h <ms> ms".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"

#define T0	   1795333104120LL
#define N_SEGMENTS 200
#define SEGMENT_MS 18000
#define N_SETS	   30
#define N_HR	   3600
#define N_CUES	   400
#define RUNS	   5

static struct sq_segment segments[N_SEGMENTS];
static struct sq_set sets[N_SETS];
static struct sq_hr hr[N_HR];
static struct sq_cue cues[N_CUES];
static char sensor[] = "HRM-Pro:1234";

static struct sq_detail session(void)
{
	static const char *const names[] = {"wall sit", "push-up", "squat",
					    "side plank", "glute bridge"};
	size_t i, n_sets = 0;
	int64_t t;

	for (i = 0; i < N_SEGMENTS; i++) {
		struct sq_segment *g = &segments[i];
		bool effort = i % 6 == 3 && n_sets < N_SETS;

		t = T0 + (int64_t)i * SEGMENT_MS;
		*g = (struct sq_segment){
			.idx = (uint32_t)i,
			.kind = effort	 ? (n_sets % 2 ? "reps" : "hold")
				: i == 0 ? "prep"
					 : "rest",
			.exercise = effort ? (char *)names[n_sets % 5] : "",
			.side = "",
			.set = (uint32_t)n_sets + 1,
			.sets = N_SETS,
			.planned_start_ms = t,
			.planned_end_ms = t + SEGMENT_MS,
			.start_ms = t + 3,
			.end_ms = t + SEGMENT_MS + 3,
		};
		if (!effort)
			continue;
		sets[n_sets] = (struct sq_set){
			.idx = (uint32_t)n_sets + 1,
			.exercise = g->exercise,
			.side = "",
			.target_reps = n_sets % 2 ? 12 : 0,
			.reps = n_sets % 2 ? 11 : -1,
			.hold_ms = n_sets % 2 ? 0 : SEGMENT_MS,
			.load_kg = n_sets % 3 ? 0 : 12.5,
			.start_ms = g->start_ms,
			.end_ms = g->end_ms,
		};
		n_sets++;
	}
	for (i = 0; i < N_HR; i++)
		hr[i] = (struct sq_hr){.t_ms = T0 + 400 + (int64_t)i * 1000,
				       .bpm = (uint16_t)(90 + i * 13 % 80),
				       .sensor = sensor};
	for (i = 0; i < N_CUES; i++)
		cues[i] = (struct sq_cue){.seq = (uint32_t)i + 1,
					  .kind = i % 2 ? "end" : "start",
					  .segment = (uint32_t)i / 2,
					  .planned_ms = T0 + (int64_t)i * 9000,
					  .late_us = (int64_t)(i % 7) * 150};
	return (struct sq_detail){
		.session = {.id = 1,
			    .workout = "bench",
			    .title = "One hour",
			    .state = "completed",
			    .started_ms = T0,
			    .ended_ms = T0 + (int64_t)N_SEGMENTS * SEGMENT_MS},
		.segments = segments,
		.n_segments = N_SEGMENTS,
		.sets = sets,
		.n_sets = n_sets,
		.cues = cues,
		.n_cues = N_CUES,
		.hr = hr,
		.n_hr = N_HR,
	};
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run(const char *format, const struct sq_detail *d, FILE *out)
{
	if (strcmp(format, "csv") == 0)
		return export_csv(d, "segments", out);
	if (strcmp(format, "json") == 0)
		return export_json(d, out);
	if (strcmp(format, "fit") == 0)
		return export_fit(d, out);
	return export_tcx(d, out);
}

int main(void)
{
	static const char *const formats[] = {"csv", "json", "fit", "tcx"};
	struct sq_detail d = session();
	double ms[RUNS], t;
	size_t f, i;
	FILE *out = fopen("/dev/null", "w");
	int r;

	if (!out) {
		perror("bench-export: /dev/null");
		return 1;
	}
	fprintf(stderr,
		"bench-export: 1 h session, %zu segments, %zu sets, %zu "
		"heart-rate readings, %zu cues (motion samples: not stored "
		"yet); median of %d runs\n",
		d.n_segments, d.n_sets, d.n_hr, d.n_cues, RUNS);
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		for (i = 0; i < RUNS; i++) {
			t = now_ms();
			r = run(formats[f], &d, out);
			ms[i] = now_ms() - t;
			if (r < 0) {
				fprintf(stderr, "bench-export: %s: %s\n",
					formats[f], strerror(-r));
				return 1;
			}
		}
		qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
		printf("export_%s_1h %.2f ms\n", formats[f], ms[RUNS / 2]);
	}
	fclose(out);
	return 0;
}
