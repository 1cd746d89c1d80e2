/* SPDX-License-Identifier: MIT */
/*
 * display-state.c - helpers for struct display_state (pure).
 */
#include <string.h>

#include "display-state.h"

void display_state_init(struct display_state *st)
{
	memset(st, 0, sizeof(*st));
	st->mode = DISPLAY_NO_DAEMON;
}

static bool sensor_equal(const struct display_sensor *a,
			 const struct display_sensor *b)
{
	return strcmp(a->name, b->name) == 0 && a->kind == b->kind &&
	       a->connected == b->connected && a->battery == b->battery;
}

static bool clock_equal(const struct display_clock *a,
			const struct display_clock *b)
{
	if (a->valid != b->valid)
		return false;
	if (!a->valid)
		return true;
	return a->hour == b->hour && a->min == b->min && a->wday == b->wday &&
	       a->mday == b->mday && a->mon == b->mon;
}

static bool summary_equal(const struct display_summary *a,
			  const struct display_summary *b)
{
	return a->completed == b->completed &&
	       strcmp(a->workout, b->workout) == 0 &&
	       a->elapsed_s == b->elapsed_s &&
	       a->rounds_done == b->rounds_done && a->rounds == b->rounds &&
	       a->reps == b->reps && a->hr_avg == b->hr_avg &&
	       a->hr_max == b->hr_max;
}

bool display_state_equal(const struct display_state *a,
			 const struct display_state *b)
{
	size_t i;

	/* Field by field: memcmp would also compare padding bytes. The
	 * remaining time only matters as the seconds it shows. */
	if (a->mode != b->mode || a->phase != b->phase || a->side != b->side ||
	    a->round != b->round || a->rounds != b->rounds ||
	    a->set != b->set || a->sets != b->sets ||
	    display_seconds_shown(a->remaining_ms) !=
		    display_seconds_shown(b->remaining_ms) ||
	    a->duration_ms != b->duration_ms ||
	    a->target_reps != b->target_reps || a->has_reps != b->has_reps ||
	    a->reps != b->reps || a->has_holding != b->has_holding ||
	    a->holding != b->holding || a->waiting != b->waiting ||
	    a->heart_rate != b->heart_rate || a->hr_zone != b->hr_zone ||
	    a->n_sensors != b->n_sensors)
		return false;
	if (strcmp(a->workout, b->workout) != 0 ||
	    strcmp(a->exercise, b->exercise) != 0 ||
	    strcmp(a->today, b->today) != 0)
		return false;
	for (i = 0; i < a->n_sensors && i < DISPLAY_MAX_SENSORS; i++)
		if (!sensor_equal(&a->sensors[i], &b->sensors[i]))
			return false;
	return clock_equal(&a->clock, &b->clock) &&
	       summary_equal(&a->summary, &b->summary);
}

void display_state_set_text(char *dst, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	n = strlen(src);
	if (n > DISPLAY_TEXT_MAX - 1) {
		n = DISPLAY_TEXT_MAX - 1;
		/* Never cut a UTF-8 sequence: back up over continuation
		 * bytes (10xxxxxx) to the start of the character. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

enum display_phase display_phase_from_string(const char *s)
{
	static const struct {
		const char *name;
		enum display_phase phase;
	} map[] = {
		{"prep", DISPLAY_PHASE_PREP}, {"warmup", DISPLAY_PHASE_WARMUP},
		{"work", DISPLAY_PHASE_WORK}, {"rest", DISPLAY_PHASE_REST},
		{"hold", DISPLAY_PHASE_HOLD}, {"switch", DISPLAY_PHASE_SWITCH},
		{"reps", DISPLAY_PHASE_REPS},
	};
	size_t i;

	for (i = 0; s && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].phase;
	return DISPLAY_PHASE_NONE;
}

enum display_side display_side_from_string(const char *s)
{
	if (s && strcmp(s, "left") == 0)
		return DISPLAY_SIDE_LEFT;
	if (s && strcmp(s, "right") == 0)
		return DISPLAY_SIDE_RIGHT;
	return DISPLAY_SIDE_NONE;
}

enum display_sensor_kind display_sensor_kind_from_string(const char *s)
{
	if (s && strcmp(s, "hr") == 0)
		return DISPLAY_SENSOR_HR;
	if (s && strcmp(s, "motion") == 0)
		return DISPLAY_SENSOR_MOTION;
	return DISPLAY_SENSOR_OTHER;
}

uint32_t display_seconds_shown(uint32_t ms)
{
	return ms / 1000 + (ms % 1000 != 0);
}
