/* SPDX-License-Identifier: MIT */
/*
 * export-timeline.h - a stored session as the FIT and TCX encoders see
 * it: when the activity starts and ends, one lap per segment that ran
 * (open segments closed, timer time without pauses), and heart rate
 * resampled to one value per second.
 *
 * Both encoders use this so a FIT and a TCX of one session agree on
 * every lap time and heart-rate figure. Pure C, no GLib; the timeline
 * points into the struct sq_detail it was built from, which must
 * outlive it. Any thread, one at a time per timeline.
 */
#ifndef GYMHUB_EXPORT_TIMELINE_H
#define GYMHUB_EXPORT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export-time.h"
#include "session-query.h"

/*
 * A reading is held for the seconds after it until the next one, but
 * for no more than this: a strap that lost contact for longer shows as
 * a gap, not as a flat line.
 */
#define EXPORT_HR_HOLD_S 5

struct export_hr_stats {
	uint32_t n; /* seconds with a value */
	uint64_t sum;
	uint8_t min, max;
};

struct export_lap {
	const struct sq_segment *seg;
	int64_t start_ms, end_ms;  /* Unix ms, end >= start */
	int64_t timer_ms;	   /* <= end - start: pauses left out */
	bool active;		   /* work, hold or reps */
	struct export_hr_stats hr; /* the seconds assigned to this lap */
};

struct export_timeline {
	const struct sq_detail *d;
	int64_t start_ms, end_ms;
	int64_t timer_ms; /* sum over the laps */
	struct export_lap *laps;
	size_t n_laps;
	struct export_hr_stats hr; /* the whole activity */
};

/* -ENODATA when no segment ever started (nothing to export), -ENOMEM. */
int export_timeline_build(const struct sq_detail *d,
			  struct export_timeline *ret);
void export_timeline_clear(struct export_timeline *t); /* accepts NULL */

/*
 * End of something that began at @start_ms and has no end recorded:
 * the end of the lap that began then, else the start of the next lap,
 * else the end of the activity.
 */
int64_t export_timeline_close(const struct export_timeline *t,
			      int64_t start_ms);

/* Average of @s rounded to the nearest bpm; 0 when there is none. */
uint8_t export_hr_avg(const struct export_hr_stats *s);

/* One per-second heart-rate value. */
struct export_hr_point {
	int64_t unix_s;
	uint8_t bpm; /* 1..254 */
	size_t lap;  /* index into laps */
};

/*
 * Walks the per-second values in time order: second s shows the latest
 * reading taken before the end of s, held at most EXPORT_HR_HOLD_S
 * seconds; readings of 0 bpm (no contact) show nothing. Only seconds
 * within the activity appear. A second belongs to the last lap that
 * began at or before it (the first lap for earlier ones), so each
 * second is in exactly one lap.
 */
struct export_hr_iter {
	const struct export_timeline *t;
	size_t k;	/* current reading */
	int64_t next_s; /* no second before this one is left */
	size_t lap;
};
void export_hr_iter_init(struct export_hr_iter *it,
			 const struct export_timeline *t);
bool export_hr_iter_next(struct export_hr_iter *it,
			 struct export_hr_point *ret);

#endif
