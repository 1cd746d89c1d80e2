/* SPDX-License-Identifier: MIT */
/*
 * export-csv.c - one stored session as CSV tables (RFC 4180).
 *
 * Pure C: no GLib, any thread. Numbers are printed from integers (times
 * in thousandths) so the output does not depend on LC_NUMERIC: gymhubctl
 * calls setlocale(), and "1,5" in a German locale would break the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "export-time.h"
#include "export.h"

/* Loads beyond this are nonsense; they read as unknown. */
#define LOAD_MAX_KG 1e9

/* a - b without signed overflow on a damaged database. */
static int64_t diff(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static void sep(FILE *out)
{
	fputc(',', out);
}

/* RFC 4180 §2.6/§2.7: quote fields holding a comma, quote, CR or LF and
 * double the quotes inside; anything else goes out as it is (UTF-8). */
static void put_str(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void put_u32(FILE *out, uint32_t v)
{
	fprintf(out, "%" PRIu32, v);
}

static void put_i64(FILE *out, int64_t v)
{
	fprintf(out, "%" PRId64, v);
}

/* @v thousandths of a unit as "-1.234". */
static void put_milli(FILE *out, int64_t v)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

	fprintf(out, "%s%" PRIu64 ".%03u", v < 0 ? "-" : "", mag / 1000,
		(unsigned int)(mag % 1000));
}

/* Unix ms as ISO 8601 UTC with milliseconds; 0 (not recorded) and times
 * outside four-digit years give an empty field. */
static void put_time(FILE *out, int64_t ms)
{
	char buf[EXPORT_TIME_SIZE];

	if (ms == 0 || ms < EXPORT_TIME_MIN_MS || ms > EXPORT_TIME_MAX_MS)
		return;
	export_format_time(ms, true, buf);
	fputs(buf, out);
}

/* Seconds from @end - @start with 3 decimals; empty unless both known. */
static void put_span(FILE *out, int64_t start, int64_t end)
{
	if (start && end)
		put_milli(out, diff(end, start));
}

/* Kilograms rounded to grams, trailing zeros dropped: "22.5", "20". */
static void put_kg(FILE *out, double kg)
{
	uint64_t g;
	char frac[4];
	int i;

	if (!isfinite(kg) || kg == 0 || kg > LOAD_MAX_KG || kg < -LOAD_MAX_KG)
		return;
	if (kg < 0) {
		fputc('-', out);
		kg = -kg;
	}
	g = (uint64_t)(kg * 1000 + 0.5);
	fprintf(out, "%" PRIu64, g / 1000);
	if (g % 1000 == 0)
		return;
	snprintf(frac, sizeof(frac), "%03u", (unsigned int)(g % 1000));
	for (i = 2; frac[i] == '0'; i--)
		frac[i] = '\0';
	fprintf(out, ".%s", frac);
}

/* RFC 4180 §2.1: every record, the header too, ends in CRLF. */
static void eol(FILE *out)
{
	fputs("\r\n", out);
}

static void sessions_rows(const struct sq_detail *d, FILE *out)
{
	const struct sq_session *s = &d->session;

	put_i64(out, s->id);
	sep(out);
	put_str(out, s->workout);
	sep(out);
	put_str(out, s->title);
	sep(out);
	put_str(out, s->state);
	sep(out);
	put_time(out, s->started_ms);
	sep(out);
	put_time(out, s->ended_ms);
	sep(out);
	put_span(out, s->started_ms, s->ended_ms);
	eol(out);
}

/* Planned times relative to the session start; 0 = not recorded (an
 * open rep step has no planned end). */
static void put_planned(FILE *out, const struct sq_detail *d, int64_t ms)
{
	if (ms)
		put_milli(out, diff(ms, d->session.started_ms));
}

static void segments_rows(const struct sq_detail *d, FILE *out)
{
	const struct sq_segment *g;
	size_t i;

	for (i = 0; i < d->n_segments; i++) {
		g = &d->segments[i];
		put_u32(out, g->idx);
		sep(out);
		put_str(out, g->kind);
		sep(out);
		put_str(out, g->exercise);
		sep(out);
		put_str(out, g->side);
		sep(out);
		put_u32(out, g->round);
		sep(out);
		put_u32(out, g->rounds);
		sep(out);
		put_u32(out, g->set);
		sep(out);
		put_u32(out, g->sets);
		sep(out);
		put_planned(out, d, g->planned_start_ms);
		sep(out);
		put_planned(out, d, g->planned_end_ms);
		sep(out);
		put_time(out, g->start_ms);
		sep(out);
		put_time(out, g->end_ms);
		sep(out);
		put_span(out, g->start_ms, g->end_ms);
		sep(out);
		fputc(g->skipped ? '1' : '0', out);
		eol(out);
	}
}

static void sets_rows(const struct sq_detail *d, FILE *out)
{
	const struct sq_set *t;
	size_t i;

	for (i = 0; i < d->n_sets; i++) {
		t = &d->sets[i];
		put_u32(out, t->idx);
		sep(out);
		put_str(out, t->exercise);
		sep(out);
		put_str(out, t->side);
		sep(out);
		put_u32(out, t->target_reps);
		sep(out);
		/* -1: not counted (no motion sensor worn) */
		if (t->reps >= 0)
			put_i64(out, t->reps);
		sep(out);
		put_milli(out, t->hold_ms);
		sep(out);
		put_kg(out, t->load_kg);
		sep(out);
		put_time(out, t->start_ms);
		sep(out);
		put_time(out, t->end_ms);
		eol(out);
	}
}

static void cues_rows(const struct sq_detail *d, FILE *out)
{
	const struct sq_cue *c;
	size_t i;

	for (i = 0; i < d->n_cues; i++) {
		c = &d->cues[i];
		put_u32(out, c->seq);
		sep(out);
		put_str(out, c->kind);
		sep(out);
		put_u32(out, c->segment);
		sep(out);
		put_time(out, c->planned_ms);
		sep(out);
		put_milli(out, c->late_us);
		eol(out);
	}
}

/* One row per notification; RR intervals space-separated in 1/1024 s. */
static void hr_rows(const struct sq_detail *d, FILE *out)
{
	const struct sq_hr_extra *x;
	size_t i, k;

	for (i = 0; i < d->n_hr; i++) {
		x = d->hr_extra ? &d->hr_extra[i] : NULL;
		put_time(out, d->hr[i].t_ms);
		sep(out);
		put_str(out, d->hr[i].sensor ? d->hr[i].sensor : "");
		sep(out);
		put_u32(out, d->hr[i].bpm);
		sep(out);
		put_str(out, x && x->contact ? x->contact : "");
		sep(out);
		if (x && x->energy_kj >= 0)
			put_u32(out, (uint32_t)x->energy_kj);
		sep(out);
		for (k = 0; x && k < x->n_rr; k++) {
			if (k)
				fputc(' ', out);
			put_u32(out, x->rr_1024[k]);
		}
		eol(out);
	}
}

static void gaps_rows(const struct sq_detail *d, FILE *out)
{
	size_t i;

	for (i = 0; i < d->n_gaps; i++) {
		put_str(out, d->gaps[i].sensor ? d->gaps[i].sensor : "");
		sep(out);
		put_time(out, d->gaps[i].lost_ms);
		sep(out);
		put_time(out, d->gaps[i].back_ms);
		sep(out);
		put_span(out, d->gaps[i].lost_ms, d->gaps[i].back_ms);
		eol(out);
	}
}

/* @v in thousandths, rounded half away from zero (no libm). */
static int64_t milli_of(double v)
{
	return (int64_t)(v * 1000 + (v < 0 ? -0.5 : 0.5));
}

/* Amplitude in milli-g as g with 3 decimals: what a sensor resolves. */
static void reps_rows(const struct sq_detail *d, FILE *out)
{
	size_t i;

	for (i = 0; i < d->n_reps; i++) {
		const struct sq_rep *r = &d->reps[i];

		put_u32(out, r->segment);
		sep(out);
		put_u32(out, r->count);
		sep(out);
		put_time(out, r->t_ms);
		sep(out);
		put_str(out, r->sensor ? r->sensor : "");
		sep(out);
		put_milli(out, isfinite(r->amplitude_g)
				       ? milli_of(r->amplitude_g)
				       : 0);
		sep(out);
		put_milli(out, r->duration_ms);
		eol(out);
	}
}

static const struct csv_table {
	const char *name;
	const char *header;
	void (*rows)(const struct sq_detail *d, FILE *out);
} tables[] = {
	{"sessions", "id,workout,title,state,started,ended,duration_s",
	 sessions_rows},
	{"segments",
	 "idx,kind,exercise,side,round,rounds,set,sets,planned_start_s,"
	 "planned_end_s,start,end,duration_s,skipped",
	 segments_rows},
	{"sets", "idx,exercise,side,target_reps,reps,hold_s,load_kg,start,end",
	 sets_rows},
	{"cues", "seq,kind,segment,planned,late_ms", cues_rows},
	{"hr", "time,sensor,bpm,contact,energy_kj,rr_1024", hr_rows},
	{"gaps", "sensor,lost,back,duration_s", gaps_rows},
	{"reps", "segment,count,time,sensor,amplitude_g,duration_s", reps_rows},
};

int export_csv(const struct sq_detail *d, const char *table, FILE *out)
{
	const struct csv_table *t = NULL;
	size_t i;

	for (i = 0; table && i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(table, tables[i].name) == 0)
			t = &tables[i];
	if (!t)
		return -EINVAL;
	fputs(t->header, out);
	eol(out);
	t->rows(d, out);
	/* stdio keeps the error flag: one check covers every write above. */
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
