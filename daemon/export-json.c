/* SPDX-License-Identifier: MIT */
/*
 * export-json.c - one stored session as a JSON document (json-glib).
 *
 * The shape is documented in docs/export-json.md; field names are those
 * of the CSV tables (export-csv.c), values are numbers, ISO 8601 strings,
 * or null where the database says "unknown". Any thread.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "export-time.h"
#include "export.h"

#define EXPORT_FORMAT  "gymhub-session"
#define EXPORT_VERSION 1

#define LOAD_MAX_KG 1e9

static int64_t diff(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* Database text is not checked on the way in; JSON must be UTF-8
 * (RFC 8259 §8.1), so broken bytes become U+FFFD rather than breaking
 * the whole document. */
static void add_str(JsonBuilder *b, const char *key, const char *s)
{
	g_autofree char *fixed = NULL;

	json_builder_set_member_name(b, key);
	if (!s) {
		json_builder_add_null_value(b);
		return;
	}
	if (!g_utf8_validate(s, -1, NULL))
		s = fixed = g_utf8_make_valid(s, -1);
	json_builder_add_string_value(b, s);
}

static void add_int(JsonBuilder *b, const char *key, int64_t v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, v);
}

static void add_null(JsonBuilder *b, const char *key)
{
	json_builder_set_member_name(b, key);
	json_builder_add_null_value(b);
}

/* Thousandths as a number: 1234 -> 1.234. */
static void add_milli(JsonBuilder *b, const char *key, int64_t v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_double_value(b, (double)v / 1000.0);
}

/* Unix ms as "2026-11-22T07:38:24.120Z"; 0 (not recorded) is null. */
static void add_time(JsonBuilder *b, const char *key, int64_t ms)
{
	char buf[EXPORT_TIME_SIZE];

	if (ms == 0 || ms < EXPORT_TIME_MIN_MS || ms > EXPORT_TIME_MAX_MS) {
		add_null(b, key);
		return;
	}
	export_format_time(ms, true, buf);
	add_str(b, key, buf);
}

static void add_span(JsonBuilder *b, const char *key, int64_t start,
		     int64_t end)
{
	if (start && end)
		add_milli(b, key, diff(end, start));
	else
		add_null(b, key);
}

static void add_planned(JsonBuilder *b, const char *key,
			const struct sq_detail *d, int64_t ms)
{
	if (ms)
		add_milli(b, key, diff(ms, d->session.started_ms));
	else
		add_null(b, key);
}

static void add_session(JsonBuilder *b, const struct sq_session *s)
{
	json_builder_set_member_name(b, "session");
	json_builder_begin_object(b);
	add_int(b, "id", s->id);
	add_str(b, "workout", s->workout);
	add_str(b, "title", s->title);
	add_str(b, "state", s->state);
	add_time(b, "started", s->started_ms);
	add_time(b, "ended", s->ended_ms);
	add_span(b, "duration_s", s->started_ms, s->ended_ms);
	json_builder_end_object(b);
}

static void add_segments(JsonBuilder *b, const struct sq_detail *d)
{
	const struct sq_segment *g;
	size_t i;

	json_builder_set_member_name(b, "segments");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_segments; i++) {
		g = &d->segments[i];
		json_builder_begin_object(b);
		add_int(b, "idx", g->idx);
		add_str(b, "kind", g->kind);
		add_str(b, "exercise", g->exercise);
		add_str(b, "side", g->side);
		add_int(b, "round", g->round);
		add_int(b, "rounds", g->rounds);
		add_int(b, "set", g->set);
		add_int(b, "sets", g->sets);
		add_planned(b, "planned_start_s", d, g->planned_start_ms);
		add_planned(b, "planned_end_s", d, g->planned_end_ms);
		add_time(b, "start", g->start_ms);
		add_time(b, "end", g->end_ms);
		add_span(b, "duration_s", g->start_ms, g->end_ms);
		json_builder_set_member_name(b, "skipped");
		json_builder_add_boolean_value(b, g->skipped != 0);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* Rounded to grams like the CSV; 0 means "unknown" in the database. */
static void add_kg(JsonBuilder *b, const char *key, double kg)
{
	if (!isfinite(kg) || kg == 0 || kg > LOAD_MAX_KG || kg < -LOAD_MAX_KG)
		add_null(b, key);
	else
		add_milli(b, key, (int64_t)(kg * 1000 + (kg < 0 ? -0.5 : 0.5)));
}

static void add_sets(JsonBuilder *b, const struct sq_detail *d)
{
	const struct sq_set *t;
	size_t i;

	json_builder_set_member_name(b, "sets");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_sets; i++) {
		t = &d->sets[i];
		json_builder_begin_object(b);
		add_int(b, "idx", t->idx);
		add_str(b, "exercise", t->exercise);
		add_str(b, "side", t->side);
		add_int(b, "target_reps", t->target_reps);
		if (t->reps >= 0)
			add_int(b, "reps", t->reps);
		else
			add_null(b, "reps"); /* not counted */
		add_milli(b, "hold_s", t->hold_ms);
		add_kg(b, "load_kg", t->load_kg);
		add_time(b, "start", t->start_ms);
		add_time(b, "end", t->end_ms);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void add_cues(JsonBuilder *b, const struct sq_detail *d)
{
	const struct sq_cue *c;
	size_t i;

	json_builder_set_member_name(b, "cues");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_cues; i++) {
		c = &d->cues[i];
		json_builder_begin_object(b);
		add_int(b, "seq", c->seq);
		add_str(b, "kind", c->kind);
		add_int(b, "segment", c->segment);
		add_time(b, "planned", c->planned_ms);
		add_milli(b, "late_ms", c->late_us);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* One object per heart-rate notification, as stored. */
static void add_heart_rate(JsonBuilder *b, const struct sq_detail *d)
{
	const struct sq_hr_extra *x;
	size_t i, k;

	json_builder_set_member_name(b, "heart_rate");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_hr; i++) {
		x = d->hr_extra ? &d->hr_extra[i] : NULL;
		json_builder_begin_object(b);
		add_time(b, "time", d->hr[i].t_ms);
		add_str(b, "sensor", d->hr[i].sensor ? d->hr[i].sensor : "");
		add_int(b, "bpm", d->hr[i].bpm);
		add_str(b, "contact", x && x->contact ? x->contact : "");
		if (x && x->energy_kj >= 0)
			add_int(b, "energy_kj", x->energy_kj);
		else
			add_null(b, "energy_kj");
		json_builder_set_member_name(b, "rr_1024");
		json_builder_begin_array(b);
		for (k = 0; x && k < x->n_rr; k++)
			json_builder_add_int_value(b, x->rr_1024[k]);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* @v in thousandths, rounded half away from zero (no libm). */
static int64_t milli_of(double v)
{
	return (int64_t)(v * 1000 + (v < 0 ? -0.5 : 0.5));
}

static void add_reps(JsonBuilder *b, const struct sq_detail *d)
{
	size_t i;

	json_builder_set_member_name(b, "reps");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_reps; i++) {
		const struct sq_rep *r = &d->reps[i];

		json_builder_begin_object(b);
		add_int(b, "segment", r->segment);
		add_int(b, "count", r->count);
		add_time(b, "time", r->t_ms);
		add_str(b, "sensor", r->sensor ? r->sensor : "");
		/* milli-g: what a sensor resolves, and short to print */
		add_milli(b, "amplitude_g",
			  isfinite(r->amplitude_g) ? milli_of(r->amplitude_g)
						   : 0);
		add_milli(b, "duration_s", r->duration_ms);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void add_gaps(JsonBuilder *b, const struct sq_detail *d)
{
	size_t i;

	json_builder_set_member_name(b, "gaps");
	json_builder_begin_array(b);
	for (i = 0; i < d->n_gaps; i++) {
		json_builder_begin_object(b);
		add_str(b, "sensor",
			d->gaps[i].sensor ? d->gaps[i].sensor : "");
		add_time(b, "lost", d->gaps[i].lost_ms);
		add_time(b, "back", d->gaps[i].back_ms);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

int export_json(const struct sq_detail *d, FILE *out)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	gsize len;

	json_builder_begin_object(b);
	add_str(b, "format", EXPORT_FORMAT);
	add_int(b, "version", EXPORT_VERSION);
	add_session(b, &d->session);
	add_segments(b, d);
	add_sets(b, d);
	add_cues(b, d);
	add_heart_rate(b, d);
	add_gaps(b, d);
	add_reps(b, d);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, &len);
	fwrite(text, 1, len, out);
	fputc('\n', out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
