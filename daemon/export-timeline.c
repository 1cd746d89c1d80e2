/* SPDX-License-Identifier: MIT */
/*
 * export-timeline.c - laps and per-second heart rate for the FIT and
 * TCX encoders (see export-timeline.h).
 *
 * The database may be damaged or come from a session cut off by a
 * power loss, so nothing here trusts an order or a range: times are
 * clamped so that every lap ends at or after its start and the
 * activity spans every lap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-timeline.h"

/* Heart rate shown per second: FIT uint8 has 255 as "invalid" and TCX
 * wants 1..255, so 1..254 are the readings we keep. */
#define BPM_MAX 254

static int64_t floor_s(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static bool is_active(const char *kind)
{
	return kind && (strcmp(kind, "work") == 0 ||
			strcmp(kind, "hold") == 0 || strcmp(kind, "reps") == 0);
}

/* Smallest lap start after @start_ms, or @fallback. */
static int64_t next_start(const struct export_timeline *t, int64_t start_ms,
			  int64_t fallback)
{
	int64_t best = fallback;
	bool found = false;
	size_t i;

	for (i = 0; i < t->n_laps; i++) {
		if (t->laps[i].start_ms > start_ms &&
		    (!found || t->laps[i].start_ms < best)) {
			best = t->laps[i].start_ms;
			found = true;
		}
	}
	return best;
}

int64_t export_timeline_close(const struct export_timeline *t, int64_t start_ms)
{
	size_t i;

	for (i = 0; i < t->n_laps; i++)
		if (t->laps[i].start_ms == start_ms)
			return t->laps[i].end_ms;
	return next_start(t, start_ms, t->end_ms);
}

/* Where the activity ends: the session's end, or the last thing known
 * to have happened, whichever is later. */
static int64_t activity_end(const struct export_timeline *t)
{
	const struct sq_detail *d = t->d;
	int64_t end = max64(d->session.ended_ms, t->start_ms);
	size_t i;

	for (i = 0; i < t->n_laps; i++)
		end = max64(end, max64(t->laps[i].start_ms, t->laps[i].end_ms));
	for (i = 0; i < d->n_sets; i++)
		end = max64(end, max64(d->sets[i].start_ms, d->sets[i].end_ms));
	/* A session still running (or never closed) has no end: its heart
	 * rate shows how long it went on. */
	if (!d->session.ended_ms && d->n_hr)
		end = max64(end, d->hr[d->n_hr - 1].t_ms);
	return end;
}

/*
 * The store keeps no record of pauses: a pause moves the end of the
 * segment it happens in (engine.h). So a timed segment that ran longer
 * than planned and was not cut short was paused for the difference.
 */
static int64_t timer_ms(const struct export_lap *l)
{
	const struct sq_segment *g = l->seg;
	int64_t elapsed = l->end_ms - l->start_ms;
	int64_t planned = g->planned_end_ms - g->planned_start_ms;

	if (g->skipped || !g->planned_start_ms || !g->planned_end_ms ||
	    planned <= 0 || elapsed <= planned)
		return elapsed;
	return planned;
}

static void stats_add(struct export_hr_stats *s, uint8_t bpm)
{
	if (!s->n || bpm < s->min)
		s->min = bpm;
	if (!s->n || bpm > s->max)
		s->max = bpm;
	s->n++;
	s->sum += bpm;
}

uint8_t export_hr_avg(const struct export_hr_stats *s)
{
	if (!s->n)
		return 0;
	return (uint8_t)((s->sum + s->n / 2) / s->n);
}

int export_timeline_build(const struct sq_detail *d,
			  struct export_timeline *ret)
{
	struct export_timeline t = {.d = d};
	struct export_hr_iter it;
	struct export_hr_point p;
	struct export_lap *l;
	size_t i, n = 0;

	for (i = 0; i < d->n_segments; i++)
		n += d->segments[i].start_ms != 0;
	if (!n)
		return -ENODATA;
	t.laps = calloc(n, sizeof(*t.laps));
	if (!t.laps)
		return -ENOMEM;
	for (i = 0; i < d->n_segments; i++) {
		if (!d->segments[i].start_ms)
			continue; /* never ran */
		l = &t.laps[t.n_laps++];
		l->seg = &d->segments[i];
		l->start_ms = l->seg->start_ms;
		l->end_ms = l->seg->end_ms;
		l->active = is_active(l->seg->kind);
	}

	t.start_ms = t.laps[0].start_ms;
	for (i = 1; i < t.n_laps; i++)
		if (t.laps[i].start_ms < t.start_ms)
			t.start_ms = t.laps[i].start_ms;
	if (d->session.started_ms && d->session.started_ms < t.start_ms)
		t.start_ms = d->session.started_ms;
	t.end_ms = activity_end(&t);

	/* A segment cut off by stop or a crash has no end: it lasted until
	 * the next one began, or until the end. */
	for (i = 0; i < t.n_laps; i++) {
		l = &t.laps[i];
		if (!l->end_ms)
			l->end_ms = next_start(&t, l->start_ms, t.end_ms);
		l->end_ms = max64(l->end_ms, l->start_ms);
		l->timer_ms = timer_ms(l);
		t.timer_ms += l->timer_ms;
	}

	export_hr_iter_init(&it, &t);
	while (export_hr_iter_next(&it, &p)) {
		stats_add(&t.hr, p.bpm);
		stats_add(&t.laps[p.lap].hr, p.bpm);
	}
	*ret = t;
	return 0;
}

void export_timeline_clear(struct export_timeline *t)
{
	if (!t)
		return;
	free(t->laps);
	*t = (struct export_timeline){0};
}

void export_hr_iter_init(struct export_hr_iter *it,
			 const struct export_timeline *t)
{
	*it = (struct export_hr_iter){
		.t = t,
		.next_s = floor_s(t->start_ms),
	};
}

bool export_hr_iter_next(struct export_hr_iter *it, struct export_hr_point *ret)
{
	const struct export_timeline *t = it->t;
	const struct sq_hr *hr = t->d->hr;
	size_t n = t->d->n_hr;
	int64_t sk, last, from, end_s = floor_s(t->end_ms);

	for (; it->k < n; it->k++) {
		sk = floor_s(hr[it->k].t_ms);
		last = sk + EXPORT_HR_HOLD_S;
		/* The next reading takes over from its own second on; out
		 * of order readings (a clock step) so hide this one. */
		if (it->k + 1 < n && floor_s(hr[it->k + 1].t_ms) - 1 < last)
			last = floor_s(hr[it->k + 1].t_ms) - 1;
		if (last > end_s)
			last = end_s;
		from = max64(it->next_s, sk);
		if (hr[it->k].bpm == 0 || hr[it->k].bpm > BPM_MAX ||
		    from > last)
			continue;
		it->next_s = from + 1;
		while (it->lap + 1 < t->n_laps &&
		       from >= floor_s(t->laps[it->lap + 1].start_ms))
			it->lap++;
		*ret = (struct export_hr_point){
			.unix_s = from,
			.bpm = (uint8_t)hr[it->k].bpm,
			.lap = it->lap,
		};
		return true;
	}
	return false;
}
